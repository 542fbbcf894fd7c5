// `command: plan`: the affected stacks, planned in parallel, reported to the pull request, gated.
import * as core from '@actions/core';
import pLimit from 'p-limit';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { which } from '../engines/exec.js';
import { engineEnvironment, planTerraformStack, type StackPlanResult } from '../engines/terraform.js';
import { createClient } from '../github/client.js';
import { listChangedFiles } from '../github/pulls.js';
import { annotationsFromReport } from '../report/annotations.js';
import { renderSummary } from '../report/markdown.js';
import type { RunReport, StackReport } from '../report/types.js';
import { InputError, type Settings } from '../settings.js';
import { gitChangedFiles, relativeToWorkingDirectory } from '../stacks/changed-files.js';
import { discoverStacks, type Stack } from '../stacks/discover.js';
import { filterStacks, selectAffected } from '../stacks/affected.js';
import { localModuleGraph } from '../stacks/modules.js';
import { publishReport, type Publication } from './publish.js';

const DEFAULT_CONFIG = '.stackgate.yml';

export interface CommandResult {
  report: RunReport;
  publication: Publication;
  outputs: Record<string, string>;
  /** Set when the gate fails: the one message for setFailed. */
  failure?: string;
}

/** `auto`: tofu when on PATH, else terraform. */
async function defaultEngine(choice: Settings['engine']): Promise<'tofu' | 'terraform'> {
  if (choice !== 'auto') return choice;
  return (await which('tofu')) ? 'tofu' : 'terraform';
}

async function changedFiles(settings: Settings): Promise<string[] | undefined> {
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

function stackReport(stack: Stack, engine: string, result: StackPlanResult): StackReport {
  return {
    name: stack.name,
    path: stack.path,
    engine,
    status: result.status,
    plan: result.plan,
    diagnostics: result.diagnostics,
    message: result.message,
    fingerprint: result.fingerprint,
    durationMs: result.durationMs,
  };
}

export function planOutputs(report: RunReport, publication: Publication): Record<string, string> {
  const summary: Record<string, unknown> = {};
  for (const stack of report.stacks) {
    summary[stack.name] = { status: stack.status, ...(stack.plan?.counts ?? {}) };
  }
  return {
    stacks: JSON.stringify(
      report.stacks.map((stack) => ({
        name: stack.name,
        path: stack.path,
        engine: stack.engine,
        status: stack.status,
      })),
    ),
    'has-changes': String(report.stacks.some((stack) => stack.status === 'planned')),
    summary: JSON.stringify(summary),
    'comment-id': publication.commentId !== undefined ? String(publication.commentId) : '',
    'comment-url': publication.commentUrl ?? '',
    'check-run-id': publication.checkRunId !== undefined ? String(publication.checkRunId) : '',
  };
}

export async function runPlan(settings: Settings): Promise<CommandResult> {
  const config = await loadConfig(settings.workspace, settings.configPath);
  if (!config && settings.configPath !== DEFAULT_CONFIG) {
    throw new InputError('config', `'${settings.configPath}' does not exist in ${settings.workspace}`);
  }
  let stacks = await discoverStacks(settings.workspace, config);
  if (settings.stackPatterns.length > 0) stacks = filterStacks(stacks, settings.stackPatterns);

  const files = await changedFiles(settings);
  let affected = stacks;
  let unaffected: Stack[] = [];
  if (files) {
    const moduleDeps = await localModuleGraph(
      settings.workspace,
      stacks.map((stack) => stack.path),
    );
    ({ affected, unaffected } = selectAffected(stacks, files, {
      configPath: settings.configPath,
      moduleDeps,
    }));
    core.info(`${files.length} changed file(s); ${affected.length} of ${stacks.length} stack(s) affected`);
  }

  const fallbackEngine = await defaultEngine(settings.engine);
  const env = engineEnvironment(process.env);
  const limit = pLimit(settings.parallelism);
  const planned = await Promise.all(
    affected.map((stack) =>
      limit(async (): Promise<StackReport> => {
        const engine = stack.engine ?? fallbackEngine;
        if (engine === 'ansible') {
          return {
            name: stack.name,
            path: stack.path,
            engine,
            status: 'skipped',
            diagnostics: [],
            message: 'Ansible stacks are not planned by this version of Stackgate',
          };
        }
        core.info(`Planning ${stack.name} (${stack.path}) with ${engine}`);
        const result = await planTerraformStack(stack, {
          workspace: settings.workspace,
          binary: engine,
          env,
          tempDir: settings.tempDir,
        });
        // Register every redacted value before anything is rendered or logged.
        for (const secret of result.plan?.secrets ?? []) core.setSecret(secret);
        core.info(`${stack.name}: ${result.status}${result.message ? ` (${result.message})` : ''}`);
        return stackReport(stack, engine, result);
      }),
    ),
  );
  const unaffectedReports: StackReport[] = unaffected.map((stack) => ({
    name: stack.name,
    path: stack.path,
    engine: stack.engine ?? fallbackEngine,
    status: 'unaffected',
    diagnostics: [],
  }));

  const report: RunReport = {
    command: 'plan',
    header: settings.commentHeader,
    repository: `${settings.event.owner}/${settings.event.repo}`,
    sha: settings.event.sha,
    pullNumber: settings.event.pullRequest?.number,
    runUrl: settings.event.runUrl,
    stacks: [...planned, ...unaffectedReports].sort((a, b) => a.name.localeCompare(b.name)),
  };

  const errored = planned.filter((stack) => stack.status === 'errored');
  const changed = planned.filter((stack) => stack.status === 'planned');
  const conclusion = errored.length > 0 ? 'failure' : planned.length === 0 ? 'skipped' : 'success';
  const title =
    errored.length > 0
      ? `${errored.length} stack(s) failed to plan`
      : planned.length === 0
        ? 'No stack affected'
        : `${changed.length} stack(s) to change, ${planned.length - changed.length} unchanged`;
  core.startGroup('Full report');
  core.info(renderSummary(report));
  core.endGroup();
  const publication = await publishReport(settings, report, {
    name: 'stackgate/plan',
    conclusion,
    title,
    annotations: annotationsFromReport(report),
  });
  return {
    report,
    publication,
    outputs: planOutputs(report, publication),
    failure:
      errored.length > 0
        ? `Plan failed for ${errored.length} stack(s): ${errored.map((stack) => `${stack.name} (${stack.message ?? 'error'})`).join(', ')}`
        : undefined,
  };
}
