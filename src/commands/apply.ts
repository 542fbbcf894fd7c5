// `command: apply`, two ways, chosen per stack by `apply.on`. `comment`: `/stackgate apply|plan|unlock [stack…]`
// on a pull request applies exactly the plan that was reviewed, only when its requirements hold, one pull
// request at a time per stack. `merge`: the push of a merge to the default branch applies the merged pull
// request's reviewed stacks. Both share the same steps: targets from the plan records, locks, the plan made
// again (or restored) and its fingerprint compared, then the applies in `depends-on` order and one report.
// A `pull_request` `closed` event releases the pull request's locks.
import * as core from '@actions/core';
import { APPLY_REQUIREMENTS, type ApplyRequirement, type LoadedConfig } from '../config/types.js';
import { engineEnvironment, engineFor, resolveEngineChoice, type EngineContext } from '../engines/index.js';
import { publishCheckRun } from '../github/checks.js';
import type { Octokit } from '../github/client.js';
import { editStickyComment } from '../github/comment.js';
import { setDeploymentState, startDeployment } from '../github/deployments.js';
import { planCacheKey, restorePlanFile } from '../github/plan-cache.js';
import {
  branchHead,
  collaboratorRole,
  getPull,
  latestCheckConclusion,
  latestReviews,
  mergedPullOf,
  reactToComment,
  type PullState,
} from '../github/pulls.js';
import { gitHead, isAncestor } from '../process/git.js';
import {
  appliedOutcome,
  mergeRefusalOutcome,
  refusalOutcome,
  withNotice,
  type FailureReason,
  type Refusal,
} from '../report/apply.js';
import { escapeText, inlineCode } from '../report/escape.js';
import { commentMarker, renderSummary } from '../report/markdown.js';
import type { StackReport } from '../report/types.js';
import type { Settings } from '../settings.js';
import type { Stack } from '../stacks/discover.js';
import { forEachStack, forEachStackInOrder } from '../stacks/runner.js';
import { selectForChange } from '../stacks/select.js';
import type { LockHolder, LockStore, PlanRecords, Store } from '../store/types.js';
import { parseComment, VERBS, type Verb } from './comment-command.js';
import { refreshDashboardAfterApply } from './dashboard.js';
import { repoOf, type CommandResult, type RunContext } from './context.js';
import { fingerprintSalt, runPlan } from './plan.js';
import {
  checkRunExternalId,
  checkRunSink,
  commentSink,
  publishReport,
  summarySink,
  type Sink,
} from './publish.js';
import {
  applyModeOf,
  changedRepositoryFiles,
  checkName,
  loadConfigOrThrow,
  logFullReport,
  newReport,
  runStacks,
} from './shared.js';
import { compareNames } from '../report/order.js';

const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);

interface Asked {
  verb: Verb;
  stacks: string[];
  actor: string;
  commentId: number;
}

/** Everything apply needs once the pull request is known: the run context with the pull request filled in. */
interface PullRun {
  ctx: RunContext;
  github: Octokit;
  store: Store;
  pull: PullState;
  asked: Asked;
  /** A `/stackgate` comment, or the push of the merge to the default branch. */
  via: 'comment' | 'merge';
  /** The commit applied: the pull request's head (comment), the pushed commit (merge). */
  sha: string;
}

function outputs(reason: FailureReason | '', extra: Record<string, string> = {}): Record<string, string> {
  return { 'failure-reason': reason, applied: '[]', ...extra };
}

/** The settings of this run as if it ran on the pull request's head (what plan and apply act on). */
function pullSettings(settings: Settings, pull: PullState): Settings {
  return {
    ...settings,
    event: {
      ...settings.event,
      sha: pull.headSha,
      pullRequest: {
        number: pull.number,
        headSha: pull.headSha,
        headRef: pull.headRef,
        baseSha: pull.baseSha,
        baseRef: pull.baseRef,
        fromFork: pull.headRepo !== pull.baseRepo,
        labels: pull.labels,
        author: pull.author,
      },
    },
  };
}

/** A refusal: written on top of the sticky comment (the reviewed plan below stays as it was) and the summary. */
async function refuse(run: PullRun, refusals: Refusal[]): Promise<CommandResult> {
  const { ctx, github, pull, asked } = run;
  const branch = ctx.settings.event.pullRequest?.baseRef ?? '';
  const notice =
    run.via === 'merge'
      ? mergeRefusalOutcome(branch, run.sha, refusals)
      : refusalOutcome(asked.verb, asked.actor, refusals);
  await writeNotice(ctx, github, pull.number, notice);
  const first = refusals[0]?.reason ?? 'not-permitted';
  // On merge nobody is watching the pull request: the pushed commit's apply check says it failed.
  if (run.via === 'merge') await refusalCheck(run, notice, first);
  return {
    outputs: outputs(first),
    failure: `Stackgate refused ${run.via === 'merge' ? 'the apply on merge' : `/stackgate ${asked.verb}`}: ${refusals
      .map((refusal) => `${refusal.stack ? `${refusal.stack}: ` : ''}${refusal.detail} (${refusal.reason})`)
      .join('; ')}`,
  };
}

