// Changed files from git, for when the API cannot list them (GitHub stops at 3,000 files).
import { execFile } from '../process/exec.js';

/**
 * Files changed between the merge base and the head, as repository paths. `-z` and `core.quotepath=false`: git
 * would otherwise quote names with non-ASCII characters (`"caf\303\251.tf"`), which then match nothing.
 * Without rename detection, a renamed file is listed under both names.
 */
export async function gitChangedFiles(repoRoot: string, baseSha: string, headSha: string): Promise<string[]> {
  const result = await execFile(
    'git',
    ['-c', 'core.quotepath=false', 'diff', '--name-only', '--no-renames', '-z', `${baseSha}...${headSha}`],
    { cwd: repoRoot, timeoutMs: 60_000 },
  );
  if (result.exitCode !== 0) {
    throw new Error(`git diff ${baseSha}...${headSha} failed: ${result.spawnError ?? result.stderr.trim()}`);
  }
  return result.stdout.split('\0').filter((name) => name.length > 0);
}

/** Repository-root paths → paths relative to the working directory; files outside it are dropped. */
export function relativeToWorkingDirectory(files: string[], workingDirectory: string): string[] {
  const prefix =
    workingDirectory === '' || workingDirectory === '.' ? '' : `${workingDirectory.replace(/\/+$/, '')}/`;
  return files.filter((file) => file.startsWith(prefix)).map((file) => file.slice(prefix.length));
}
