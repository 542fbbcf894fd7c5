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
  rule: string;
  title: string;
  masked: string;
  /** The raw value first, then, for a multi-line one, its lines. */
  values: [string, ...string[]];
  /** Lines whose allow marker covers this finding: its own and the one above (a heredoc body line: its opener's too). */
  markedBy: number[];
}

/** A line and the one above it: where an allow marker covers a finding of that line. */
function markerLines(line: number): number[] {
  return [line, line - 1];
}

/**
 * A match's named group and its offset. The patterns carry the `d` flag (indices) and their groups always take
 * part in a match, so both are always there.
 */
function group(match: RegExpMatchArray, name: string): { value: string; start: number } {
  return { value: match.groups![name]!, start: match.indices!.groups![name]![0] };
}

/** Line starts and texts, to turn offsets in the whole text into 1-based line and column. */
class Lines {
  readonly texts: string[];
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
    this.texts = text.split('\n').map((line) => line.replace(/\r$/, ''));
  }

  /** Asked only for the keys of a file (a few), so a linear search is enough. */
  position(offset: number): { line: number; column: number } {
    const index = this.starts.findLastIndex((start) => start <= offset);
    return { line: index + 1, column: offset - this.starts[index]! + 1 };
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
    const { value: secret, start } = group(match, 'secret');
    const body = base64Body(secret);
    // The same bar as a PEM key's: a stand-in (`-----BEGIN PRIVATE KEY-----\n<your key>\n…`) is no key.
    if (body.length < MIN_PRIVATE_KEY_BODY) continue;
    const { line, column } = lines.position(start);
    found.push({
      line,
      column,
      endColumn: column + secret.length,
      rule: 'gcp-service-account-key',
      title: 'GCP service account private key',
      masked: maskSecret(body),
      values: [secret, ...valueLines(secret)],
      markedBy: markerLines(line),
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
  // Whole lines of base64, padded only at their end: a line that merely starts like base64 (`GH=ghp_…`) or
  // holds an `=` inside (`DBPASSWORD=…`) is not the key's and is scanned.
  const run = /(?:\n[ \t]*[A-Za-z0-9+/]+={0,2}[ \t]*\r?(?=\n|$))*/y;
  run.lastIndex = lineEnd;
  run.exec(text);
  return run.lastIndex;
}

interface KeyCandidate extends Candidate {
  /** Last line of the key's body, which holds nothing else; its BEGIN and END lines may, and are scanned. */
  lastBodyLine: number;
}

function privateKeys(text: string, lines: Lines): KeyCandidate[] {
  const found: KeyCandidate[] = [];
  for (const match of text.matchAll(PRIVATE_KEY_BEGIN)) {
    const begin = match.index;
    const words = match[1]!; // RSA, EC, OPENSSH, ENCRYPTED, PGP… (the group always takes part, maybe empty)
    const kind = words.trim();
    const end = `-----END ${words}PRIVATE KEY${match[2] ?? ''}-----`;
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
      rule: 'private-key',
      title: kind ? `${kind} private key` : 'Private key',
      masked: maskSecret(body),
      values: [block, ...valueLines(block)],
      markedBy: markerLines(line),
      // A cut key's body ends with its last base64 line; a whole one's, on the line above its END marker.
      lastBodyLine: endAt === -1 ? lines.position(blockEnd).line : lines.position(endAt).line - 1,
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
      const { value: secret, start } = group(match, 'secret');
      if (isPlaceholder(secret) || !isRandomToken(secret)) continue;
      if (rule.reject?.(secret)) continue;
      found.push({
        line: lineNumber,
        column: start + 1,
        endColumn: start + 1 + secret.length,
        rule: rule.id,
        title: rule.title(secret),
        masked: maskSecret(secret),
        values: [secret],
        markedBy: markerLines(lineNumber),
      });
    }
  }
  return found;
}

/** `bareValues`: whether an unquoted value can be a secret (not in HCL or JSON). */
function assignments(text: string, lineNumber: number, bareValues: boolean): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(ASSIGNMENT)) {
    const { value: name } = group(match, 'name');
    const { value: raw, start } = group(match, 'value');
    // A bare value holds no quote at all, a quoted one starts (and ends) with its quote.
    const quoted = raw[0] === '"' || raw[0] === "'";
    if (!quoted && !bareValues) continue;
    // YAML flow mappings and INI lists end a bare value with `,` `}` `]` or `;`, none of them the secret's.
    // An empty value goes on, and no rule below takes it.
    const value = quoted ? raw.slice(1, -1) : raw.replace(/[,;}\]]+$/, '');
    if (isReference(value) || isPlaceholder(value)) continue;
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
      rule,
      title,
      masked: maskSecret(value),
      values: [value],
      markedBy: markerLines(lineNumber),
    });
  }
  return found;
}

