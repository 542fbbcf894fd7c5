// `command: plan`: the affected stacks, planned in parallel, reported to the pull request, gated.
import * as core from '@actions/core';
import {
  engineEnvironment,
  engineFor,
  resolveEngineChoice,
  type EngineName,
  type StackPlanResult,
} from '../engines/index.js';
import { annotationsFromReport } from '../report/annotations.js';
import { logSafe, stripControl } from '../report/escape.js';
import { renderSectionAhead } from '../report/markdown.js';
import { redactDiagnostics, redactText } from '../plan/redact.js';
import { maskEngineInputs } from './masking.js';
import { annotationFromFinding, blockingSummary, failingFindings, type Finding } from '../report/findings.js';
import { evaluatePolicies, type PolicyViolation } from '../plan/policy.js';
import { locateResourceBlocks, type HclFile } from '../plan/hcl-locate.js';
import { checkStacks, listWorkspaceFiles } from './checks.js';
import { scanForSecrets } from './secret-scan.js';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunReport, StackReport } from '../report/types.js';
import { ConfigError, type LoadedConfig } from '../config/types.js';
import type { Stack } from '../stacks/discover.js';
import { allSettledInOrder, stackLanes } from '../stacks/runner.js';
import { publishReport, summarySink, type Publication } from './publish.js';
import type { CheckConclusion } from '../github/checks.js';
import { artifactServiceProblem } from '../github/artifacts.js';
import {
  ARTIFACT_VERSION,
  encodePlanArtifact,
  PLAN_ARTIFACT_KIND,
  planArtifactName,
} from '../report/artifact.js';
import { InputError, type Settings } from '../settings.js';
import { selectStacks } from './selection.js';
import { openProviderCache } from './providers.js';
import {
  annotateConfigError,
  applyModeOf,
  checkName,
  configFailureMessage,
  configFindings,
  logFullReport,
  newReport,
  loadConfigOrThrow,
  type CommandResult,
} from './shared.js';
import { repoOf, type RunContext } from './context.js';
import { listKeptIssues } from '../github/issues.js';
import { DRIFT_LABEL, stackOfDriftBody } from '../report/drift.js';
import { planCacheKey, savePlanFile } from '../github/plan-cache.js';
import type { LockHolder } from '../store/types.js';
import { compareNames } from '../report/order.js';

