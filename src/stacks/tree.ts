// The repository as one run sees it: each folder is listed once, each folder's configuration is scanned once and
// each path's real location is worked out once, and discovery, the module graph and the affected selection share
// them. One RepoTree per run (the files do not change while Stackgate decides what to plan); without one, each
// function makes its own, as before.
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigFacts } from './modules.js';

export class RepoTree {
  private readonly listings = new Map<string, Promise<Dirent[]>>();
  private readonly byName = new WeakMap<Dirent[], Map<string, Dirent>>();
  private readonly reals = new Map<string, Promise<string | undefined>>();
  /** The facts of each folder's configuration files, by absolute folder (filled by folderFacts). */
  readonly facts = new Map<string, Promise<Map<string, ConfigFacts>>>();
  /**
   * The entries of a folder (absolute); rejects as readdir does when it cannot be read. Listings and small
   * configuration files are read synchronously: for thousands of them, the promise calls cost several times the
   * system calls (a profile of 1,000 stacks), and nothing else runs while Stackgate decides what to plan.
   */
  list(folder: string): Promise<Dirent[]> {
    const key = path.resolve(folder);
    let entries = this.listings.get(key);
    if (!entries) {
      entries = new Promise((resolve) => resolve(readdirSync(key, { withFileTypes: true })));
      this.listings.set(key, entries);
    }
    return entries;
  }

  /** A file's text (absolute), undefined when it cannot be read. */
  text(file: string): string | undefined {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** realRepositoryPath, once per path. */
  realPath(repoRoot: string, rel: string): Promise<string | undefined> {
    const key = `${path.resolve(repoRoot)}\0${rel}`;
    let real = this.reals.get(key);
    if (!real) this.reals.set(key, (real = this.resolveReal(repoRoot, rel)));
    return real;
  }

  /**
   * When every part of the path is a plain folder (the last one may be a file) in its parent's listing, the path
   * is its own real path, with no file system call beyond the listings. Anything else (a symlink, a missing part,
   * an unreadable folder, an unusual spelling) asks the file system.
   */
  private async resolveReal(repoRoot: string, rel: string): Promise<string | undefined> {
    const parts = rel === '.' ? [] : rel.split('/');
    let folder = repoRoot;
    for (const [index, part] of parts.entries()) {
      if (part === '' || part === '.' || part === '..') return realRepositoryPath(repoRoot, rel);
      const entries = await this.list(folder).catch(() => undefined);
      const entry = entries && this.entryNamed(entries, part);
      const plain = entry?.isDirectory() || (entry?.isFile() && index === parts.length - 1);
      if (!plain) return realRepositoryPath(repoRoot, rel);
      folder = path.join(folder, part);
    }
    // The root itself: its listing proves it exists; the path relative to it is unchanged.
    if (
      parts.length === 0 &&
      !(await this.list(repoRoot).then(
        () => true,
        () => false,
      ))
    )
      return realRepositoryPath(repoRoot, rel);
    return rel;
  }

  private entryNamed(entries: Dirent[], name: string): Dirent | undefined {
    let names = this.byName.get(entries);
    if (!names) this.byName.set(entries, (names = new Map(entries.map((entry) => [entry.name, entry]))));
    return names.get(name);
  }
}

/** Resolves symlinks along a repository path (the longest prefix that exists); undefined when it leads outside. */
export async function realRepositoryPath(repoRoot: string, rel: string): Promise<string | undefined> {
  const realRoot = await realpath(repoRoot).catch(() => path.resolve(repoRoot));
  const parts = rel === '.' ? [] : rel.split('/');
  for (let keep = parts.length; keep >= 0; keep--) {
    const real = await realpath(path.join(repoRoot, ...parts.slice(0, keep))).catch(() => undefined);
    if (real === undefined) continue;
    const relative = path.relative(realRoot, path.join(real, ...parts.slice(keep)));
    if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
    return relative === '' ? '.' : relative.split(path.sep).join('/');
  }
  return undefined;
}

/**
 * Reads every folder reachable from `starts` (what `next` names after reading one), each once, level by level
 * and in parallel; cycles are safe. Returns what `read` gave, by folder.
 */
export async function readReachable<T>(
  starts: Iterable<string>,
  read: (folder: string) => Promise<T>,
  next: (folder: string, value: T) => Iterable<string>,
): Promise<Map<string, T>> {
  const done = new Map<string, T>();
  let frontier = [...new Set(starts)];
  while (frontier.length > 0) {
    const values = await Promise.all(frontier.map(read));
    frontier.forEach((folder, index) => done.set(folder, values[index] as T));
    const following = new Set<string>();
    frontier.forEach((folder, index) => {
      for (const item of next(folder, values[index] as T)) if (!done.has(item)) following.add(item);
    });
    frontier = [...following];
  }
  return done;
}
