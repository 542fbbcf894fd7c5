// `command: report`: the last job of a matrix. Reads the selection `command: detect` kept and the plan every
// matrix job uploaded, merges them into the one report a single `command: plan` job would have made, and
// publishes it the same way (sticky comment, check run, gate). A matrix job that left no plan, or failed
// before planning, turns its stacks into errors that name the job.
import * as core from '@actions/core';
import type { ArtifactInfo, ArtifactTransport } from '../github/artifacts.js';
import { artifactServiceProblem } from '../github/artifacts.js';
import {
  ArtifactFormatError,
  decodeDetectArtifact,
  decodePlanArtifact,
  entryKey,
  isDetectArtifactName,
  isPlanArtifactName,
  type ArtifactStack,
  type DetectArtifact,
  type PlanArtifact,
} from '../report/artifact.js';
import type { Finding } from '../report/findings.js';
import { logSafe } from '../report/escape.js';
import type { RunReport, StackReport } from '../report/types.js';
import type { CommandResult, RunContext } from './context.js';
import { publishPlanReport } from './plan.js';
import { newReport } from './shared.js';
import { compareNames } from '../report/order.js';

/** The run attempt in an artifact's name (`…-a2.json`); the latest attempt of a job wins. */
function attemptOf(name: string): number {
  return Number(/-a(\d+)\.json$/.exec(name)?.[1] ?? 0);
}

function latest(artifacts: ArtifactInfo[]): ArtifactInfo | undefined {
  return [...artifacts].sort((a, b) => attemptOf(b.name) - attemptOf(a.name))[0];
}

async function readDetect(
  transport: ArtifactTransport,
  all: ArtifactInfo[],
  header: string,
): Promise<DetectArtifact> {
  const found = latest(all.filter((artifact) => isDetectArtifactName(artifact.name, header)));
  if (!found) {
    throw new Error(
      `No selection from command: detect in this workflow run${header ? ` for comment-header '${header}'` : ''}: run detect with publish: artifact (and the same comment-header) in a job this one needs`,
    );
  }
  try {
    return decodeDetectArtifact(await transport.download(found));
  } catch (error) {
    throw new Error(`The selection artifact ${found.name} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

interface Plans {
  byEntry: Map<string, PlanArtifact>;
  /** Artifacts that could not be read, with why: each fails the gate. */
  unreadable: Finding[];
}

async function readPlans(
  transport: ArtifactTransport,
  all: ArtifactInfo[],
  detect: DetectArtifact,
): Promise<Plans> {
  const candidates = all
    .filter((artifact) => isPlanArtifactName(artifact.name, detect.header))
    .sort((a, b) => attemptOf(a.name) - attemptOf(b.name));
  const byEntry = new Map<string, PlanArtifact>();
  const unreadable: Finding[] = [];
  for (const artifact of candidates) {
    try {
      const plan = decodePlanArtifact(await transport.download(artifact));
      if (plan.header !== detect.header || plan.sha !== detect.sha || plan.pullNumber !== detect.pullNumber) {
        throw new ArtifactFormatError(
          `made for commit ${plan.sha.slice(0, 12)}, pull request ${plan.pullNumber ?? 'none'}, not for this run's ${detect.sha.slice(0, 12)}`,
        );
      }
      // Later attempts come last and replace earlier ones.
      byEntry.set(entryKey(plan.entry), plan);
    } catch (error) {
      unreadable.push({
        kind: 'stack',
        severity: 'error',
        title: 'Unreadable matrix result',
        message: `The artifact ${artifact.name} cannot be used: ${(error as Error).message}`,
      });
    }
  }
  return { byEntry, unreadable };
}

function failedStack(stack: ArtifactStack, message: string): StackReport {
  return {
    name: stack.name,
    path: stack.path,
    engine: stack.engine,
    status: 'errored',
    diagnostics: [],
    message,
  };
}

