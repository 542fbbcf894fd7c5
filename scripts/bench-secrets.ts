// The secret-scanning figure of `npm run bench` (scripts/bench.sh bundles this file).
// Usage: node bench-secrets.js GITLEAKS RESULTS_MD
// A generated repository of 10,000 IaC files (Terraform, tfvars, Ansible YAML, JSON, .env, key files) with
// planted secrets of every class Stackgate's rules know and decoys that look random but are not secrets
// (sha256 hashes, UUIDs, AMI IDs, ARNs, image digests, base64 user data, `var.x` references). Stackgate's
// scanner (read every file, skip binaries, scan the text: what the action does) and `gitleaks dir` run on the
// same folder, rounds alternating. Reported: recall of each on the planted secrets, decoys each flags, and the
// scan time as a ratio to gitleaks'.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  TOKEN_SAMPLES,
  awsAccessKeyId,
  awsSecretAccessKey,
  genericPassword,
  privateKey,
} from '../__tests__/support/planted.js';
import { isText, scanTextWithValues } from '../src/scan/secrets.js';

const FILES = Number(process.env.STACKGATE_BENCH_SECRETS_FILES ?? 10_000);
const ROUNDS = Number(process.env.STACKGATE_BENCH_SECRETS_ROUNDS ?? 3);
const GOAL_RATIO = 1.5;

// ---------------------------------------------------------------------------------------------------------
// Corpus

/** A small deterministic generator (mulberry32), so every run writes the same corpus. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(20261203);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chars = (alphabet: string, length: number): string =>
  Array.from({ length }, () => pick([...alphabet])).join('');
const HEX = '0123456789abcdef';
const uuid = (): string =>
  `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-a${chars(HEX, 3)}-${chars(HEX, 12)}`;

/** A planted secret or a decoy: the file and 1-based line where a scanner should (or must not) report it. */
interface Mark {
  file: string;
  line: number;
  kind: string;
}

interface Corpus {
  root: string;
  planted: Mark[];
  decoys: Mark[];
  bytes: number;
}

/** A decoy line: random-looking, but a hash, an id, a reference or data; never a secret. */
const DECOYS: readonly { kind: string; line: () => string }[] = [
  { kind: 'sha256 hash', line: () => `source_code_hash = "${chars(HEX, 64)}"` },
  { kind: 'sha256 hash', line: () => `checksum_sha256 = "${chars(HEX, 64)}"` },
  { kind: 'UUID', line: () => `tenant_id = "${uuid()}"` },
  { kind: 'UUID', line: () => `subscription_id = "${uuid()}"` },
  { kind: 'AMI ID', line: () => `ami = "ami-0${chars(HEX, 16)}"` },
  {
    kind: 'ARN',
    line: () => `kms_key_id = "arn:aws:kms:eu-west-1:${chars('0123456789', 12)}:key/${uuid()}"`,
  },
  {
    kind: 'ARN',
    line: () =>
      `secret_arn = "arn:aws:secretsmanager:us-east-1:${chars('0123456789', 12)}:secret:app-db-${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 6)}"`,
  },
  { kind: 'image digest', line: () => `image = "ghcr.io/acme/api@sha256:${chars(HEX, 64)}"` },
  {
    kind: 'base64 user data',
    line: () =>
      `user_data_base64 = "${Buffer.from(`#!/bin/bash\nset -e\nyum install -y nginx-${chars('0123456789', 3)}\nsystemctl enable --now nginx\necho ready > /var/run/app-${chars(HEX, 8)}\n`).toString('base64')}"`,
  },
  { kind: 'reference', line: () => `password = var.db_password_${chars(HEX, 4)}` },
  { kind: 'reference', line: () => `api_token = "\${var.api_token_${chars(HEX, 4)}}"` },
  {
    kind: 'reference',
    line: () => `client_secret = data.vault_generic_secret.app_${chars(HEX, 4)}.data["secret"]`,
  },
];

/** Filler: ordinary configuration around the marks. */
function fillerLines(count: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(
      pick([
        `  name          = "app-${chars(HEX, 6)}"`,
        `  instance_type = "${pick(['t3.micro', 't3.small', 'm6i.large'])}"`,
        `  tags          = { team = "platform", env = "${pick(['dev', 'stage', 'prod'])}" }`,
        `  count         = ${Math.floor(random() * 10)}`,
        `  depends_on    = [aws_vpc.main]`,
        `  # managed by platform team`,
        `  cidr_block    = "10.${Math.floor(random() * 255)}.0.0/16"`,
      ]),
    );
  }
  return lines;
}

/** The planted secret lines of one class: `{ kind, line, secret }`, by seed. */
interface Plant {
  kind: string;
  /** Written into an HCL/YAML/env file, or (`keyFile`) the whole content of a key file. */
  text: (seed: number) => string;
  keyFile?: boolean;
}

