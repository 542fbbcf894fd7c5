// Finds the line of a `resource "TYPE" "NAME" {` (or `data`) block header in HCL files, so a policy violation
// can be annotated on the block that declares the resource. Pure, and deliberately small: a scanner that knows
// enough HCL to skip comments, strings (with `${…}` templates), and heredocs, and to track brace depth — not a
// parser. Blocks are only recognised at the top level of a file and at the start of a line, which is where
// HCL allows them, so text that merely looks like a header (in a comment, a string, a heredoc or a nested
// block) never matches.

export interface HclFile {
  path: string;
  text: string;
}

export interface BlockLocation {
  file: string;
  /** 1-based. */
  line: number;
}

/**
 * The first `resource "TYPE" "NAME"` block in the given files (in the order given), or `data "TYPE" "NAME"`
 * when `mode` is `data`; with `mode` absent, a resource block wins over a data block of the same labels. Only
 * `.tf` and `.tofu` files are read (`.tf.json` is JSON, not HCL). `modulePath` is informational: for a resource
 * in a module the caller passes that module's files.
 */
export function locateResourceBlocks(
  files: readonly HclFile[],
  type: string,
  name: string,
  _modulePath?: string,
  mode?: 'managed' | 'data',
): BlockLocation | undefined {
  const keywords = mode === 'managed' ? ['resource'] : mode === 'data' ? ['data'] : ['resource', 'data'];
  const hcl = files.filter((file) => /\.(tf|tofu)$/.test(file.path));
  const headersByFile = hcl.map((file) => ({ file: file.path, headers: blockHeaders(file.text) }));
  for (const keyword of keywords) {
    for (const { file, headers } of headersByFile) {
      const found = headers.find(
        (h) => h.keyword === keyword && h.labels[0] === type && h.labels[1] === name,
      );
      if (found) return { file, line: found.line };
    }
  }
  return undefined;
}

// ---- tokens ----------------------------------------------------------------------------------------------

type Token =
  | { kind: 'ident'; value: string; line: number }
  /** `value` is the decoded text, or undefined when the string holds a template (not a plain label). */
  | { kind: 'string'; value: string | undefined; line: number }
  | { kind: 'open' | 'close' | 'newline' | 'other'; line: number };

interface BlockHeader {
  keyword: string;
  labels: string[];
  line: number;
}

/** Top-level block headers at the start of a line: keyword, its labels, then `{`. */
function blockHeaders(text: string): BlockHeader[] {
  const tokens = tokenize(text);
  const headers: BlockHeader[] = [];
  let depth = 0;
  let lineStart = true;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    if (token.kind === 'newline') {
      lineStart = true;
      continue;
    }
    if (token.kind === 'ident' && depth === 0 && lineStart) {
      const labels: string[] = [];
      let j = i + 1;
      for (; j < tokens.length; j += 1) {
        const next = tokens[j]!;
        if (next.kind === 'string' && next.value !== undefined) labels.push(next.value);
        else if (next.kind === 'ident') labels.push(next.value);
        else break;
      }
      if (tokens[j]?.kind === 'open') headers.push({ keyword: token.value, labels, line: token.line });
    }
    lineStart = false;
    if (token.kind === 'open') depth += 1;
    // Unbalanced closing braces (a broken file) must not hide the rest of it.
    if (token.kind === 'close') depth = Math.max(0, depth - 1);
  }
  return headers;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const scanner = { text, pos: 0, line: 1 };
  while (scanner.pos < text.length) {
    const c = text[scanner.pos]!;
    const line = scanner.line;
    if (c === '\n') {
      tokens.push({ kind: 'newline', line });
      scanner.pos += 1;
      scanner.line += 1;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      scanner.pos += 1;
    } else if (c === '#' || text.startsWith('//', scanner.pos)) {
      // A line comment ends before its newline, which still separates lines.
      const end = text.indexOf('\n', scanner.pos);
      scanner.pos = end === -1 ? text.length : end;
    } else if (text.startsWith('/*', scanner.pos)) {
      skipBlockComment(scanner);
    } else if (c === '"') {
      tokens.push({ kind: 'string', value: scanString(scanner), line });
    } else if (/^<<-?[A-Za-z_]/.test(text.slice(scanner.pos, scanner.pos + 4))) {
      skipHeredoc(scanner);
      tokens.push({ kind: 'other', line });
    } else if (IDENT_START.test(c)) {
      const start = scanner.pos;
      while (scanner.pos < text.length && IDENT_PART.test(text[scanner.pos]!)) scanner.pos += 1;
      tokens.push({ kind: 'ident', value: text.slice(start, scanner.pos), line });
    } else {
      tokens.push({ kind: c === '{' ? 'open' : c === '}' ? 'close' : 'other', line });
      scanner.pos += 1;
    }
  }
  return tokens;
}

