// Comment and summary cases found by mutation testing (issue 17): the exact text a reviewer reads — verdict,
// table, loud line, section summaries and intros, groups, trimming notes, metadata — and the size budgets.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  emptyCounts,
  type Diagnostic,
  type Plan,
  type PlanCounts,
  type ResourceChange,
} from '../../src/plan/model.js';
import {
  countsLine,
  engineTitle,
  fairShares,
  parseCommentMeta,
  planToJson,
  plural,
  renderComment,
  renderStackSection,
  renderSummary,
  tasksLine,
} from '../../src/report/markdown.js';
import type { RunReport, StackReport } from '../../src/report/types.js';

function resource(address: string, action: ResourceChange['action'], extra: Partial<ResourceChange> = {}) {
  const [type = 'x', name = 'y'] = address.split('.');
  return {
    address,
    mode: 'managed',
    type,
    name,
    moduleAddress: '',
    providerName: 'p',
    action,
    replacePaths: [],
    moved: false,
    ...extra,
  } satisfies ResourceChange;
}

function plan(fields: Partial<Plan> = {}, counts: Partial<PlanCounts> = {}): Plan {
  return {
    changes: [],
    drift: [],
    outputs: [],
    diagnostics: [],
    counts: { ...emptyCounts(), ...counts },
    hasChanges: true,
    redactedCount: 0,
    secrets: [],
    ...fields,
  };
}

function stack(name: string, fields: Partial<StackReport> = {}): StackReport {
  return { name, path: `infra/${name}`, engine: 'tofu', status: 'planned', diagnostics: [], ...fields };
}

function report(stacks: StackReport[], extra: Partial<RunReport> = {}): RunReport {
  return { command: 'plan', header: '', repository: 'o/r', sha: 'abc', stacks, ...extra };
}

const created = plan(
  { changes: [resource('null_resource.a', 'create', { after: { id: 'n-1' } })] },
  { add: 1 },
);

describe('the whole comment', () => {
  it('is the marker, verdict, table, one section per stack and the metadata, in that order', () => {
    const { body, truncated } = renderComment(report([stack('app', { plan: created })], { pullNumber: 7 }));
    expect(truncated).toBe(false);
    expect(body).toBe(
      [
        '<!-- stackgate:comment -->',
        '',
        '**Stackgate plan** — 1 stack to change',
        '',
        '| Stack | Engine | Add | Change | Destroy | Replace | Status |',
        '| --- | --- | ---: | ---: | ---: | ---: | --- |',
        '| app | tofu | 1 | 0 | 0 | 0 | 📝 changes |',
        '',
        '<details><summary>📝 <b>app</b> <code>infra/app</code> — 1 to add, 0 to change, 0 to destroy</summary>',
        '',
        '**Plan:** 1 to add, 0 to change, 0 to destroy.',
        '',
        '#### Changes',
        '',
        '```diff',
        '  # null_resource.a will be created',
        '+ resource "null_resource" "a" {',
        '+     id = "n-1"',
        '  }',
        '```',
        '',
        '</details>',
        '',
        '<!-- stackgate:meta {"version":1,"command":"plan","header":"","sha":"abc","pullNumber":7,"stacks":[{"name":"app","status":"planned"}]} -->',
        '',
      ].join('\n'),
    );
  });

  it('is the same without marker and metadata in the job summary', () => {
    const summary = renderSummary(report([stack('app', { plan: created })]));
    expect(summary.startsWith('**Stackgate plan** — 1 stack to change\n\n| Stack |')).toBe(true);
    expect(summary.endsWith('</details>\n')).toBe(true);
    expect(summary).not.toContain('stackgate:');
  });
});

describe('verdict', () => {
  const verdict = (r: RunReport) => renderSummary(r).split('\n')[0];

  it('counts every status, the first with its noun', () => {
    const stacks = [
      stack('a', { plan: created }),
      stack('b'), // planned without a plan yet: counts as a change
      stack('c', { status: 'errored' }),
      stack('d', { plan: plan({ hasChanges: false }) }),
      stack('e', { status: 'no-changes', plan: plan({ hasChanges: false }) }),
      stack('f', { status: 'skipped' }),
      stack('g', { status: 'unaffected' }),
      stack('h', { status: 'applied' }),
      stack('i', { status: 'apply-failed' }),
    ];
    expect(verdict(report(stacks))).toBe(
      '**Stackgate plan** — 2 stacks to change, 1 errored, 2 without changes, 1 skipped, 1 unaffected, 1 applied, 1 failed to apply',
    );
    expect(verdict(report([stack('c', { status: 'errored' })]))).toBe('**Stackgate plan** — 1 stack errored');
    expect(verdict(report([]))).toBe('**Stackgate plan** — no stacks');
  });

  it('escapes the command and names blocking findings', () => {
    const finding = { kind: 'config', severity: 'error', title: 'T', message: 'M' } as const;
    expect(verdict(report([], { command: 'apply *now*' }))).toBe('**Stackgate apply \\*now\\*** — no stacks');
    expect(verdict(report([], { findings: [finding] }))).toBe(
      '**Stackgate plan** — no stacks — ❌ 1 blocking finding',
    );
    expect(
      verdict(
        report([], {
          findings: [finding, finding, { ...finding, severity: 'warning' }, { ...finding, waivedBy: 'ok' }],
        }),
      ),
    ).toBe('**Stackgate plan** — no stacks — ❌ 2 blocking findings');
  });
});