/** `name = <<EOT` / `"name" = <<-EOT` at the end of a line: an HCL heredoc opener (`:` in object constants). */
const HEREDOC_OPENER =
  /(?<![\w.$-])(?<q>["']?)(?<name>[A-Za-z_][\w.-]*)\k<q>[ \t]*[=:][ \t]*<<-?(?<marker>[A-Za-z_][\w-]*)[ \t]*$/;

/**
 * The body of a heredoc: under a secret-looking name, each non-empty line is judged like a quoted value of that
 * name (the generic high-entropy rule). Returns those candidates by line, and the first line after the heredoc
 * (1-based: the line after its closing marker, or past the end of the text when it is never closed).
 */
function heredocBody(
  lines: Lines,
  openerIndex: number,
  name: string,
  marker: string,
): { candidates: Map<number, Candidate>; next: number } {
  const candidates = new Map<number, Candidate>();
  const secretName = isSecretName(name);
  let index = openerIndex + 1;
  for (; index < lines.texts.length; index++) {
    const text = lines.texts[index]!;
    const value = text.trim();
    if (value === marker) break;
    // An empty line goes on, and no rule below takes it.
    if (!secretName || isReference(value) || isPlaceholder(value)) continue;
    if (isOrdinaryShape(value) || !isHighEntropy(value)) continue;
    const column = text.indexOf(value) + 1;
    candidates.set(index + 1, {
      line: index + 1,
      column,
      endColumn: column + value.length,
      rule: GENERIC_RULE,
      title: `Secret assigned to ${name.slice(0, 80)}`,
      masked: maskSecret(value),
      values: [value],
      markedBy: [...markerLines(index + 1), ...markerLines(openerIndex + 1)],
    });
  }
  return { candidates, next: index + 2 };
}

function overlaps(a: Candidate, b: Candidate): boolean {
  return a.line === b.line && a.column < b.endColumn && b.column < a.endColumn;
}

/** Scans one file's text; also returns the raw values found, for `core.setSecret`. */
export function scanTextWithValues(file: string, text: string, options: ScanOptions = {}): ScanResult {
  if (options.allow && isAllowListed(file, options.allow)) return { findings: [], secrets: [], values: [] };
  const lines = new Lines(text);
  const hcl = /\.(?:tf|tofu|tfvars|tfbackend|hcl)$/i.test(file);
  // Unquoted HCL is an expression (var.x, local.y), unquoted JSON a number, boolean or null: neither a secret.
  const bareValues = !hcl && !/\.json$/i.test(file);

  // Most specific first: a GCP key line also holds a PEM marker and a `private_key` name, and the first
  // rule to claim a span wins.
  const keys = privateKeys(text, lines);
  const candidates: Candidate[] = [...gcpKeys(text, lines), ...keys];
  // A private key's body lines are random base64; they hold nothing else worth reporting.
  const insideKey = (line: number): boolean =>
    keys.some((key) => line > key.line && line <= key.lastBodyLine);
  // The findings of the last heredoc's body lines (one at most each), pushed after the specific rules of the
  // same line so that those win.
  let heredocLines = new Map<number, Candidate>();
  let heredocNext = 0;
  lines.texts.forEach((lineText, index) => {
    const lineNumber = index + 1;
    if (insideKey(lineNumber)) return;
    candidates.push(...tokens(lineText, lineNumber), ...assignments(lineText, lineNumber, bareValues));
    const heredocLine = heredocLines.get(lineNumber);
    if (heredocLine) candidates.push(heredocLine);
    if (!hcl || lineNumber < heredocNext) return;
    const opener = HEREDOC_OPENER.exec(lineText);
    if (!opener) return;
    // A heredoc body is text, not HCL: no opener inside it counts.
    const body = heredocBody(lines, index, opener.groups!.name!, opener.groups!.marker!);
    heredocNext = body.next;
    heredocLines = body.candidates;
  });

  const kept: Candidate[] = [];
  for (const candidate of candidates) {
    if (kept.some((other) => overlaps(candidate, other))) continue;
    // Line 0 (above a finding of line 1) does not exist.
    if (candidate.markedBy.some((line) => lines.texts[line - 1]?.includes(ALLOW_MARKER))) continue;
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
  return { findings, secrets, values: kept.map((c) => c.values[0]) };
}

/** Findings of one file's text; never containing a secret. */
export function scanText(file: string, text: string, options: ScanOptions = {}): SecretFinding[] {
  return scanTextWithValues(file, text, options).findings;
}
