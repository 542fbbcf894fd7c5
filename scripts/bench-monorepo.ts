// The monorepo figure of `npm run bench` (scripts/bench.sh bundles this file).
// Usage: node bench-monorepo.js TOFU NODE ACTION RESULTS_MD
// N real tofu stacks (a `terraform_data` with `count = 10` each, and a `.stackgate.yml` with two policies)
// planned by one `command: plan` run of the bundled action (dist/index.js, as the runner starts it), against a
// sequential shell loop of `tofu init`, `tofu plan -out` and `tofu show -json` over the same stacks, in the same
// script, rounds alternating. The action writes a timeline of its engine processes (STACKGATE_TRACE_FILE):
// from it come the share of the action's wall time when no engine process ran, and the engine processes per
// stack.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseYaml } from 'yaml';

export const GOAL_RATIO = 0.65;
export const GOAL_OUTSIDE = 0.1;

export interface TraceEntry {
  command: string;
  step: string;
  start: number;
  end: number;
}

/** Milliseconds of [start, end] covered by at least one of the intervals. */
export function coveredMs(entries: readonly TraceEntry[], start: number, end: number): number {
  const sorted = entries
    .map((entry) => [Math.max(start, entry.start), Math.min(end, entry.end)] as const)
    .filter(([from, to]) => to > from)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let reach = start;
  for (const [from, to] of sorted) {
    if (to <= reach) continue;
    covered += to - Math.max(from, reach);
    reach = to;
  }
  return covered;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A config like a real repository's: the stacks are discovered, and two policies guard every plan. */
const CONFIG = `version: 1
policies:
  - name: no-destroy
    deny: [delete, replace]
    unless-label: allow-destroy
  - name: small-changes
    max-changes: 50
    level: warning
`;

function writeStacks(root: string, count: number): string[] {
  writeFileSync(path.join(root, '.stackgate.yml'), CONFIG);
  const folders: string[] = [];
  for (let index = 1; index <= count; index++) {
    const folder = `stacks/s${String(index).padStart(2, '0')}`;
    mkdirSync(path.join(root, folder), { recursive: true });
    writeFileSync(
      path.join(root, folder, 'main.tf'),
      `resource "terraform_data" "item" {
  count = 10
  input = {
    name  = "item-\${count.index}"
    stack = "${folder}"
  }
}
`,
    );
    folders.push(folder);
  }
  return folders;
}

/**
 * CPU time (user + system, ms) of this process's reaped descendants, from /proc/self/stat (cutime, cstime):
 * a child's own children count once it has waited for them, so one run's delta is its whole process tree.
 */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // Fields 16 and 17 of stat(5), counted from the state (field 3) at index 0.
  const ticks = Number(fields[13]) + Number(fields[14]);
  return (ticks * 1000) / CLOCK_TICKS;
}
/** sysconf(_SC_CLK_TCK): 100 on Linux. */
const CLOCK_TICKS = 100;

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ ms: number; cpuMs: number; code: number | null; stderr: string; stdout: string }>(
    (resolve) => {
      const start = performance.now();
      const cpuStart = childrenCpuMs();
      const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('close', (code) =>
        resolve({ ms: performance.now() - start, cpuMs: childrenCpuMs() - cpuStart, code, stderr, stdout }),
      );
    },
  );
}

export interface LoopResult {
  ms: number;
  /** CPU time of every process of the run. */
  cpuMs: number;
}

/** The baseline a person would write: one stack after another, init, plan to a file, show it as JSON. */
async function runLoop(tofu: string, root: string, env: NodeJS.ProcessEnv): Promise<LoopResult> {
  const script = `set -e
for d in stacks/*/; do
  (cd "$d" && "$TOFU" init -input=false -no-color >/dev/null && "$TOFU" plan -input=false -no-color -out=plan.tfplan >/dev/null && "$TOFU" show -json plan.tfplan >plan.json)
done`;
  const result = await run('bash', ['-c', script], { cwd: root, env: { ...env, TOFU: tofu } });
  if (result.code !== 0) throw new Error(`the loop failed: ${result.stderr.slice(-2000)}`);
  return { ms: result.ms, cpuMs: result.cpuMs };
}