describe('table', () => {
  it('labels every status, and a planned stack without changes as no changes', () => {
    const rows = renderSummary(
      report([
        stack('a', { plan: plan({ hasChanges: false }) }),
        stack('b', { status: 'no-changes' }),
        stack('c', { status: 'errored' }),
        stack('d', { status: 'unaffected' }),
        stack('e', { status: 'skipped' }),
        stack('f', { status: 'applied', engine: 'ansible' }),
        stack('g', { status: 'apply-failed', engine: 'terraform' }),
      ]),
    )
      .split('\n')
      .filter((line) => /^\| [a-g] \|/.test(line));
    expect(rows).toStrictEqual([
      '| a | tofu | 0 | 0 | 0 | 0 | ✅ no changes |',
      '| b | tofu | – | – | – | – | ✅ no changes |',
      '| c | tofu | – | – | – | – | ❌ errored |',
      '| d | tofu | – | – | – | – | ➖ unchanged (not planned) |',
      '| e | tofu | – | – | – | – | ⏭️ skipped |',
      '| f | ansible | – | – | – | – | 🚀 applied |',
      '| g | terraform | – | – | – | – | ❌ apply failed |',
    ]);
  });

  it('escapes stack names in cells', () => {
    expect(renderSummary(report([stack('a|b_c', { status: 'skipped' })]))).toContain(
      '| a\\|b\\_c | tofu | – | – | – | – | ⏭️ skipped |',
    );
  });

  it('folds unaffected stacks into one row, then cuts rows, when the table is too big', () => {
    const long = (i: number) => `stack-${String(i).padStart(3, '0')}-${'n'.repeat(90)}`;
    const folded = renderComment(
      report([
        ...Array.from({ length: 3 }, (_, i) => stack(long(i), { status: 'skipped' })),
        ...Array.from({ length: 200 }, (_, i) => stack(long(100 + i), { status: 'unaffected' })),
      ]),
      { maxLength: 8_000 },
    ).body;
    const rows = folded.split('\n').filter((line) => line.startsWith('| stack-'));
    expect(rows.map((row) => row.slice(2, 11))).toStrictEqual(['stack-000', 'stack-001', 'stack-002']);
    expect(folded).toContain('| … 200 unaffected stacks | | | | | | ➖ unchanged (not planned) |');
    expect(folded.length).toBeLessThanOrEqual(8_000);

    const cut = renderComment(
      report([
        ...Array.from({ length: 300 }, (_, i) => stack(long(i), { status: 'skipped' })),
        stack('quiet', { status: 'unaffected' }),
      ]),
      { maxLength: 30_000 },
    ).body;
    const shown = cut.split('\n').filter((line) => line.startsWith('| stack-')).length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(300);
    expect(cut).toContain(`| … ${301 - shown} more stacks | | | | | | see the job summary |`);
    expect(cut.length).toBeLessThanOrEqual(30_000);
  });
});

describe('loud line', () => {
  const destroying = (name: string, counts: Partial<PlanCounts>) => stack(name, { plan: plan({}, counts) });

  it('names pure deletions and replacements apart', () => {
    const body = renderSummary(
      report([
        destroying('a', { destroy: 2, replace: 1 }),
        destroying('b', { destroy: 1, replace: 1 }),
        destroying('c', { destroy: 1 }),
        destroying('d', { add: 1, change: 1 }),
      ]),
    );
    expect(body.split('\n').filter((line) => line.startsWith('⚠️'))).toStrictEqual([
      '⚠️ **This plan destroys or replaces resources in `a` (1 to delete, 1 to replace), `b` (1 to replace), `c` (1 to delete).**',
    ]);
  });

  it('names ten stacks and counts the rest', () => {
    const loud = (count: number) =>
      renderSummary(report(Array.from({ length: count }, (_, i) => destroying(`s${i}`, { destroy: 1 }))))
        .split('\n')
        .find((line) => line.startsWith('⚠️'));
    const ten = Array.from({ length: 10 }, (_, i) => `\`s${i}\` (1 to delete)`).join(', ');
    expect(loud(10)).toBe(`⚠️ **This plan destroys or replaces resources in ${ten}.**`);
    expect(loud(11)).toBe(`⚠️ **This plan destroys or replaces resources in ${ten} and 1 more stack.**`);
    expect(loud(12)).toBe(`⚠️ **This plan destroys or replaces resources in ${ten} and 2 more stacks.**`);
  });
});

