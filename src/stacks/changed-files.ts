// Changed files from git, for when the API cannot list them (GitHub stops at 3,000 files).
import { execFile } from '../process/exec.js';

export async function gitChangedFiles(repoRoot: string, baseSha: string, headSha: string): Promise<string[]> {
  const result = await execFile('git', ['diff', '--name-only', '--no-renames', `${baseSha}...${headSha}`], {
    cwd: repoRoot,
    timeoutMs: 60_000,
  });
  if (result.exitCode !== 0) {
    throw new Error(`git diff ${baseSha}...${headSha} failed: ${result.spawnError ?? result.stderr.trim()}`);
  }
  return result.stdout.split('\n').filter((line) => line.length > 0);
}

/** Repository-root paths → paths relative to the working directory; files outside it are dropped. */
export function relativeToWorkingDirectory(files: string[], workingDirectory: string): string[] {
  const prefix =
    workingDirectory === '' || workingDirectory === '.' ? '' : `${workingDirectory.replace(/\/+$/, '')}/`;
  return files.filter((file) => file.startsWith(prefix)).map((file) => file.slice(prefix.length));
}
