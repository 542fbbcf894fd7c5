// Pure pieces of the history scan: which lines a commit adds to a file, and what a finding there says.
import { findingSubject, type SecretFinding } from './secrets.js';

/** New-side line numbers (1-based) that a `-U0` patch of one file adds, read from its hunk headers. */
export function addedLines(patch: string): Set<number> {
  const added = new Set<number>();
  for (const match of patch.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) {
    const start = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    for (let line = start; line < start + count; line++) added.add(line);
  }
  return added;
}

/** The first 7 characters of a commit id, as git shows it. */
export function shortSha(commit: string): string {
  return commit.slice(0, 7);
}

/** A secret a commit added and a later one removed: it is in the history, not in the files. */
export function historyMessage(finding: SecretFinding, commit: string, repositoryFile: string): string {
  return (
    `Commit ${shortSha(commit)} adds a possible ${findingSubject(finding)} (${finding.masked}) at ` +
    `${repositoryFile}:${finding.line}; it is gone from the files now, but stays in the Git history. Rotate it, ` +
    `and squash or rewrite these commits to drop it; a false positive: list the file under \`secrets.allow\`.`
  );
}
