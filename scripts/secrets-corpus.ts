// The generated repository of the secret-scanning bench (scripts/bench-secrets.ts): IaC files with planted
// secrets of every class Stackgate's rules know and decoys that look random but are not secrets, each recorded
// with its file and line. Deterministic: the same count always writes the same files.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  TOKEN_SAMPLES,
  awsAccessKeyId,
  awsSecretAccessKey,
  genericPassword,
  privateKey,
} from '../__tests__/support/planted.js';

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

let random = generator(0);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chars = (alphabet: string, length: number): string =>
  Array.from({ length }, () => pick([...alphabet])).join('');
const HEX = '0123456789abcdef';
const uuid = (): string =>
  `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-a${chars(HEX, 3)}-${chars(HEX, 12)}`;

/** A planted secret or a decoy: the file and 1-based line where a scanner should (or must not) report it. */
export interface Mark {
  file: string;
  line: number;
  kind: string;
}

export interface Corpus {
  root: string;
  planted: Mark[];
  decoys: Mark[];
  bytes: number;
}

/** A decoy line: random-looking, but a hash, an id, a reference or data; never a secret. */
export const DECOYS: readonly { kind: string; line: () => string }[] = [
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
export interface Plant {
  kind: string;
  /** Written into an HCL/YAML/env file, or (`keyFile`) the whole content of a key file. */
  text: (seed: number) => string;
  keyFile?: boolean;
}

export const PLANTS: readonly Plant[] = [
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

/** Writes `files` files in 100 stack folders under `root`; every 20th file carries one planted secret. */
export function writeCorpus(root: string, files: number): Corpus {
  random = generator(20261203);
  const planted: Mark[] = [];
  const decoys: Mark[] = [];
  let bytes = 0;
  let plantIndex = 0;
  for (let n = 0; n < files; n++) {
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
