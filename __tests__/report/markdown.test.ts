import { describe, expect, it } from 'vitest';
import { parseTerraformPlan } from '../../src/plan/terraform-json.js';
import {
  commentMarker,
  parseCommentMeta,
  planToJson,
  renderComment,
  renderLogReport,
  renderSectionAhead,
  renderStackSection,
  renderSummary,
} from '../../src/report/markdown.js';
import type { RunReport, StackReport } from '../../src/report/types.js';
import { rawPlan, type RawChange } from '../plan/plan-builder.js';
import { detailsBalanced, readMarkdown } from './markdown-check.js';

function stack(name: string, changes: RawChange[], extra: Partial<StackReport> = {}): StackReport {
  const plan = parseTerraformPlan(rawPlan(changes), `${name}.json`);
  return {
    name,
    path: `infra/${name}`,
    engine: 'tofu',
    status: plan.hasChanges ? 'planned' : 'no-changes',
    plan,
    diagnostics: [],
    ...extra,
  };
}

function report(stacks: StackReport[], extra: Partial<RunReport> = {}): RunReport {
  return { command: 'plan', header: '', repository: 'o/r', sha: 'abc123', stacks, ...extra };
}

const SECRETS = [
  'hunter2-old',
  'hunter2-new',
  'AKIA-SECRET-ACCESS',
  'nested-s3cr3t',
  'out-secret-value',
  'jsonpw-777',
];

function secretStack(): StackReport {
  const changes: RawChange[] = [
    {
      address: 'aws_db_instance.main',
      actions: ['update'],
      before: { id: 'db-1', password: 'hunter2-old', settings: { list: ['ok', 'nested-s3cr3t'] } },
      after: { id: 'db-1', password: 'hunter2-new', settings: { list: ['ok', 'nested-s3cr3t'] } },
      before_sensitive: { password: true, settings: { list: [false, true] } },
      after_sensitive: { password: true, settings: { list: [false, true] } },
    },
    {
      address: 'aws_iam_user.ci',
      actions: ['create'],
      after: {
        name: 'ci',
        access_key: 'AKIA-SECRET-ACCESS',
        config: JSON.stringify({ user: 'ci', db_password: 'jsonpw-777' }),
      },
    },
  ];
  const plan = parseTerraformPlan({
    ...rawPlan(changes),
    output_changes: {
      conn: {
        actions: ['create'],
        before: null,
        after: 'out-secret-value',
        after_sensitive: true,
        after_unknown: false,
      },
    },
  });
  return { name: 'secrets', path: 'infra/secrets', engine: 'tofu', status: 'planned', plan, diagnostics: [] };
}

