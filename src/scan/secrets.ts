// Secret scanning of configuration files: pure, no I/O. The caller reads the changed files, annotates each
// finding and registers the raw values with `core.setSecret`; a finding itself never carries the secret, so
// it can go anywhere (logs, annotations, comments, outputs).

import picomatch from 'picomatch';
import {
  ASSIGNMENT,
  GCP_PRIVATE_KEY,
  GCP_SERVICE_ACCOUNT,
  MIN_PRIVATE_KEY_BODY,
  PRIVATE_KEY_BEGIN,
  TOKEN_RULES,
  isAwsSecretName,
  isAwsSecretShape,
  isHighEntropy,
  isOrdinaryShape,
  isPlaceholder,
  shannonEntropy,
  isReference,
  isSecretName,
} from './rules.js';

export interface SecretFinding {
  file: string;
  /** 1-based line of the secret's first character (a private key's BEGIN line). */
  line: number;
  /** 1-based column of the secret's first character. */
  column: number;
  /** 1-based column just past the secret on that line (exclusive; a private key: its BEGIN marker). */
  endColumn: number;
  /** Stable id, e.g. `aws-access-key-id`, `generic-secret`. */
  rule: string;
  /** Human name, e.g. `AWS access key ID`. */
  title: string;
  /** A masked form such as `AKIA…Q4M`; never the secret. */
  masked: string;
}

export interface ScanOptions {
  /** Globs of files that are not scanned (the config's `secrets.allow`); a glob without `/` matches a base name. */
  allow?: string[];
}

export interface ScanResult {
  findings: SecretFinding[];
  /** The raw secret values (and, for multi-line ones, their lines) to register with `core.setSecret`. */
  secrets: string[];
  /** Each finding's raw value, in the order of `findings`: to tell one secret seen twice; never shown. */
  values: string[];
}

export const ALLOW_MARKER = 'stackgate:allow-secret';
export const GENERIC_RULE = 'generic-secret';

interface Candidate {
  line: number;
  column: number;
  endColumn: number;
  /** Last line the secret covers: a private key's END line. */
  lastLine: number;
  rule: string;
  title: string;
  masked: string;
  values: string[];
  /** Further lines whose allow marker covers this finding (a heredoc body line: its opener and the line above). */
  allowedBy?: number[];
}

/** Line starts and texts, to turn offsets in the whole text into 1-based line and column. */
class Lines {
  readonly texts: string[];
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
    this.texts = text.split('\n').map((line) => line.replace(/\r$/, ''));
  }

  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((this.starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (this.starts[low] ?? 0) + 1 };
  }
}

/** First 4 and last 3 characters of a long value; a short one would be half revealed, so `…` alone. */
export function maskSecret(secret: string): string {
  const chars = [...secret];
  if (chars.length < 20) return '…';
  return `${chars.slice(0, 4).join('')}…${chars.slice(-3).join('')}`;
}

/** What a finding is, as a phrase: `GitHub personal access token`, `secret assigned to db_password`. */
export function findingSubject(finding: Pick<SecretFinding, 'rule' | 'title'>): string {
  // Rule titles start with a proper noun (AWS, GitHub…); the generic one reads as a phrase.
  return finding.rule === GENERIC_RULE
    ? finding.title.charAt(0).toLowerCase() + finding.title.slice(1)
    : finding.title;
}

export function findingMessage(finding: SecretFinding): string {
  return (
    `Possible ${findingSubject(finding)} (${finding.masked}). Remove it, rotate it (it stays in the Git history), and read it ` +
    `from a secret store or a CI secret instead; mark a false positive with \`${ALLOW_MARKER}\` in a comment ` +
    `on this line or the line above.`
  );
}

function normalizePath(file: string): string {
  return file.replace(/\\/g, '/').replace(/^(?:\.\/)+/, '');
}

/** How much of a file's start is read to tell text from binary, as Git does. */
export const BINARY_SNIFF_BYTES = 8000;

/**
 * True for text: no NUL byte in the first 8,000 bytes (Git's own test). UTF-16 text has NULs too and is
 * skipped with the binaries; configuration is practically never written in it.
 */
