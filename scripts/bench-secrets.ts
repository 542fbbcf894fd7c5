// The secret-scanning figure of `npm run bench` (scripts/bench.sh bundles this file).
// Usage: node bench-secrets.js GITLEAKS RESULTS_MD
// A generated repository of 10,000 IaC files (Terraform, tfvars, Ansible YAML, JSON, .env, key files) with
// planted secrets of every class Stackgate's rules know and decoys that look random but are not secrets
// (sha256 hashes, UUIDs, AMI IDs, ARNs, image digests, base64 user data, `var.x` references). Stackgate's
// scanner (read every file, skip binaries, scan the text: what the action does) and `gitleaks dir` run on the
// same folder, rounds alternating. Reported: recall of each on the planted secrets, decoys each flags, and the
// scan time as a ratio to gitleaks'.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isText, scanTextWithValues } from '../src/scan/secrets.js';
import { type Corpus, PLANTS, writeCorpus } from './secrets-corpus.js';

const FILES = Number(process.env.STACKGATE_BENCH_SECRETS_FILES ?? 10_000);
const ROUNDS = Number(process.env.STACKGATE_BENCH_SECRETS_ROUNDS ?? 3);
const GOAL_RATIO = 1.5;

// ---------------------------------------------------------------------------------------------------------
// Scanners

interface Hit {
  file: string;
  line: number;
  rule: string;
}

function listFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

/** What the action does for each file: read it, skip binaries, scan the text. */
async function stackgateScan(root: string): Promise<{ hits: Hit[]; ms: number }> {
  const start = performance.now();
  const hits: Hit[] = [];
  for (const file of listFiles(root)) {
    const bytes = await readFile(path.join(root, file));
    if (!isText(bytes)) continue;
    for (const finding of scanTextWithValues(file, bytes.toString('utf8')).findings) {
      hits.push({ file, line: finding.line, rule: finding.rule });
    }
  }
  return { hits, ms: performance.now() - start };
}