export interface ActionResult {
  ms: number;
  /** CPU time of the action and every engine process it started. */
  cpuMs: number;
  outsideMs: number;
  processes: number;
  byStep: Map<string, { count: number; ms: number }>;
}

function actionInputs(actionFile: string): Record<string, string> {
  const action = parseYaml(readFileSync(actionFile, 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs)) {
    inputs[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = input.default ?? '';
  }
  return inputs;
}

async function runAction(
  node: string,
  action: string,
  root: string,
  env: NodeJS.ProcessEnv,
  stacks: number,
): Promise<ActionResult> {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'stackgate-bench-runner-'));
  const files = {
    event: path.join(temp, 'event.json'),
    output: path.join(temp, 'output'),
    summary: path.join(temp, 'summary.md'),
    trace: path.join(temp, 'trace.jsonl'),
  };
  writeFileSync(files.event, JSON.stringify({ ref: 'refs/heads/main', inputs: {} }));
  for (const file of [files.output, files.summary, files.trace]) writeFileSync(file, '');
  const runnerEnv: NodeJS.ProcessEnv = {
    ...env,
    ...actionInputs(path.join(path.dirname(action), '..', 'action.yml')),
    // No token: the report goes to the job summary only, so the figure is the engines' and Stackgate's own.
    'INPUT_GITHUB-TOKEN': '',
    INPUT_COMMAND: 'plan',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: 'example/infrastructure',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: root,
    GITHUB_RUN_ID: '1',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: path.join(temp, 'runner-temp'),
    RUNNER_OS: 'Linux',
    STACKGATE_TRACE_FILE: files.trace,
    // The action's default unless the bench is asked to try another lane count, or a GOMAXPROCS of the runner's
    // (which the action then leaves to every engine: the figure without its share of the cores).
    ...(process.env.STACKGATE_BENCH_PARALLELISM
      ? { INPUT_PARALLELISM: process.env.STACKGATE_BENCH_PARALLELISM }
      : {}),
    ...(process.env.STACKGATE_BENCH_GOMAXPROCS ? { GOMAXPROCS: process.env.STACKGATE_BENCH_GOMAXPROCS } : {}),
    ...(process.env.STACKGATE_BENCH_GOGC ? { GOGC: process.env.STACKGATE_BENCH_GOGC } : {}),
  };
  const startEpoch = Date.now();
  const result = await run(node, [action], { cwd: root, env: runnerEnv });
  const endEpoch = startEpoch + result.ms;
  const outputs = readFileSync(files.output, 'utf8');
  const trace = readFileSync(files.trace, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TraceEntry);
  rmSync(temp, { recursive: true, force: true });
  if (result.code !== 0)
    throw new Error(
      `the action failed (${result.code}): ${result.stdout.slice(-3000)}${result.stderr.slice(-3000)}`,
    );
  const stacksOutput = /^stacks<<(.+)\n(.*)\n\1$/m.exec(outputs)?.[2] ?? '[]';
  const planned = (JSON.parse(stacksOutput) as { status: string }[]).filter(
    (stack) => stack.status === 'planned',
  ).length;
  if (planned !== stacks) throw new Error(`the action planned ${planned} of ${stacks} stacks:\n${outputs}`);
  const byStep = new Map<string, { count: number; ms: number }>();
  for (const entry of trace) {
    const step = byStep.get(entry.step) ?? { count: 0, ms: 0 };
    step.count++;
    step.ms += entry.end - entry.start;
    byStep.set(entry.step, step);
  }
  const first = Math.min(...trace.map((entry) => entry.start));
  const last = Math.max(...trace.map((entry) => entry.end));
  if (process.env.STACKGATE_BENCH_VERBOSE)
    process.stderr.write(
      `bench: action start-up to first engine ${first - startEpoch} ms, last engine to exit ${endEpoch - last} ms\n${trace
        .sort((a, b) => a.start - b.start)
        .map((entry) => `  ${entry.start - startEpoch}–${entry.end - startEpoch} ms ${entry.step}`)
        .join('\n')}\n`,
    );
  return {
    ms: result.ms,
    cpuMs: result.cpuMs,
    outsideMs: result.ms - coveredMs(trace, startEpoch, endEpoch),
    processes: trace.length,
    byStep,
  };
}