describe('stack sections', () => {
  const firstLine = (s: StackReport) => renderStackSection(s).split('\n')[0];

  it('summarise the stack in one line: icon, name, folder, plan or status', () => {
    expect(firstLine(stack('app', { plan: created }))).toBe(
      '<details><summary>📝 <b>app</b> <code>infra/app</code> — 1 to add, 0 to change, 0 to destroy</summary>',
    );
    expect(firstLine(stack('app', { path: 'app', status: 'skipped', message: 'm' }))).toBe(
      '<details><summary>⏭️ <b>app</b> — ⏭️ skipped</summary>',
    );
    expect(firstLine(stack('a<b>', { path: '', status: 'errored', plan: created }))).toBe(
      '<details open><summary>❌ <b>a&lt;b&gt;</b> — ❌ errored</summary>',
    );
    expect(firstLine(stack('x', { path: 'p&q', status: 'apply-failed' }))).toBe(
      '<details open><summary>❌ <b>x</b> <code>p&amp;q</code> — ❌ apply failed</summary>',
    );
    expect(firstLine(stack('n', { plan: plan({ hasChanges: false }) }))).toBe(
      '<details><summary>✅ <b>n</b> <code>infra/n</code> — 0 to add, 0 to change, 0 to destroy</summary>',
    );
  });

  it('open with the message, the plan line and the hidden values', () => {
    const intro = (s: StackReport) => renderStackSection(s).split('\n\n').slice(1, -1);
    expect(
      intro(stack('a', { message: 'init *failed*', plan: plan({ redactedCount: 1 }, { add: 2 }) })),
    ).toStrictEqual([
      '> init \\*failed\\*',
      '**Plan:** 2 to add, 0 to change, 0 to destroy.',
      '🔒 1 sensitive value hidden.',
    ]);
    expect(intro(stack('a', { plan: plan({ hasChanges: false, redactedCount: 3 }) }))).toStrictEqual([
      '**No changes.** The infrastructure matches the configuration.',
      '🔒 3 sensitive values hidden.',
    ]);
    expect(intro(stack('a', { status: 'errored', plan: plan({ hasChanges: false }) }))).toStrictEqual([]);
  });

  it('give Ansible’s check-mode recap, failed runs included', () => {
    const tasks = { changed: 2, ok: 3, failed: 0, skipped: 0, unreachable: 0, hosts: 1 };
    const intro = (s: StackReport) => renderStackSection(s).split('\n\n').slice(1, -1);
    expect(intro(stack('a', { engine: 'ansible', plan: plan({ tasks }) }))).toStrictEqual([
      '**Check mode:** 2 changed, 3 ok on 1 host.',
    ]);
    expect(
      intro(
        stack('a', { engine: 'ansible', plan: plan({ hasChanges: false, tasks: { ...tasks, changed: 0 } }) }),
      ),
    ).toStrictEqual(['**No changes.** Check mode: 0 changed, 3 ok on 1 host.']);
    const failed = { ...tasks, failed: 1, hosts: 2 };
    expect(
      intro(
        stack('a', {
          engine: 'ansible',
          status: 'errored',
          plan: plan({ hasChanges: false, tasks: failed }),
        }),
      ),
    ).toStrictEqual(['**Check mode:** 2 changed, 3 ok, 1 failed on 2 hosts.']);
    expect(firstLine(stack('a', { engine: 'ansible', plan: plan({ tasks }) }))).toBe(
      '<details><summary>📝 <b>a</b> <code>infra/a</code> — 2 changed, 3 ok on 1 host</summary>',
    );
  });

  it('list diagnostics with their place, changes, moves, imports, drift and outputs, each heading once', () => {
    const diagnostics: Diagnostic[] = [
      { severity: 'error', summary: 'Bad *thing*', file: 'infra/a/main.tf', line: 7, detail: 'More.' },
      { severity: 'warning', summary: 'Careful', file: 'infra/a/x.tf' },
    ];
    const section = renderStackSection(
      stack('a', {
        diagnostics: [{ severity: 'warning', summary: 'Stack-level' }],
        plan: plan({
          diagnostics,
          changes: [
            resource('t.one', 'create', { after: {} }),
            resource('t.text', 'update', { textDiff: '--- a\n+++ b\n-x\n+y' }),
            resource('t.moved', 'move', { previousAddress: 't.old', after: { id: 'i-1' } }),
            resource('t.moved2', 'move', { after: { id: '' } }),
            resource('t.moved3', 'move', { previousAddress: 't.o3', after: ['i-3'] }),
            resource('t.moved4', 'move', { previousAddress: 't.o4', after: { id: 4 } }),
            resource('t.imp', 'import', { importing: { id: 'i-9' } }),
            resource('t.imp2', 'import', { importing: {} }),
          ],
          drift: [resource('t.drifted', 'update', { before: { v: 1 }, after: { v: 2 } })],
          outputs: [{ name: 'url', action: 'create', after: 'u', sensitive: false }],
        }),
      }),
    );
    // The error's detail is its own code block after a blank line.
    expect(section.split('\n\n').slice(2, -1)).toStrictEqual([
      '#### Diagnostics',
      '**❌ Error:** Bad \\*thing\\* — `infra/a/main.tf:7`',
      '```text\nMore.\n```',
      '**⚠️ Warning:** Careful — `infra/a/x.tf`',
      '**⚠️ Warning:** Stack-level',
      '#### Changes',
      '```diff\n  # t.one will be created\n+ resource "t" "one" {\n  }\n```',
      '```diff\n--- a\n+++ b\n-x\n+y\n```',
      '#### Moves',
      '- `t.old` → `t.moved` (id `i-1`)',
      '- `?` → `t.moved2`',
      '- `t.o3` → `t.moved3`',
      '- `t.o4` → `t.moved4`',
      '#### Imports',
      '- `t.imp` (id `i-9`)',
      '- `t.imp2`',
      '#### Drift — changed outside of OpenTofu',
      '```diff\n  # t.drifted has changed\n! resource "t" "drifted" {\n!     v = 1 -> 2\n  }\n```',
      '#### Outputs',
      '```diff\n+ url = "u"\n```',
    ]);
  });

  it('name the engine that drift happened outside of', () => {
    const drift = plan({ drift: [resource('t.d', 'update', { before: { v: 1 }, after: { v: 2 } })] });
    for (const [engine, title] of [
      ['tofu', 'OpenTofu'],
      ['terraform', 'Terraform'],
    ] as const) {
      expect(renderStackSection(stack('a', { engine, plan: drift }))).toContain(
        `#### Drift — changed outside of ${title}\n`,
      );
    }
  });
});

