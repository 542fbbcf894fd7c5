import { describe, expect, it } from 'vitest';
import type { PolicyViolation } from '../../src/plan/policy.js';
import { renderPolicySection } from '../../src/report/policy.js';
import { countOf, readMarkdown } from './markdown-check.js';

const violation = (fields: Partial<PolicyViolation> = {}): PolicyViolation => ({
  policy: 'protect-databases',
  stack: 'prod',
  level: 'error',
  address: 'aws_db_instance.main',
  resourceType: 'aws_db_instance',
  resourceName: 'main',
  message: 'protect-databases: aws_db_instance.main would be replaced (deny: delete, replace)',
  ...fields,
});

/** The table's data rows, split into cells the way GFM does (on pipes that are not escaped). */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** Code spans show their content literally (no HTML, no mentions), so only the text around them is live. */
const withoutCodeSpans = (text: string): string => text.replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');

describe('renderPolicySection', () => {
  it('is empty without violations', () => {
    expect(renderPolicySection([])).toBe('');
  });

  it('renders a heading, a tally and one row per violation', () => {
    const markdown = renderPolicySection([violation()]);
    expect(markdown).toBe(
      [
        '### Policies',
        '',
        '**Policies block this change** — ❌ 1 blocking',
        '',
        '| Policy | Stack | Resource | Level | Result | Detail |',
        '| --- | --- | --- | --- | --- | --- |',
        '| protect-databases | prod | `aws_db_instance.main` | error | ❌ blocks | aws\\_db\\_instance.main would be replaced (deny: delete, replace) |',
        '',
      ].join('\n'),
    );
  });

  it('shows each result: blocks, warning, waived by a label; blocking rows first', () => {
    const markdown = renderPolicySection([
      violation({ policy: 'waived', message: 'waived: x', waivedBy: 'allow-destroy' }),
      violation({ policy: 'soft', message: 'soft: y', level: 'warning' }),
      violation({ policy: 'small', message: 'small: 60 resource changes', address: undefined }),
    ]);
    expect(tableRows(markdown).map((cells) => [cells[0], cells[2], cells[4]])).toEqual([
      ['small', '—', '❌ blocks'],
      ['soft', '`aws_db_instance.main`', '⚠️ warning'],
      ['waived', '`aws_db_instance.main`', '✅ waived by `allow-destroy`'],
    ]);
    expect(markdown).toContain('**Policies block this change** — ❌ 1 blocking, ⚠️ 1 warning, ✅ 1 waived');
  });

  it('does not block when only warnings and waived violations remain', () => {
    const markdown = renderPolicySection([
      violation({ level: 'warning' }),
      violation({ level: 'warning' }),
      violation({ waivedBy: 'ok' }),
    ]);
    expect(markdown).toContain('**No policy blocks this change** — ⚠️ 2 warnings, ✅ 1 waived');
  });

  it('keeps hostile names and messages inside their cells, with no HTML, mentions or links', () => {
    const hostile = violation({
      policy: 'p|<img src=x onerror=alert(1)>',
      stack: '@octocat #12\n| injected | row |',
      address: 'aws_s3_bucket.b["|`</details>"]',
      message: 'p|<img src=x onerror=alert(1)>: [click](https://evil.example) *bold* @admin fixes #1',
      waivedBy: 'ok`|<b>',
    });
    const markdown = renderPolicySection([hostile]);
    const rows = tableRows(markdown);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveLength(6);
    const shape = readMarkdown(markdown);
    expect(shape.fencesBalanced).toBe(true);
    const outside = withoutCodeSpans(shape.outside);
    expect(outside).not.toContain('aws_s3_bucket'); // the address sat in a code span that was removed whole
    expect(outside).not.toMatch(/<img|<\/details>|<b>/);
    expect(outside).not.toMatch(/@octocat|@admin|#12|#1\b/);
    expect(outside).toContain('\\[click\\](https:\u200b//'); // escaped brackets, broken autolink: no link
    expect(outside).not.toMatch(/(?<!\\)\]\(/);
    expect(countOf(markdown, /^\| /m)).toBe(3); // header, separator, one row: the newline did not add one
    expect(rows[0]?.[5]).not.toContain('p\\|&lt;img'); // the policy prefix was stripped from the detail
  });

  it('folds rows past the limit into one closing row, blocking rows kept', () => {
    const many = [
      ...Array.from({ length: 5 }, (_, i) => violation({ level: 'warning', address: `w.x${i}` })),
      violation({ address: 'e.blocking' }),
    ];
    const rows = tableRows(renderPolicySection(many, 3));
    expect(rows).toHaveLength(4);
    expect(rows[0]?.[2]).toBe('`e.blocking`');
    expect(rows[3]).toEqual(['…', '', '', '', '', '3 more not shown']);
  });
});
