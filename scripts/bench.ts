// The bench behind `npm run bench` (scripts/bench.sh plans the configuration and bundles this file).
// Usage: node bench.js PLAN_DIR TOFU RESULTS_MD
// Baseline: `tofu show -json` of the saved plan, as a child process. Measured: what Stackgate does with that
// output in the action: JSON.parse + parseTerraformPlan (parse and redact), then the renders of command: plan
// with a token: the stack's report section once (renderSectionAhead, when the stack is planned), the comment
// (one renderComment for the sticky comment and the check run) and the summary twice (the run log's full report,
// renderLogReport, and the job summary, renderSummary).

import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Plan } from '../src/plan/model.js';
import { parseTerraformPlan } from '../src/plan/terraform-json.js';
import {
  COMMENT_MAX_LENGTH,
  SUMMARY_MAX_BYTES,
  renderComment,
  renderLogReport,
  renderSectionAhead,
  renderSummary,
} from '../src/report/markdown.js';
import type { RunReport } from '../src/report/types.js';

const GOAL_RATIO = 0.25;
const SHOW_RUNS = 3;
const CORE_RUNS = 5;

const [planDir, tofu, resultsFile] = process.argv.slice(2);
if (!planDir || !tofu || !resultsFile) {
  console.error('usage: bench.js PLAN_DIR TOFU RESULTS_MD');
  process.exit(2);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const ms = (value: number): string => `${Math.round(value).toLocaleString('en-US')} ms`;
const count = (value: number): string => value.toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

// ---- baseline: tofu show -json -------------------------------------------------------------------------

/** Runs `tofu show -json` with stdout going straight to a file, so only tofu's own work is timed. */
function showJson(output: string): number {
  const fd = openSync(output, 'w');
  try {
    const start = performance.now();
    const result = spawnSync(tofu!, ['show', '-json', 'plan.tfplan'], {
      cwd: planDir,
      stdio: ['ignore', fd, 'pipe'],
      encoding: 'utf8',
    });
    const elapsed = performance.now() - start;
    if (result.status !== 0) throw new Error(`tofu show -json failed (${result.status}): ${result.stderr}`);
    return elapsed;
  } finally {
    closeSync(fd);
  }
}

// Other work on the machine slows tofu (multi-threaded) more than Stackgate: record the load it ran under.
const loadAtStart = os.loadavg()[0] ?? 0;
const jsonFile = path.join(os.tmpdir(), `stackgate-bench-${process.pid}.json`);
const showTimes = Array.from({ length: SHOW_RUNS }, () => showJson(jsonFile));
const showMs = median(showTimes);
const text = readFileSync(jsonFile, 'utf8');
rmSync(jsonFile);
const jsonBytes = Buffer.byteLength(text, 'utf8');

// ---- Stackgate: parse, redact, render --------------------------------------------------------------------

interface Stages {
  jsonParse: number;
  parsePlan: number;
  section: number;
  comment: number;
  summary: number;
  total: number;
}

let peakHeap = 0;
function sampleHeap(): void {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}

function reportFor(plan: Plan): RunReport {
  return {
    command: 'plan',
    header: '',
    repository: 'example/infrastructure',
    sha: '0123456789abcdef0123456789abcdef01234567',
    pullNumber: 1,
    runUrl: 'https://github.com/example/infrastructure/actions/runs/1',
    stacks: [
      {
        name: 'bench',
        path: 'stacks/bench',
        engine: 'tofu',
        status: plan.hasChanges ? 'planned' : 'no-changes',
        plan,
        diagnostics: [],
        fingerprint: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
      },
    ],
  };
}

function runCore(): {
  stages: Stages;
  plan: Plan;
  comment: { body: string; truncated: boolean };
  summary: string;
} {
  const t0 = performance.now();
  const json: unknown = JSON.parse(text);
  const t1 = performance.now();
  sampleHeap();
  const plan = parseTerraformPlan(json, 'stacks/bench/plan.json');
  const t2 = performance.now();
  sampleHeap();
  const report = reportFor(plan);
  for (const stack of report.stacks) renderSectionAhead(stack);
  const tSection = performance.now();
  sampleHeap();
  const comment = renderComment(report);
  const t3 = performance.now();
  sampleHeap();
  renderLogReport(report); // the run log's full report
  const summary = renderSummary(report);
  const t4 = performance.now();
  sampleHeap();
  return {
    stages: {
      jsonParse: t1 - t0,
      parsePlan: t2 - t1,
      section: tSection - t2,
      comment: t3 - tSection,
      summary: t4 - t3,
      total: t4 - t0,
    },
    plan,
    comment,
    summary,
  };
}

runCore(); // warm-up: lets V8 optimise the hot paths before timing
const runs = Array.from({ length: CORE_RUNS }, runCore);
const last = runs[runs.length - 1]!;
const stage = (key: keyof Stages): number => median(runs.map((run) => run.stages[key]));
const coreMs = stage('total');
const ratio = coreMs / showMs;
const maxRssBytes = process.resourceUsage().maxRSS * 1024; // reported in KiB
const commentLength = last.comment.body.length;
const summaryBytes = Buffer.byteLength(last.summary, 'utf8');

// ---- figures -----------------------------------------------------------------------------------------------

const byType = new Map<string, number>();
for (const change of last.plan.changes) byType.set(change.type, (byType.get(change.type) ?? 0) + 1);
const types = [...byType].map(([type, n]) => `${count(n)} \`${type}\``).join(', ');
const planSeconds = readFileSync(path.join(planDir, 'plan-seconds'), 'utf8').trim();
const counts = last.plan.counts;

const rows: [string, string][] = [
  [
    'Plan',
    `${count(last.plan.changes.length)} resource changes (${types}); ${count(counts.add)} to add, ${count(counts.change)} to change, ${count(counts.destroy)} to destroy; \`tofu plan\` took ${planSeconds} s`,
  ],
  ['Plan JSON (`tofu show -json`)', mib(jsonBytes)],
  [`\`tofu show -json\` (median of ${SHOW_RUNS})`, ms(showMs)],
  [
    `Stackgate: parse + redact + render (median of ${CORE_RUNS}, after a warm-up)`,
    `${ms(coreMs)}: \`JSON.parse\` ${ms(stage('jsonParse'))}, parse + redact ${ms(stage('parsePlan'))}, section ${ms(stage('section'))}, comment ${ms(stage('comment'))}, log and summary ${ms(stage('summary'))}`,
  ],
  [
    'Ratio to `tofu show -json`',
    `**${ratio.toFixed(3)}** (goal ≤ ${GOAL_RATIO}) ${ratio <= GOAL_RATIO ? '✅' : '❌'}`,
  ],
  ['Peak memory of the bench process (max RSS)', mib(maxRssBytes)],
  ['Peak JS heap used (sampled between stages)', mib(peakHeap)],
  ['Values redacted', count(last.plan.redactedCount)],
  [
    'PR comment',
    `${count(commentLength)} characters (limit ${count(COMMENT_MAX_LENGTH)})${last.comment.truncated ? ', trimmed to fit' : ''}`,
  ],
  ['Job summary', `${count(summaryBytes)} bytes (limit ${count(SUMMARY_MAX_BYTES)})`],
  [
    'Environment',
    `Node ${process.version}, ${tofuVersion()}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, load average ${loadAtStart.toFixed(1)} at start`,
  ],
];

function tofuVersion(): string {
  const result = spawnSync(tofu!, ['version'], { encoding: 'utf8' });
  return result.stdout.split('\n')[0]?.trim() ?? 'OpenTofu';
}

const table = [
  '| Figure | Value |',
  '| --- | --- |',
  ...rows.map(([name, value]) => `| ${name} | ${value} |`),
].join('\n');
const markdown = `${table}\n`;
console.log(markdown);
writeFileSync(resultsFile, markdown);
console.log(`bench: written to ${resultsFile}`);

const failures: string[] = [];
if (commentLength > COMMENT_MAX_LENGTH) {
  failures.push(`the PR comment is ${commentLength} characters, over GitHub's ${COMMENT_MAX_LENGTH}`);
}
if (summaryBytes > SUMMARY_MAX_BYTES) {
  failures.push(`the job summary is ${summaryBytes} bytes, over the ${SUMMARY_MAX_BYTES}-byte step limit`);
}
if (ratio > GOAL_RATIO) {
  failures.push(
    `Stackgate took ${ratio.toFixed(3)}× the time of \`tofu show -json\` (goal ≤ ${GOAL_RATIO}); profile with STACKGATE_BENCH_PROFILE=<dir> npm run bench`,
  );
}
for (const failure of failures) console.error(`bench: FAILED: ${failure}`);
process.exitCode = failures.length > 0 ? 1 : 0;