interface Scanner {
  text: string;
  pos: number;
  line: number;
}

/** Moves to `to`, counting the newlines passed. */
function advance(scanner: Scanner, to: number): void {
  for (let i = scanner.pos; i < to; i += 1) if (scanner.text[i] === '\n') scanner.line += 1;
  scanner.pos = to;
}

function skipBlockComment(scanner: Scanner): void {
  const end = scanner.text.indexOf('*/', scanner.pos + 2);
  advance(scanner, end === -1 ? scanner.text.length : end + 2);
}

/**
 * Scans a quoted string from its opening quote; returns its text, or undefined when it holds a template
 * (`${…}` or `%{…}`). A quoted string cannot span lines in HCL, so a newline ends an unterminated one.
 */
function scanString(scanner: Scanner): string | undefined {
  const { text } = scanner;
  let pos = scanner.pos + 1;
  let value = '';
  let template = false;
  while (pos < text.length) {
    const c = text[pos]!;
    if (c === '"') {
      pos += 1;
      break;
    }
    if (c === '\n') break;
    if (c === '\\') {
      // Labels are plain names: an escape stands for the character after it, enough for `\"` and `\\`.
      value += text[pos + 1] ?? '';
      pos += 2;
    } else if ((c === '$' || c === '%') && text[pos + 1] === c && text[pos + 2] === '{') {
      value += `${c}{`; // `$${` and `%%{` are escapes for a literal `${` / `%{`
      pos += 3;
    } else if ((c === '$' || c === '%') && text[pos + 1] === '{') {
      template = true;
      advance(scanner, pos);
      skipTemplate(scanner);
      pos = scanner.pos;
    } else {
      value += c;
      pos += 1;
    }
  }
  advance(scanner, pos);
  return template ? undefined : value;
}

/** Skips a `${…}` / `%{…}` sequence, which may hold braces, strings and comments of its own. */
function skipTemplate(scanner: Scanner): void {
  const { text } = scanner;
  let depth = 0;
  advance(scanner, scanner.pos + 1); // the `$` or `%`; the `{` is counted below
  while (scanner.pos < text.length) {
    const c = text[scanner.pos]!;
    if (c === '"') {
      scanString(scanner);
    } else if (c === '#' || text.startsWith('//', scanner.pos)) {
      // An interpolation may span lines, so it may hold line comments.
      const end = text.indexOf('\n', scanner.pos);
      advance(scanner, end === -1 ? text.length : end);
    } else if (text.startsWith('/*', scanner.pos)) {
      skipBlockComment(scanner);
    } else {
      if (c === '{') depth += 1;
      advance(scanner, scanner.pos + 1);
      if (c === '}') {
        depth -= 1;
        if (depth === 0) return;
      }
    }
  }
}

/** Skips `<<EOF` / `<<-EOF` through the line holding only its marker (indentation allowed for both). */
function skipHeredoc(scanner: Scanner): void {
  const { text } = scanner;
  const header = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(text.slice(scanner.pos));
  if (!header) {
    advance(scanner, scanner.pos + 2); // not a heredoc after all; `<<` alone is just punctuation
    return;
  }
  const marker = header[1]!;
  let pos = scanner.pos + header[0].length;
  while (pos < text.length) {
    const end = text.indexOf('\n', pos);
    const lineEnd = end === -1 ? text.length : end;
    if (text.slice(pos, lineEnd).trim() === marker) {
      // Stop before the newline, which the tokenizer still counts as the end of a line.
      advance(scanner, lineEnd);
      return;
    }
    pos = lineEnd + 1;
  }
  advance(scanner, text.length);
}
