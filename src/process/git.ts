// The git questions apply asks of the checked-out workspace. Spawned through exec.ts like everything else.
import { execFile } from './exec.js';

/** The commit the workspace is at, or undefined when it is not a git checkout. */
export async function gitHead(repoRoot: string): Promise<string | undefined> {
  const result = await execFile('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, timeoutMs: 30_000 });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Whether `ancestor` is in the history of `head`; undefined when git does not have `ancestor` (shallow). */
export async function isAncestor(
  repoRoot: string,
  ancestor: string,
  head: string,
): Promise<boolean | undefined> {
  const known = await execFile('git', ['cat-file', '-e', `${ancestor}^{commit}`], {
    cwd: repoRoot,
    timeoutMs: 30_000,
  });
  if (known.exitCode !== 0) return undefined;
  const result = await execFile('git', ['merge-base', '--is-ancestor', ancestor, head], {
    cwd: repoRoot,
    timeoutMs: 60_000,
  });
  return result.exitCode === 0;
}

// History questions for the secret scan. Paths are literal (never pathspec magic) and printed as they are.
function git(repoRoot: string, args: string[], input?: string) {
  return execFile('git', ['--literal-pathspecs', '-c', 'core.quotepath=false', ...args], {
    cwd: repoRoot,
    timeoutMs: 120_000,
    input,
  });
}

/** Whether git has this commit (a shallow checkout may not). */
export async function hasCommit(repoRoot: string, rev: string): Promise<boolean> {
  return (await git(repoRoot, ['cat-file', '-e', `${rev}^{commit}`])).exitCode === 0;
}

/** Whether the checkout is shallow (fetch-depth other than 0); undefined when it is not a git checkout. */
export async function isShallow(repoRoot: string): Promise<boolean | undefined> {
  const result = await git(repoRoot, ['rev-parse', '--is-shallow-repository']);
  return result.exitCode === 0 ? result.stdout.trim() === 'true' : undefined;
}

/** A common ancestor of two commits, or undefined when git does not have one (shallow, unrelated). */
export async function mergeBase(repoRoot: string, a: string, b: string): Promise<string | undefined> {
  const result = await git(repoRoot, ['merge-base', a, b]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Commits reachable from `head` and from none of `exclude`, oldest first, merges left out; at most `max`. */
export async function commitsBetween(
  repoRoot: string,
  head: string,
  exclude: string[],
  max: number,
): Promise<string[]> {
  const result = await git(repoRoot, [
    'rev-list',
    '--reverse',
    '--no-merges',
    `--max-count=${max}`,
    head,
    '--not',
    ...exclude,
  ]);
  if (result.exitCode !== 0) throw new Error(`git rev-list failed: ${result.stderr.trim()}`);
  return result.stdout.split('\n').filter(Boolean);
}

export interface ChangedBlob {
  /** Repository path. */
  path: string;
  blob: string;
}

/** The regular files a commit adds or modifies (a root commit: all of its files), with their new blobs. */
export async function changedBlobs(repoRoot: string, commit: string): Promise<ChangedBlob[]> {
  const result = await git(repoRoot, [
    'diff-tree',
    '-r',
    '-z',
    '--root',
    '--no-commit-id',
    '--no-renames',
    '--no-abbrev',
    '--diff-filter=AM',
    commit,
  ]);
  if (result.exitCode !== 0) throw new Error(`git diff-tree ${commit} failed: ${result.stderr.trim()}`);
  const fields = result.stdout.split('\0');
  const blobs: ChangedBlob[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    // `:old-mode new-mode old-blob new-blob status`, then the path.
    const [, mode = '', , blob = ''] = (fields[i] ?? '').split(' ');
    const file = fields[i + 1] ?? '';
    if (mode === '100644' || mode === '100755') blobs.push({ path: file, blob });
  }
  return blobs;
}

/** Blob sizes in bytes, for the blobs git has. */
export async function blobSizes(repoRoot: string, blobs: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (blobs.length === 0) return sizes;
  const result = await git(
    repoRoot,
    ['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'],
    `${blobs.join('\n')}\n`,
  );
  for (const line of result.stdout.split('\n')) {
    const [name = '', type, size] = line.split(' ');
    if (type === 'blob') sizes.set(name, Number(size));
  }
  return sizes;
}

/** A blob's content: bytes as UTF-8 text, to be told text or binary by the caller. */
export async function readBlob(repoRoot: string, blob: string): Promise<string | undefined> {
  const result = await git(repoRoot, ['cat-file', 'blob', blob]);
  return result.exitCode === 0 ? result.stdout : undefined;
}

/** A commit's patch of one file without context lines (`-U0`): its hunk headers say which lines it adds. */
export async function filePatch(repoRoot: string, commit: string, file: string): Promise<string> {
  const result = await git(repoRoot, [
    'diff-tree',
    '-p',
    '-U0',
    '--root',
    '--no-commit-id',
    '--no-renames',
    '--no-ext-diff',
    '--no-textconv',
    '--no-color',
    commit,
    '--',
    file,
  ]);
  if (result.exitCode !== 0) throw new Error(`git diff-tree -p ${commit} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Path → blob of every file in a commit's tree. */
export async function treeBlobs(repoRoot: string, commit: string): Promise<Map<string, string>> {
  const result = await git(repoRoot, ['ls-tree', '-r', '-z', '--full-tree', commit]);
  const blobs = new Map<string, string>();
  for (const entry of result.stdout.split('\0')) {
    // `mode type object<TAB>path`
    const tab = entry.indexOf('\t');
    const [, type, object = ''] = entry.slice(0, tab).split(' ');
    if (tab > 0 && type === 'blob') blobs.set(entry.slice(tab + 1), object);
  }
  return blobs;
}