export function isText(bytes: Uint8Array): boolean {
  return !bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** True when the config's `secrets.allow` globs cover the file. */
export function isAllowListed(file: string, allow: string[]): boolean {
  const path = normalizePath(file);
  const base = path.slice(path.lastIndexOf('/') + 1);
  // Like .gitignore, a glob without `/` matches a base name at any depth. picomatch's own `basename` option
  // also rewrites globs that have a slash, so `fixtures/**` would stop matching: split the two kinds here.
  return allow.some((glob) =>
    glob.includes('/')
      ? picomatch.isMatch(path, glob.replace(/^\.?\//, ''), { dot: true })
      : picomatch.isMatch(base, glob, { dot: true }),
  );
}

/** Lines of a multi-line value, for the runner's log masking, which works line by line. */
function valueLines(value: string): string[] {
  return value
    .split(/\\n|\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 8 && !line.includes('-----'));
}

function gcpKeys(text: string, lines: Lines): Candidate[] {
  if (!GCP_SERVICE_ACCOUNT.test(text)) return [];
  const found: Candidate[] = [];
  for (const match of text.matchAll(GCP_PRIVATE_KEY)) {
    const secret = match.groups?.secret ?? '';
    const start = match.indices?.groups?.secret?.[0];
    if (start === undefined || !(secret.includes('PRIVATE KEY') || secret.length >= MIN_PRIVATE_KEY_BODY))
      continue;
    const { line, column } = lines.position(start);
    found.push({
      line,
      column,
      endColumn: column + secret.length,
      lastLine: line,
      rule: 'gcp-service-account-key',
      title: 'GCP service account private key',
      masked: maskSecret(base64Body(secret)),
      values: [secret, ...valueLines(secret)],
    });
  }
  return found;
}

function base64Body(block: string): string {
  return block
    .replace(/-----[A-Z0-9 ]+-----/g, '')
    .replace(/\\[nr]/g, '')
    .replace(/[^A-Za-z0-9+/=]/g, '');
}

/** Without an END marker the key was cut short: its body is the rest of its line and the base64 lines after. */
function unterminatedEnd(text: string, begin: number): number {
  const lineEnd = text.indexOf('\n', begin);
  if (lineEnd === -1) return text.length;
  // Whole lines only: a line that merely starts like base64 (`GH=ghp_…`) is not the key's and is scanned.
  const run = /(?:\n[ \t]*[A-Za-z0-9+/=]+[ \t]*\r?(?=\n|$))*/y;
  run.lastIndex = lineEnd;
  run.exec(text);
  return run.lastIndex;
}

function privateKeys(text: string, lines: Lines): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(PRIVATE_KEY_BEGIN)) {
    const begin = match.index;
    const kind = (match[1] ?? '').trim(); // RSA, EC, OPENSSH, ENCRYPTED, PGP…
    const end = `-----END ${match[1] ?? ''}PRIVATE KEY${match[2] ?? ''}-----`;
    const endAt = text.indexOf(end, begin + match[0].length);
    const blockEnd = endAt === -1 ? unterminatedEnd(text, begin) : endAt + end.length;
    const block = text.slice(begin, blockEnd);
    const body = base64Body(block);
    if (body.length < MIN_PRIVATE_KEY_BODY) continue;
    const { line, column } = lines.position(begin);
    found.push({
      line,
      column,
      endColumn: column + match[0].length,
      lastLine: lines.position(Math.max(begin, blockEnd - 1)).line,
      rule: 'private-key',
      title: kind ? `${kind} private key` : 'Private key',
      masked: maskSecret(body),
      values: [block, ...valueLines(block)],
    });
  }
  return found;
}

/**
 * A token's fixed prefix says nothing about randomness, and 16 random base32 characters can repeat a few: judge
 * only the body, with a lower bar than free-form values (the shape itself is already specific).
 */
const TOKEN_PREFIX =
  /^(?:AKIA|ASIA|SK|gh[pousr]_|github_pat_|gl[a-z]{2,5}-|xox[abper]-|xapp-|[sr]k_live_|SG\.|do[opr]_v1_|sk-(?:ant-[a-z]+\d\d-|proj-|svcacct-|admin-)?|npm_|pypi-AgEIcHlwaS5vcmc|AIza|hf_|dckr_[a-z]{3}_|hv[sb]\.|gl(?:sa|c)_|NRAK-|shp[a-z]{2}_)/;
const TOKEN_BODY_MIN_ENTROPY = 2.5;

function isRandomToken(secret: string): boolean {
  const body = secret.replace(TOKEN_PREFIX, '');
  return shannonEntropy(body) >= TOKEN_BODY_MIN_ENTROPY;
}

function tokens(text: string, lineNumber: number): Candidate[] {
  const found: Candidate[] = [];
  for (const rule of TOKEN_RULES) {
    if (rule.context && !rule.context.test(text)) continue;
    for (const match of text.matchAll(rule.pattern)) {
      const secret = match.groups?.secret ?? '';
      const start = match.indices?.groups?.secret?.[0];
      if (start === undefined || isPlaceholder(secret) || !isRandomToken(secret)) continue;
      if (rule.reject?.(secret)) continue;
      found.push({
        line: lineNumber,
        column: start + 1,
        endColumn: start + 1 + secret.length,
        lastLine: lineNumber,
        rule: rule.id,
        title: rule.title(secret),
        masked: maskSecret(secret),
        values: [secret],
      });
    }
  }
  return found;
}

type Dialect = 'hcl' | 'json' | 'plain';

function dialectOf(file: string): Dialect {
  if (/\.(?:tf|tofu|tfvars|tfbackend|hcl)$/i.test(file)) return 'hcl';
  if (/\.json$/i.test(file)) return 'json';
  return 'plain';
}

function assignments(text: string, lineNumber: number, dialect: Dialect): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(ASSIGNMENT)) {
    const name = match.groups?.name ?? '';
    const raw = match.groups?.value ?? '';
    const start = match.indices?.groups?.value?.[0];
    if (start === undefined) continue;
    const quoted = raw.startsWith('"') || raw.startsWith("'");
    // Unquoted HCL is an expression (var.x, local.y); unquoted JSON is a number, boolean or null.
    if (!quoted && dialect !== 'plain') continue;
    // YAML flow mappings and INI lists end a bare value with `,` `}` `]` or `;`, none of them the secret's.
    const value = quoted ? raw.slice(1, -1) : raw.replace(/[,;}\]]+$/, '');
    if (value === '' || isReference(value) || isPlaceholder(value)) continue;
    let rule: string;
    let title: string;
    if (isAwsSecretName(name) && isAwsSecretShape(value)) {
      rule = 'aws-secret-access-key';
      title = 'AWS secret access key';
    } else if (isSecretName(name) && !isOrdinaryShape(value) && isHighEntropy(value)) {
      rule = GENERIC_RULE;
      title = `Secret assigned to ${name.slice(0, 80)}`;
    } else {
      continue;
    }
    const column = start + 1 + (quoted ? 1 : 0);
    found.push({
      line: lineNumber,
      column,
      endColumn: column + value.length,
      lastLine: lineNumber,
      rule,
      title,
      masked: maskSecret(value),
      values: [value],
    });
  }
  return found;
}

