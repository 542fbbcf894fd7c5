// Every file a stack reads, as repository paths: its folder, the local modules it calls (transitively), files
// its configuration reads with `file()`, `templatefile()`, `fileset()` and friends, var files, `when-modified`
// globs, and the targets of symlinks among them. Paths are relative to the repository root, not the working
// directory, so modules and files outside `working-directory` count as well.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { isBackendPair } from '../config/types.js';
import { ansibleInputs } from './ansible-inputs.js';
import type { Stack } from './discover.js';
import { folderFacts, isLocalSource, PATH_REF, type ConfigFacts } from './modules.js';
import { readReachable, RepoTree } from './tree.js';

export interface Layout {
  /** Absolute repository root (GITHUB_WORKSPACE). */
  repoRoot: string;
  /** The working directory, posix, relative to the root ('' at the root). */
  workingDirectory: string;
}

/** A file-reading call whose path is not a literal: a change to what it reads cannot be traced. */
export interface UnresolvedRead {
  /** Repository path of the configuration file. */
  file: string;
  line: number;
  fn: string;
}

export interface StackInputs {
  stack: Stack;
  /** The stack's folder, as a repository path. */
  folder: string;
  /** Folders whose files count for the stack: its own, its local modules', symlinked folders' targets. */
  folders: string[];
  /** Single files: static reads, var files, symlinked files' targets. */
  files: string[];
  /** Globs on repository paths: `fileset()` reads and `when-modified`. */
  globs: string[];
  unresolved: UnresolvedRead[];
}

/** `rel` joined under the working directory: a repository path. */
export function repositoryFile(layout: Layout, rel: string): string {
  return normalize(layout.workingDirectory ? `${layout.workingDirectory}/${rel}` : rel);
}

/** Posix, normalised, `.` for the root; undefined when the path leaves the repository. */
function normalize(rel: string): string {
  const joined = path.posix.normalize(rel).replace(/\/+$/, '');
  return joined === '' ? '.' : joined;
}

function insideRepository(rel: string): string | undefined {
  const folder = normalize(rel);
  return folder === '..' || folder.startsWith('../') || path.posix.isAbsolute(folder) ? undefined : folder;
}

function join(folder: string, rel: string): string | undefined {
  return insideRepository(folder === '.' ? rel : `${folder}/${rel}`);
}

interface FolderInfo {
  facts: Map<string, ConfigFacts>;
  /** The folder's real repository path (through symlinks), when inside the repository. */
  target: string | undefined;
  /** Entries that are symlinks, with their real repository paths (those inside the repository). */
  links: { target: string; folder: boolean }[];
}

/**
 * Reads what every stack reads. Every folder the stacks reach through local modules is read first, each once
 * and in parallel; each stack's closure is then walked in memory.
 */
export async function stackInputs(
  layout: Layout,
  stacks: readonly Stack[],
  tree = new RepoTree(),
): Promise<StackInputs[]> {
  const real = (rel: string): Promise<string | undefined> => tree.realPath(layout.repoRoot, rel);
  const starts = stacks.flatMap((stack) => {
    const source = stack.terragrunt?.source;
    const root = repositoryFile(layout, stack.path);
    return source === undefined ? [root] : [root, repositoryFile(layout, source)];
  });
  const infos = await readReachable(
    starts,
    (folder) => readFolder(layout.repoRoot, folder, tree),
    (folder, { facts }) => calledFolders(folder, facts),
  );
  const result: StackInputs[] = [];
  for (const stack of stacks) {
    const root = repositoryFile(layout, stack.path);
    const folders = new Set<string>();
    const files = new Set<string>();
    const globs = new Set<string>();
    const unresolved: UnresolvedRead[] = [];
    // Files and glob folders whose real paths count too: resolved together once the closure is walked.
    const fileReads: (string | undefined)[] = [];
    const globReads: { folder: string | undefined; pattern: string }[] = [];
    // The stack's own path may name a file (an Ansible playbook): it counts as a file and as a folder.
    fileReads.push(root);
    const seen = new Set<string>([root]);
    const queue = [root];
    // A Terragrunt unit also reads its includes and its local `source` module (and what that module calls).
    const unit = stack.terragrunt;
    for (const include of unit?.includes ?? []) fileReads.push(repositoryFile(layout, include));
    if (unit?.source !== undefined) {
      const source = repositoryFile(layout, unit.source);
      seen.add(source);
      queue.push(source);
    }
    for (let at = 0; at < queue.length; at++) {
      const folder = queue[at]!;
      folders.add(folder);
      const { facts, links, target } = infos.get(folder)!;
      if (target !== undefined) folders.add(target);
      for (const link of links) (link.folder ? folders : files).add(link.target);
      for (const called of calledFolders(folder, facts)) {
        if (seen.has(called)) continue;
        seen.add(called);
        queue.push(called);
      }
      for (const [name, fileFacts] of facts) {
        for (const read of fileFacts.reads) {
          const file = join(folder, name) ?? name;
          const resolved = read.path === undefined ? undefined : resolveReadPath(read.path, folder, root);
          if (read.path === undefined || resolved === null) {
            unresolved.push({ file, line: read.line, fn: read.fn });
          } else if (read.pattern !== undefined) {
            globReads.push({ folder: resolved, pattern: read.pattern });
          } else {
            fileReads.push(resolved);
          }
        }
      }
    }
    for (const varFile of stack.varFiles) fileReads.push(join(root, varFile));
    for (const entry of stack.backendConfig ?? []) {
      if (!isBackendPair(entry)) fileReads.push(join(root, entry));
    }
    const wanted = [
      ...fileReads.filter((rel) => rel !== undefined),
      ...globReads.flatMap(({ folder }) => (folder === undefined ? [] : [folder])),
    ];
    const reals = new Map(await Promise.all(wanted.map(async (rel) => [rel, await real(rel)] as const)));
    for (const rel of fileReads) {
      if (rel === undefined) continue;
      files.add(rel);
      const target = reals.get(rel);
      if (target !== undefined) files.add(target);
    }
    for (const { folder, pattern } of globReads) {
      if (folder === undefined) continue;
      for (const base of new Set([folder, reals.get(folder) ?? folder])) {
        globs.add(base === '.' ? pattern : `${base}/${pattern}`);
      }
    }
    for (const pattern of stack.whenModified) {
      const glob = pattern.startsWith('/') ? insideRepository(pattern.slice(1)) : join(root, pattern);
      if (glob !== undefined) globs.add(glob);
    }
    // Ansible stacks read roles, inventories, vars and task files outside their folder (ansible-inputs.ts).
    if (stack.engine === 'ansible') {
      const extra = await ansibleInputs(path.join(layout.repoRoot, layout.workingDirectory), stack);
      for (const folder of extra.folders) folders.add(repositoryFile(layout, folder));
      for (const file of extra.files) {
        const rel = repositoryFile(layout, file);
        files.add(rel);
        const target = await real(rel);
        if (target !== undefined) files.add(target);
      }
    }
    result.push({
      stack,
      folder: root,
      folders: [...folders],
      files: [...files],
      globs: [...globs],
      unresolved,
    });
  }
  return withDependencyInputs(result, layout);
}