async function refusalCheck(run: PullRun, notice: string[], reason: FailureReason): Promise<void> {
  const { settings } = run.ctx;
  const name = checkName('apply', settings.commentHeader);
  try {
    await publishCheckRun(run.github, repoOf(settings), {
      name,
      headSha: run.sha,
      conclusion: 'failure',
      title: `Not applied (${reason})`,
      summary: notice.join('\n\n'),
      annotations: [],
      detailsUrl: settings.event.runUrl,
      externalId: checkRunExternalId(settings, name),
    });
  } catch (error) {
    core.warning(`Could not write the apply check run: ${(error as Error).message}`);
  }
}

async function writeNotice(ctx: RunContext, github: Octokit, pullNumber: number, notice: string[]) {
  const marker = commentMarker(ctx.settings.commentHeader);
  try {
    await editStickyComment(github, repoOf(ctx.settings), pullNumber, marker, (body) =>
      withNotice(body, marker, notice),
    );
  } catch (error) {
    core.warning(`Could not write the pull request comment: ${(error as Error).message}`);
  }
  await core.summary.addRaw(notice.join('\n\n'), true).write();
}

export async function runApply(ctx: RunContext): Promise<CommandResult> {
  const { settings } = ctx;
  if (settings.event.eventName === 'pull_request') return releaseOnClose(ctx);
  if (settings.event.eventName === 'push') return applyOnMerge(ctx);
  const comment = settings.event.comment;
  if (!comment) throw new Error('The issue_comment event carries no comment: nothing to do.');
  const parsed = parseComment(comment.body);
  if (parsed.kind === 'ignored' || !comment.onPullRequest) {
    core.info('The comment is not a /stackgate command on a pull request: nothing to do.');
    return { outputs: outputs('') };
  }
  if (!ctx.github || !ctx.store) {
    throw new Error(
      'Comment commands need the `github-token` input (with pull-requests and contents write).',
    );
  }
  const repo = repoOf(settings);
  await reactToComment(ctx.github, repo, comment.id, 'eyes');
  if (parsed.kind === 'unknown') {
    const hint = parsed.suggestion ? ` Did you mean ${inlineCode(`/stackgate ${parsed.suggestion}`)}?` : '';
    await writeNotice(ctx, ctx.github, comment.issueNumber, [
      `> [!NOTE]\n> ${inlineCode(`/stackgate ${parsed.word}`)} is not a Stackgate command.${hint} Commands: ${VERBS.map((verb) => inlineCode(`/stackgate ${verb} [stack…]`)).join(', ')}.`,
    ]);
    return { outputs: outputs('unknown-command') };
  }
  const asked: Asked = {
    verb: parsed.verb,
    stacks: parsed.stacks,
    actor: comment.author,
    commentId: comment.id,
  };
  const pull = await getPull(ctx.github, repo, comment.issueNumber);
  const run: PullRun = {
    ctx: { ...ctx, settings: pullSettings(settings, pull) },
    github: ctx.github,
    store: ctx.store,
    pull,
    asked,
    via: 'comment',
    sha: pull.headSha,
  };

  // Always, whatever the config says: a writer asked, on an open pull request from this repository.
  const role = await collaboratorRole(ctx.github, repo, asked.actor);
  const always: Refusal[] = [];
  if (!WRITE_ROLES.has(role)) {
    always.push({
      reason: 'not-permitted',
      detail: `Only people with write access may run Stackgate commands; this commenter's role is ${role}.`,
    });
  }
  if (pull.state === 'closed') {
    always.push({ reason: 'pull-request-closed', detail: 'The pull request is closed.' });
  }
  if (pull.headRepo !== pull.baseRepo) {
    always.push({
      reason: 'fork',
      detail: 'The pull request comes from a fork: Stackgate never applies code from outside the repository.',
    });
  }
  if (always.length > 0) return refuse(run, always);

  // The workspace must be the head being asked about: plans and applies act on the files on disk.
  const head = await gitHead(settings.repoRoot);
  if (head !== pull.headSha) {
    return refuse(run, [
      {
        reason: 'workspace-not-at-head',
        detail: `The workflow checked out ${head ? 'another commit' : 'no git commit'}, not the pull request's head. Check out the head in the workflow: actions/checkout with ref: refs/pull/<number>/head (see examples/workflows/apply-on-comment.yml).`,
        refs: [head?.slice(0, 12) ?? 'none', pull.headSha.slice(0, 12)],
      },
    ]);
  }

  if (asked.verb === 'unlock') return unlock(run);
  if (asked.verb === 'plan') {
    const result = await runPlan({
      ...run.ctx,
      settings: {
        ...run.ctx.settings,
        stackPatterns: asked.stacks.length > 0 ? asked.stacks : run.ctx.settings.stackPatterns,
      },
    });
    return { ...result, outputs: { ...result.outputs, ...outputs('') } };
  }
  return apply(run);
}