/** `name = <<EOT` / `"name" = <<-EOT` at the end of a line: an HCL heredoc opener (`:` in object constants). */
const HEREDOC_OPENER =
  /(?<![\w.$-])(?<q>["']?)(?<name>[A-Za-z_][\w.-]*)\k<q>[ \t]*[=:][ \t]*<<-?(?<marker>[A-Za-z_][\w-]*)[ \t]*$/;

/**
 * The body of a heredoc: under a secret-looking name, each non-empty line is judged like a quoted value of that
 * name (the generic high-entropy rule). Returns those candidates and the heredoc's last line (1-based: its
 * closing marker, or the end of the text when it is never closed).
 */
function heredocBody(
  lines: Lines,
  openerIndex: number,
  name: string,
  marker: string,
): { candidates: Candidate[]; last: number } {
  const candidates: Candidate[] = [];
  const secretName = isSecretName(name);
  let index = openerIndex + 1;
  for (; index < lines.texts.length; index++) {
    const text = lines.texts[index] ?? '';
    const value = text.trim();
    if (value === marker) break;
    if (!secretName || value === '' || isReference(value) || isPlaceholder(value)) continue;
    if (isOrdinaryShape(value) || !isHighEntropy(value)) continue;
    const column = text.indexOf(value) + 1;
    candidates.push({
      line: index + 1,
      column,
      endColumn: column + value.length,
      lastLine: index + 1,
      rule: GENERIC_RULE,
      title: `Secret assigned to ${name.slice(0, 80)}`,
      masked: maskSecret(value),
      values: [value],
      allowedBy: [openerIndex + 1, openerIndex],
    });
  }
  return { candidates, last: Math.min(index, lines.texts.length - 1) + 1 };
}

function overlaps(a: Candidate, b: Candidate): boolean {
  return a.line === b.line && a.column < b.endColumn && b.column < a.endColumn;
}

/** Scans one file's text; also returns the raw values found, for `core.setSecret`. */
export function scanTextWithValues(file: string, text: string, options: ScanOptions = {}): ScanResult {
  if (isAllowListed(file, options.allow ?? [])) return { findings: [], secrets: [], values: [] };
  const lines = new Lines(text);
  const dialect = dialectOf(file);

  // Most specific first: a GCP key line also holds a PEM marker and a `private_key` name, and the first
  // rule to claim a span wins.
  const candidates = [...gcpKeys(text, lines), ...privateKeys(text, lines)];
  // A private key's body lines are random base64; they hold nothing else worth reporting.
  const insideKey = (line: number): boolean =>
    candidates.some((key) => key.rule === 'private-key' && line > key.line && line <= key.lastLine);
  // Heredoc body lines found so far, pushed after the specific rules of the same line so that those win.
  const heredocLines = new Map<number, Candidate[]>();
  let heredocEnd = 0;
  lines.texts.forEach((lineText, index) => {
    const lineNumber = index + 1;
    if (insideKey(lineNumber)) return;
    candidates.push(...tokens(lineText, lineNumber), ...assignments(lineText, lineNumber, dialect));
    candidates.push(...(heredocLines.get(lineNumber) ?? []));
    if (dialect !== 'hcl' || lineNumber <= heredocEnd) return;
    const opener = HEREDOC_OPENER.exec(lineText)?.groups;
    if (!opener) return;
    // A heredoc body is text, not HCL: no opener inside it counts.
    const body = heredocBody(lines, index, opener.name ?? '', opener.marker ?? '');
    heredocEnd = body.last;
    for (const candidate of body.candidates) {
      heredocLines.set(candidate.line, [...(heredocLines.get(candidate.line) ?? []), candidate]);
    }
  });

  const kept: Candidate[] = [];
  for (const candidate of candidates) {
    if (kept.some((other) => overlaps(candidate, other))) continue;
    const allowing = [candidate.line, candidate.line - 1, ...(candidate.allowedBy ?? [])];
    if (allowing.some((line) => (lines.texts[line - 1] ?? '').includes(ALLOW_MARKER))) continue;
    kept.push(candidate);
  }
  kept.sort((a, b) => a.line - b.line || a.column - b.column);

  const findings = kept.map((c): SecretFinding => ({
    file,
    line: c.line,
    column: c.column,
    endColumn: c.endColumn,
    rule: c.rule,
    title: c.title,
    masked: c.masked,
  }));
  const secrets = [...new Set(kept.flatMap((c) => c.values))];
  return { findings, secrets, values: kept.map((c) => c.values[0] ?? '') };
}

/** Findings of one file's text; never containing a secret. */
export function scanText(file: string, text: string, options: ScanOptions = {}): SecretFinding[] {
  return scanTextWithValues(file, text, options).findings;
}
