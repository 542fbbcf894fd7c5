// Which stacks a change touches, and the `stacks` input that restricts the run to some of them.
import path from 'node:path';
import picomatch from 'picomatch';
import type { Stack } from './discover.js';

export interface AffectedOptions {
  /** The config file, posix, relative to the workspace: changing it affects every stack. */
  configPath: string;
  /** Stack path → folders it uses through local modules, transitively (from `localModuleGraph`). */
  moduleDeps: Map<string, Set<string>>;
  /** Stack name → files and folders it reads outside the rules above (Ansible roles, inventories…). */
  inputs?: Map<string, string[]>;
}

/**
 * Splits stacks into those a change affects and the rest, each in the given order. `changedFiles` are posix
 * paths relative to the workspace. A stack is affected by a file in its folder (unless the file belongs to a
 * stack nested deeper, so a root stack is not planned for every change), in a local module folder it calls,
 * or matching one of its `when-modified` globs; a change to the config file affects every stack.
 */
export function selectAffected(
  stacks: Stack[],
  changedFiles: string[],
  options: AffectedOptions,
): { affected: Stack[]; unaffected: Stack[] } {
  const files = changedFiles.map(normalizeFile);
  if (files.includes(normalizeFile(options.configPath))) return { affected: [...stacks], unaffected: [] };
  const stackFolders = [...new Set(stacks.map((stack) => stack.path))];
  const affected: Stack[] = [];
  const unaffected: Stack[] = [];
  for (const stack of stacks) {
    const inputs = options.inputs?.get(stack.name) ?? [];
    const isAffected = files.some(
      (file) =>
        touchesStack(stack, file, stackFolders, options.moduleDeps) ||
        inputs.some((input) => file === input || isWithin(file, input)),
    );
    (isAffected ? affected : unaffected).push(stack);
  }
  return { affected, unaffected };
}

function touchesStack(
  stack: Stack,
  file: string,
  stackFolders: string[],
  moduleDeps: AffectedOptions['moduleDeps'],
) {
  if (owningStackFolder(file, stackFolders) === stack.path) return true;
  for (const folder of moduleDeps.get(stack.path) ?? []) {
    if (isWithin(file, folder)) return true;
  }
  // Var files may live outside the stack folder (`../../env/prod.tfvars`): they change the plan all the same.
  if (stack.varFiles.some((varFile) => path.posix.normalize(path.posix.join(stack.path, varFile)) === file))
    return true;
  return stack.whenModified.length > 0 && whenModifiedMatcher(stack)(file);
}

/** The deepest stack folder holding the file. */
function owningStackFolder(file: string, stackFolders: string[]): string | undefined {
  let owner: string | undefined;
  for (const folder of stackFolders) {
    if (isWithin(file, folder) && (owner === undefined || depth(folder) > depth(owner))) owner = folder;
  }
  return owner;
}

function depth(folder: string): number {
  return folder === '.' ? 0 : folder.split('/').length;
}

function isWithin(file: string, folder: string): boolean {
  return folder === '.' || file.startsWith(`${folder}/`);
}

const matchers = new WeakMap<Stack, (file: string) => boolean>();

/** `when-modified` globs are relative to the stack's path (`../modules/**` allowed); `/x` is from the root. */
function whenModifiedMatcher(stack: Stack): (file: string) => boolean {
  let matcher = matchers.get(stack);
  if (!matcher) {
    const patterns = stack.whenModified.map((pattern) =>
      pattern.startsWith('/') ? pattern.slice(1) : path.posix.normalize(path.posix.join(stack.path, pattern)),
    );
    matcher = picomatch(patterns, { dot: true });
    matchers.set(stack, matcher);
  }
  return matcher;
}

function normalizeFile(file: string): string {
  return path.posix.normalize(file).replace(/^\.\//, '');
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

function stackMatcher(pattern: string): (stack: Stack) => boolean {
  const onName = picomatch(pattern, { dot: true });
  const pathPattern = pattern === './' ? '.' : pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  const onPath = picomatch(pathPattern, { dot: true });
  return (stack) => stack.name === pattern || onName(stack.name) || onPath(stack.path);
}