const PLANTS: readonly Plant[] = [
  ...TOKEN_SAMPLES.map((sample) => ({ kind: sample.rule, text: (s: number) => sample.line(s).line })),
  { kind: 'aws-access-key-id (name)', text: (s) => `aws_access_key_id = "${awsAccessKeyId(s)}"` },
  { kind: 'aws-secret-access-key', text: (s) => `aws_secret_access_key = "${awsSecretAccessKey(s)}"` },
  { kind: 'generic: password', text: (s) => `db_password = "${genericPassword(s)}"` },
  { kind: 'generic: api key', text: (s) => `api_key = "${genericPassword(s)}"` },
  { kind: 'generic: token', text: (s) => `service_token = "${genericPassword(s).replace(/[!#%]/g, 'x')}"` },
  { kind: 'generic: client secret', text: (s) => `client_secret = "${genericPassword(s)}"` },
  {
    kind: 'url-credentials (mysql)',
    text: (s) =>
      `dsn = "mysql://admin:${genericPassword(s).replace(/[!#%]/g, 'q')}@mysql-${s}.internal:3306/app"`,
  },
  { kind: 'private-key (key file)', text: (s) => `${privateKey(s)}\n`, keyFile: true },
];

const FILE_KINDS = [
  'main.tf',
  'variables.tf',
  'terraform.tfvars',
  'vars.yml',
  'config.json',
  '.env',
] as const;
type FileKind = (typeof FILE_KINDS)[number];

/** An HCL `name = value` line in the syntax of the file it goes into; other lines stay as they are. */
function inSyntax(kind: FileKind, line: string): string {
  const match = /^\s*([A-Za-z_][\w]*)\s*=\s*(.*)$/.exec(line);
  if (!match || kind.endsWith('.tf') || kind.endsWith('.tfvars')) return line;
  const [, name = '', value = ''] = match;
  const bare = /^"(.*)"$/.exec(value)?.[1] ?? value;
  if (kind === 'vars.yml') return `${name}: ${value}`;
  if (kind === '.env') return `${name.toUpperCase()}=${bare}`;
  // Terraform's JSON syntax writes an expression as a template: `"${var.x}"`.
  const json = /^".*"$/.test(value) ? bare : `\${${value}}`;
  return `  "${name}": ${JSON.stringify(json)},`;
}

/** Writes the corpus: `FILES` files in 100 stack folders; every 20th file carries one planted secret. */
function writeCorpus(root: string): Corpus {
  const planted: Mark[] = [];
  const decoys: Mark[] = [];
  let bytes = 0;
  let plantIndex = 0;
  for (let n = 0; n < FILES; n++) {
    const folder = `stacks/s${String(n % 100).padStart(3, '0')}`;
    const plantNow = n % 20 === 7;
    const plant = plantNow ? PLANTS[plantIndex++ % PLANTS.length]! : undefined;
    const seed = 1000 + n;
    let name: string;
    let lines: string[];
    if (plant?.keyFile) {
      name = `${folder}/keys/deploy-${n}.pem`;
      lines = plant.text(seed).split('\n');
      planted.push({ file: name, line: 1, kind: plant.kind });
    } else {
      const kind = FILE_KINDS[n % FILE_KINDS.length]!;
      name = `${folder}/f${n}/${kind}`;
      const hcl = kind.endsWith('.tf') || kind.endsWith('.tfvars');
      // Each line with what it carries; positions are counted once every line is in place.
      const rows: { text: string; mark?: string; planted?: boolean }[] = [
        { text: hcl ? `resource "aws_instance" "app_${n}" {` : kind === 'config.json' ? '{' : `# app ${n}` },
        ...fillerLines(10 + Math.floor(random() * 30)).map((text) => ({ text: inSyntax(kind, text) })),
      ];
      const insert = (row: (typeof rows)[number]) =>
        rows.splice(1 + Math.floor(random() * (rows.length - 1)), 0, row);
      for (let d = 0; d < 3; d++) {
        const decoy = pick(DECOYS);
        insert({ text: inSyntax(kind, `  ${decoy.line()}`), mark: decoy.kind });
      }
      if (plant) insert({ text: inSyntax(kind, `  ${plant.text(seed)}`), mark: plant.kind, planted: true });
      rows.push({ text: hcl || kind === 'config.json' ? '}' : '' }, { text: '' });
      rows.forEach((row, index) => {
        if (row.mark) (row.planted ? planted : decoys).push({ file: name, line: index + 1, kind: row.mark });
      });
      lines = rows.map((row) => row.text);
    }
    const content = lines.join('\n');
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
    bytes += Buffer.byteLength(content);
  }
  return { root, planted, decoys, bytes };
}

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
    const corpus = writeCorpus(root);
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