export interface MonorepoFigure {
  stacks: number;
  loopMs: number;
  actionMs: number;
  ratio: number;
  outside: number;
  processesPerStack: number;
  steps: string;
  /** CPU time (median) of the loop's processes, and of the action with its engine processes. */
  loopCpuMs: number;
  actionCpuMs: number;
  /** The least ratio the CPU allows: the action's CPU time spread over every core, against the loop's wall. */
  cpuFloor: number;
}

export async function benchMonorepo(options: {
  tofu: string;
  node: string;
  action: string;
  sizes: number[];
  rounds: number;
}): Promise<MonorepoFigure[]> {
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(options.tofu)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    TF_CLI_CONFIG_FILE: process.env.TF_CLI_CONFIG_FILE,
  };
  const figures: MonorepoFigure[] = [];
  for (const size of options.sizes) {
    const loops: LoopResult[] = [];
    const actions: ActionResult[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // Fresh, cold folders for each run (no `.terraform` yet); the order alternates, so neither side always
      // runs on a machine the other has just warmed.
      const order = round % 2 === 0 ? ['loop', 'action'] : ['action', 'loop'];
      for (const side of order) {
        const root = mkdtempSync(path.join(os.tmpdir(), `stackgate-bench-${side}-`));
        writeStacks(root, size);
        if (side === 'loop') loops.push(await runLoop(options.tofu, root, env));
        else actions.push(await runAction(options.node, options.action, root, env, size));
        rmSync(root, { recursive: true, force: true });
      }
      process.stderr.write(
        `bench: ${size} stacks, round ${round + 1}: loop ${Math.round(loops.at(-1)!.ms)} ms (CPU ${Math.round(loops.at(-1)!.cpuMs)} ms), action ${Math.round(actions.at(-1)!.ms)} ms (CPU ${Math.round(actions.at(-1)!.cpuMs)} ms)\n`,
      );
    }
    const loopMs = median(loops.map((loop) => loop.ms));
    const actionMs = median(actions.map((action) => action.ms));
    const middle = actions.find((action) => action.ms === actionMs) ?? actions[0]!;
    const steps = [...middle.byStep]
      .map(([step, { count, ms }]) => `${count} \`${step}\` ${(ms / 1000).toFixed(1)} s`)
      .join(', ');
    figures.push({
      stacks: size,
      loopMs,
      actionMs,
      ratio: actionMs / loopMs,
      outside: median(actions.map((action) => action.outsideMs / action.ms)),
      processesPerStack: middle.processes / size,
      steps,
      loopCpuMs: median(loops.map((loop) => loop.cpuMs)),
      actionCpuMs: median(actions.map((action) => action.cpuMs)),
      cpuFloor: median(actions.map((action) => action.cpuMs)) / os.availableParallelism() / loopMs,
    });
  }
  return figures;
}

export interface ProviderCacheFigure {
  stacks: number;
  coldMs: number;
  warmMs: number;
}

/**
 * `init` of N stacks that each need hashicorp/local, one after another with one shared TF_PLUGIN_CACHE_DIR:
 * cold (an empty folder, as on a cache miss) against warm (the folder the cold run filled, as after a restore).
 * The cold side installs from the local filesystem mirror, not a registry over the network: a real miss costs
 * more than this shows.
 */
export async function benchProviderCache(options: {
  tofu: string;
  stacks: number;
  rounds: number;
}): Promise<ProviderCacheFigure> {
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(options.tofu)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    TF_CLI_CONFIG_FILE: process.env.TF_CLI_CONFIG_FILE,
  };
  const initAll = async (root: string, cache: string): Promise<number> => {
    let total = 0;
    for (let index = 0; index < options.stacks; index++) {
      const folder = path.join(root, `s${index}`);
      rmSync(path.join(folder, '.terraform'), { recursive: true, force: true });
      const result = await run(options.tofu, ['init', '-input=false', '-no-color'], {
        cwd: folder,
        env: { ...env, TF_PLUGIN_CACHE_DIR: cache },
      });
      if (result.code !== 0) throw new Error(`init failed: ${result.stdout}${result.stderr}`);
      total += result.ms;
    }
    return total;
  };
  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const root = mkdtempSync(path.join(os.tmpdir(), 'stackgate-bench-providers-'));
    const cache = path.join(root, 'plugin-cache');
    mkdirSync(cache);
    for (let index = 0; index < options.stacks; index++) {
      mkdirSync(path.join(root, `s${index}`));
      writeFileSync(
        path.join(root, `s${index}`, 'main.tf'),
        `terraform {\n  required_providers {\n    local = { source = "hashicorp/local", version = "2.9.0" }\n  }\n}\n`,
      );
    }
    cold.push(await initAll(root, cache));
    warm.push(await initAll(root, cache));
    rmSync(root, { recursive: true, force: true });
  }
  return { stacks: options.stacks, coldMs: median(cold), warmMs: median(warm) };
}

