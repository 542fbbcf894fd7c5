// The status dashboard issue, `Stackgate: infrastructure status`: written by every drift run (from its results)
// and by every apply (its own stacks' rows changed, every other row as the dashboard last remembered it).
// Last applies come from the deployments apply records, lock holders from the lock refs.
import * as core from '@actions/core';
import type { LoadedConfig } from '../config/types.js';
import { resolveEngineChoice } from '../engines/index.js';
import type { EngineName } from '../engines/names.js';
import { engineFor } from '../engines/index.js';
import { latestApplies } from '../github/deployments.js';
import { createKeptIssue, listKeptIssues, updateKeptIssue, type KeptIssue } from '../github/issues.js';
import { parseDashboardState, type LastApply, type StoredRow } from '../report/dashboard-state.js';
import {
  DASHBOARD_LABEL,
  DASHBOARD_MARKER,
  DASHBOARD_TITLE,
  DRIFT_LABEL,
  pendingCount,
  renderDashboard,
  stackOfDriftBody,
  type DashboardContext,
  type DashboardRow,
  type DriftReport,
} from '../report/drift.js';
import type { Stack } from '../stacks/discover.js';
import type { LockHolder } from '../store/types.js';
import { repoOf, type RunContext } from './context.js';
import { compareNames } from '../report/order.js';

export interface DashboardIssue {
  issue?: KeptIssue;
  /** What the issue remembers, by stack; absent when there is no issue or its state did not validate. */
  stored?: Map<string, StoredRow>;
}

/** What one run knows about the last applies: `complete` when every stack never seen was never applied. */
export interface ApplyFacts {
  applies: ReadonlyMap<string, LastApply>;
  complete: boolean;
}

function noticeFor(what: string, error: unknown): string {
  const status = (error as { status?: number }).status;
  const permission = status === 403 || status === 401 ? ' (check the token permissions in the README)' : '';
  return `Could not ${what}${permission}: ${(error as Error).message}`;
}

/** The dashboard issue Stackgate opened, with its stored state. A failing listing throws (never a second one). */
export async function readDashboard(ctx: RunContext): Promise<DashboardIssue> {
  const github = ctx.github;
  if (!github) return {};
  const [issue] = await listKeptIssues(
    github,
    repoOf(ctx.settings),
    DASHBOARD_LABEL,
    (line) => line === DASHBOARD_MARKER,
  );
  if (!issue) return {};
  const stored = parseDashboardState(issue.body);
  if (!stored) core.info('The dashboard holds no state Stackgate can trust; its rows start afresh');
  return { issue, ...(stored ? { stored } : {}) };
}

/** The last successful apply of every stack; a failure becomes a notice and an incomplete answer. */
export async function readApplies(
  ctx: RunContext,
  stacks: readonly Stack[],
  notices: string[],
): Promise<ApplyFacts> {
  if (!ctx.github) return { applies: new Map(), complete: false };
  try {
    return await latestApplies(
      ctx.github,
      repoOf(ctx.settings),
      stacks.map((stack) => stack.name),
    );
  } catch (error) {
    notices.push(noticeFor('read the deployments for the last applies (needs `deployments: read`)', error));
    return { applies: new Map(), complete: false };
  }
}

export interface RowSources {
  /** This run's drift results. */
  report?: DriftReport;
  /** Open drift issues by stack; undefined when they could not be listed (then the stored rows tell). */
  openIssues?: ReadonlyMap<string, KeptIssue>;
  locks: ReadonlyMap<string, LockHolder>;
  applies: ApplyFacts;
  stored?: ReadonlyMap<string, StoredRow>;
}

/**
 * One row per configured stack, by name: this run's drift result when it checked the stack, else what the
 * dashboard remembered; the open drift issue (else the remembered one while issues could not be listed); the
 * lock; the last apply from the deployments (else remembered; `never` once every deployment was read).
 */