/** The local module folders a folder's configuration calls, as repository paths inside the repository. */
function calledFolders(folder: string, facts: Map<string, ConfigFacts>): string[] {
  const called: string[] = [];
  for (const fileFacts of facts.values()) {
    for (const call of fileFacts.calls) {
      if (!isLocalSource(call.source)) continue;
      const target = join(folder, call.source);
      if (target !== undefined) called.push(target);
    }
  }
  return called;
}

/**
 * A Terragrunt unit reads what the units it depends on read (transitively): a change to one plans its dependants.
 * A unit Terragrunt could not describe reads everything (`**`): no change can be missed for it.
 */
function withDependencyInputs(inputs: StackInputs[], layout: Layout): StackInputs[] {
  const byFolder = new Map(inputs.map((input) => [input.folder, input]));
  return inputs.map((input) => {
    const unit = input.stack.terragrunt;
    if (unit?.error !== undefined) return { ...input, globs: [...input.globs, '**'] };
    if (!unit || unit.dependencies.length === 0) return input;
    const folders = new Set(input.folders);
    const files = new Set(input.files);
    const globs = new Set(input.globs);
    const seen = new Set([input.folder]);
    const queue = unit.dependencies.map((dependency) => repositoryFile(layout, dependency));
    for (let folder = queue.shift(); folder !== undefined; folder = queue.shift()) {
      if (seen.has(folder)) continue;
      seen.add(folder);
      const dependency = byFolder.get(folder);
      if (!dependency) {
        folders.add(folder); // a unit that is no stack here: its folder still counts
        continue;
      }
      for (const item of dependency.folders) folders.add(item);
      for (const item of dependency.files) files.add(item);
      for (const item of dependency.globs) globs.add(item);
      for (const next of dependency.stack.terragrunt?.dependencies ?? [])
        queue.push(repositoryFile(layout, next));
    }
    return { ...input, folders: [...folders], files: [...files], globs: [...globs] };
  });
}

/**
 * A static read path as a repository path: `path.module` is the module's folder, `path.root` and `path.cwd`
 * the stack's, and a plain relative path is relative to the stack's folder (the engine's working directory).
 * Undefined when it leaves the repository (nothing a pull request changes); null for an absolute path.
 */
function resolveReadPath(raw: string, moduleFolder: string, rootFolder: string): string | undefined | null {
  const at = (folder: string) => (folder === '.' ? '.' : folder);
  let text = raw
    .split(PATH_REF.module)
    .join(at(moduleFolder))
    .split(PATH_REF.root)
    .join(at(rootFolder))
    .split(PATH_REF.cwd)
    .join(at(rootFolder));
  if (raw.startsWith(PATH_REF.module) || raw.startsWith(PATH_REF.root) || raw.startsWith(PATH_REF.cwd)) {
    return insideRepository(text);
  }
  if (path.posix.isAbsolute(text) || /^[A-Za-z]:[\\/]/.test(text)) return null;
  text = text.replace(/^\.\//, '');
  return join(rootFolder, text);
}

async function readFolder(repoRoot: string, folder: string, tree: RepoTree): Promise<FolderInfo> {
  const absolute = path.join(repoRoot, folder);
  const facts = await folderFacts(absolute, tree);
  const links: FolderInfo['links'] = [];
  const entries = await tree.list(absolute).catch(() => []);
  for (const entry of entries) {
    if (!entry.isSymbolicLink()) continue;
    const rel = folder === '.' ? entry.name : `${folder}/${entry.name}`;
    const target = await tree.realPath(repoRoot, rel);
    if (target === undefined) continue;
    const stats = await lstat(path.join(repoRoot, target)).catch(() => undefined);
    links.push({ target, folder: stats?.isDirectory() ?? false });
  }
  return { facts, links, target: await tree.realPath(repoRoot, folder) };
}