describe('sensitive values', () => {
  const s = secretStack();
  const texts = [
    renderStackSection(s),
    renderComment(report([s])).body,
    renderSummary(report([s])),
    JSON.stringify(planToJson(s.plan!)),
  ];

  it('never appear in any rendered text', () => {
    for (const text of texts) for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it('are shown as (sensitive value), a changed secret as a change', () => {
    expect(texts[0]).toMatch(/! +password = \(sensitive value\)/);
    expect(texts[0]).toMatch(/\+ +access_key += \(sensitive value\)/);
    expect(texts[0]).toMatch(/\+ +conn = \(sensitive value\)/);
    expect(texts[0]).toContain('sensitive values hidden');
  });

  it('are all registered as secrets', () => {
    expect(s.plan!.secrets).toStrictEqual(expect.arrayContaining(SECRETS));
  });
});

describe('renderComment', () => {
  const app = stack('app', [
    { address: 'null_resource.a', actions: ['create'], after: { id: 'n-1', triggers: { x: '1' } } },
    {
      address: 'null_resource.b',
      actions: ['delete', 'create'],
      before: { id: 'old' },
      after: { id: 'new' },
      replace_paths: [['id']],
    },
  ]);
  const db = stack('db', [{ address: 'null_resource.gone', actions: ['delete'], before: { id: 'x-1' } }]);
  const quiet = stack('quiet', []);
  const broken: StackReport = {
    name: 'broken',
    path: 'infra/broken',
    engine: 'terraform',
    status: 'errored',
    message: 'plan failed',
    diagnostics: [
      {
        severity: 'error',
        summary: 'Unsupported argument',
        detail: 'An argument named "x" is not expected here.',
        file: 'infra/broken/main.tf',
        line: 7,
      },
    ],
  };
  const untouched: StackReport = {
    name: 'untouched',
    path: 'infra/untouched',
    engine: 'tofu',
    status: 'unaffected',
    diagnostics: [],
  };
  const full = report([app, db, quiet, broken, untouched], { header: 'prod', pullNumber: 7 });
  const { body, truncated } = renderComment(full);

  it('starts with the marker and a one-line verdict', () => {
    expect(body.startsWith(`${commentMarker('prod')}\n`)).toBe(true);
    expect(body.split('\n')[2]).toBe(
      '**Stackgate plan** — 2 stacks to change, 1 errored, 1 without changes, 1 unaffected',
    );
    expect(truncated).toBe(false);
  });

  it('tabulates every stack with counts and status, unaffected ones as unchanged', () => {
    expect(body).toContain('| app | tofu | 2 | 0 | 1 | 1 | 📝 changes |');
    expect(body).toContain('| broken | terraform | – | – | – | – | ❌ errored |');
    expect(body).toContain('| untouched | tofu | – | – | – | – | ➖ unchanged (not planned) |');
  });

  it('shouts when anything is destroyed or replaced, naming the stacks', () => {
    const loud = body.split('\n').find((line) => line.startsWith('⚠️'));
    expect(loud).toMatch(/^⚠️ \*\*.*`app`.*`db`.*\*\*$/);
    // A replacement is not also counted as a deletion.
    expect(loud).toContain('`app` (1 to replace)');
    expect(loud).toContain('`db` (1 to delete)');
    expect(loud).not.toContain('quiet');
    const safe = renderComment(report([quiet])).body;
    expect(safe).not.toContain('⚠️');
  });

  it('has a section per planned stack, with diagnostics at file:line, and none for unaffected stacks', () => {
    expect(body).toContain('# null_resource.b must be replaced');
    expect(body).toContain('**❌ Error:** Unsupported argument — `infra/broken/main.tf:7`');
    expect(body).toContain('<details open><summary>❌ <b>broken</b>');
    expect(body).not.toContain('<b>untouched</b>');
  });

  it('carries metadata that parses back', () => {
    const withPrints = report([{ ...app, fingerprint: 'sha256:abc' }], { header: 'x-->y', sha: 'deadbeef' });
    const meta = parseCommentMeta(renderComment(withPrints).body);
    expect(meta).toStrictEqual({
      version: 1,
      command: 'plan',
      header: 'x-->y',
      sha: 'deadbeef',
      stacks: [{ name: 'app', status: 'planned', fingerprint: 'sha256:abc' }],
    });
    expect(parseCommentMeta('no meta here')).toBeUndefined();
  });

  it('renders the summary without marker or metadata', () => {
    const summary = renderSummary(full);
    expect(summary).not.toContain('<!-- stackgate');
    expect(summary).toContain('# null_resource.b must be replaced');
  });
});

describe('renderLogReport', () => {
  it('is the summary with no control character and no legacy ##[command] left whole', () => {
    const named = stack('app##[error]bad\u001b[31mred\u0007\r\nnext', [
      { address: 'null_resource.a', actions: ['create'], after: { id: '##[warning]x' } },
    ]);
    const text = renderLogReport(report([named]));
    expect(text).not.toMatch(/##\[/);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('#\u200b#[error]bad');
    expect(text).toContain('#\u200b#[warning]x');
    // Otherwise the summary as it is.
    expect(text.replaceAll('#\u200b#[', '##[')).toBe(
      // eslint-disable-next-line no-control-regex
      renderSummary(report([named])).replace(/\u001b\[31m|\u0007|\r/g, ''),
    );
  });
});

describe('sections rendered ahead', () => {
  const build = (): RunReport =>
    report([
      secretStack(),
      stack('app', [{ address: 'null_resource.a', actions: ['delete'], before: { id: 'a' } }], {
        message: 'Locked by pull request #7',
      }),
      stack('net', [], { status: 'errored', message: 'plan failed', diagnostics: [] }),
    ]);

  it('gives the same comment, summary and trimmed comment as rendering at the end', () => {
    const ahead = build();
    for (const section of ahead.stacks) renderSectionAhead(section);
    const late = build();
    expect(renderComment(ahead)).toStrictEqual(renderComment(late));
    expect(renderSummary(ahead)).toBe(renderSummary(late));
    expect(renderComment(ahead, { maxLength: 1_500 })).toStrictEqual(
      renderComment(late, { maxLength: 1_500 }),
    );
    expect(renderComment(ahead, { maxLength: 1_500 }).truncated).toBe(true);
  });

  it('refuses a change to a stack whose section was rendered, its plan or their lists, rather than show a stale one', () => {
    const rendered = build().stacks[1]!;
    renderSectionAhead(rendered);
    const plan = rendered.plan!;
    const changes = [
      () => (rendered.message = 'changed later'),
      () => rendered.diagnostics.push({ severity: 'error', summary: 'changed later', detail: '' }),
      () => (plan.hasChanges = false),
      () => plan.changes.pop(),
      () => plan.drift.push(plan.changes[0]!),
      () => plan.outputs.push({ name: 'late', action: 'create', before: undefined, after: 'x' } as never),
      () => plan.diagnostics.push({ severity: 'warning', summary: 'changed later', detail: '' }),
      () => (plan.counts.destroy = 0),
    ];
    for (const change of changes) expect(change).toThrow(TypeError);
    expect(renderStackSection(rendered)).not.toContain('changed later');
    expect(renderStackSection(rendered)).toContain('null_resource.a');
  });
});

describe('commentMarker', () => {
  it('is a hidden HTML comment per header that a header cannot break out of', () => {
    expect(commentMarker('')).toBe('<!-- stackgate:comment -->');
    expect(commentMarker('staging')).toBe('<!-- stackgate:comment:staging -->');
    // No two headers share a marker, and none takes the default comment.
    expect(commentMarker('default')).not.toBe(commentMarker(''));
    expect(commentMarker('prod env')).not.toBe(commentMarker('prod-env'));
    expect(commentMarker('a-->b')).not.toContain('-->b');
    expect(commentMarker('a --> <b>')).not.toMatch(/-->.*-->/);
  });
});

describe('budget', () => {
  function hugeStack(index: number, resources: number): StackReport {
    const changes: RawChange[] = Array.from({ length: resources }, (_, r) => ({
      address: `null_resource.r${r}`,
      actions: ['update'],
      before: { id: `id-${r}`, blob: 'x'.repeat(600), list: Array.from({ length: 20 }, (_, i) => `a-${i}`) },
      after: { id: `id-${r}`, blob: 'y'.repeat(600), list: Array.from({ length: 20 }, (_, i) => `b-${i}`) },
    }));
    return stack(`stack-${index}`, changes);
  }
  const big = report(Array.from({ length: 12 }, (_, i) => hugeStack(i, 60)));
  const small = stack('tiny', [{ address: 'null_resource.one', actions: ['create'], after: { id: 'z' } }]);
  const mixed = report([...big.stacks, small]);

  it('keeps the comment within 65,536 characters and says details were trimmed', () => {
    const { body, truncated } = renderComment(mixed);
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(truncated).toBe(true);
    expect(body).toMatch(/details trimmed.*the job summary/i);
  });

  it('stays valid markdown: balanced fences and details', () => {
    const shape = readMarkdown(renderComment(mixed).body);
    expect(shape.fencesBalanced).toBe(true);
    expect(detailsBalanced(shape.outside)).toBe(true);
  });

  it('keeps the header and table, and shares details fairly across stacks', () => {
    const { body } = renderComment(mixed);
    for (const s of mixed.stacks) expect(body).toContain(`| ${s.name} | tofu |`);
    // The small stack fits whole; every big stack shows some of its resources, none takes everything.
    expect(body).toContain('# null_resource.one will be created');
    const shown = big.stacks.map((s) => {
      const section = body.split(`<b>${s.name}</b>`)[1]?.split('</details>')[0] ?? '';
      return (section.match(/will be updated in-place/g) ?? []).length;
    });
    expect(Math.min(...shown)).toBeGreaterThan(0);
    expect(Math.max(...shown) - Math.min(...shown)).toBeLessThanOrEqual(1);
  });

  it('honours a smaller budget and the summary budget', () => {
    const { body } = renderComment(mixed, { maxLength: 5_000 });
    expect(body.length).toBeLessThanOrEqual(5_000);
    expect(readMarkdown(body).fencesBalanced).toBe(true);
    expect(Buffer.byteLength(renderSummary(mixed, { maxBytes: 100_000 }))).toBeLessThanOrEqual(100_000);
  });

  it('keeps the table within budget even with thousands of stacks', () => {
    const many = report(
      Array.from({ length: 3000 }, (_, i): StackReport => ({
        name: `stack-with-a-long-name-${i}`,
        path: `p/${i}`,
        engine: 'tofu',
        status: i % 10 === 0 ? 'no-changes' : 'unaffected',
        diagnostics: [],
      })),
    );
    const { body } = renderComment(many);
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/unaffected stack/);
    expect(parseCommentMeta(body)?.sha).toBe('abc123');
  });
});

describe('injection', () => {
  const evil = '``````\n</details><script>alert(1)</script> @someone #123 <img src=x>';
  const s = stack(
    'evil</summary></details><script>x</script>@octocat',
    [
      {
        address: 'null_resource.evil',
        actions: ['create'],
        after: { id: 'a', note: evil, multi: `line one\n${evil}\n\`\`\`\nend` },
      },
    ],
    {
      message: 'failed @someone #42 </details> <script>bad()</script>',
      // Diagnostic details are shown verbatim in a code block: a fence inside must not end it.
      diagnostics: [
        { severity: 'error', summary: 'x @someone', detail: '```\n</details><script>d()</script>\n````' },
      ],
    },
  );
  const body = renderComment(report([s])).body;
  const shape = readMarkdown(body);

  it('cannot close its code block', () => {
    expect(shape.fencesBalanced).toBe(true);
    expect(shape.blocks.join('\n')).toContain('<script>alert(1)</script>');
    expect(shape.blocks.join('\n')).toContain('``````');
    expect(shape.blocks.join('\n')).toContain('</details><script>d()</script>');
  });

  it('cannot close <details> or inject HTML outside code', () => {
    expect(detailsBalanced(shape.outside)).toBe(true);
    expect(shape.outside).not.toMatch(/<script|<img|<\/summary><\/details>/);
    expect(shape.outside).toContain('&lt;script&gt;');
  });

  it('cannot mention anyone or link issues outside code', () => {
    expect(shape.outside).not.toMatch(/@(someone|octocat)/);
    expect(shape.outside).not.toMatch(/#\d/);
    expect(shape.outside).toContain('@\u200bsomeone');
  });
});

describe('planToJson', () => {
  it('gives counts, changes with their details, drift and outputs', () => {
    const plan = parseTerraformPlan(
      rawPlan(
        [
          {
            address: 'a.moved',
            actions: ['update'],
            before: { v: 1 },
            after: { v: 2 },
            previous_address: 'a.old',
          },
          {
            address: 'a.r',
            actions: ['delete', 'create'],
            before: { v: 1 },
            after: { v: 2 },
            replace_paths: [['v']],
          },
        ],
        { drift: [{ address: 'a.r', actions: ['update'], before: { v: 0 }, after: { v: 1 } }] },
      ),
    );
    const json = planToJson(plan);
    expect(json.counts).toMatchObject({ add: 1, change: 1, destroy: 1, replace: 1, move: 1, drift: 1 });
    expect(json.hasChanges).toBe(true);
    expect(json.changes[0]).toMatchObject({ address: 'a.moved', action: 'update', previousAddress: 'a.old' });
    expect(json.changes[1]).toMatchObject({ address: 'a.r', action: 'replace', replacePaths: ['v'] });
    expect(json.drift).toHaveLength(1);
    expect(json).not.toHaveProperty('secrets');
  });
});

describe('a change touching hundreds of stacks', () => {
  it('keeps the comment within the limit with every stack destroying something', () => {
    const many = Array.from({ length: 800 }, (_, i) =>
      stack(`stack-${String(i).padStart(3, '0')}-with-a-long-descriptive-name`, [
        { address: 'null_resource.gone', actions: ['delete'], before: { id: `x-${i}` } },
      ]),
    );
    const { body, truncated } = renderComment(report(many));
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(truncated).toBe(true);
    expect(body).toMatch(/and 790 more stacks/);
    const meta = parseCommentMeta(body);
    expect(meta).toBeDefined();
    expect((meta?.stacks.length ?? 0) + (meta?.omittedStacks ?? 0)).toBe(800);
    // Even then GitHub's stricter retry size holds.
    expect(renderComment(report(many), { maxLength: 16_000 }).body.length).toBeLessThanOrEqual(16_000);
  });
});

describe('a removed block (forget)', () => {
  it('counts it as tofu does and says the resource is kept', () => {
    const forgotten = stack('app', [
      { address: 'null_resource.kept', actions: ['forget'], before: { id: 'k-1' } },
    ]);
    const section = renderStackSection(forgotten);
    expect(section).toContain('0 to add, 0 to change, 0 to destroy, 1 to forget');
    expect(section).toContain('null_resource.kept will be removed from the state, but will not be destroyed');
    expect(planToJson(forgotten.plan!).counts).not.toHaveProperty('forget');
  });
});
