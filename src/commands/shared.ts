// What the commands share: the command result, the engine default, the config, and the changed files.
import * as core from '@actions/core';
import { loadConfig } from '../config/load.js';
import type { ApplyMode, ConfigError, LoadedConfig } from '../config/types.js';
import type { Finding } from '../report/findings.js';
import { listChangedFiles } from '../github/pulls.js';
import type { RunReport } from '../report/types.js';
import { InputError, repositoryPath, type Settings } from '../settings.js';
import { gitChangedFiles, relativeToWorkingDirectory } from '../stacks/changed-files.js';
import { randomUUID } from 'node:crypto';
import { renderLogReport } from '../report/markdown.js';
import { logSafe } from '../report/escape.js';
import { repoOf, type RunContext } from './context.js';
import { engineEnvironment } from '../engines/index.js';
import { withUnitGraph } from '../engines/terragrunt.js';
import { discoverStacks, type Stack } from '../stacks/discover.js';
import { RepoTree } from '../stacks/tree.js';

export type { CommandResult } from './context.js';
export { forEachStack } from '../stacks/runner.js';

export const DEFAULT_CONFIG = '.stackgate.yml';

/** How a stack is applied: on a comment (the default) or on merge. */
export function applyModeOf(config: LoadedConfig | undefined, stack: Stack): ApplyMode {
  return stack.apply?.on ?? config?.apply.on ?? 'comment';
}

/**
 * The stacks of the run: declared or discovered, with Terragrunt's answer on each unit (what it reads, what it
 * depends on); discovered include files and sourced modules of units are no stacks.
 */
export async function runStacks(
  ctx: RunContext,
  config: LoadedConfig | undefined,
  tree = new RepoTree(),
): Promise<Stack[]> {
  const { settings } = ctx;
  const stacks = await withUnitGraph(
    await discoverStacks(settings.workspace, config, tree),
    {
      workspace: settings.workspace,
      env: engineEnvironment(ctx.env, settings.parallelism),
      tempDir: settings.tempDir,
    },
    { discovered: !config?.stacks, parallelism: settings.parallelism },
  );
  for (const stack of stacks) {
    if (stack.terragrunt?.error === undefined) continue;
    core.warning(
      logSafe(
        `${stack.terragrunt.error}. Stackgate cannot tell what unit ${stack.name} reads: every change plans it.`,
      ),
      { file: stack.path === '.' ? 'terragrunt.hcl' : `${stack.path}/terragrunt.hcl` },
    );
  }
  return stacks;
}

/** The config, or undefined when the default file is absent; a named file that is missing is an input error. */
export async function loadConfigOrThrow(settings: Settings): Promise<LoadedConfig | undefined> {
  const config = await loadConfig(settings.workspace, settings.configPath, settings.repoRoot);
  if (!config && settings.configPath !== DEFAULT_CONFIG) {
    throw new InputError('config', `'${settings.configPath}' does not exist in ${settings.workspace}`);
  }
  return config;
}

/** The pull request's changed files relative to the working directory (those outside it left out). */
export async function changedFiles(ctx: RunContext): Promise<string[] | undefined> {
  const files = await changedRepositoryFiles(ctx);
  return files && relativeToWorkingDirectory(files, ctx.settings.workingDirectory);
}

/** The pull request's changed files as repository paths, old names of renamed files included. */
export async function changedRepositoryFiles(ctx: RunContext): Promise<string[] | undefined> {
  const { settings } = ctx;
  const pull = settings.event.pullRequest;
  if (!pull) return undefined;
  const repoRoot = settings.repoRoot;
  let files: string[] | undefined;
  if (ctx.github) {
    try {
      files = await listChangedFiles(ctx.github, repoOf(settings), pull.number);
      // The API lists at most 3,000 files; beyond that only git knows.
      if (files.length >= 3000) files = undefined;
    } catch (error) {
      core.warning(
        `Could not list the pull request's files through the API (${(error as Error).message}); using git diff`,
      );
    }
  }
  if (!files) {
    try {
      files = await gitChangedFiles(repoRoot, pull.baseSha, pull.headSha);
    } catch (error) {
      core.warning(`${(error as Error).message}; planning every stack`);
      return undefined;
    }
  }
  return files;
}

/** `stackgate/plan`, or `stackgate/plan (prod)` with a comment header: jobs of one run never share a check. */
export function checkName(command: string, header: string): string {
  return header ? `stackgate/${command} (${header})` : `stackgate/${command}`;
}

/** Config problems as findings, for the reports. */
export function configFindings(error: ConfigError): Finding[] {
  return error.problems.map((problem) => ({
    kind: 'config',
    severity: 'error',
    file: problem.file,
    line: problem.line,
    column: problem.column,
    title: 'Invalid Stackgate config',
    message: problem.message,
  }));
}

/** Config problems as error annotations at their file, line and column: they work even without a check run. */
export function annotateConfigError(
  error: ConfigError,
  settings: Pick<Settings, 'workingDirectory'> | undefined,
): void {
  for (const problem of error.problems) {
    core.error(problem.message, {
      title: 'Stackgate config',
      file: settings ? repositoryPath(settings, problem.file) : problem.file,
      startLine: problem.line,
      startColumn: problem.column,
    });
  }
}

export function configFailureMessage(error: ConfigError): string {
  return `The Stackgate config has ${error.problems.length} problem(s):\n${error.message}`;
}

/**
 * The full report in the run log. Plan text comes from the pull request, so workflow commands are switched off
 * around it: a line starting with `::` in a value cannot act as a command.
 */
export function logFullReport(report: RunReport): void {
  const resume = `stackgate-${randomUUID()}`;
  core.startGroup('Full report');
  core.info(`::stop-commands::${resume}`);
  core.info(renderLogReport(report));
  core.info(`::${resume}::`);
  core.endGroup();
}

/** A report about this run's commit and pull request. */
export function newReport(
  settings: Settings,
  command: string,
  stacks: RunReport['stacks'],
  findings: Finding[] = [],
): RunReport {
  return {
    command,
    header: settings.commentHeader,
    repository: `${settings.event.owner}/${settings.event.repo}`,
    sha: settings.event.sha,
    pullNumber: settings.event.pullRequest?.number,
    runUrl: settings.event.runUrl,
    stacks,
    findings,
  };
}
