// `command: drift` (schedule, workflow_dispatch): every stack (or those in `stacks`) on the checked-out
// default branch gets a refresh-only plan (drift: changed outside Git) and a normal plan (pending: committed,
// not applied), reported apart. Then: the job summary, one issue per drifted stack (closed once clean or once
// the stack leaves the config), and the status dashboard. API trouble becomes a notice; it never hides a
// stack's result and never changes the gate.
import * as core from '@actions/core';
import {
  engineEnvironment,
  engineFor,
  resolveEngineChoice,
  type Engine,
  type EngineContext,
  type StackPlanResult,
} from '../engines/index.js';
import {
  commentAndClose,
  createKeptIssue,
  listKeptIssues,
  updateKeptIssue,
  type KeptIssue,
} from '../github/issues.js';
import { dashboardRows, readApplies, readDashboard, writeDashboard } from './dashboard.js';
import type { ResourceChange } from '../plan/model.js';
import {
  DRIFT_LABEL,
  driftCloseMarker,
  driftIssueTitle,
  pendingCount,
  renderDriftIssueBody,
  renderDriftSummary,
  renderRemovedComment,
  renderResolvedComment,
  stackOfDriftBody,
  type DriftError,
  type DriftReport,
  type DriftStackResult,
} from '../report/drift.js';
import { SUMMARY_MAX_BYTES } from '../report/markdown.js';
import { filterStacks } from '../stacks/affected.js';
import type { Stack } from '../stacks/discover.js';
import type { LockHolder } from '../store/types.js';
import { Buffer } from 'node:buffer';
import { repoOf, type CommandResult, type RunContext } from './context.js';
import { forEachStack, loadConfigOrThrow, runStacks } from './shared.js';
import { fingerprintSalt } from './plan.js';
import { compareNames } from '../report/order.js';

function errorOf(step: DriftError['step'], result: StackPlanResult): DriftError {
  return { step, message: result.message ?? `${step} failed`, diagnostics: result.diagnostics };
}

/** Runs both plans of one stack, one after the other (they share the stack's folder). */
export async function checkStackDrift(
  stack: Stack,
  engine: Engine,
  context: EngineContext,
  salt: { repository: string; pullNumber?: number },
): Promise<DriftStackResult> {
  const result: DriftStackResult = {
    name: stack.name,
    path: stack.path,
    engine: engine.name,
    state: 'errored',
    drift: [],
    pendingState: 'errored',
    pending: [],
    pendingOutputs: 0,
    errors: [],
  };
  const guarded = async (step: DriftError['step'], mode: 'refresh-only' | 'normal') => {
    try {
      return await engine.plan(stack, context, salt, { mode });
    } catch (error) {
      // One stack's crash is that stack's error; it hides nothing else.
      return {
        status: 'errored',
        diagnostics: [],
        message: `${step}: ${(error as Error).message}`,
        durationMs: 0,
      } satisfies StackPlanResult;
    }
  };
  const refresh = await guarded('refresh-only plan', 'refresh-only');
  for (const secret of refresh.plan?.secrets ?? []) core.setSecret(secret);
  if (refresh.status === 'skipped') {
    result.state = 'skipped';
  } else if (refresh.status === 'errored' || !refresh.plan) {
    result.errors.push(errorOf('refresh-only plan', refresh));
  } else {
    result.drift = refresh.plan.drift;
    result.state = result.drift.length > 0 ? 'drifted' : 'clean';
  }

  const normal = await guarded('plan', 'normal');
  for (const secret of normal.plan?.secrets ?? []) core.setSecret(secret);
  if (normal.status === 'skipped') {
    result.pendingState = 'skipped';
    result.message = normal.message ?? refresh.message;
  } else if (normal.status === 'errored' || !normal.plan) {
    // The same failure twice (a broken configuration fails both plans alike) is shown once.
    const same = result.errors.find((error) => error.message === normal.message);
    if (same) same.step = 'both plans';
    else result.errors.push(errorOf('plan', normal));
  } else {
    // A change to a drifted resource is the plan undoing the drift: it is drift, not pending work from Git.
    const drifted = new Set(result.drift.map((change) => change.address));
    result.pending = normal.plan.changes.filter(
      (change: ResourceChange) => !drifted.has(change.address) && !drifted.has(change.previousAddress ?? ''),
    );
    result.pendingOutputs = result.drift.length > 0 ? 0 : normal.plan.outputs.length;
    result.pendingState = pendingCount(result) > 0 ? 'pending' : 'none';
  }
  return result;
}

