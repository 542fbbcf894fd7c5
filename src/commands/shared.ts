// What the commands share: the command result, the engine default, the config, and the changed files.
import * as core from '@actions/core';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { ConfigError, LoadedConfig } from '../config/types.js';
import type { Finding } from '../report/findings.js';
import { which } from '../engines/exec.js';
import { createClient } from '../github/client.js';
import { listChangedFiles } from '../github/pulls.js';
import type { RunReport } from '../report/types.js';
import { InputError, repositoryPath, type Settings } from '../settings.js';
import { gitChangedFiles, relativeToWorkingDirectory } from '../stacks/changed-files.js';
import type { Publication } from './publish.js';
import type { Stack } from '../stacks/discover.js';
import pLimit from 'p-limit';
import { randomUUID } from 'node:crypto';
import { renderSummary } from '../report/markdown.js';
import { stripControl } from '../report/escape.js';

export const DEFAULT_CONFIG = '.stackgate.yml';

export interface CommandResult {
  report: RunReport;
  publication: Publication;
  outputs: Record<string, string>;
  /** Set when the gate fails: the one message for setFailed. */
  failure?: string;
}

/** The config, or undefined when the default file is absent; a named file that is missing is an input error. */
export async function loadConfigOrThrow(settings: Settings): Promise<LoadedConfig | undefined> {
  const config = await loadConfig(settings.workspace, settings.configPath);
  if (!config && settings.configPath !== DEFAULT_CONFIG) {
    throw new InputError('config', `'${settings.configPath}' does not exist in ${settings.workspace}`);
  }
  return config;
}

/** `auto`: tofu when on PATH, else terraform. */
export async function defaultEngine(choice: Settings['engine']): Promise<'tofu' | 'terraform'> {
  if (choice !== 'auto') return choice;
  return (await which('tofu')) ? 'tofu' : 'terraform';
}

export async function changedFiles(settings: Settings): Promise<string[] | undefined> {
  const pull = settings.event.pullRequest;
  if (!pull) return undefined;
  const repoRoot = path.resolve(process.env.GITHUB_WORKSPACE ?? settings.workspace);
  const workingDirectory = path.relative(repoRoot, settings.workspace).split(path.sep).join('/');
  let files: string[] | undefined;
  if (settings.token) {
    try {
      const octokit = createClient(settings.token, settings.apiUrl);
      files = await listChangedFiles(
        octokit,
        { owner: settings.event.owner, repo: settings.event.repo },
        pull.number,
      );
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
  return relativeToWorkingDirectory(files, workingDirectory);
}

/**
 * Runs `task` for every stack, at most `parallelism` at once, but never two stacks of the same folder together:
 * they share `.terraform`, its lock file and the selected workspace. Results keep the stacks' order.
 */
export async function forEachStack<T>(
  stacks: readonly Stack[],
  parallelism: number,
  task: (stack: Stack) => Promise<T>,
): Promise<T[]> {
  const limit = pLimit(parallelism);
  const lastInFolder = new Map<string, Promise<unknown>>();
  return Promise.all(
    stacks.map((stack) => {
      const previous = lastInFolder.get(stack.path) ?? Promise.resolve();
      const current = previous.then(() => limit(() => task(stack)));
      lastInFolder.set(
        stack.path,
        current.catch(() => undefined),
      );
      return current;
    }),
  );
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
  // The legacy `##[command]` form is read anywhere on a line; break it as well.
  core.info(stripControl(renderSummary(report)).replace(/##\[/g, '#\u200b#['));
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