/**
 * `pull_request` `closed`: the pull request's locks go. A merge into the default branch keeps the locks of the
 * stacks its reviewed plan recorded as applying on merge: the push of the merge applies them and releases them
 * afterwards (also when it refuses or fails), so no other pull request takes them in between.
 */
async function releaseOnClose(ctx: RunContext): Promise<CommandResult> {
  const { settings } = ctx;
  const pull = settings.event.pullRequest;
  const payload = settings.event.payload as { action?: unknown; pull_request?: { merged?: unknown } };
  if (!pull || payload.action !== 'closed') {
    core.info(
      'apply runs on issue_comment; on pull_request it only releases the locks of a closed pull request.',
    );
    return { outputs: outputs('') };
  }
  if (!ctx.store) throw new Error('Releasing locks needs the `github-token` input (with contents write).');
  const merged = payload.pull_request?.merged === true && pull.baseRef === settings.event.defaultBranch;
  const records = merged ? await ctx.store.plans.read(pull.number, settings.commentHeader) : undefined;
  const kept = new Set(
    (records?.stacks ?? []).filter((record) => record.onMerge).map((record) => record.stack),
  );
  const released = await releaseLocksOf(ctx.store.locks, pull.number, kept);
  core.info(
    released.length > 0
      ? `Released the lock(s) of #${pull.number}: ${released.join(', ')}`
      : `#${pull.number} held no lock to release`,
  );
  if (kept.size > 0) {
    core.info(
      `Kept the lock(s) of ${[...kept].join(', ')} (apply.on: merge): the push of the merge applies them, then releases them.`,
    );
  }
  return { outputs: outputs('', { unlocked: JSON.stringify(released) }) };
}

async function unlock(run: PullRun): Promise<CommandResult> {
  const { store, pull, asked } = run;
  const locks = await store.locks.list();
  // Named stacks are released whoever holds them (a writer asked); without names, this pull request's own.
  const names =
    asked.stacks.length > 0
      ? asked.stacks
      : [...locks].filter(([, holder]) => holder.pullNumber === pull.number).map(([stack]) => stack);
  const released: string[] = [];
  for (const stack of names) if (await store.locks.release(stack)) released.push(stack);
  const text =
    released.length > 0
      ? `Unlocked by ${escapeText(asked.actor)}: ${released.map((stack) => inlineCode(stack)).join(', ')}.`
      : `${escapeText(asked.actor)} asked to unlock, but no lock was held${names.length > 0 ? ` on ${names.map((stack) => inlineCode(stack)).join(', ')}` : ' by this pull request'}.`;
  await writeNotice(run.ctx, run.github, pull.number, [`> [!NOTE]\n> ${text}`]);
  return { outputs: outputs('', { unlocked: JSON.stringify(released) }) };
}

function requirementsOf(config: LoadedConfig | undefined, stack: Stack): ApplyRequirement[] {
  return (
    stack.apply?.requirements ??
    config?.apply.requirements ?? ['approved', 'mergeable', 'undiverged', 'plan-passed']
  );
}

/** The stacks to apply, each with its plan record; refusals for names that cannot be applied. */
function selectTargets(
  asked: Asked,
  stacks: Stack[],
  records: PlanRecords,
): { targets: { stack: Stack; fingerprint: string }[]; refusals: Refusal[]; alreadyApplied: string[] } {
  const refusals: Refusal[] = [];
  const targets: { stack: Stack; fingerprint: string }[] = [];
  const alreadyApplied: string[] = [];
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  const recorded = new Map(records.stacks.map((record) => [record.stack, record]));
  const names =
    asked.stacks.length > 0
      ? asked.stacks
      : records.stacks
          .filter((record) => record.status === 'planned' || record.status === 'applied')
          .map((record) => record.stack);
  for (const name of names) {
    const stack = byName.get(name);
    const record = recorded.get(name);
    if (!stack) {
      refusals.push({
        reason: 'unknown-stack',
        stack: name,
        detail: 'No stack has this name in the config.',
      });
    } else if (!record) {
      refusals.push({
        reason: 'not-planned',
        stack: name,
        detail:
          records.omittedStacks > 0
            ? 'This stack was left out of the plan records to keep the comment within its size limit: plan it again with /stackgate plan followed by its name, review, then apply.'
            : 'This stack was not planned in this pull request (the change does not affect it).',
      });
    } else if (record.status === 'applied') {
      alreadyApplied.push(name);
    } else if (record.status === 'errored' || !record.fingerprint) {
      refusals.push({
        reason: 'plan-not-passed',
        stack: name,
        detail: 'The reviewed plan of this stack failed or has no fingerprint: fix it and plan again.',
      });
    } else if (record.status === 'planned') {
      targets.push({ stack, fingerprint: record.fingerprint });
    }
  }
  return { targets, refusals, alreadyApplied };
}

