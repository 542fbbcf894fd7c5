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
