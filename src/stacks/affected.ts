// Which stacks a change touches, and the `stacks` input that restricts the run to some of them.
import path from 'node:path';
import picomatch from 'picomatch';
import type { Stack } from './discover.js';
import type { StackInputs } from './inputs.js';

export interface AffectedOptions {
  /** The config file, as a repository path: changing it affects every stack. */
  configFile: string;
  /**
   * Folders that own the files below them (repository paths): every Terraform folder and every stack folder.
   * A file in a folder's tree belongs to the deepest of them, so a root stack is not planned for a change in a
   * nested stack or in a module's `examples/`.
   */
  boundaries: readonly string[];
}

/**
 * Splits stacks into those a change affects and the rest, each in the given order. `changedFiles` are
 * repository paths (posix). A stack is affected by:
 * - a file it reads: a static `file()`/`templatefile()`/`fileset()`… path, a var file, a symlink's target;
 * - a file matching one of its `when-modified` globs;
 * - a file in its folder or in a local module folder it calls (transitively), unless the file belongs to a
 *   deeper Terraform folder of its own, or is documentation (`*.md`, `docs/`, `.github/`, licences);
 * - the config file, which affects every stack.
 *
 * The changed files are indexed first (the files, and each folder whose files they count for), so each stack is
 * a few set look-ups rather than a loop over every changed file; only globs are matched file by file.
 */
export function selectAffected<T extends StackInputs>(
  inputs: readonly T[],
  changedFiles: readonly string[],
  options: AffectedOptions,
): { affected: T[]; unaffected: T[] } {
  const files = [...new Set(changedFiles.map(normalizeFile))];
  if (files.includes(normalizeFile(options.configFile))) return { affected: [...inputs], unaffected: [] };
  const boundaries = new Set(options.boundaries);
  for (const input of inputs) boundaries.add(input.folder);
  const changed = new Set(files);
  const folders = touchedFolders(files, boundaries);
  const globMatchers = new Map<string, (file: string) => boolean>();
  const affected: T[] = [];
  const unaffected: T[] = [];
  for (const input of inputs) {
    const isAffected =
      input.files.some((file) => changed.has(file)) ||
      input.folders.some((folder) => folders.has(folder)) ||
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent; picomatch of no globs matches nothing too
      (input.globs.length > 0 && matchesAny(globMatcher(input.globs, globMatchers), files));
    (isAffected ? affected : unaffected).push(input);
  }
  return { affected, unaffected };
}

/**
 * The folders a change counts for: for each changed file, the folders holding it (the root `.` too) from the
 * deepest boundary folder holding it outwards excluded (a file belongs to the deepest folder that owns it), and
 * not when the file is documentation below the folder.
 */
function touchedFolders(files: readonly string[], boundaries: Set<string>): Set<string> {
  const folders = new Set<string>();
  for (const file of files) {
    const owner = ownerOf(file, boundaries);
    // Each `/` ends a folder holding the file: `a/b/c.tf` lies within `a` and `a/b`.
    const holders = ['.'];
    for (let at = file.indexOf('/'); at !== -1; at = file.indexOf('/', at + 1)) {
      if (at > 0) holders.push(file.slice(0, at));
    }
    for (const folder of holders) {
      if (folders.has(folder)) continue;
      if (owner !== undefined && !isWithin(folder, owner) && folder !== owner) continue;
      // Stryker disable next-line ArithmeticOperator: equivalent; one more leading character never forms a documentation name
      if (!isDocumentation(folder === '.' ? file : file.slice(folder.length + 1))) folders.add(folder);
    }
  }
  return folders;
}

/** The deepest boundary folder holding the file (its own folder counts; the root `.` too). */
function ownerOf(file: string, boundaries: Set<string>): string | undefined {
  for (let folder = path.posix.dirname(file); ; folder = path.posix.dirname(folder)) {
    if (boundaries.has(folder)) return folder;
    // dirname ends at `.` for a relative path and at `/` for an absolute one.
    if (folder === '.' || folder === '/') return undefined;
  }
}

const DOC_FOLDERS = new Set(['docs', '.github', '.gitlab', '.vscode', '.idea']);
const DOC_FILES =
  /^(?:.*\.(?:md|markdown|mdx|rst|adoc)|(?:LICENSE|LICENCE|COPYING|NOTICE|CODEOWNERS)(?:\..*)?|\.gitignore|\.gitattributes|\.editorconfig)$/i;

/** Documentation and repository housekeeping below a folder: never planned for, unless read or globbed. */
export function isDocumentation(relative: string): boolean {
  const parts = relative.split('/');
  // Stryker disable next-line StringLiteral: equivalent; split always gives at least one part
  const name = parts.pop() ?? '';
  return parts.some((part) => DOC_FOLDERS.has(part)) || DOC_FILES.test(name);
}

function isWithin(file: string, folder: string): boolean {
  return folder === '.' || file.startsWith(`${folder}/`);
}

function matchesAny(matcher: (file: string) => boolean, files: readonly string[]): boolean {
  return files.some((file) => matcher(file));
}

/** A stack's globs as one matcher, compiled once per distinct list in a selection. */
function globMatcher(globs: readonly string[], cache: Map<string, (file: string) => boolean>) {
  const key = JSON.stringify(globs);
  let matcher = cache.get(key);
  // Stryker disable next-line ConditionalExpression: equivalent; a cache miss only builds the same matcher again
  if (!matcher) {
    matcher = picomatch([...globs], { dot: true });
    // Stryker disable next-line CallExpression: equivalent; without the cache the matcher is built on each call
    cache.set(key, matcher);
  }
  return matcher;
}

function normalizeFile(file: string): string {
  return path.posix.normalize(file); // also drops a leading `./`
}

/** A pattern of the `stacks` input that matched no stack. */
export class StackFilterError extends Error {
  constructor(readonly patterns: string[]) {
    super(
      `No stack matches ${patterns.map((p) => `'${p}'`).join(', ')} in the stacks input; ` +
        'give stack names, or globs on names or paths',
    );
    this.name = 'StackFilterError';
  }
}

/**
 * The stacks named by the action's `stacks` input: names, or globs on names or paths, in the stacks' own
 * order. No patterns: every stack. A pattern that matches nothing is a mistake worth stopping for, since
 * silently planning nothing would pass the gate.
 */
export function filterStacks(stacks: Stack[], patterns: string[]): Stack[] {
  const wanted = patterns.map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
  if (wanted.length === 0) return [...stacks];
  const tests = wanted.map((pattern) => ({ pattern, matches: stackMatcher(pattern) }));
  const unmatched = tests.filter(({ matches }) => !stacks.some(matches)).map(({ pattern }) => pattern);
  if (unmatched.length > 0) throw new StackFilterError(unmatched);
  return stacks.filter((stack) => tests.some(({ matches }) => matches(stack)));
}

/** Whether a stack of this name and path would be selected by the `stacks` input's patterns. */
export function matchesStackPatterns(name: string, stackPath: string, patterns: readonly string[]): boolean {
  const stack = { name, path: stackPath } as Stack;
  return patterns.some((pattern) => pattern.trim() !== '' && stackMatcher(pattern.trim())(stack));
}

function stackMatcher(pattern: string): (stack: Stack) => boolean {
  const onName = picomatch(pattern, { dot: true });
  const pathPattern = pattern === './' ? '.' : pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  const onPath = picomatch(pathPattern, { dot: true });
  // Stryker disable next-line ConditionalExpression: equivalent; picomatch matches a glob against the identical string too (kept for clarity)
  return (stack) => stack.name === pattern || onName(stack.name) || onPath(stack.path);
}