/** The configured requirements of the targets, checked against GitHub and the checkout. */
async function checkRequirements(run: PullRun, needed: Map<ApplyRequirement, string[]>): Promise<Refusal[]> {
  const { github, pull } = run;
  const settings = run.ctx.settings;
  const repo = repoOf(settings);
  const refusals: Refusal[] = [];
  const stacksOf = (requirement: ApplyRequirement) => needed.get(requirement)?.join(', ') ?? '';
  if (needed.has('approved')) {
    const reviews = await latestReviews(github, repo, pull.number);
    const current = reviews.filter(
      (review) => review.state === 'APPROVED' && review.commitId === pull.headSha,
    );
    const stale = reviews.filter((review) => review.state === 'APPROVED' && review.commitId !== pull.headSha);
    const blocked = reviews.filter((review) => review.state === 'CHANGES_REQUESTED');
    if (blocked.length > 0) {
      refusals.push({
        reason: 'not-approved',
        detail: `Changes are requested by a reviewer (required by ${stacksOf('approved')}).`,
      });
    } else if (current.length === 0) {
      refusals.push({
        reason: 'not-approved',
        detail:
          stale.length > 0
            ? `The approval is for an older commit and is stale after the new push: approve the current head (required by ${stacksOf('approved')}).`
            : `The pull request has no approving review on its current head (required by ${stacksOf('approved')}).`,
        refs: stale.length > 0 ? [pull.headSha.slice(0, 12)] : undefined,
      });
    }
  }
  if (needed.has('mergeable') && pull.mergeable !== true) {
    refusals.push({
      reason: 'not-mergeable',
      detail:
        pull.mergeable === null
          ? 'GitHub is still computing whether the pull request can be merged: comment again in a minute.'
          : `The pull request cannot be merged (conflicts with its base) (required by ${stacksOf('mergeable')}).`,
    });
  }
  if (needed.has('undiverged')) {
    const base = await branchHead(github, repo, pull.baseRef);
    const contained = await isAncestor(settings.repoRoot, base, pull.headSha);
    if (contained !== true) {
      refusals.push({
        reason: 'diverged',
        detail:
          contained === undefined
            ? 'The checkout does not have the base branch head, so Stackgate cannot tell whether the head contains it: check out with fetch-depth: 0.'
            : `The head does not contain the base branch head: merge or rebase the base branch first (required by ${stacksOf('undiverged')}).`,
        refs: [base.slice(0, 12)],
      });
    }
  }
  if (needed.has('plan-passed')) {
    const conclusion = await latestCheckConclusion(
      github,
      repo,
      pull.headSha,
      checkName('plan', settings.commentHeader),
    );
    if (conclusion !== 'success') {
      refusals.push({
        reason: 'plan-not-passed',
        detail: `The plan check of the current head ${conclusion === undefined ? 'has not run' : conclusion === null ? 'is still running' : `concluded ${conclusion}`} (required by ${stacksOf('plan-passed')}).`,
      });
    }
  }
  return refusals;
}

interface Prepared {
  stack: Stack;
  report: StackReport;
  planFile?: string;
  /** Of the plan made or restored now. */
  fingerprint: string;
  /** Recorded when the plan was reviewed. */
  reviewed: string;
  /** The plan file came from the cache (not planned again). */
  restored: boolean;
}

interface Target {
  stack: Stack;
  fingerprint: string;
}

/** The engine context and fallback engine every apply step shares, for `stacks` run `parallelism` at a time. */
async function engineSetup(ctx: RunContext, stacks: number) {
  const { settings } = ctx;
  const fallback = await resolveEngineChoice(settings.engine);
  const engineContext: EngineContext = {
    workspace: settings.workspace,
    env: engineEnvironment(ctx.env, Math.min(settings.parallelism, stacks)),
    tempDir: settings.tempDir,
  };
  return { fallback, engineContext };
}

/**
 * Every target's plan, restored from the cache or made again, with its fingerprint compared to the reviewed
 * one. Any refusal means nothing is applied: the caller stops before the first apply.
 */
