// What a Terraform/OpenTofu folder's configuration says about the files it uses: local module calls
// (`module "x" { source = "../y" }`), files read by `file()`, `templatefile()`, `fileset()` and friends, and
// whether it declares a backend. A small scanner rather than an HCL parser: it only has to find top-level
// blocks, their literal `source`, and function calls, while never being fooled by comments, strings or heredocs
// that merely contain such text. Interpolations (`"${file("x")}"`, heredoc templates) are scanned too.
import path from 'node:path';
import { readReachable, RepoTree } from './tree.js';

export interface ModuleCall {
  name: string;
  source: string;
  /** 1-based line of the `source` attribute. */
  line: number;
}

/** Markers for `${path.module}`, `${path.root}` and `${path.cwd}` in a resolvable path. */
export const PATH_REF = { module: '\u0000module\u0000', root: '\u0000root\u0000', cwd: '\u0000cwd\u0000' };

/** A call of a function that reads files, with its path argument(s) when they are static. */
export interface FileRead {
  /** `file`, `templatefile`, `fileset`, … */
  fn: string;
  line: number;
  /** The path read (for `fileset`, the folder), with PATH_REF markers; undefined when not static. */
  path?: string;
  /** `fileset` only: its glob, when static. */
  pattern?: string;
}

/** Everything the scanner learns from one configuration file. */
export interface ConfigFacts {
  calls: ModuleCall[];
  reads: FileRead[];
  /** A `terraform { backend "…" {} }` or `terraform { cloud {} }` block: the folder is a root module. */
  backend: boolean;
}

/** Functions whose first argument names a file (or, for fileset, a folder) that the configuration reads. */
const FILE_FUNCTIONS = new Set([
  'file',
  'filebase64',
  'filebase64sha256',
  'filebase64sha512',
  'filemd5',
  'filesha1',
  'filesha256',
  'filesha512',
  'fileexists',
  'fileset',
  'templatefile',
]);

/** Terraform/OpenTofu configuration files: what makes a folder a module. */
export function isConfigFile(name: string): boolean {
  return /\.(tf|tofu)(\.json)?$/.test(name);
}

type Token =
  | { kind: 'ident'; text: string; line: number }
  | {
      kind: 'string';
      text: string;
      literal: boolean;
      line: number;
      /** The text with PATH_REF markers for path references; undefined when another interpolation is in it. */
      paths?: string;
    }
  | { kind: 'punct'; text: string; line: number };

/** Module calls whose source is a local path (`./…` or `../…`). */
export function parseLocalModuleCalls(text: string): ModuleCall[] {
  return parseModuleCalls(tokenize(text).tokens).filter((call) => isLocalSource(call.source));
}

export function isLocalSource(source: string): boolean {
  return source.startsWith('./') || source.startsWith('../');
}

/** Module calls (local ones only), file reads and backend of a native-syntax (`.tf`, `.tofu`) file. */
export function scanConfig(text: string): ConfigFacts {
  const { tokens, embedded } = tokenize(text);
  return {
    calls: parseModuleCalls(tokens).filter((call) => isLocalSource(call.source)),
    reads: [...parseFileReads(tokens), ...parseFileReads(embedded)].sort((a, b) => a.line - b.line),
    backend: declaresBackend(tokens),
  };
}

/**
 * The same for a JSON-syntax file (`.tf.json`, `.tofu.json`): `module` blocks are objects (or arrays of them)
 * under the top-level `module` key, and every string is a template whose interpolations may read files.
 */
export function scanJsonConfig(text: string): ConfigFacts {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { calls: [], reads: [], backend: false };
  }
  const facts: ConfigFacts = { calls: [], reads: [], backend: false };
  const root = isRecord(data) ? data : {};
  for (const modules of blocks(root.module)) {
    for (const [name, body] of Object.entries(modules)) {
      for (const block of blocks(body)) {
        const line = lineOf(text, `"${name}"`);
        if (typeof block.source === 'string' && isLocalSource(block.source))
          facts.calls.push({ name, source: block.source, line });
      }
    }
  }
  facts.backend = blocks(root.terraform).some((block) => 'backend' in block || 'cloud' in block);
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (!value.includes('${')) return;
      const line = lineOf(text, JSON.stringify(value).slice(1, -1));
      facts.reads.push(...parseFileReads(templateTokens(value, line)));
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (isRecord(value)) Object.values(value).forEach(visit);
  };
  visit(root);
  return facts;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON block value: an object, or an array of objects. */
function blocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}

function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  return at === -1 ? 1 : text.slice(0, at).split('\n').length;
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

/** `terraform { backend "x" { … } }` or `terraform { cloud { … } }` at the top level. */
function declaresBackend(tokens: Token[]): boolean {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (depth === 0 && token?.kind === 'ident' && token.text === 'terraform' && tokens[i + 1]?.text === '{') {
      const end = matchingBrace(tokens, i + 1);
      let inner = 0;
      for (let j = i + 2; j < end; j++) {
        const t = tokens[j];
        if (t?.kind === 'punct' && t.text === '{') inner++;
        if (t?.kind === 'punct' && t.text === '}') inner--;
        if (inner !== 0 || t?.kind !== 'ident') continue;
        const next = tokens[j + 1];
        if (t.text === 'backend' && next?.kind === 'string') return true;
        if (t.text === 'cloud' && next?.text === '{') return true;
      }
      i = end;
      continue;
    }
    if (token?.kind === 'punct' && token.text === '{') depth++;
    if (token?.kind === 'punct' && token.text === '}') depth = Math.max(0, depth - 1);
  }
  return false;
}

/** Calls of the file-reading functions; each argument is static when it is one string of literals and path refs. */
function parseFileReads(tokens: Token[]): FileRead[] {
  const reads: FileRead[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token?.kind !== 'ident' || !FILE_FUNCTIONS.has(token.text) || tokens[i + 1]?.text !== '(') continue;
    // `provider::x::file(…)` and attribute access (`a.file(`) are not the builtin.
    const before = tokens[i - 1];
    if (before?.kind === 'punct' && (before.text === '.' || before.text === '::')) continue;
    const first = staticArgument(tokens, i + 2);
    const read: FileRead = { fn: token.text, line: token.line };
    if (first.value !== undefined) read.path = first.value;
    if (token.text === 'fileset') {
      const second = first.next !== undefined ? staticArgument(tokens, first.next) : { value: undefined };
      if (second.value !== undefined) read.pattern = second.value;
      else delete read.path;
    }
    reads.push(read);
  }
  return reads;
}

