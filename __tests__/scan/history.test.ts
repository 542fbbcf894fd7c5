// The pure pieces of the history scan: the lines a `-U0` patch adds, and what a finding there says.
import { describe, expect, it } from 'vitest';
import { addedLines, historyMessage, shortSha } from '../../src/scan/history.js';

describe('addedLines', () => {
  it('reads the new side of every hunk header, a missing count meaning one line', () => {
    const patch = [
      'diff --git a/app/ci.yml b/app/ci.yml',
      '--- a/app/ci.yml',
      '+++ b/app/ci.yml',
      '@@ -2 +2 @@ name: ci',
      '-token: none',
      '+token: abc',
      '@@ -10,0 +11,3 @@',
      '+a',
      '+b',
      '+c',
      '@@ -20,2 +22,0 @@',
      '-gone',
      '-gone too',
    ].join('\n');
    expect([...addedLines(patch)].sort((a, b) => a - b)).toEqual([2, 11, 12, 13]);
  });

  it('reads a new file from line 1, and nothing from a patch without hunks', () => {
    expect([...addedLines('@@ -0,0 +1,2 @@\n+x\n+y\n')]).toEqual([1, 2]);
    expect(addedLines('Binary files /dev/null and b/logo.png differ\n').size).toBe(0);
    // A line that only looks like a header inside the content is not one.
    expect(addedLines('+ @@ -1 +5,2 @@ not a header\n').size).toBe(0);
  });
});

describe('historyMessage', () => {
  it('names the short commit, the file and line, and the masked form only', () => {
    const commit = '0123456789abcdef0123456789abcdef01234567';
    expect(shortSha(commit)).toBe('0123456');
    const message = historyMessage(
      {
        file: 'ci.yml',
        line: 4,
        column: 8,
        endColumn: 48,
        rule: 'generic-secret',
        title: 'Secret assigned to db_password',
        masked: 'Ab3x…9Qz',
      },
      commit,
      'infra/ci.yml',
    );
    expect(message).toMatch(
      /^Commit 0123456 adds a possible secret assigned to db_password \(Ab3x…9Qz\) at infra\/ci\.yml:4; /,
    );
    expect(message).toContain('stays in the Git history');
  });
});