function stackReport(stack: Stack, engine: EngineName, result: StackPlanResult): StackReport {
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

async function hclFilesIn(workspace: string, folder: string): Promise<HclFile[]> {
  const entries = await readdir(path.join(workspace, folder)).catch(() => [] as string[]);
  const files: HclFile[] = [];
  for (const name of entries.filter((entry) => /\.(tf|tofu)$/.test(entry)).sort()) {
    const file = folder === '.' ? name : `${folder}/${name}`;
    files.push({ path: file, text: await readFile(path.join(workspace, file), 'utf8') });
  }
  return files;
}

/** Policy violations as findings, placed on the block that declares the resource. */
async function policyFindings(
  workspace: string,
  stack: StackReport,
  violations: PolicyViolation[],
  moduleDeps: Map<string, Set<string>>,
): Promise<Finding[]> {
  if (violations.length === 0) return [];
  const files = await hclFilesIn(workspace, stack.path);
  for (const folder of moduleDeps.get(stack.path) ?? []) files.push(...(await hclFilesIn(workspace, folder)));
  return violations.map((violation) => {
    const where =
      violation.resourceType && violation.resourceName
        ? locateResourceBlocks(files, violation.resourceType, violation.resourceName, violation.modulePath)
        : undefined;
    return {
      kind: 'policy',
      severity: violation.level,
      stack: stack.name,
      file: where?.file,
      line: where?.line,
      title: violation.policy,
      message: violation.message,
      ...(violation.waivedBy ? { waivedBy: violation.waivedBy } : {}),
    };
  });
}

/**
 * A broken config still gets a report: the sticky comment and the check run turn to failure with the problems,
 * so nobody reads the previous commit's green plan as current.
 */
async function reportConfigFailure(ctx: RunContext, error: ConfigError): Promise<CommandResult> {
  const { settings } = ctx;
  annotateConfigError(error, settings);
  const report = newReport(settings, 'plan', [], configFindings(error));
  // The problems are annotated above already; the check run carries no second copy.
  const publication = await publishReport(ctx, report, {
    name: checkName('plan', settings.commentHeader),
    conclusion: 'failure',
    title: 'Invalid Stackgate config',
    annotations: [],
  });
  return {
    report,
    publication,
    outputs: planOutputs(report, publication),
    failure: configFailureMessage(error),
  };
}

/** What a plan's fingerprint is bound to: this repository and pull request (the engine adds the stack). */
export function fingerprintSalt(settings: Settings): { repository: string; pullNumber?: number } {
  return {
    repository: `${settings.event.owner}/${settings.event.repo}`,
    pullNumber: settings.event.pullRequest?.number,
  };
}

/**
 * A pull request whose plan has pending changes on a stack takes the stack's lock now (one pull request at a
 * time per stack, from plan to apply or close). Returns the other holder when the lock is someone else's;
 * undefined when it is this pull request's, or when it cannot be known (no token, a fork, an API error).
 */
async function lockForPlan(ctx: RunContext, stack: string): Promise<LockHolder | undefined> {
  const pull = ctx.settings.event.pullRequest;
  if (!ctx.store || !pull || pull.fromFork) return undefined;
  try {
    const result = await ctx.store.locks.acquire(stack, {
      pullNumber: pull.number,
      sha: pull.headSha,
      by: ctx.settings.event.actor,
    });
    return result.acquired ? undefined : result.holder;
  } catch (error) {
    core.warning(
      `Could not take the lock of ${stack} (the plan workflow needs contents: write): ${(error as Error).message}`,
    );
    return undefined;
  }
}

function lockedMessage(holder: LockHolder): string {
  return holder.pullNumber > 0
    ? `Locked by pull request ${holder.pullNumber}: this stack cannot be applied here until that pull request is merged and applied or closed, or the lock is released with /stackgate unlock.`
    : 'Locked by a ref Stackgate did not write: this stack cannot be applied until it is removed or released with /stackgate unlock.';
}

/**
 * The log line of a planned stack, once the door checks settled. A check that failed may not have masked what it
 * found, so the engine's message (which may quote a value) is then left out.
 */
export function plannedLine(
  name: string,
  result: { status: string; message?: string },
  doorChecks: readonly PromiseSettledResult<unknown>[],
): string {
  const masked = doorChecks.every((check) => check.status === 'fulfilled');
  return logSafe(`${name}: ${result.status}${result.message && masked ? ` (${result.message})` : ''}`);
}

/**
 * Open drift issues of the planned stacks (a plan from Git also reverts that drift), for the comment; empty
 * without a token, on a fork, with `drift.show-in-pr: false`, or when the issues cannot be listed.
 */
async function openDriftOf(
  ctx: RunContext,
  stacks: readonly string[],
  enabled: boolean,
): Promise<{ stack: string; issue: number }[]> {
  const pull = ctx.settings.event.pullRequest;
  if (!ctx.github || !pull || pull.fromFork || !enabled || stacks.length === 0) return [];
  try {
    const issues = await listKeptIssues(
      ctx.github,
      repoOf(ctx.settings),
      DRIFT_LABEL,
      (line) => stackOfDriftBody(line) !== undefined,
    );
    const open = new Map<string, number>();
    for (const issue of issues) {
      const stack = stackOfDriftBody(issue.body);
      if (stack !== undefined && !open.has(stack)) open.set(stack, issue.number);
    }
    return stacks.flatMap((stack) => {
      const issue = open.get(stack);
      return issue === undefined ? [] : [{ stack, issue }];
    });
  } catch (error) {
    core.info(`Could not list the drift issues (${(error as Error).message})`);
    return [];
  }
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

/** Like Promise.all, but only once every promise has settled; then the first rejection, if any. */
async function settledAll<A, B, C>(a: Promise<A>, b: Promise<B>, c: Promise<C>): Promise<[A, B, C]> {
  const settled = await Promise.allSettled([a, b, c]);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as [A, B, C];
}

export async function runPlan(ctx: RunContext): Promise<CommandResult> {
  if (ctx.settings.publish !== 'artifact') return plan(ctx);
  if (ctx.settings.stackPatterns.length === 0) {
    throw new InputError(
      'stacks',
      'publish: artifact plans one matrix entry: give its stacks (`${{ matrix.stack }}`)',
    );
  }
  try {
    return await plan(ctx);
  } catch (error) {
    // The report names this job's stacks as failed, with the reason, rather than only as missing.
    const reason = error instanceof ConfigError ? configFailureMessage(error) : (error as Error).message;
    await uploadPlanArtifact(ctx, { stacks: [], findings: [], error: stripControl(reason) }).catch(
      (upload: unknown) =>
        core.warning(`Could not upload the failure for command: report: ${(upload as Error).message}`),
    );
    throw error;
  }
}

async function plan(ctx: RunContext): Promise<CommandResult> {
  const { settings } = ctx;
  let config: LoadedConfig | undefined;
  try {
    config = await loadConfigOrThrow(settings);
  } catch (error) {
    // A matrix job reports a broken config through its artifact (and fails); the report shows it.
    if (error instanceof ConfigError && settings.publish !== 'artifact')
      return reportConfigFailure(ctx, error);
    throw error;
  }
  const { affected, unaffected, removed: removedStacks, files, moduleDeps } = await selectStacks(ctx, config);

  const fallbackEngine = await resolveEngineChoice(settings.engine);
  const env = engineEnvironment(ctx.env, Math.min(settings.parallelism, affected.length));
  // Secret-named values go to the engines: masked before any engine starts, hidden from what they print.
  const handed = maskEngineInputs(env, ...affected.map((stack) => stack.env));
  // The door checks (engines installed, formatting, secrets in what the change touches) run beside the plans:
  // the files to scan are listed before any engine writes into the workspace.
  const scannedFiles = files ?? listWorkspaceFiles(settings.workspace);
  const providers = await openProviderCache(affected, fallbackEngine, {
    workspace: settings.workspace,
    env,
    tempDir: settings.tempDir,
  });
  // Both door checks mask every secret they find: what a plan says is logged only after that.
  let doorChecksSettled: (checks: Promise<PromiseSettledResult<unknown>[]>) => void = () => undefined;
  const masked = new Promise<PromiseSettledResult<unknown>[]>((resolve) => (doorChecksSettled = resolve));
  const inLane = stackLanes(settings.parallelism);
  const planStack = async (stack: Stack): Promise<StackReport> => {
    const engine = engineFor(stack, fallbackEngine);
    const result = await inLane(stack, () => {
      core.info(logSafe(`Planning ${stack.name} (${stack.path}) with ${engine.name}`));
      return engine.plan(
        stack,
        { workspace: settings.workspace, env, tempDir: settings.tempDir },
        fingerprintSalt(settings),
      );
    });
    // The lane is free again: the cache upload, the masking wait and the lock below are no engine work.
    result.diagnostics = redactDiagnostics(result.diagnostics, handed);
    if (result.plan) result.plan.diagnostics = redactDiagnostics(result.plan.diagnostics, handed);
    if (result.message) result.message = redactText(result.message, handed);
    // Register every redacted value before anything is rendered or logged.
    for (const secret of result.plan?.secrets ?? []) core.setSecret(secret);
    // Saved for apply, only from a pull request's own run (its cache scope); never from a fork.
    const pull = settings.event.pullRequest;
    if (settings.event.eventName === 'pull_request' && pull && !pull.fromFork && result.planFile) {
      if (result.status === 'planned') {
        await savePlanFile(result.planFile, planCacheKey(pull.number, stack.name, pull.headSha));
      }
    }
    core.info(plannedLine(stack.name, result, await masked));
    const report = stackReport(stack, engine.name, result);
    if (applyModeOf(config, stack) === 'merge') report.appliesOnMerge = true;
    const holder = report.status === 'planned' ? await lockForPlan(ctx, stack.name) : undefined;
    if (holder) report.message = lockedMessage(holder);
    // While other stacks still plan, so the report at the end only assembles the sections.
    renderSectionAhead(report);
    return report;
  };
  // The engines start first; the door checks then work on this thread while they run.
  const planning = allSettledInOrder(affected.map(planStack));
  const checked = checkStacks({
    workspace: settings.workspace,
    config,
    stacks: affected,
    fallbackEngine,
    engineContext: { workspace: settings.workspace, env, tempDir: settings.tempDir },
    parallelism: settings.parallelism,
    validate: false,
    moduleFolders: affected.flatMap((stack) => [...(moduleDeps.get(stack.path) ?? [])]),
  });
  const scanned = scanForSecrets(ctx, scannedFiles, config?.secrets?.allow ?? []);
  doorChecksSettled(Promise.allSettled([checked, scanned]));
  // Every part settles before the run goes on, so a failing one never leaves engines running behind it.
  const [checkFindings, secretFindings, planned] = await settledAll(checked, scanned, planning);
  await providers.save();
  const findings: Finding[] = [...checkFindings, ...removedStacks, ...secretFindings];
  const unaffectedReports: StackReport[] = unaffected.map((stack) => ({
    name: stack.name,
    path: stack.path,
    engine: stack.engine ?? fallbackEngine,
    status: 'unaffected',
    diagnostics: [],
  }));

  const report = newReport(
    settings,
    'plan',
    [...planned, ...unaffectedReports].sort((a, b) => compareNames(a.name, b.name)),
    findings,
  );
  const openDrift = await openDriftOf(
    ctx,
    planned.filter((stack) => stack.status === 'planned' || stack.status === 'no-changes').map((s) => s.name),
    config?.drift.showInPr ?? true,
  );
  if (openDrift.length > 0) report.openDrift = openDrift;
  const labels = settings.event.pullRequest?.labels ?? [];
  for (const stack of planned) {
    if (!stack.plan || !config?.policies?.length) continue;
    const violations = evaluatePolicies(stack.name, stack.plan, config.policies, labels);
    report.policyViolations = [...(report.policyViolations ?? []), ...violations];
    findings.push(...(await policyFindings(settings.workspace, stack, violations, moduleDeps)));
  }

  if (settings.publish === 'artifact') return publishPlanArtifact(ctx, report);
  return publishPlanReport(ctx, report);
}

/**
 * The gate and the publication of a finished plan report: the sticky comment, the check run with its
 * annotations, the summary and the outputs. `command: report` sends a matrix's merged report through here too.
 */
export async function publishPlanReport(ctx: RunContext, report: RunReport): Promise<CommandResult> {
  const { settings } = ctx;
  const verdict = planVerdict(report);
  // Once for the log, the summary, the comment and the check run (a plan's stacks already are).
  for (const stack of report.stacks) renderSectionAhead(stack);
  logFullReport(report);
  const publication = await publishReport(ctx, report, {
    name: checkName('plan', settings.commentHeader),
    conclusion: verdict.conclusion,
    title: verdict.title,
    annotations: [
      ...annotationsFromReport(report),
      ...(report.findings ?? []).flatMap((finding) => annotationFromFinding(finding) ?? []),
    ],
  });
  return { report, publication, outputs: planOutputs(report, publication), failure: verdict.failure };
}

/** A matrix job's plan: to an artifact for `command: report`, and to this job's summary; no comment, no check. */
async function publishPlanArtifact(ctx: RunContext, report: RunReport): Promise<CommandResult> {
  const verdict = planVerdict(report);
  logFullReport(report);
  await uploadPlanArtifact(ctx, { stacks: report.stacks, findings: report.findings ?? [], report });
  const publication = await publishReport(
    ctx,
    report,
    { name: '', conclusion: verdict.conclusion, title: verdict.title, annotations: [] },
    { sinks: [summarySink] },
  );
  return { report, publication, outputs: planOutputs(report, publication), failure: verdict.failure };
}

/** What a plan report means for the gate: the check run's conclusion and title, and the failure message. */
export function planVerdict(report: RunReport): {
  conclusion: CheckConclusion;
  title: string;
  failure?: string;
} {
  const planned = report.stacks.filter((stack) => stack.status !== 'unaffected');
  const errored = planned.filter((stack) => stack.status === 'errored');
  const blocking = failingFindings(report.findings ?? []);
  const changed = planned.filter((stack) => stack.status === 'planned');
  const failed = errored.length > 0 || blocking.length > 0;
  const conclusion = failed ? 'failure' : planned.length === 0 ? 'skipped' : 'success';
  const title =
    errored.length > 0
      ? `${errored.length} stack(s) failed to plan`
      : blocking.length > 0
        ? `${blocking.length} blocking finding(s)`
        : planned.length === 0
          ? 'No stack affected'
          : `${changed.length} stack(s) to change, ${planned.length - changed.length} unchanged`;
  const failures = [
    errored.length > 0
      ? `Plan failed for ${errored.length} stack(s): ${errored.map((stack) => `${stack.name} (${stack.message ?? 'error'})`).join(', ')}`
      : '',
    blocking.length > 0 ? blockingSummary(blocking) : '',
  ].filter(Boolean);
  return { conclusion, title, failure: failures.length > 0 ? stripControl(failures.join('\n')) : undefined };
}

/** The plan artifact of this matrix job; `error` when the job stopped before it had a report. */
export async function uploadPlanArtifact(
  ctx: RunContext,
  part: { stacks: StackReport[]; findings: Finding[]; report?: RunReport; error?: string },
): Promise<void> {
  const { settings } = ctx;
  const problem = artifactServiceProblem(ctx.env);
  if (problem || !ctx.artifacts) throw new Error(`Cannot upload the plan for command: report: ${problem}`);
  const name = planArtifactName(settings.commentHeader, settings.stackPatterns, settings.event.runAttempt);
  await ctx.artifacts.upload(
    name,
    encodePlanArtifact({
      kind: PLAN_ARTIFACT_KIND,
      version: ARTIFACT_VERSION,
      header: settings.commentHeader,
      sha: settings.event.sha,
      pullNumber: settings.event.pullRequest?.number,
      runAttempt: settings.event.runAttempt,
      entry: settings.stackPatterns,
      stacks: part.stacks,
      findings: part.findings,
      policyViolations: part.report?.policyViolations ?? [],
      openDrift: part.report?.openDrift ?? [],
      ...(part.error !== undefined ? { error: part.error } : {}),
    }),
  );
  core.info(`Plan kept for command: report as artifact ${name}`);
}