describe('small helpers', () => {
  it('count, name engines and spell plan lines as tofu does', () => {
    expect(plural(1, 'stack')).toBe('1 stack');
    expect(plural(0, 'stack')).toBe('0 stacks');
    expect(plural(2, 'stack')).toBe('2 stacks');
    expect(engineTitle('tofu')).toBe('OpenTofu');
    expect(engineTitle('terraform')).toBe('Terraform');
    expect(engineTitle('ansible')).toBe('Ansible');
    expect(engineTitle('pulumi')).toBe('pulumi');
    expect(countsLine(emptyCounts())).toBe('0 to add, 0 to change, 0 to destroy');
    expect(
      countsLine({
        add: 1,
        change: 2,
        destroy: 3,
        replace: 1,
        import: 2,
        move: 1,
        read: 4,
        drift: 5,
        forget: 2,
      }),
    ).toBe(
      '1 to add, 2 to change, 3 to destroy, 2 to forget (1 replaced, 2 to import, 1 moved, 4 to read, 5 drifted)',
    );
    expect(countsLine({ ...emptyCounts(), read: 1 })).toBe('0 to add, 0 to change, 0 to destroy (1 to read)');
    expect(tasksLine({ changed: 1, ok: 0, failed: 2, skipped: 3, unreachable: 4, hosts: 0 })).toBe(
      '1 changed, 0 ok, 3 skipped, 2 failed, 4 unreachable on 0 hosts',
    );
  });

  it('share a budget: small sections get all they need, the rest split evenly', () => {
    expect(fairShares([10, 100, 100], 150)).toStrictEqual([10, 70, 70]);
    expect(fairShares([100, 10], 60)).toStrictEqual([50, 10]);
    expect(fairShares([5, 5], 100)).toStrictEqual([5, 5]);
    expect(fairShares([5, 5], -10)).toStrictEqual([0, 0]);
    expect(fairShares([7, 7, 7], 10)).toStrictEqual([3, 3, 4]);
  });
});

describe('above the sections', () => {
  it('shows the outcome, open drift, policies and the other findings', () => {
    const body = renderSummary(
      report([stack('app', { plan: created })], {
        outcome: ['First.', 'Second.'],
        openDrift: [
          { stack: 'app', issue: 12 },
          { stack: 'db', issue: 3 },
        ],
        findings: [
          { kind: 'format', severity: 'warning', title: 'Formatting', message: 'fmt me' },
          { kind: 'policy', severity: 'error', title: 'Policy', message: 'not listed under checks' },
        ],
        policyViolations: [{ policy: 'p', stack: 'app', level: 'warning', message: 'careful' }],
      }),
    );
    const blocks = body.split('\n\n');
    expect(blocks.slice(0, 4)).toStrictEqual([
      '**Stackgate plan** — 1 stack to change — ❌ 1 blocking finding',
      'First.',
      'Second.',
      '⚠️ `app` has open drift (#12): this plan also reverts it.\n⚠️ `db` has open drift (#3): this plan also reverts it.',
    ]);
    expect(body).toContain('### Policies');
    expect(body).toContain('### Checks — 0 blocking, 1 other');
    expect(body).not.toContain('not listed under checks');
    expect(body.indexOf('### Policies')).toBeLessThan(body.indexOf('### Checks'));
    expect(body.indexOf('### Checks')).toBeLessThan(body.indexOf('<details>'));
  });
});

