// Local module calls (`module "x" { source = "../y" }`) and the folders each stack depends on through them.
// A small scanner rather than an HCL parser: it only has to find top-level module blocks and their literal
// `source`, while never being fooled by comments, strings or heredocs that merely contain such text.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ModuleCall {
  name: string;
  source: string;
  /** 1-based line of the `source` attribute. */
  line: number;
}

type Token =
  | { kind: 'ident'; text: string; line: number }
  | { kind: 'string'; text: string; literal: boolean; line: number }
  | { kind: 'punct'; text: string; line: number };

/** Module calls whose source is a local path (`./…` or `../…`). */
export function parseLocalModuleCalls(text: string): ModuleCall[] {
  return parseModuleCalls(tokenize(text)).filter((call) => isLocalSource(call.source));
}

export function isLocalSource(source: string): boolean {
  return source.startsWith('./') || source.startsWith('../');
}

function parseModuleCalls(tokens: Token[]): ModuleCall[] {
  const calls: ModuleCall[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const label = tokens[i + 1];
    if (depth === 0 && token?.kind === 'ident' && token.text === 'module' && tokens[i + 2]?.text === '{') {
      if (label && (label.kind === 'ident' || label.kind === 'string')) {
        const end = matchingBrace(tokens, i + 2);
        const source = topLevelSource(tokens, i + 3, end);
        if (source) calls.push({ name: label.text, source: source.text, line: source.line });
        i = end;
        continue;
      }
    }
    if (token?.text === '{') depth++;
    if (token?.text === '}') depth = Math.max(0, depth - 1);
  }
  return calls;
}

/** Index of the `}` closing the `{` at `open` (or the last token when unbalanced). */
function matchingBrace(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]?.kind !== 'punct') continue;
    if (tokens[i]?.text === '{') depth++;
    if (tokens[i]?.text === '}' && --depth === 0) return i;
  }
  return tokens.length - 1;
}

