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
import { redactDiagnostics, redactText } from '../plan/redact.js';
import { maskEngineInputs } from './masking.js';
import { annotationFromFinding, blockingSummary, failingFindings, type Finding } from '../report/findings.js';
import { evaluatePolicies, type PolicyViolation } from '../plan/policy.js';
import { locateResourceBlocks, type HclFile } from '../plan/hcl-locate.js';
import { checkStacks, listWorkspaceFiles, scanSecrets } from './checks.js';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunReport, StackReport } from '../report/types.js';
import type { Settings } from '../settings.js';
import { ConfigError, type LoadedConfig } from '../config/types.js';
import { discoverStacks, type Stack } from '../stacks/discover.js';
import { filterStacks } from '../stacks/affected.js';
import { relativeToWorkingDirectory } from '../stacks/changed-files.js';
import { removedStackFindings, selectForChange, unresolvedReadHint } from '../stacks/select.js';
import { localModuleGraph } from '../stacks/modules.js';
import { publishReport, type Publication } from './publish.js';
import { openProviderCache } from './providers.js';
import {
  annotateConfigError,
  changedRepositoryFiles,
  checkName,
  configFailureMessage,
  configFindings,
  forEachStack,
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

/** Who holds which stack's lock, to tell other pull requests; empty when unknown (no token, a fork, an error). */
async function lockHolders(ctx: RunContext): Promise<Map<string, LockHolder>> {
  const pull = ctx.settings.event.pullRequest;
  if (!ctx.store || !pull || pull.fromFork) return new Map();
  try {
    return await ctx.store.locks.list();
  } catch (error) {
    core.info(`Could not read the stack locks (${(error as Error).message})`);
    return new Map();
  }
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
  const { settings } = ctx;
  let config: LoadedConfig | undefined;
  try {
    config = await loadConfigOrThrow(settings);
  } catch (error) {
    if (error instanceof ConfigError) return reportConfigFailure(ctx, error);
    throw error;
  }
  let stacks = await discoverStacks(settings.workspace, config);
  if (settings.stackPatterns.length > 0) stacks = filterStacks(stacks, settings.stackPatterns);

  const repositoryFiles = await changedRepositoryFiles(ctx);
  const files = repositoryFiles && relativeToWorkingDirectory(repositoryFiles, settings.workingDirectory);
  let affected = stacks;
  let unaffected: Stack[] = [];
  let removedStacks: Finding[] = [];
  const moduleDeps = await localModuleGraph(
    settings.workspace,
    stacks.map((stack) => stack.path),
  );
  if (repositoryFiles) {
    const selection = await selectForChange(
      { repoRoot: settings.repoRoot, workingDirectory: settings.workingDirectory },
      stacks,
      repositoryFiles,
      { configPath: settings.configPath, discovered: !config?.stacks, patterns: settings.stackPatterns },
    );
    ({ affected, unaffected } = selection);
    removedStacks = removedStackFindings(selection.removed, settings.event.pullRequest?.labels ?? []);
    for (const read of selection.unresolved)
      core.notice(unresolvedReadHint(read), { file: read.file, startLine: read.line });
    core.info(
      `${repositoryFiles.length} changed file(s); ${affected.length} of ${stacks.length} stack(s) affected`,
    );
  }

  const fallbackEngine = await resolveEngineChoice(settings.engine);
  const env = engineEnvironment(ctx.env);
  // Secret-named values go to the engines: masked before any engine starts, hidden from what they print.
  const handed = maskEngineInputs(env, ...affected.map((stack) => stack.env));
  // The door checks (engines installed, formatting, secrets in what the change touches) run beside the plans:
  // the files to scan are listed before any engine writes into the workspace.
  const scannedFiles = files ?? (await listWorkspaceFiles(settings.workspace));
  const providers = await openProviderCache(affected, fallbackEngine, {
    workspace: settings.workspace,
    env,
    tempDir: settings.tempDir,
  });
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
  const scanned = scanSecrets(settings.workspace, scannedFiles, config?.secrets?.allow ?? []);
  // Both mask every secret they find: what a plan says is logged only after that.
  const masked = Promise.allSettled([checked, scanned]);
  const locks = lockHolders(ctx);
  const planning = forEachStack(affected, settings.parallelism, async (stack): Promise<StackReport> => {
    const engine = engineFor(stack, fallbackEngine);
    core.info(logSafe(`Planning ${stack.name} (${stack.path}) with ${engine.name}`));
    const result = await engine.plan(
      stack,
      { workspace: settings.workspace, env, tempDir: settings.tempDir },
      fingerprintSalt(settings),
    );
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
    await masked;
    core.info(logSafe(`${stack.name}: ${result.status}${result.message ? ` (${result.message})` : ''}`));
    const report = stackReport(stack, engine.name, result);
    const holder = (await locks).get(stack.name);
    if (holder && report.status === 'planned' && holder.pullNumber !== settings.event.pullRequest?.number) {
      report.message = `Locked by pull request ${holder.pullNumber}: this stack cannot be applied here until that pull request is closed or the lock is released with /stackgate unlock.`;
    }
    return report;
  });
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
    [...planned, ...unaffectedReports].sort((a, b) => a.name.localeCompare(b.name)),
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

  const errored = planned.filter((stack) => stack.status === 'errored');
  const blocking = failingFindings(findings);
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
  logFullReport(report);
  const publication = await publishReport(ctx, report, {
    name: checkName('plan', settings.commentHeader),
    conclusion,
    title,
    annotations: [
      ...annotationsFromReport(report),
      ...findings.flatMap((finding) => annotationFromFinding(finding) ?? []),
    ],
  });
  const failures = [
    errored.length > 0
      ? `Plan failed for ${errored.length} stack(s): ${errored.map((stack) => `${stack.name} (${stack.message ?? 'error'})`).join(', ')}`
      : '',
    blocking.length > 0 ? blockingSummary(blocking) : '',
  ].filter(Boolean);
  return {
    report,
    publication,
    outputs: planOutputs(report, publication),
    failure: failures.length > 0 ? stripControl(failures.join('\n')) : undefined,
  };
}