describe('trimming', () => {
  const many = (count: number) =>
    plan(
      {
        changes: Array.from({ length: count }, (_, i) =>
          resource(`t.r${String(i).padStart(2, '0')}`, 'create', { after: { v: 'x'.repeat(200) } }),
        ),
      },
      { add: count },
    );

  it('keeps whole items in order and says how many it left out', () => {
    const r = report([stack('app', { plan: many(30) })], { runUrl: 'https://ci.example/run (1)' });
    const full = renderComment(r).body;
    let sawTrimmed = false;
    for (let max = 1_200; max < full.length; max += 300) {
      const { body, truncated } = renderComment(r, { maxLength: max });
      expect(body.length).toBeLessThanOrEqual(max);
      expect(truncated).toBe(true);
      expect(body).toContain(
        '> [!NOTE]\n> Details trimmed to fit the size limit; the full report is in the job summary ([workflow run](https://ci.example/run%20%281%29)).',
      );
      const shown = [...body.matchAll(/# (t\.r\d\d) will be created/g)].map((m) => m[1]);
      expect(shown).toStrictEqual(
        Array.from({ length: shown.length }, (_, i) => `t.r${String(i).padStart(2, '0')}`),
      );
      const note =
        /_… (\d+) more items? not shown: details trimmed to fit; the full report is in the job summary\._/.exec(
          body,
        );
      if (body.includes('<details>')) {
        expect(Number(note?.[1]) + shown.length).toBe(30);
        expect(body.includes('#### Changes')).toBe(shown.length > 0);
        if (shown.length > 0) expect(body).toContain('**Plan:**');
        sawTrimmed ||= shown.length > 0;
      }
    }
    expect(sawTrimmed).toBe(true);
  });

  it('keeps a section as its summary and note when no item fits', () => {
    const r = report([stack('app', { plan: many(30) })]);
    const frame = renderComment(r, { maxLength: 100 }).body;
    // The smallest body that still holds the section's summary line.
    for (let max = 400; max < 2_000; max += 10) {
      const { body } = renderComment(r, { maxLength: max });
      if (!body.includes('<details>')) continue;
      expect(body.length).toBeLessThanOrEqual(max);
      expect(body).toContain('_… 30 more items not shown');
      expect(body).not.toContain('**Plan:**');
      expect(body.startsWith(frame.trimEnd())).toBe(true);
      return;
    }
    throw new Error('no budget showed the section without items');
  });

  it('falls back to the verdict and a pointer, then to the verdict alone', () => {
    const r = report([stack('app', { plan: many(3) })]);
    const head = '<!-- stackgate:comment -->\n\n**Stackgate plan** — 1 stack to change';
    const notice =
      '> [!NOTE]\n> Details trimmed to fit the size limit; the full report is in the job summary.';
    const meta =
      '<!-- stackgate:meta {"version":1,"command":"plan","header":"","sha":"abc","stacks":[{"name":"app","status":"planned"}]} -->';
    const minimal = `${head}\n\n${notice}\n\n${meta}\n`;
    expect(renderComment(r, { maxLength: minimal.length })).toStrictEqual({ body: minimal, truncated: true });
    expect(renderComment(r, { maxLength: minimal.length - 1 })).toStrictEqual({
      body: `${head}\n`,
      truncated: true,
    });
  });

  it('measures the job summary in bytes', () => {
    const r = report([stack('ünïcödé-😀', { plan: many(30) })]);
    const full = renderSummary(r);
    const chars = full.length;
    const bytes = Buffer.byteLength(full);
    expect(bytes).toBeGreaterThan(chars);
    const max = chars - 50;
    const trimmed = renderSummary(r, { maxBytes: max });
    expect(Buffer.byteLength(trimmed)).toBeLessThanOrEqual(max);
    expect(trimmed).toContain('the full report is in the run log');
    expect(trimmed).toMatch(
      /more items? not shown: details trimmed to fit; the full report is in the run log\._/,
    );
  });
});

describe('metadata', () => {
  it('escapes what could end the comment, mention anyone or hide text, and reads it back', () => {
    const name = 'a<b>&@c\u2028d\u202ee\u0085';
    const body = renderComment(report([stack(name, { status: 'skipped', fingerprint: 'sha256:f' })])).body;
    const block = body.split('\n').find((line) => line.startsWith('<!-- stackgate:meta'))!;
    expect(block).toContain('"name":"a\\u003cb\\u003e\\u0026\\u0040c\\u2028d\\u202ee\\u0085"');
    expect(parseCommentMeta(body)?.stacks).toStrictEqual([
      { name, status: 'skipped', fingerprint: 'sha256:f' },
    ]);
  });

  it('leaves unaffected stacks out and counts the stacks past its budget', () => {
    const stacks = [
      ...Array.from({ length: 400 }, (_, i) => stack(`stack-${i}-${'n'.repeat(40)}`, { status: 'skipped' })),
      stack('quiet', { status: 'unaffected' }),
    ];
    const meta = parseCommentMeta(renderComment(report(stacks)).body)!;
    // Halved until it fits: 400, 200, then 100 listed.
    expect(meta.stacks.length).toBe(100);
    expect(meta.omittedStacks).toBe(300);
    expect(meta.stacks.map((s) => s.name)).not.toContain('quiet');
    const few = parseCommentMeta(renderComment(report(stacks.slice(-3))).body)!;
    expect(few).toStrictEqual({
      version: 1,
      command: 'plan',
      header: '',
      sha: 'abc',
      stacks: [
        { name: `stack-398-${'n'.repeat(40)}`, status: 'skipped' },
        { name: `stack-399-${'n'.repeat(40)}`, status: 'skipped' },
      ],
    });
  });

  it('reads only a well-formed block of its own version', () => {
    const wrap = (json: string) => `text\n<!-- stackgate:meta ${json} -->\nmore`;
    const good = { version: 1, command: 'plan', header: '', sha: 's', stacks: [] };
    expect(parseCommentMeta(wrap(JSON.stringify(good)))).toStrictEqual(good);
    expect(parseCommentMeta(wrap(JSON.stringify(good, null, 1)))).toStrictEqual(good);
    expect(parseCommentMeta(wrap(JSON.stringify({ ...good, version: 2 })))).toBeUndefined();
    expect(parseCommentMeta(wrap(JSON.stringify({ ...good, sha: 1 })))).toBeUndefined();
    expect(parseCommentMeta(wrap(JSON.stringify({ ...good, stacks: {} })))).toBeUndefined();
    expect(parseCommentMeta(wrap('{"version":1,'))).toBeUndefined();
    expect(parseCommentMeta(wrap('{nope}'))).toBeUndefined();
  });
});

describe('planToJson', () => {
  it('gives every field a change has, and leaves out the empty ones', () => {
    const full = resource('module.m.t.a', 'replace', {
      previousAddress: 'module.m.t.old',
      replacePaths: ['v'],
      replaceOrder: 'create-first',
      actionReason: 'replace_because_tainted',
      importing: { id: 'i-1' },
      moduleAddress: 'module.m',
      moved: true,
      before: { v: 1 },
      after: { v: 2 },
    });
    const bare = resource('t.b', 'create', { after: null });
    const counts = {
      add: 1,
      change: 2,
      destroy: 3,
      replace: 4,
      import: 5,
      move: 6,
      read: 7,
      drift: 8,
      forget: 9,
    };
    const p = plan(
      {
        changes: [full, bare],
        drift: [resource('t.d', 'delete', { before: 'x' })],
        outputs: [{ name: 'o', action: 'create', after: 'v', sensitive: false }],
        diagnostics: [{ severity: 'warning', summary: 'S' }],
        redactedCount: 2,
        secrets: ['never-shown'],
      },
      counts,
    );
    expect(planToJson(p)).toStrictEqual({
      counts: { add: 1, change: 2, destroy: 3, replace: 4, import: 5, move: 6, read: 7, drift: 8 },
      hasChanges: true,
      changes: [
        {
          address: 'module.m.t.a',
          action: 'replace',
          previousAddress: 'module.m.t.old',
          replacePaths: ['v'],
          replaceOrder: 'create-first',
          actionReason: 'replace_because_tainted',
          importing: { id: 'i-1' },
          mode: 'managed',
          type: 'module',
          name: 'm',
          moduleAddress: 'module.m',
          providerName: 'p',
          before: { v: 1 },
          after: { v: 2 },
        },
        {
          address: 't.b',
          action: 'create',
          mode: 'managed',
          type: 't',
          name: 'b',
          providerName: 'p',
          after: null,
        },
      ],
      drift: [
        {
          address: 't.d',
          action: 'delete',
          mode: 'managed',
          type: 't',
          name: 'd',
          providerName: 'p',
          before: 'x',
        },
      ],
      outputs: [{ name: 'o', action: 'create', after: 'v', sensitive: false }],
      diagnostics: [{ severity: 'warning', summary: 'S' }],
      redactedCount: 2,
    });
  });
});

describe('cases the first mutation run found unchecked', () => {
  it('ignores spaces around a header, and a blank one is the default comment', () => {
    const marker = (header: string) => renderComment(report([], { header })).body.split('\n')[0];
    expect(marker(' prod ')).toBe('<!-- stackgate:comment:prod -->');
    expect(marker('  ')).toBe('<!-- stackgate:comment -->');
  });

  it('lists an import the plan gives no id for', () => {
    expect(
      renderStackSection(stack('a', { plan: plan({ changes: [resource('t.i', 'import')] }) })),
    ).toContain('#### Imports\n\n- `t.i`\n');
  });

  it('percent-encodes a run link in upper-case hex, two digits each', () => {
    const r = report([stack('app', { plan: created })], { runUrl: 'https://ci.example/run?a=<b>\tc' });
    expect(renderComment(r, { maxLength: 400 }).body).toContain(
      '([workflow run](https://ci.example/run?a=%3Cb%3E%09c))',
    );
  });
});

describe('cases the second mutation run found unchecked', () => {
  it('names Terragrunt, and a stack that applies on merge in the metadata', () => {
    expect(engineTitle('terragrunt')).toBe('Terragrunt');
    const drift = plan({ drift: [resource('t.d', 'update', { before: { v: 1 }, after: { v: 2 } })] });
    expect(renderStackSection(stack('a', { engine: 'terragrunt', plan: drift }))).toContain(
      '#### Drift — changed outside of Terragrunt\n',
    );
    const body = renderComment(report([stack('a', { status: 'skipped', appliesOnMerge: true })])).body;
    expect(body).toContain('"stacks":[{"name":"a","status":"skipped","on":"merge"}]');
    expect(parseCommentMeta(body)?.stacks).toStrictEqual([{ name: 'a', status: 'skipped', on: 'merge' }]);
  });

  it('labels a stack by its status even when its plan has no changes', () => {
    const none = plan({ hasChanges: false });
    const body = renderSummary(
      report([
        stack('c', { status: 'errored', plan: none }),
        stack('h', { status: 'applied', plan: none }),
        stack('i', { status: 'apply-failed', plan: none }),
      ]),
    );
    expect(body.split('\n').filter((line) => /^\| [chi] \|/.test(line))).toStrictEqual([
      '| c | tofu | 0 | 0 | 0 | 0 | ❌ errored |',
      '| h | tofu | 0 | 0 | 0 | 0 | 🚀 applied |',
      '| i | tofu | 0 | 0 | 0 | 0 | ❌ apply failed |',
    ]);
    expect(body).toContain('<details open><summary>❌ <b>c</b> <code>infra/c</code> — ❌ errored</summary>');
  });

  it('shows a stack without a plan as its summary line alone, and unaffected stacks not at all', () => {
    expect(renderStackSection(stack('a', { status: 'skipped' }))).toBe(
      '<details><summary>⏭️ <b>a</b> <code>infra/a</code> — ⏭️ skipped</summary>\n\n</details>',
    );
    const body = renderSummary(
      report([stack('q', { status: 'unaffected' }), stack('s', { status: 'skipped' })]),
    );
    expect(body.split('\n\n').filter((block) => block.startsWith('<details'))).toStrictEqual([
      '<details><summary>⏭️ <b>s</b> <code>infra/s</code> — ⏭️ skipped</summary>',
    ]);
    expect(body).not.toContain('<b>q</b>');
  });

  it('makes a replacement loud even when the counts carry it only as replace', () => {
    const body = renderSummary(report([stack('r', { plan: plan({}, { replace: 1 }) })]));
    expect(body).toContain('⚠️ **This plan destroys or replaces resources in `r` (1 to replace).**');
  });

  it('lists a move whose new value is unknown or null without an id', () => {
    const section = renderStackSection(
      stack('a', {
        plan: plan({
          changes: [
            resource('t.m1', 'move', { previousAddress: 't.o1' }),
            resource('t.m2', 'move', { previousAddress: 't.o2', after: null }),
            resource('t.m3', 'move', { previousAddress: 't.o3', after: 'i-3' }),
          ],
        }),
      }),
    );
    expect(section).toContain('#### Moves\n\n- `t.o1` → `t.m1`\n\n- `t.o2` → `t.m2`\n\n- `t.o3` → `t.m3`\n');
  });

  it('puts a blank line between the loud line, the policies and the checks', () => {
    const body = renderSummary(
      report([stack('r', { plan: plan({}, { destroy: 1 }) })], {
        findings: [{ kind: 'format', severity: 'warning', title: 'Formatting', message: 'fmt me' }],
        policyViolations: [{ policy: 'p', stack: 'r', level: 'warning', message: 'careful' }],
      }),
    );
    expect(body).toContain(
      '⚠️ **This plan destroys or replaces resources in `r` (1 to delete).**\n\n### Policies\n',
    );
    expect(body).toMatch(/\|\n\n\n### Checks — 0 blocking, 1 other\n/);
  });

  it('gives the checks a third of the comment, and at most 200,000 characters of the summary', () => {
    const findings = Array.from({ length: 2_500 }, (_, i) => ({
      kind: 'format' as const,
      severity: 'warning' as const,
      title: `Finding ${i}`,
      message: 'm'.repeat(100),
    }));
    const r = report([stack('app', { plan: created })], { findings });
    const checks = (body: string) => /### Checks[^]*?annotation on the check run\._/.exec(body)?.[0] ?? '';
    const comment = checks(renderComment(r).body);
    expect(comment.length).toBeLessThanOrEqual(Math.floor(65_536 / 3));
    expect(comment.length).toBeGreaterThan(65_536 / 3 - 500);
    const summary = checks(renderSummary(r));
    expect(summary.length).toBeLessThanOrEqual(200_000);
    expect(summary.length).toBeGreaterThan(200_000 - 500);
  });

  it('keeps the whole comment at exactly its limit, and trims it one character below', () => {
    const r = report([stack('app', { plan: created })]);
    const { body } = renderComment(r);
    expect(renderComment(r, { maxLength: body.length })).toStrictEqual({ body, truncated: false });
    expect(renderComment(r, { maxLength: body.length - 1 }).truncated).toBe(true);
  });

  it('lists stacks in the metadata up to exactly 12,000 characters', () => {
    const block = (name: string) =>
      `<!-- stackgate:meta {"version":1,"command":"plan","header":"","sha":"abc","stacks":[{"name":"${name}","status":"skipped"}]} -->`;
    const name = 'n'.repeat(12_000 - block('').length);
    expect(block(name).length).toBe(12_000);
    const meta = (n: string) =>
      parseCommentMeta(renderComment(report([stack(n, { status: 'skipped' })])).body);
    expect(meta(name)?.stacks).toStrictEqual([{ name, status: 'skipped' }]);
    expect(meta(name)?.omittedStacks).toBeUndefined();
    expect(meta(`${name}n`)?.stacks).toStrictEqual([]);
    expect(meta(`${name}n`)?.omittedStacks).toBe(1);
    // A header past the budget on its own: no stack is listed, and the halving stops.
    const long = parseCommentMeta(
      renderComment(report([stack('a', { status: 'skipped' })], { header: 'h'.repeat(13_000) })).body,
    );
    expect(long?.stacks).toStrictEqual([]);
    expect(long?.omittedStacks).toBe(1);
  });

  it('reads nothing from a body without a metadata block', () => {
    expect(parseCommentMeta('just a comment')).toBeUndefined();
    expect(parseCommentMeta('<!-- stackgate:meta {"version":1 -->')).toBeUndefined();
  });

  describe('the table uses its budget to the character', () => {
    // 20 skipped stacks: the table gets the limit less the marker, verdict and metadata (with their blank
    // lines, 4 more) and 400 characters kept for the sections; a cut table keeps 80 for its closing row.
    const stacks = Array.from({ length: 20 }, (_, i) =>
      stack(`stack-${String(i).padStart(2, '0')}`, { status: 'skipped' }),
    );
    const r = report(stacks);
    const full = renderComment(r).body;
    const blocks = full.split('\n\n');
    const meta = full.split('\n').find((line) => line.startsWith('<!-- stackgate:meta'))!;
    const fixed = `${blocks[0]}\n\n${blocks[1]}\n\n${meta}\n`.length + 4 + 400;
    const table = blocks[2]!;
    const lines = table.split('\n');
    const tableOf = (body: string) => body.split('\n\n')[2]!;
    const upTo = (rows: number) => lines.slice(0, 2 + rows).join('\n');

    it('keeps the whole table when it fits exactly', () => {
      expect(lines.length).toBe(22);
      expect(tableOf(renderComment(r, { maxLength: fixed + table.length }).body)).toBe(table);
      expect(tableOf(renderComment(r, { maxLength: fixed + table.length - 1 }).body)).toBe(
        `${upTo(18)}\n| … 2 more stacks | | | | | | see the job summary |`,
      );
    });

    it('cuts rows where the next would leave no room for the closing row', () => {
      for (const rows of [1, 7, 15]) {
        const max = fixed + upTo(rows).length + 80;
        const more = (n: number) => `| … ${n} more stacks | | | | | | see the job summary |`;
        expect(tableOf(renderComment(r, { maxLength: max }).body)).toBe(`${upTo(rows)}\n${more(20 - rows)}`);
        expect(tableOf(renderComment(r, { maxLength: max - 1 }).body)).toBe(
          `${upTo(rows - 1)}\n${more(21 - rows)}`,
        );
      }
    });
  });

  describe('a trimmed section takes every whole item that fits, to the character', () => {
    const items = 30;
    const s = stack('app', {
      plan: plan(
        {
          changes: Array.from({ length: items }, (_, i) =>
            resource(`t.r${String(i).padStart(2, '0')}`, 'create', { after: { v: 'x'.repeat(200) } }),
          ),
        },
        { add: items },
      ),
    });
    const r = report([s]);
    const [open, intro, , ...rest] = renderStackSection(s).split('\n\n');
    const diffs = rest.slice(0, -1);
    const note = (n: number) =>
      `_… ${plural(n, 'more item')} not shown: details trimmed to fit; the full report is in the job summary._`;
    const section = (withIntro: boolean, shown: number) =>
      [
        open,
        ...(withIntro ? [intro] : []),
        ...(shown > 0 ? ['#### Changes', ...diffs.slice(0, shown).map((d) => d!.trimEnd())] : []),
        note(items - shown),
        '</details>',
      ].join('\n\n');
    // The body without its section: the frame, whatever the table looks like at that size.
    const split = (body: string) => {
      const [before, after] = body
        .replace(/<details>[^]*<\/details>\n\n/, '')
        .split(/(?=<!-- stackgate:meta)/);
      return (text: string) => `${before}${text}\n\n${after}`;
    };

    it('shows the frame as soon as it fits, and the verdict with a pointer below it', () => {
      expect(diffs).toHaveLength(items);
      let max = 300;
      while (!renderComment(r, { maxLength: max }).body.includes('| Stack |')) {
        expect(renderComment(r, { maxLength: max }).body).toContain('> [!NOTE]');
        max += 1;
      }
      const { body } = renderComment(r, { maxLength: max });
      expect(body.length).toBe(max);
      expect(body).not.toContain('<details>');
    });

    it('keeps two trimmed sections and their blank lines within the limit, to the character', () => {
      const two = report([s, { ...s, name: 'web', path: 'infra/web' }]);
      let tight = 0;
      for (let max = 1_000; max < 3_000; max += 1) {
        const { body } = renderComment(two, { maxLength: max });
        expect(body.length).toBeLessThanOrEqual(max);
        if (body.length === max) tight += 1;
      }
      expect(tight).toBeGreaterThan(0);
    });

    it('shows the summary line, then the plan line, then each item, as soon as it fits', () => {
      const seen = new Set<string>();
      for (let max = 500; max < 2_500; max += 1) {
        const { body } = renderComment(r, { maxLength: max });
        if (!body.includes('| Stack |')) continue;
        expect(body.length).toBeLessThanOrEqual(max);
        const bodyWith = split(body);
        let next: string;
        if (!body.includes('<details>')) {
          seen.add('none');
          next = bodyWith(section(false, 0));
        } else {
          const shown = [...body.matchAll(/ will be created/g)].length;
          const withIntro = body.includes('**Plan:**');
          seen.add(`${withIntro}:${shown}`);
          expect(body).toBe(bodyWith(section(withIntro, shown)));
          next = bodyWith(withIntro ? section(true, shown + 1) : section(true, 0));
        }
        expect(next.length).toBeGreaterThan(max);
      }
      expect([...seen]).toStrictEqual([
        'none',
        'false:0',
        'true:0',
        'true:1',
        'true:2',
        'true:3',
        'true:4',
        'true:5',
        'true:6',
      ]);
    });
  });
});