async function prepareTargets(
  ctx: RunContext,
  targets: Target[],
  pullNumber: number,
  /** The commit the plan files were saved for; undefined: plan again (a run that cannot read that cache). */
  savedFor: string | undefined,
): Promise<{ items: Prepared[]; refusals: Refusal[] }> {
  const { settings } = ctx;
  const { fallback, engineContext } = await engineSetup(ctx, targets.length);
  const salt = fingerprintSalt(settings);
  const items = await forEachStack(
    targets.map((target) => target.stack),
    settings.parallelism,
    async (stack): Promise<Prepared> => {
      const engine = engineFor(stack, fallback);
      const reviewed = targets.find((target) => target.stack === stack)?.fingerprint ?? '';
      const planFile = await engine.planFile(stack, engineContext);
      const restored =
        savedFor !== undefined &&
        (await restorePlanFile(planFile, planCacheKey(pullNumber, stack.name, savedFor)));
      core.info(
        `${stack.name}: ${restored ? 'restored the saved plan' : 'no saved plan here; planning again'}`,
      );
      const result = restored
        ? await engine.inspect(stack, engineContext, planFile, salt)
        : await engine.plan(stack, engineContext, salt);
      for (const secret of result.plan?.secrets ?? []) core.setSecret(secret);
      return {
        stack,
        planFile: result.planFile ?? (restored ? planFile : undefined),
        fingerprint: result.fingerprint ?? '',
        reviewed,
        restored,
        report: {
          name: stack.name,
          path: stack.path,
          engine: engine.name,
          status: result.status,
          plan: result.plan,
          diagnostics: result.diagnostics,
          message: result.message,
          fingerprint: reviewed,
          durationMs: result.durationMs,
        },
      };
    },
  );
  const refusals: Refusal[] = [];
  for (const item of items) {
    if (item.report.status === 'errored' || !item.planFile) {
      refusals.push({
        reason: 'plan-not-passed',
        stack: item.stack.name,
        detail: `${item.restored ? 'Reading the saved plan' : 'Planning again'} before the apply failed: ${item.report.message ?? 'no plan file'}.`,
      });
    } else if (item.fingerprint !== item.reviewed) {
      refusals.push({
        reason: 'plan-changed',
        stack: item.stack.name,
        detail: item.restored
          ? 'The plan changed since review: the saved plan file restored for this apply is not the plan that was reviewed (its fingerprint differs), so it was not applied. Plan again, review, then apply.'
          : 'The plan changed since review: planned now it would do something else than the plan that was reviewed. Plan again, review, then apply.',
      });
    }
  }
  return { items, refusals };
}

/**
 * Applies the prepared plans, one deployment per stack, in `depends-on` order: a stack waits for the stacks it
 * depends on and is skipped (not applied) when one of them did not apply. A failed apply is not retried.
 */
async function applyPrepared(
  ctx: RunContext,
  prepared: Prepared[],
  by: { sha: string; pullNumber: number; actor: string },
): Promise<StackReport[]> {
  const { settings } = ctx;
  const github = ctx.github!;
  const repo = repoOf(settings);
  const { fallback, engineContext } = await engineSetup(ctx, prepared.length);
  return forEachStackInOrder(
    prepared.map((item) => item.stack),
    settings.parallelism,
    async (stack, dependencies): Promise<StackReport> => {
      const item = prepared.find((candidate) => candidate.stack === stack)!;
      const blocked = dependencies.filter(({ result }) => result.status !== 'applied');
      if (blocked.length > 0) {
        const names = blocked.map(({ stack: dependency }) => dependency.name);
        core.info(`${stack.name}: skipped, it depends on ${names.join(', ')}, which did not apply`);
        return {
          ...item.report,
          status: 'skipped',
          message: `Not applied: this stack depends on ${names.join(', ')}, whose apply ${blocked.some(({ result }) => result.status === 'apply-failed') ? 'failed' : 'did not run'}. Fix that, then apply again.`,
        };
      }
      let deploymentId: number | undefined;
      try {
        deploymentId = await startDeployment(github, repo, {
          stack: stack.name,
          sha: by.sha,
          pullNumber: by.pullNumber,
          fingerprint: item.fingerprint,
          actor: by.actor,
          runUrl: settings.event.runUrl,
        });
      } catch (error) {
        core.warning(
          `Could not record the deployment of ${stack.name} (the token needs deployments: write): ${(error as Error).message}`,
        );
      }
      core.info(`Applying ${stack.name} (${stack.path})`);
      const engine = engineFor(stack, fallback);
      const result = await engine.apply(stack, engineContext, item.planFile!);
      core.info(`${stack.name}: ${result.status}${result.message ? ` (${result.message})` : ''}`);
      if (deploymentId !== undefined) {
        await setDeploymentState(
          github,
          repo,
          deploymentId,
          result.status === 'applied' ? 'success' : 'failure',
          result.status === 'applied'
            ? `Applied ${result.applied.length} change(s)`
            : (result.message ?? 'Apply failed'),
          settings.event.runUrl,
        ).catch((error: unknown) =>
          core.warning(`Could not update the deployment of ${stack.name}: ${(error as Error).message}`),
        );
      }
      return {
        ...item.report,
        status: result.status === 'applied' ? 'applied' : 'apply-failed',
        diagnostics: [...item.report.diagnostics, ...result.diagnostics],
        message:
          result.status === 'applied'
            ? undefined
            : `${result.message ?? 'apply failed'}${result.applied.length > 0 ? `; applied before it stopped: ${result.applied.join(', ')}` : ''}`,
        durationMs: result.durationMs,
      };
    },
  );
}

