// The affected-selection figure of `npm run bench` (scripts/bench.sh bundles this file).
// Usage: node bench-selection.js RESULTS_MD
// 1,000 discovered stacks calling a local module graph four levels deep, and a change of 5,000 files (stack
// files, module files, docs, and one deleted stack): the time `command: plan` spends before any engine starts
// (discovery, the module graph, the affected selection), median of several rounds, against the goal.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { discoverStacks } from '../src/stacks/discover.js';
import { localModuleGraph } from '../src/stacks/modules.js';
import { selectForChange } from '../src/stacks/select.js';
import { RepoTree } from '../src/stacks/tree.js';

const STACKS = 1000;
const LEVELS = 4;
const MODULES_PER_LEVEL = 50;
const CHANGED = 5000;
export const GOAL_MS = 500;

function write(root: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

const call = (name: string, source: string) => `module "${name}" {\n  source = "${source}"\n}\n`;

/** The repository; returns the changed files (the deleted stack's file among them). */
function writeRepository(root: string): string[] {
  for (let level = 0; level < LEVELS; level++) {
    for (let index = 0; index < MODULES_PER_LEVEL; index++) {
      const calls =
        level + 1 < LEVELS
          ? [index, (index * 7 + 3) % MODULES_PER_LEVEL]
              .map((next) => call(`m${next}`, `../../l${level + 1}/m${next}`))
              .join('\n')
          : '';
      write(
        root,
        `modules/l${level}/m${index}/main.tf`,
        `variable "name" {\n  type    = string\n  default = "m${index}"\n}\n\n${calls}`,
      );
      write(root, `modules/l${level}/m${index}/README.md`, `# Module ${index}\n`);
    }
  }
  for (let index = 0; index < STACKS; index++) {
    const folder = `stacks/team${index % 20}/s${index}`;
    const modules = [index % MODULES_PER_LEVEL, (index * 13) % MODULES_PER_LEVEL]
      .map((module, n) => call(`use${n}`, `../../../modules/l0/m${module}`))
      .join('\n');
    write(
      root,
      `${folder}/main.tf`,
      `resource "terraform_data" "s" {\n  input = "${index}"\n}\n\n${modules}`,
    );
    write(root, `${folder}/variables.tf`, `variable "region" {\n  default = "eu"\n}\n`);
  }
  const changed: string[] = ['stacks/team0/gone/main.tf']; // deleted in this change: must be reported
  for (let index = 0; changed.length < CHANGED; index++) {
    const kind = index % 5;
    if (kind === 0) changed.push(`stacks/team${index % 20}/s${index % STACKS}/variables.tf`);
    else if (kind === 1) changed.push(`modules/l${LEVELS - 1}/m${index % MODULES_PER_LEVEL}/main.tf`);
    else if (kind === 2) changed.push(`docs/page-${index}.md`);
    else if (kind === 3) changed.push(`modules/l1/m${index % MODULES_PER_LEVEL}/README.md`);
    else changed.push(`scripts/tool-${index}.sh`);
  }
  return changed;
}

async function main(): Promise<void> {
  const [resultsFile] = process.argv.slice(2);
  if (!resultsFile) {
    console.error('usage: bench-selection.js RESULTS_MD');
    process.exit(2);
  }
  const rounds = Number(process.env.STACKGATE_BENCH_ROUNDS ?? '3');
  const root = mkdtempSync(path.join(os.tmpdir(), 'stackgate-bench-selection-'));
  const times: number[] = [];
  const stages: string[] = [];
  let summary = '';
  try {
    const changed = writeRepository(root);
    for (let round = 0; round < rounds; round++) {
      const start = performance.now();
      // One reading of the repository per round, shared by the three stages as in `command: plan`.
      const tree = new RepoTree();
      const stacks = await discoverStacks(root, undefined, tree);
      const discovered = performance.now();
      await localModuleGraph(
        root,
        stacks.map((stack) => stack.path),
        tree,
      );
      const graphed = performance.now();
      const selection = await selectForChange(
        { repoRoot: root, workingDirectory: '' },
        stacks,
        changed,
        { configPath: '.stackgate.yml', discovered: true, patterns: [] },
        tree,
      );
      times.push(performance.now() - start);
      stages.push(
        `discovery ${Math.round(discovered - start)} ms, module graph ${Math.round(graphed - discovered)} ms, selection ${Math.round(performance.now() - graphed)} ms`,
      );
      if (!selection.removed.includes('stacks/team0/gone'))
        throw new Error(`the deleted stack was not reported: ${JSON.stringify(selection.removed)}`);
      summary = `${stacks.length} stacks found, ${selection.affected.length} affected, removed: ${selection.removed.join(', ')}`;
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  const markdown = [
    `| Affected selection: ${STACKS} stacks, local modules ${LEVELS} levels deep (${LEVELS * MODULES_PER_LEVEL} modules), ${CHANGED} changed files | Value |`,
    '| --- | --- |',
    `| Discovery + module graph + selection (median of ${rounds}) | **${Math.round(median)} ms** (goal ≤ ${GOAL_MS} ms) ${median <= GOAL_MS ? '✅' : '❌'} |`,
    `| Stages of the median round | ${stages[times.indexOf(median)] ?? ''} |`,
    `| Result | ${summary} |`,
    `| Environment | Node ${process.version}, ${os.cpus().length} CPUs, load average ${(os.loadavg()[0] ?? 0).toFixed(1)} |`,
    '',
  ].join('\n');
  console.log(markdown);
  writeFileSync(resultsFile, markdown);
  if (median > GOAL_MS) {
    console.error(`bench: FAILED: affected selection took ${Math.round(median)} ms (goal ≤ ${GOAL_MS} ms)`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