function gitleaksScan(gitleaks: string, root: string, report: string): { hits: Hit[]; ms: number } {
  const start = performance.now();
  const run = spawnSync(
    gitleaks,
    [
      'dir',
      '--no-banner',
      '--redact',
      '--exit-code',
      '0',
      '--report-format',
      'json',
      '--report-path',
      report,
      '.',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`gitleaks exited ${run.status}: ${run.stderr}`);
  const findings = JSON.parse(readFileSync(report, 'utf8')) as {
    File: string;
    StartLine: number;
    RuleID: string;
  }[];
  return {
    hits: findings.map((f) => ({
      file: path.relative(root, path.resolve(root, f.File)),
      line: f.StartLine,
      rule: f.RuleID,
    })),
    ms,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Figures

interface Score {
  found: number;
  missed: Map<string, number>;
  decoysFlagged: Map<string, number>;
  other: number;
}

function score(corpus: Corpus, hits: readonly Hit[]): Score {
  const at = new Set(hits.map((hit) => `${hit.file}:${hit.line}`));
  const missed = new Map<string, number>();
  let found = 0;
  for (const mark of corpus.planted) {
    if (at.has(`${mark.file}:${mark.line}`)) found++;
    else missed.set(mark.kind, (missed.get(mark.kind) ?? 0) + 1);
  }
  const decoysFlagged = new Map<string, number>();
  for (const mark of corpus.decoys) {
    if (at.has(`${mark.file}:${mark.line}`))
      decoysFlagged.set(mark.kind, (decoysFlagged.get(mark.kind) ?? 0) + 1);
  }
  const known = new Set([...corpus.planted, ...corpus.decoys].map((mark) => `${mark.file}:${mark.line}`));
  const other = new Set([...at].filter((key) => !known.has(key))).size;
  return { found, missed, decoysFlagged, other };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const count = (value: number): string => value.toLocaleString('en-US');
const ms = (value: number): string => `${count(Math.round(value))} ms`;
const list = (map: Map<string, number>): string =>
  map.size === 0 ? 'none' : [...map].map(([kind, n]) => `${kind} ${n}`).join(', ');
const sum = (map: Map<string, number>): number => [...map.values()].reduce((a, b) => a + b, 0);

async function main(): Promise<number> {
  const [gitleaks, resultsFile] = process.argv.slice(2);
  if (!gitleaks || !resultsFile) {
    console.error('usage: bench-secrets.js GITLEAKS RESULTS_MD');
    return 2;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'stackgate-bench-secrets-'));
  try {
    const root = path.join(work, 'repo');
    const corpus = writeCorpus(root, FILES);
    const report = path.join(work, 'gitleaks.json');
    const version = spawnSync(gitleaks, ['version'], { encoding: 'utf8' }).stdout.trim();
    console.error(
      `bench-secrets: ${count(FILES)} files (${(corpus.bytes / 1024 / 1024).toFixed(1)} MiB), ${corpus.planted.length} planted secrets, ${corpus.decoys.length} decoys; ${ROUNDS} rounds`,
    );
    const ours: number[] = [];
    const theirs: number[] = [];
    let ourHits: Hit[] = [];
    let theirHits: Hit[] = [];
    // A warm-up of each fills the page cache, then rounds alternate.
    await stackgateScan(root);
    gitleaksScan(gitleaks, root, report);
    for (let round = 0; round < ROUNDS; round++) {
      const a = await stackgateScan(root);
      const b = gitleaksScan(gitleaks, root, report);
      ours.push(a.ms);
      theirs.push(b.ms);
      ourHits = a.hits;
      theirHits = b.hits;
      console.error(`bench-secrets: round ${round + 1}: Stackgate ${ms(a.ms)}, gitleaks ${ms(b.ms)}`);
    }
    const our = score(corpus, ourHits);
    const their = score(corpus, theirHits);
    const ratio = median(ours) / median(theirs);
    const total = corpus.planted.length;
    const recall = (s: Score): string => `${((100 * s.found) / total).toFixed(1)}% (${s.found} of ${total})`;
    const recallOk = our.found >= their.found;
    const decoysOk = sum(our.decoysFlagged) === 0;
    const ratioOk = ratio <= GOAL_RATIO;
    const mark = (ok: boolean): string => (ok ? '✅' : '❌');
    const rows: [string, string, string][] = [
      [
        'Corpus',
        `${count(FILES)} files, ${(corpus.bytes / 1024 / 1024).toFixed(1)} MiB; ${total} planted secrets (${PLANTS.length} classes), ${count(corpus.decoys.length)} decoys`,
        '',
      ],
      ['Recall', recall(our), recall(their)],
      ['Missed', list(our.missed), list(their.missed)],
      [
        'Decoys flagged',
        `${sum(our.decoysFlagged)}: ${list(our.decoysFlagged)}`,
        `${sum(their.decoysFlagged)}: ${list(their.decoysFlagged)}`,
      ],
      ['Other lines flagged', String(our.other), String(their.other)],
      [`Scan time (median of ${ROUNDS}, after a warm-up)`, ms(median(ours)), ms(median(theirs))],
    ];
    const table = [
      `| Secret scanning | Stackgate | gitleaks ${version} (\`gitleaks dir\`) |`,
      '| --- | --- | --- |',
      ...rows.map((row) => `| ${row.join(' | ')} |`),
      `| Goals | recall ≥ gitleaks' ${mark(recallOk)}, no decoy flagged ${mark(decoysOk)}, time ratio **${ratio.toFixed(2)}** (goal ≤ ${GOAL_RATIO}) ${mark(ratioOk)} | |`,
      `| Environment | Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'CPU'}, load average ${os.loadavg()[0]!.toFixed(1)} at end | |`,
    ].join('\n');
    console.log(table);
    writeFileSync(resultsFile, `${table}\n`);
    return recallOk && decoysOk && ratioOk ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