function tally(reports: StackReport[]): { applied: string[]; failed: string[]; skipped: string[] } {
  const named = (status: StackReport['status']) =>
    reports.filter((stack) => stack.status === status).map((stack) => stack.name);
  return { applied: named('applied'), failed: named('apply-failed'), skipped: named('skipped') };
}

/** The requirements the targets need, each with the stacks that need it; `only` keeps those that still apply. */
function neededRequirements(
  config: LoadedConfig | undefined,
  targets: Target[],
  only: readonly ApplyRequirement[] = APPLY_REQUIREMENTS,
): Map<ApplyRequirement, string[]> {
  const needed = new Map<ApplyRequirement, string[]>();
  for (const { stack } of targets) {
    for (const requirement of requirementsOf(config, stack)) {
      if (!only.includes(requirement)) continue;
      needed.set(requirement, [...(needed.get(requirement) ?? []), stack.name]);
    }
  }
  return needed;
}

/**
 * Locks: one pull request at a time per stack. Creating the lock ref is the atomic step. On any refusal the
 * locks taken here are given back.
 */
async function lockTargets(locks: LockStore, targets: Target[], holder: LockHolder): Promise<Refusal[]> {
  const taken: string[] = [];
  const refusals: Refusal[] = [];
  for (const { stack } of targets) {
    const result = await locks.acquire(stack.name, holder);
    if (result.acquired) {
      if (!result.already) taken.push(stack.name);
    } else {
      refusals.push({
        reason: 'locked',
        stack: stack.name,
        detail:
          result.holder.pullNumber > 0
            ? `Locked by pull request ${result.holder.pullNumber}, which planned or applied this stack and is not closed yet; it is released when that pull request closes, or by /stackgate unlock.`
            : 'Locked by a ref Stackgate did not write; remove it or run /stackgate unlock.',
        refs: result.holder.pullNumber > 0 ? [`#${result.holder.pullNumber}`] : undefined,
      });
    }
  }
  if (refusals.length > 0) for (const name of taken) await locks.release(name, holder.pullNumber);
  return refusals;
}