/** The order a single plan job lists findings in: its checks, deleted stacks, secrets, then policies. */
const FINDING_GROUP: Partial<Record<Finding['kind'], number>> = { stack: 1, secret: 2, policy: 3 };

/** Findings every job found alike (a secret in a changed file) appear once. */
function mergeFindings(lists: Finding[][]): Finding[] {
  const seen = new Set<string>();
  const merged: Finding[] = [];
  for (const finding of lists.flat()) {
    const key = JSON.stringify([
      finding.kind,
      finding.severity,
      finding.stack,
      finding.file,
      finding.line,
      finding.column,
      finding.title,
      finding.message,
    ]);
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(finding);
  }
  return merged
    .map((finding, index) => ({ finding, index }))
    .sort(
      (a, b) =>
        (FINDING_GROUP[a.finding.kind] ?? 0) - (FINDING_GROUP[b.finding.kind] ?? 0) || a.index - b.index,
    )
    .map(({ finding }) => finding);
}

/** The one report of the matrix, as a single plan job over the same stacks would have made it. */
export function mergeMatrix(ctx: RunContext, detect: DetectArtifact, plans: Plans): RunReport {
  const byName = new Map(detect.affected.map((stack) => [stack.name, stack]));
  const stacks: StackReport[] = [];
  const findings: Finding[][] = [];
  const policyViolations: NonNullable<RunReport['policyViolations']> = [];
  const openDrift: NonNullable<RunReport['openDrift']> = [];
  for (const entry of detect.entries) {
    const refs = entry.flatMap((name) => byName.get(name) ?? []);
    const plan = plans.byEntry.get(entryKey(entry));
    const job = `the matrix job for ${entry.join(', ')}`;
    if (!plan) {
      for (const ref of refs)
        stacks.push(failedStack(ref, `no plan: ${job} left no result (it failed, was cancelled or skipped)`));
      continue;
    }
    if (plan.error !== undefined) {
      for (const ref of refs) stacks.push(failedStack(ref, `${job} failed before planning: ${plan.error}`));
      continue;
    }
    for (const ref of refs) {
      const planned = plan.stacks.find((stack) => stack.name === ref.name);
      stacks.push(planned ?? failedStack(ref, `missing from the result of ${job}`));
    }
    findings.push(plan.findings);
    policyViolations.push(...plan.policyViolations.filter((violation) => entry.includes(violation.stack)));
    openDrift.push(...plan.openDrift.filter((drift) => entry.includes(drift.stack)));
  }
  const unaffected: StackReport[] = detect.unaffected.map((stack) => ({
    ...stack,
    status: 'unaffected',
    diagnostics: [],
  }));
  findings.push(detect.findings, plans.unreadable);
  const report = newReport(
    ctx.settings,
    'plan',
    [...stacks, ...unaffected].sort((a, b) => compareNames(a.name, b.name)),
    mergeFindings(findings),
  );
  if (openDrift.length > 0) report.openDrift = openDrift;
  if (policyViolations.length > 0) report.policyViolations = policyViolations;
  return report;
}

export async function runReport(ctx: RunContext): Promise<CommandResult> {
  const { settings } = ctx;
  const problem = artifactServiceProblem(ctx.env);
  if (problem || !ctx.artifacts) throw new Error(`Cannot read the matrix jobs' plans: ${problem}`);
  const all = await ctx.artifacts.list();
  const detect = await readDetect(ctx.artifacts, all, settings.commentHeader);
  if (detect.sha !== settings.event.sha) {
    throw new Error(
      `The selection from command: detect is for commit ${detect.sha.slice(0, 12)}, this run is for ${settings.event.sha.slice(0, 12)}`,
    );
  }
  const plans = await readPlans(ctx.artifacts, all, detect);
  core.info(
    logSafe(
      `${detect.entries.length} matrix job(s) expected, ${plans.byEntry.size} plan(s) found, ${plans.unreadable.length} unreadable`,
    ),
  );
  return publishPlanReport(ctx, mergeMatrix(ctx, detect, plans));
}