export function dashboardRows(
  stacks: readonly Stack[],
  fallbackEngine: EngineName,
  sources: RowSources,
): DashboardRow[] {
  const results = new Map((sources.report?.stacks ?? []).map((stack) => [stack.name, stack]));
  return [...stacks]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((stack): DashboardRow => {
      const result = results.get(stack.name);
      const stored = sources.stored?.get(stack.name);
      const lock = sources.locks.get(stack.name);
      const drift: Pick<StoredRow, 'drift' | 'pending' | 'pendingCount' | 'checkedAt'> = result
        ? {
            drift: result.state,
            pending: result.pendingState,
            pendingCount: pendingCount(result),
            checkedAt: sources.report?.checkedAt,
          }
        : {
            drift: stored?.drift ?? 'unknown',
            pending: stored?.pending ?? 'unknown',
            ...(stored?.pendingCount !== undefined ? { pendingCount: stored.pendingCount } : {}),
            ...(stored?.checkedAt ? { checkedAt: stored.checkedAt } : {}),
          };
      const issue = sources.openIssues ? sources.openIssues.get(stack.name) : undefined;
      const issueFields = issue
        ? { driftSince: issue.createdAt, issueNumber: issue.number, issueUrl: issue.htmlUrl }
        : !sources.openIssues && stored?.issueNumber !== undefined
          ? {
              ...(stored.driftSince ? { driftSince: stored.driftSince } : {}),
              issueNumber: stored.issueNumber,
              ...(stored.issueUrl ? { issueUrl: stored.issueUrl } : {}),
            }
          : {};
      const applied = sources.applies.applies.get(stack.name);
      const lastApply =
        applied ??
        (sources.applies.complete ? null : stored?.lastApply === undefined ? undefined : stored.lastApply);
      return {
        name: stack.name,
        engine: result?.engine ?? engineFor(stack, fallbackEngine).name,
        ...drift,
        ...issueFields,
        ...(lock ? { lock: { pullNumber: lock.pullNumber, by: lock.by } } : {}),
        ...(lastApply !== undefined ? { lastApply } : {}),
      };
    });
}

/** Edits the dashboard in place, or creates it once (a lost answer to the creation is found again). */
export async function writeDashboard(
  ctx: RunContext,
  existing: KeptIssue | undefined,
  rows: readonly DashboardRow[],
  context: DashboardContext,
): Promise<string> {
  const github = ctx.github!;
  const repo = repoOf(ctx.settings);
  const spec = { title: DASHBOARD_TITLE, body: renderDashboard(rows, context), labels: [DASHBOARD_LABEL] };
  const find = async () =>
    (await listKeptIssues(github, repo, DASHBOARD_LABEL, (line) => line === DASHBOARD_MARKER))[0];
  const written = existing
    ? await updateKeptIssue(github, repo, existing, spec)
    : await createKeptIssue(github, repo, spec, find);
  core.info(`Dashboard ${written.action}: ${written.issue.htmlUrl}`);
  return written.issue.htmlUrl;
}

/** What an apply changed: the stacks it applied, at which commit, from which pull request, by whom, when. */
export interface AppliedNow {
  stacks: readonly string[];
  sha: string;
  pullNumber: number;
  actor: string;
  at: string;
}

/**
 * After an apply: the applied stacks' rows get their new last apply and lock, every other row stays as the
 * dashboard remembered it (no drift check runs). Without a trustworthy memory, the rows are rebuilt from the
 * deployments and the open drift issues. Any API trouble is a warning: the apply's result stands.
 */
export async function refreshDashboardAfterApply(
  ctx: RunContext,
  config: LoadedConfig | undefined,
  stacks: readonly Stack[],
  applied: AppliedNow,
): Promise<void> {
  if (!ctx.github || !ctx.store || applied.stacks.length === 0 || !(config?.drift.dashboard ?? true)) return;
  const notices: string[] = [];
  try {
    const { issue, stored } = await readDashboard(ctx);
    const locks = await ctx.store.locks.list();
    let applies: ApplyFacts = { applies: new Map(), complete: false };
    let openIssues: Map<string, KeptIssue> | undefined;
    if (!stored) {
      applies = await readApplies(ctx, stacks, notices);
      const issues = await listKeptIssues(
        ctx.github,
        repoOf(ctx.settings),
        DRIFT_LABEL,
        (line) => stackOfDriftBody(line) !== undefined,
      );
      openIssues = new Map(issues.map((kept) => [stackOfDriftBody(kept.body) ?? '', kept]));
    }
    const mine = new Map<string, LastApply>(
      applied.stacks.map((stack) => [
        stack,
        { sha: applied.sha, pullNumber: applied.pullNumber, at: applied.at, by: applied.actor },
      ]),
    );
    const rows = dashboardRows(stacks, await resolveEngineChoice(ctx.settings.engine), {
      locks,
      applies: { applies: new Map([...applies.applies, ...mine]), complete: applies.complete },
      ...(openIssues ? { openIssues } : {}),
      ...(stored ? { stored } : {}),
    });
    await writeDashboard(ctx, issue, rows, {
      repository: `${ctx.settings.event.owner}/${ctx.settings.event.repo}`,
      updatedAt: applied.at,
      updatedBy: `the apply of #${applied.pullNumber}`,
      runUrl: ctx.settings.event.runUrl,
    });
  } catch (error) {
    notices.push(noticeFor('update the dashboard issue after the apply', error));
  }
  for (const notice of notices) core.warning(notice);
}