/** The shared end of both ways to apply: exactly the reviewed plans, applied in order, one report. */
async function applyTargets(
  run: PullRun,
  config: LoadedConfig | undefined,
  stacks: Stack[],
  records: PlanRecords,
  targets: Target[],
  options: {
    savedFor: string | undefined;
    sinks: readonly Sink[];
    /** Run after the report and before the dashboard, so its rows show the locks as they are left. */
    afterReport?: () => Promise<unknown>;
  },
): Promise<CommandResult> {
  const { ctx, pull, asked } = run;
  const { settings } = ctx;
  // Every target's plan is made (or restored) and fingerprinted before any applies.
  const prepared = await prepareTargets(ctx, targets, pull.number, options.savedFor);
  if (prepared.refusals.length > 0) return refuse(run, prepared.refusals);
  const onMerge = new Set(records.stacks.filter((record) => record.onMerge).map((record) => record.stack));
  const appliedStacks = (
    await applyPrepared(ctx, prepared.items, { sha: run.sha, pullNumber: pull.number, actor: asked.actor })
  ).map((stack) => (onMerge.has(stack.name) ? { ...stack, appliesOnMerge: true } : stack));
  const fallback = await resolveEngineChoice(settings.engine);

  const { applied, failed, skipped } = tally(appliedStacks);
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  // The other recorded stacks keep their records, so they can still be applied later.
  const others: StackReport[] = records.stacks
    .filter((record) => !appliedStacks.some((stack) => stack.name === record.stack))
    .map((record) => ({
      name: record.stack,
      path: byName.get(record.stack)?.path ?? record.stack,
      engine: engineFor(byName.get(record.stack) ?? {}, fallback).name,
      status: record.status as StackReport['status'],
      diagnostics: [],
      fingerprint: record.fingerprint,
      ...(record.onMerge ? { appliesOnMerge: true } : {}),
    }));
  const report = newReport(
    settings,
    'apply',
    [...appliedStacks, ...others].sort((a, b) => compareNames(a.name, b.name)),
  );
  report.outcome = appliedOutcome(asked.actor, run.sha, applied, failed, skipped);
  logFullReport(report);
  const publication = await publishReport(
    ctx,
    report,
    {
      name: checkName('apply', settings.commentHeader),
      conclusion: failed.length ? 'failure' : 'success',
      title: failed.length ? `Apply failed for ${failed.join(', ')}` : `Applied ${applied.join(', ')}`,
      annotations: [],
    },
    { sinks: options.sinks },
  );
  core.info(renderSummary(report).split('\n')[0] ?? '');
  await options.afterReport?.();
  await refreshDashboardAfterApply(ctx, config, stacks, {
    stacks: applied,
    sha: run.sha,
    pullNumber: pull.number,
    actor: asked.actor,
    at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
  return {
    report,
    publication,
    outputs: {
      ...outputs(failed.length > 0 ? 'apply-failed' : '', { applied: JSON.stringify(applied) }),
      'comment-id': publication.commentId !== undefined ? String(publication.commentId) : '',
      'comment-url': publication.commentUrl ?? '',
    },
    failure:
      failed.length > 0
        ? `Apply failed for ${failed.join(', ')}${applied.length > 0 ? ` (applied: ${applied.join(', ')})` : ''}${skipped.length > 0 ? ` (skipped: ${skipped.join(', ')})` : ''}`
        : undefined,
  };
}

function nothingToApply(alreadyApplied: string[], which = ''): string {
  return alreadyApplied.length > 0
    ? `Nothing to apply: ${alreadyApplied.map((name) => inlineCode(name)).join(', ')} already applied at this commit.`
    : `Nothing to apply: no stack of this pull request${which ? ` ${which}` : ''} has pending changes.`;
}

async function apply(run: PullRun): Promise<CommandResult> {
  const { ctx, github, store, pull, asked } = run;
  const { settings } = ctx;
  const config = await loadConfigOrThrow(settings);
  const stacks = await runStacks(ctx, config);
  const records = await store.plans.read(pull.number, settings.commentHeader);
  if (!records) {
    return refuse(run, [
      {
        reason: 'not-planned',
        detail:
          'No reviewed plan is recorded for this pull request: let the plan workflow run (or comment /stackgate plan), review, then apply.',
      },
    ]);
  }
  if (records.sha !== pull.headSha) {
    return refuse(run, [
      {
        reason: 'plan-changed',
        detail:
          'The plan changed since review: the reviewed plan is for an older commit. Wait for the plan of the new head, review it, then apply.',
        refs: [records.sha.slice(0, 12), pull.headSha.slice(0, 12)],
      },
    ]);
  }
  const selected = selectTargets(asked, stacks, records);
  // Stacks that apply on merge are applied by the push of the merge, never by a comment.
  const onMerge = selected.targets.filter(({ stack }) => applyModeOf(config, stack) === 'merge');
  const targets = selected.targets.filter((target) => !onMerge.includes(target));
  const refusals = [
    ...selected.refusals,
    ...(asked.stacks.length > 0 ? onMerge : []).map(({ stack }): Refusal => ({
      reason: 'applies-on-merge',
      stack: stack.name,
      detail:
        'This stack applies on merge (apply.on: merge): merge the pull request and the push to the default branch applies it.',
    })),
  ];
  if (refusals.length > 0) return refuse(run, refusals);
  if (targets.length === 0) {
    const text = nothingToApply(
      selected.alreadyApplied,
      onMerge.length > 0 ? 'that applies on a comment' : '',
    );
    await writeNotice(ctx, github, pull.number, [`> [!NOTE]\n> ${text}`]);
    return { outputs: outputs('nothing-to-apply') };
  }

  const unmet = await checkRequirements(run, neededRequirements(config, targets));
  if (unmet.length > 0) return refuse(run, unmet);
  const locked = await lockTargets(store.locks, targets, {
    pullNumber: pull.number,
    sha: pull.headSha,
    by: asked.actor,
  });
  if (locked.length > 0) return refuse(run, locked);
  return applyTargets(run, config, stacks, records, targets, {
    savedFor: pull.headSha,
    sinks: [commentSink, summarySink],
  });
}

/** Requirements that still mean something once the pull request is merged. */
const AFTER_MERGE: readonly ApplyRequirement[] = ['approved', 'plan-passed'];

/**
 * `push` to the default branch: the merged pull request's stacks that apply on merge, at the pushed commit,
 * each only when its plan now is the plan reviewed on the pull request. The pull request's locks go afterwards.
 */
async function applyOnMerge(ctx: RunContext): Promise<CommandResult> {
  const { settings } = ctx;
  const branch = settings.event.defaultBranch;
  if (!branch || settings.event.ref !== `refs/heads/${branch}`) {
    core.notice(
      `Stackgate applies on merge only for a push to the default branch${branch ? ` (${branch})` : ''}; this push is to ${settings.event.ref || 'an unknown ref'}: nothing was applied.`,
    );
    return { outputs: outputs('') };
  }
  const config = await loadConfigOrThrow(settings);
  const stacks = await runStacks(ctx, config);
  const onMerge = new Set(
    stacks.filter((stack) => applyModeOf(config, stack) === 'merge').map((stack) => stack.name),
  );
  const noStack =
    'No stack applies on merge (apply.on: merge in .stackgate.yml): nothing was applied on this push.';
  if (onMerge.size === 0 && (!ctx.github || !ctx.store)) {
    core.notice(noStack);
    return { outputs: outputs('') };
  }
  if (!ctx.github || !ctx.store) {
    throw new Error('Apply on merge needs the `github-token` input (with contents and pull-requests write).');
  }
  const sha = settings.event.sha;
  const number = await mergedPullOf(ctx.github, repoOf(settings), sha, branch);
  if (number === undefined) {
    if (onMerge.size === 0) {
      core.notice(noStack);
      return { outputs: outputs('') };
    }
    const text = `The push to ${inlineCode(branch)} at ${inlineCode(sha.slice(0, 12))} was not made by merging a pull request, so no reviewed plan covers it: nothing was applied. Make the change through a pull request.`;
    core.notice(text.replace(/`/g, ''));
    await core.summary.addRaw(`> [!NOTE]\n> ${text}`, true).write();
    return { outputs: outputs('not-a-pull-request') };
  }
  // From here on the merged pull request's locks (kept by its `closed` run) are released whatever happens:
  // after the report of an apply, or when it is refused or fails.
  const locks = ctx.store.locks;
  let releasing: Promise<string[]> | undefined;
  const release = () => {
    releasing ??= releaseLocksOf(locks, number).then((released) => {
      if (released.length > 0) core.info(`Released the lock(s) of #${number}: ${released.join(', ')}`);
      return released;
    });
    return releasing;
  };
  try {
    if (onMerge.size === 0) {
      core.notice(noStack);
      return { outputs: outputs('') };
    }
    const pull = await getPull(ctx.github, repoOf(settings), number);
    const onPull = pullSettings(settings, pull);
    const run: PullRun = {
      ctx: { ...ctx, settings: { ...onPull, event: { ...onPull.event, sha } } },
      github: ctx.github,
      store: ctx.store,
      pull,
      asked: { verb: 'apply', stacks: [], actor: settings.event.actor, commentId: 0 },
      via: 'merge',
      sha,
    };
    return await applyMerged(run, config, stacks, onMerge, release);
  } finally {
    await release();
  }
}

async function applyMerged(
  run: PullRun,
  config: LoadedConfig | undefined,
  stacks: Stack[],
  onMerge: Set<string>,
  release: () => Promise<unknown>,
): Promise<CommandResult> {
  const { ctx, github, store, pull, asked } = run;
  const { settings } = ctx;
  const head = await gitHead(settings.repoRoot);
  if (head !== run.sha) {
    return refuse(run, [
      {
        reason: 'workspace-not-at-head',
        detail: `The workflow checked out ${head ? 'another commit' : 'no git commit'}, not the pushed commit. Check out the pushed commit: actions/checkout without a ref (see examples/workflows/apply-on-merge.yml).`,
        refs: [head?.slice(0, 12) ?? 'none', run.sha.slice(0, 12)],
      },
    ]);
  }
  const records = await store.plans.read(pull.number, settings.commentHeader);
  if (!records) {
    return refuse(run, [
      {
        reason: 'not-planned',
        detail: `No reviewed plan is recorded on pull request ${pull.number}: nothing it merged can be applied. Plan the change in a new pull request, review, then merge.`,
      },
    ]);
  }
  // The stacks the merge touched that apply on merge: those the pull request's files affect, and those its
  // reviewed plan recorded. One affected but missing from the records is refused (never applied unplanned).
  const names = new Set(records.stacks.map((record) => record.stack).filter((name) => onMerge.has(name)));
  const files = await changedRepositoryFiles(ctx);
  if (files) {
    const selection = await selectForChange(
      { repoRoot: settings.repoRoot, workingDirectory: settings.workingDirectory },
      stacks,
      files,
      { configPath: settings.configPath, discovered: !config?.stacks, patterns: settings.stackPatterns },
    );
    for (const stack of selection.affected) if (onMerge.has(stack.name)) names.add(stack.name);
  }
  const { targets, refusals, alreadyApplied } = selectTargets(
    { ...asked, stacks: [...names].sort() },
    stacks,
    records,
  );
  if (refusals.length > 0) return refuse(run, refusals);
  if (targets.length === 0) {
    await writeNotice(ctx, github, pull.number, [
      `> [!NOTE]\n> ${nothingToApply(alreadyApplied, 'that applies on merge')}`,
    ]);
    return { outputs: outputs('nothing-to-apply') };
  }
  const unmet = await checkRequirements(run, neededRequirements(config, targets, AFTER_MERGE));
  if (unmet.length > 0) return refuse(run, unmet);
  const locked = await lockTargets(store.locks, targets, {
    pullNumber: pull.number,
    sha: run.sha,
    by: asked.actor,
  });
  if (locked.length > 0) return refuse(run, locked);
  // The saved plans were cached in the pull request's scope, which a default-branch run cannot read.
  return applyTargets(run, config, stacks, records, targets, {
    savedFor: undefined,
    sinks: [commentSink, checkRunSink, summarySink],
    afterReport: release,
  });
}

/** Releases the locks `pullNumber` holds, but those of the stacks in `keep`. */
async function releaseLocksOf(
  locks: LockStore,
  pullNumber: number,
  keep: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const released: string[] = [];
  for (const [stack, holder] of await locks.list()) {
    if (holder.pullNumber !== pullNumber || keep.has(stack)) continue;
    if (await locks.release(stack, pullNumber)) released.push(stack);
  }
  return released;
}