export function providerCacheTable(figure: ProviderCacheFigure): string {
  return [
    `| \`init\` of ${figure.stacks} stacks needing hashicorp/local, one shared \`TF_PLUGIN_CACHE_DIR\` | Time | Per stack |`,
    '| --- | --- | --- |',
    `| Cold (empty folder: a cache miss; installed from a local mirror) | ${seconds(figure.coldMs)} | ${(figure.coldMs / figure.stacks).toFixed(0)} ms |`,
    `| Warm (the folder restored) | ${seconds(figure.warmMs)} | ${(figure.warmMs / figure.stacks).toFixed(0)} ms |`,
    '',
  ].join('\n');
}

const percent = (value: number): string => `${(value * 100).toFixed(1)} %`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function monorepoTable(figures: readonly MonorepoFigure[], environment: string): string {
  const rows = figures.map(
    (figure) =>
      `| ${figure.stacks} | ${seconds(figure.loopMs)} | ${seconds(figure.actionMs)} | **${figure.ratio.toFixed(2)}** ${figure.ratio <= GOAL_RATIO ? '✅' : '❌'} | ${percent(figure.outside)} ${figure.outside <= GOAL_OUTSIDE ? '✅' : '❌'} | ${figure.processesPerStack.toFixed(2)} | ${seconds(figure.loopCpuMs)} / ${seconds(figure.actionCpuMs)} | ${figure.cpuFloor.toFixed(2)} | ${figure.steps} |`,
  );
  return [
    `| Stacks | Loop: \`init\`, \`plan -out\`, \`show -json\` one after another | Stackgate \`command: plan\` | Ratio (goal ≤ ${GOAL_RATIO}) | Wall time outside engine processes (goal ≤ ${GOAL_OUTSIDE * 100} %) | Engine processes per stack | CPU time: loop / action | Least ratio the CPU allows (action CPU ÷ ${os.availableParallelism()} cores ÷ loop wall) | Engine processes of the median run |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    environment,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const [tofu, node, action, resultsFile] = process.argv.slice(2);
  if (!tofu || !node || !action || !resultsFile) {
    console.error('usage: bench-monorepo.js TOFU NODE ACTION RESULTS_MD');
    process.exit(2);
  }
  const sizes = (process.env.STACKGATE_BENCH_SIZES ?? '16,24').split(',').map(Number);
  const rounds = Number(process.env.STACKGATE_BENCH_ROUNDS ?? '3');
  const loadBefore = os.loadavg()[0] ?? 0;
  const figures = await benchMonorepo({ tofu, node, action, sizes, rounds });
  const providers = await benchProviderCache({ tofu, stacks: 8, rounds });
  const loadAfter = os.loadavg()[0] ?? 0;
  const environment = `Median of ${rounds} rounds each, loop and action alternating, cold \`.terraform\` every run, default \`parallelism\` (${os.cpus().length} CPUs: ${os.cpus()[0]?.model.trim() ?? 'CPU'}); load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`;
  const markdown = `${monorepoTable(figures, environment)}\n${providerCacheTable(providers)}`;
  console.log(markdown);
  writeFileSync(resultsFile, markdown);
  const failures = figures.flatMap((figure) => [
    ...(figure.ratio > GOAL_RATIO
      ? [`${figure.stacks} stacks: ${figure.ratio.toFixed(2)}× the loop (goal ≤ ${GOAL_RATIO})`]
      : []),
    ...(figure.outside > GOAL_OUTSIDE
      ? [
          `${figure.stacks} stacks: ${percent(figure.outside)} outside engines (goal ≤ ${GOAL_OUTSIDE * 100} %)`,
        ]
      : []),
  ]);
  for (const failure of failures) console.error(`bench: FAILED: ${failure}`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