/** The string at `index` when it is a whole argument (followed by `,` or `)`), and where the next one starts. */
function staticArgument(tokens: Token[], index: number): { value?: string; next?: number } {
  const token = tokens[index];
  // A bare `path.module` (as in `fileset(path.module, "*.json")`).
  const ref = tokens[index + 2];
  if (token?.kind === 'ident' && token.text === 'path' && tokens[index + 1]?.text === '.' && ref) {
    const marker = Object.hasOwn(PATH_REF, ref.text)
      ? PATH_REF[ref.text as keyof typeof PATH_REF]
      : undefined;
    const after = tokens[index + 3];
    if (marker && ref.kind === 'ident' && (after?.text === ',' || after?.text === ')'))
      return { value: marker, next: after.text === ',' ? index + 4 : undefined };
    return {};
  }
  const after = tokens[index + 1];
  if (token?.kind === 'string' && token.paths !== undefined && (after?.text === ',' || after?.text === ')'))
    return { value: token.paths, next: after.text === ',' ? index + 2 : undefined };
  return {};
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
// Tokenizer: identifiers, strings, punctuation; comments dropped. The expressions inside templates (quoted
// strings and heredocs) are tokenized separately, as `embedded`: they never count as blocks, but their
// function calls do.

const OPERATORS = ['==', '!=', '<=', '>=', '=>', '&&', '||', '::'];

const PATH_EXPRESSION = /^\s*path\.(module|root|cwd)\s*$/;

class Scanner {
  private pos = 0;
  readonly embedded: Token[] = [];

  constructor(
    private readonly text: string,
    private line = 1,
  ) {}

  tokens(): Token[] {
    const tokens: Token[] = [];
    while (this.pos < this.text.length) {
      const token = this.next();
      if (token) tokens.push(token);
    }
    return tokens;
  }

  /** The whole text as a template body (a heredoc's or a JSON string's): its parts, embedded tokens collected. */
  templateBody(): { text: string; literal: boolean; paths?: string } {
    return this.readTemplate(false);
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
    this.pos++; // opening quote
    const { text, literal, paths } = this.readTemplate(true);
    return { kind: 'string', text, literal, line, ...(paths !== undefined ? { paths } : {}) };
  }

  /**
   * Template text up to the closing quote (`quoted`) or the end. Interpolations are tokenized into `embedded`;
   * `paths` keeps the text when the only interpolations are `path.module`, `path.root` or `path.cwd`.
   */
  private readTemplate(quoted: boolean): { text: string; literal: boolean; paths?: string } {
    const { text } = this;
    let value = '';
    let paths: string | undefined = '';
    let literal = true;
    while (this.pos < text.length) {
      const ch = text[this.pos] ?? '';
      if (quoted && ch === '"') {
        this.pos++;
        break;
      }
      if (quoted && ch === '\n') break; // quoted strings cannot span lines: stop rather than swallow the file
      if (quoted && ch === '\\') {
        const escaped = unescape(text[this.pos + 1] ?? '');
        value += escaped;
        if (paths !== undefined) paths += escaped;
        this.pos += 2;
      } else if (text.startsWith('$${', this.pos) || text.startsWith('%%{', this.pos)) {
        const marker = text.slice(this.pos + 1, this.pos + 3); // escaped template marker: literal text
        value += marker;
        if (paths !== undefined) paths += marker;
        this.pos += 3;
      } else if (text.startsWith('${', this.pos) || text.startsWith('%{', this.pos)) {
        literal = false;
        const directive = ch === '%';
        this.pos += 2;
        const startLine = this.line;
        const start = this.pos;
        const mark = this.embedded.length;
        this.skipTemplateExpression();
        this.embedded.length = mark; // the sub-scanner below finds nested interpolations itself
        const expression = text.slice(start, Math.max(start, this.pos - 1)).replace(/^~|~$/g, '');
        const sub = new Scanner(expression, startLine);
        this.embedded.push(...sub.tokens(), ...sub.embedded);
        const ref = directive ? null : PATH_EXPRESSION.exec(expression);
        if (ref && paths !== undefined) paths += PATH_REF[ref[1] as keyof typeof PATH_REF];
        else paths = undefined;
      } else {
        if (ch === '\n') this.line++;
        value += ch;
        if (paths !== undefined) paths += ch;
        this.pos++;
      }
    }
    return paths === undefined ? { text: value, literal } : { text: value, literal, paths };
  }

  /** Skips to just past the `}` closing a template interpolation; strings inside may hold braces of their own. */
  private skipTemplateExpression(): void {
    let depth = 1;
    while (this.pos < this.text.length && depth > 0) {
      const ch = this.text[this.pos];
      if (ch === '"') {
        this.pos++;
        this.readTemplate(true);
        continue;
      }
      if (ch === '{') depth++;
      if (ch === '}') depth--;
      if (ch === '\n') this.line++;
      this.pos++;
    }
  }

  /** `<<EOF` / `<<-EOF` … `EOF`: its lines are a template, never code; interpolations in it are scanned. */
  private heredoc(): Token {
    const line = this.line;
    const marker = this.match(/<<-?([A-Za-z_][A-Za-z0-9_-]*)/y)?.[1] ?? '';
    let lineEnd = this.text.indexOf('\n', this.pos);
    const bodyStart = lineEnd + 1;
    while (lineEnd !== -1) {
      const nextEnd = this.text.indexOf('\n', lineEnd + 1);
      const content = this.text.slice(lineEnd + 1, nextEnd === -1 ? undefined : nextEnd);
      if (content.trim() === marker) {
        this.scanHeredocBody(this.text.slice(bodyStart, lineEnd + 1), line + 1);
        this.advanceTo(nextEnd === -1 ? this.text.length : nextEnd);
        return { kind: 'string', text: '', literal: false, line };
      }
      lineEnd = nextEnd;
    }
    if (bodyStart > 0) this.scanHeredocBody(this.text.slice(bodyStart), line + 1);
    this.advanceTo(this.text.length);
    return { kind: 'string', text: '', literal: false, line };
  }

  private scanHeredocBody(body: string, line: number): void {
    const sub = new Scanner(body, line);
    sub.templateBody();
    this.embedded.push(...sub.embedded);
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

function tokenize(text: string): { tokens: Token[]; embedded: Token[] } {
  const scanner = new Scanner(text);
  const tokens = scanner.tokens();
  return { tokens, embedded: scanner.embedded };
}

/** The tokens of the interpolations in a template (a JSON string's value). */
function templateTokens(template: string, line: number): Token[] {
  const scanner = new Scanner(template, line);
  scanner.templateBody();
  return scanner.embedded;
}

// ---------------------------------------------------------------------------------------------------------
// Folders.

/**
 * The facts of every configuration file directly in `folder` (absolute), by file name; none when unreadable.
 * Scanned once per folder and tree.
 */
export function folderFacts(folder: string, tree = new RepoTree()): Promise<Map<string, ConfigFacts>> {
  const key = path.resolve(folder);
  let facts = tree.facts.get(key);
  if (!facts) tree.facts.set(key, (facts = scanFolder(key, tree)));
  return facts;
}

async function scanFolder(folder: string, tree: RepoTree): Promise<Map<string, ConfigFacts>> {
  const entries = await tree.list(folder).catch(() => []);
  const names = entries
    .filter((entry) => !entry.isDirectory() && isConfigFile(entry.name))
    .map((entry) => entry.name)
    .sort();
  const facts = new Map<string, ConfigFacts>();
  for (const name of names) {
    const text = tree.text(path.join(folder, name));
    if (text !== undefined) facts.set(name, name.endsWith('.json') ? scanJsonConfig(text) : scanConfig(text));
  }
  return facts;
}

/** Local module calls in the configuration files directly in `folder` (absolute); none when unreadable. */
export async function localModuleCallsIn(folder: string, tree = new RepoTree()): Promise<ModuleCall[]> {
  return [...(await folderFacts(folder, tree)).values()].flatMap((facts) => facts.calls);
}

/** The folder a local source names, posix relative to the workspace; undefined when it leaves the workspace. */
export function resolveModuleFolder(fromFolder: string, source: string): string | undefined {
  const joined = path.posix.normalize(path.posix.join(fromFolder, source)).replace(/\/+$/, '');
  const folder = joined === '' ? '.' : joined;
  return folder === '..' || folder.startsWith('../') ? undefined : folder;
}

/** The folders (posix, relative to `workspace`) a folder's `.tf` files call directly as local modules. */
export async function directModuleFolders(
  workspace: string,
  folder: string,
  tree = new RepoTree(),
): Promise<string[]> {
  const calls = await localModuleCallsIn(path.join(workspace, folder), tree);
  const folders = calls.map((call) => resolveModuleFolder(folder, call.source));
  return [...new Set(folders.filter((f): f is string => f !== undefined && f !== folder))];
}

/**
 * For each stack path, every folder it uses through local modules, transitively. Cycles are safe (each folder
 * is visited once). A called folder that does not exist (a pull request that deletes it) is still listed, so
 * changes there still count. Each folder is read once (all of them first, in parallel); the closures are then
 * walked in memory.
 */
export async function localModuleGraph(
  workspace: string,
  stackPaths: string[],
  tree = new RepoTree(),
): Promise<Map<string, Set<string>>> {
  const direct = await readReachable(
    stackPaths,
    (folder) => directModuleFolders(workspace, folder, tree),
    (_, calls) => calls,
  );
  const graph = new Map<string, Set<string>>();
  for (const stackPath of stackPaths) {
    if (graph.has(stackPath)) continue;
    const seen = new Set<string>();
    const queue = [stackPath];
    for (let at = 0; at < queue.length; at++) {
      for (const called of direct.get(queue[at]!) ?? []) {
        if (called === stackPath || seen.has(called)) continue;
        seen.add(called);
        queue.push(called);
      }
    }
    graph.set(stackPath, seen);
  }
  return graph;
}