/** `source = "…"` directly in the block body (not inside a nested object or block). */
function topLevelSource(tokens: Token[], start: number, end: number): Token | undefined {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const token = tokens[i];
    if (token?.kind === 'punct' && token.text === '{') depth++;
    if (token?.kind === 'punct' && token.text === '}') depth--;
    const value = tokens[i + 2];
    if (depth === 0 && token?.kind === 'ident' && token.text === 'source' && tokens[i + 1]?.text === '=') {
      // Only a plain literal names a folder; a template like "${path.module}/x" cannot be resolved here.
      return value?.kind === 'string' && value.literal ? value : undefined;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Tokenizer: identifiers, strings (with `${…}` templates skipped), punctuation; comments and heredocs dropped.

const OPERATORS = ['==', '!=', '<=', '>=', '=>', '&&', '||'];

class Scanner {
  private pos = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  tokens(): Token[] {
    const tokens: Token[] = [];
    while (this.pos < this.text.length) {
      const token = this.next();
      if (token) tokens.push(token);
    }
    return tokens;
  }

  private next(): Token | undefined {
    const { text } = this;
    const ch = text[this.pos] ?? '';
    if (ch === '\n') this.line++;
    if (/\s/.test(ch)) return void this.pos++;
    if (ch === '#' || text.startsWith('//', this.pos)) return this.skipLine();
    if (text.startsWith('/*', this.pos)) return this.skipBlockComment();
    if (ch === '"') return this.string();
    if (this.match(/<<-?[A-Za-z_]/y)) return this.heredoc();
    if (/[A-Za-z_]/.test(ch)) return this.ident();
    const operator = OPERATORS.find((op) => text.startsWith(op, this.pos));
    const punct = operator ?? ch;
    this.pos += punct.length;
    return { kind: 'punct', text: punct, line: this.line };
  }

  private skipLine(): undefined {
    const end = this.text.indexOf('\n', this.pos);
    this.pos = end === -1 ? this.text.length : end;
    return undefined;
  }

  private skipBlockComment(): undefined {
    const end = this.text.indexOf('*/', this.pos + 2);
    this.advanceTo(end === -1 ? this.text.length : end + 2);
    return undefined;
  }

  private ident(): Token {
    const text = this.match(/[A-Za-z_][A-Za-z0-9_-]*/y)?.[0] ?? '';
    this.pos += text.length;
    return { kind: 'ident', text, line: this.line };
  }

  /** A quoted string; `literal` is false when it holds a `${…}` or `%{…}` template. */
  private string(): Token {
    const line = this.line;
    const { text, literal } = this.readString();
    return { kind: 'string', text, literal, line };
  }

  private readString(): { text: string; literal: boolean } {
    const { text } = this;
    let value = '';
    let literal = true;
    this.pos++; // opening quote
    while (this.pos < text.length) {
      const ch = text[this.pos] ?? '';
      if (ch === '"') {
        this.pos++;
        break;
      }
      if (ch === '\n') break; // quoted strings cannot span lines: stop rather than swallow the file
      if (ch === '\\') {
        value += unescape(text[this.pos + 1] ?? '');
        this.pos += 2;
      } else if (text.startsWith('$${', this.pos) || text.startsWith('%%{', this.pos)) {
        value += text.slice(this.pos + 1, this.pos + 3); // escaped template marker: literal text
        this.pos += 3;
      } else if (text.startsWith('${', this.pos) || text.startsWith('%{', this.pos)) {
        literal = false;
        this.pos += 2;
        this.skipTemplateExpression();
      } else {
        value += ch;
        this.pos++;
      }
    }
    return { text: value, literal };
  }

  /** Skips to the `}` closing a template interpolation; strings inside may hold braces of their own. */
  private skipTemplateExpression(): void {
    let depth = 1;
    while (this.pos < this.text.length && depth > 0) {
      const ch = this.text[this.pos];
      if (ch === '"') {
        this.readString();
        continue;
      }
      if (ch === '{') depth++;
      if (ch === '}') depth--;
      if (ch === '\n') this.line++;
      this.pos++;
    }
  }

  /** `<<EOF` / `<<-EOF` … `EOF`: its lines are text, never code. */
  private heredoc(): Token {
    const line = this.line;
    const marker = this.match(/<<-?([A-Za-z_][A-Za-z0-9_-]*)/y)?.[1] ?? '';
    let lineEnd = this.text.indexOf('\n', this.pos);
    while (lineEnd !== -1) {
      const nextEnd = this.text.indexOf('\n', lineEnd + 1);
      const content = this.text.slice(lineEnd + 1, nextEnd === -1 ? undefined : nextEnd);
      if (content.trim() === marker) {
        this.advanceTo(nextEnd === -1 ? this.text.length : nextEnd);
        return { kind: 'string', text: '', literal: false, line };
      }
      lineEnd = nextEnd;
    }
    this.advanceTo(this.text.length);
    return { kind: 'string', text: '', literal: false, line };
  }

  /** A sticky regex matched at the current position. */
  private match(regex: RegExp): RegExpExecArray | null {
    regex.lastIndex = this.pos;
    return regex.exec(this.text);
  }

  /** Moves to `end`, counting the newlines passed over. */
  private advanceTo(end: number): void {
    for (let i = this.pos; i < end; i++) if (this.text[i] === '\n') this.line++;
    this.pos = end;
  }
}

function unescape(ch: string): string {
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
  return escapes[ch] ?? ch;
}

function tokenize(text: string): Token[] {
  return new Scanner(text).tokens();
}

// ---------------------------------------------------------------------------------------------------------
// The graph.

/** Local module calls in the `.tf` files directly in `folder` (absolute); none when it cannot be read. */
export async function localModuleCallsIn(folder: string): Promise<ModuleCall[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const files = entries
    .filter((entry) => !entry.isDirectory() && entry.name.endsWith('.tf'))
    .map((e) => e.name);
  const calls: ModuleCall[] = [];
  for (const file of files.sort()) {
    const text = await readFile(path.join(folder, file), 'utf8').catch(() => '');
    calls.push(...parseLocalModuleCalls(text));
  }
  return calls;
}

/** The folder a local source names, posix relative to the workspace; undefined when it leaves the workspace. */
export function resolveModuleFolder(fromFolder: string, source: string): string | undefined {
  const joined = path.posix.normalize(path.posix.join(fromFolder, source)).replace(/\/+$/, '');
  const folder = joined === '' ? '.' : joined;
  return folder === '..' || folder.startsWith('../') ? undefined : folder;
}

/** The folders (posix, relative to `workspace`) a folder's `.tf` files call directly as local modules. */
export async function directModuleFolders(workspace: string, folder: string): Promise<string[]> {
  const calls = await localModuleCallsIn(path.join(workspace, folder));
  const folders = calls.map((call) => resolveModuleFolder(folder, call.source));
  return [...new Set(folders.filter((f): f is string => f !== undefined && f !== folder))];
}

/**
 * For each stack path, every folder it uses through local modules, transitively. Cycles are safe (each folder
 * is visited once). A called folder that does not exist (a pull request that deletes it) is still listed, so
 * changes there still count.
 */
export async function localModuleGraph(
  workspace: string,
  stackPaths: string[],
): Promise<Map<string, Set<string>>> {
  const direct = new Map<string, Promise<string[]>>();
  const callsOf = (folder: string): Promise<string[]> => {
    let calls = direct.get(folder);
    if (!calls) direct.set(folder, (calls = directModuleFolders(workspace, folder)));
    return calls;
  };
  const graph = new Map<string, Set<string>>();
  for (const stackPath of stackPaths) {
    if (graph.has(stackPath)) continue;
    const seen = new Set<string>();
    const queue = [stackPath];
    for (let folder = queue.shift(); folder !== undefined; folder = queue.shift()) {
      for (const called of await callsOf(folder)) {
        if (called === stackPath || seen.has(called)) continue;
        seen.add(called);
        queue.push(called);
      }
    }
    graph.set(stackPath, seen);
  }
  return graph;
}