export function driftOutputs(report: DriftReport): Record<string, string> {
  const drifted = report.stacks.filter((stack) => stack.state === 'drifted').map((stack) => stack.name);
  return {
    drifted: JSON.stringify(drifted),
    'drift-count': String(drifted.length),
    stacks: JSON.stringify(
      report.stacks.map((stack) => ({
        name: stack.name,
        path: stack.path,
        engine: stack.engine,
        drift: stack.state,
        'drifted-resources': stack.drift.length,
        pending: stack.pendingState,
        'pending-changes': pendingCount(stack),
      })),
    ),
  };
}

interface IssueSync {
  /** Open drift issues after this run, by stack. */
  open: Map<string, KeptIssue>;
  /** False when the open issues could not be listed (then `open` knows none of them). */
  listed: boolean;
  notices: string[];
}

function noticeFor(what: string, error: unknown): string {
  const status = (error as { status?: number }).status;
  const permission = status === 403 || status === 401 ? ' (the token needs `issues: write`)' : '';
  return `Could not ${what}${permission}: ${(error as Error).message}`;
}

/** Opens, updates and closes drift issues so that exactly the drifted stacks have one open. */
async function syncDriftIssues(
  ctx: RunContext,
  report: DriftReport,
  configured: ReadonlySet<string>,
  options: { labels: string[]; assignees: string[] },
): Promise<IssueSync> {
  const github = ctx.github;
  const sync: IssueSync = { open: new Map(), listed: false, notices: [] };
  if (!github) return sync;
  const repo = repoOf(ctx.settings);
  const accept = (line: string) => stackOfDriftBody(line) !== undefined;
  const closeMarker = driftCloseMarker(ctx.settings.event.runId, ctx.settings.event.runAttempt);
  let existing: KeptIssue[];
  try {
    existing = await listKeptIssues(github, repo, DRIFT_LABEL, accept);
  } catch (error) {
    sync.notices.push(
      `${noticeFor('list the drift issues', error)}. No drift issue was opened, updated or closed by this run; the next run catches up.`,
    );
    return sync;
  }
  sync.listed = true;
  for (const issue of existing) {
    const stack = stackOfDriftBody(issue.body) ?? '';
    // The oldest is the stack's issue; a later one (an earlier race) is closed as its duplicate.
    const first = sync.open.get(stack);
    if (!first) {
      sync.open.set(stack, issue);
      continue;
    }
    try {
      await commentAndClose(
        github,
        repo,
        issue.number,
        closeMarker,
        `Duplicate of #${first.number}.`,
        'not_planned',
      );
    } catch (error) {
      sync.notices.push(noticeFor(`close the duplicate drift issue #${issue.number}`, error));
    }
  }
  const labels = [DRIFT_LABEL, ...options.labels.filter((label) => label !== DRIFT_LABEL)];
  const context = {
    repository: report.repository,
    sha: report.sha,
    branch: report.branch,
    runUrl: report.runUrl,
    checkedAt: report.checkedAt,
  };
  for (const stack of report.stacks) {
    const issue = sync.open.get(stack.name);
    try {
      if (stack.state === 'drifted') {
        const body = (firstSeen: string) =>
          renderDriftIssueBody(stack, { ...context, firstSeen, lastChecked: report.checkedAt });
        const spec = (firstSeen: string) => ({
          title: driftIssueTitle(stack.name),
          body: body(firstSeen),
          labels,
        });
        const written = issue
          ? await updateKeptIssue(github, repo, issue, spec(issue.createdAt))
          : await createKeptIssue(
              github,
              repo,
              { ...spec(report.checkedAt), assignees: options.assignees },
              async () =>
                (
                  await listKeptIssues(
                    github,
                    repo,
                    DRIFT_LABEL,
                    (line) => stackOfDriftBody(line) === stack.name,
                  )
                )[0],
            );
        sync.open.set(stack.name, written.issue);
        core.info(`Drift issue ${written.action} for ${stack.name}: ${written.issue.htmlUrl}`);
      } else if (stack.state === 'clean' && issue) {
        await commentAndClose(
          github,
          repo,
          issue.number,
          closeMarker,
          renderResolvedComment(stack.name, context),
          'completed',
        );
        sync.open.delete(stack.name);
        core.info(`Drift issue #${issue.number} of ${stack.name} resolved and closed`);
      }
    } catch (error) {
      sync.notices.push(noticeFor(`write the drift issue of ${stack.name}`, error));
    }
  }
  for (const [stack, issue] of [...sync.open]) {
    if (configured.has(stack)) continue;
    try {
      await commentAndClose(
        github,
        repo,
        issue.number,
        closeMarker,
        renderRemovedComment(stack, context),
        'not_planned',
      );
      sync.open.delete(stack);
      core.info(`Drift issue #${issue.number} closed: ${stack} is no longer in the config`);
    } catch (error) {
      sync.notices.push(noticeFor(`close the drift issue of the removed stack ${stack}`, error));
    }
  }
  return sync;
}

export async function runDrift(ctx: RunContext): Promise<CommandResult> {
  const { settings } = ctx;
  const config = await loadConfigOrThrow(settings);
  const configured = await runStacks(ctx, config);
  const stacks =
    settings.stackPatterns.length > 0 ? filterStacks(configured, settings.stackPatterns) : configured;
  const fallbackEngine = await resolveEngineChoice(settings.engine);
  const context: EngineContext = {
    workspace: settings.workspace,
    env: engineEnvironment(ctx.env, Math.min(settings.parallelism, stacks.length)),
    tempDir: settings.tempDir,
  };
  const salt = fingerprintSalt(settings);
  const results = await forEachStack(stacks, settings.parallelism, async (stack) => {
    const engine = engineFor(stack, fallbackEngine);
    core.info(`Checking ${stack.name} (${stack.path}) for drift with ${engine.name}`);
    const result = await checkStackDrift(stack, engine, context, salt);
    core.info(
      `${stack.name}: drift ${result.state}${result.drift.length ? ` (${result.drift.length})` : ''}, pending ${result.pendingState}`,
    );
    return result;
  });
  const report: DriftReport = {
    repository: `${settings.event.owner}/${settings.event.repo}`,
    sha: settings.event.sha,
    branch: settings.event.ref.replace(/^refs\/heads\//, '') || settings.event.defaultBranch,
    runUrl: settings.event.runUrl,
    checkedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    stacks: [...results].sort((a, b) => compareNames(a.name, b.name)),
  };

  // The sinks, summary last so it carries the others' notices.
  const notices: string[] = [];
  if (!ctx.github) notices.push('No `github-token` was given: the drift report is in the job summary only.');
  const sync = await syncDriftIssues(ctx, report, new Set(configured.map((stack) => stack.name)), {
    labels: config?.drift.labels ?? [],
    assignees: config?.drift.assignees ?? [],
  });
  notices.push(...sync.notices);
  let dashboardUrl: string | undefined;
  if (ctx.github && (config?.drift.dashboard ?? true)) {
    try {
      const dashboard = await readDashboard(ctx);
      let locks = new Map<string, LockHolder>();
      try {
        if (ctx.store) locks = await ctx.store.locks.list();
      } catch (error) {
        notices.push(noticeFor('read the locks for the dashboard', error));
      }
      const rows = dashboardRows(configured, fallbackEngine, {
        report,
        ...(sync.listed ? { openIssues: sync.open } : {}),
        locks,
        applies: await readApplies(ctx, configured, notices),
        ...(dashboard.stored ? { stored: dashboard.stored } : {}),
      });
      dashboardUrl = await writeDashboard(ctx, dashboard.issue, rows, {
        repository: report.repository,
        sha: report.sha,
        branch: report.branch,
        runUrl: report.runUrl,
        updatedAt: report.checkedAt,
        updatedBy: 'a drift run',
      });
    } catch (error) {
      notices.push(noticeFor('update the dashboard issue', error));
    }
  }
  for (const notice of notices) core.warning(notice);
  const noticeText = notices.map((notice) => `> [!NOTE]\n> ${notice}\n`).join('\n');
  const summary = renderDriftSummary(report, {
    maxBytes: SUMMARY_MAX_BYTES - Buffer.byteLength(noticeText) - 16,
  });
  await core.summary.addRaw(`${noticeText}${noticeText ? '\n' : ''}${summary}`, true).write();

  const outputs = { ...driftOutputs(report), 'dashboard-url': dashboardUrl ?? '' };
  const errored = report.stacks.filter((stack) => stack.errors.length > 0);
  const drifted = report.stacks.filter((stack) => stack.state === 'drifted');
  const failures = [
    errored.length > 0
      ? `Drift check failed for ${errored.length} stack(s): ${errored
          .map((stack) => `${stack.name} (${stack.errors.map((e) => e.message).join('; ')})`)
          .join(', ')}`
      : '',
    settings.failOnDrift && drifted.length > 0
      ? `Drift detected in ${drifted.length} stack(s): ${drifted.map((stack) => stack.name).join(', ')}`
      : '',
  ].filter(Boolean);
  return { outputs, failure: failures.length > 0 ? failures.join('\n') : undefined };
}
