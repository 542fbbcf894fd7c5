// Plan parsing cases found by mutation testing (issue 17): exact shapes (toStrictEqual, so an added
// `undefined` key fails), every error message, and the small branches the fixtures never reach.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncodedJson, emptyCounts, isSensitive, isUnknown } from '../../src/plan/model.js';
import { SENSITIVE, SENSITIVE_CHANGED, UNKNOWN } from '../../src/plan/redact.js';
import {
  PlanFormatError,
  attributePath,
  diagnosticsFromJson,
  flagChangedSecrets,
  parseTerraformPlan,
} from '../../src/plan/terraform-json.js';
import { renderResourceDiff } from '../../src/report/diff.js';

const base = { format_version: '1.2', planned_values: {} };

function entry(fields: Record<string, unknown> = {}, change: Record<string, unknown> = {}) {
  return {
    address: 'x.y',
    change: { actions: ['create'], before: null, after: { a: 1 }, ...change },
    ...fields,
  };
}
const one = (fields: Record<string, unknown> = {}, change: Record<string, unknown> = {}) =>
  parseTerraformPlan({ ...base, resource_changes: [entry(fields, change)] });

describe('model helpers', () => {
  it('recognise markers and nothing else', () => {
    expect(isSensitive(SENSITIVE)).toBe(true);
    expect(isSensitive(SENSITIVE_CHANGED)).toBe(true);
    expect(isUnknown(UNKNOWN)).toBe(true);
    // Plan data can never be a marker, whatever keys it holds (issue 8: forged markers).
    for (const value of [
      { $sensitive: true },
      null,
      undefined,
      'x',
      1,
      true,
      [],
      {},
      { $sensitive: false },
      { $sensitive: 'true' },
    ]) {
      expect(isSensitive(value)).toBe(false);
    }
    for (const value of [
      null,
      undefined,
      'x',
      1,
      true,
      [],
      {},
      { $unknown: true },
      { $sensitive: true },
      SENSITIVE,
    ]) {
      expect(isUnknown(value)).toBe(false);
    }
  });

  it('start counts at zero for every kind', () => {
    expect(emptyCounts()).toStrictEqual({
      add: 0,
      change: 0,
      destroy: 0,
      replace: 0,
      import: 0,
      move: 0,
      read: 0,
      drift: 0,
      forget: 0,
    });
  });
});

describe('parseTerraformPlan: what is a plan', () => {
  it.each([
    ['a string', 'nope', 'expected a JSON object, got a string'],
    ['a number', 3, 'expected a JSON object, got a number'],
    ['a numeric format_version', { format_version: 1, planned_values: {} }, 'no "format_version" field'],
    [
      'format 10.x',
      { format_version: '10.0', planned_values: {} },
      'unsupported format_version "10.0" (Stackgate reads 1.x, and 0.x of Terraform 0.12–0.15 best effort)',
    ],
    [
      'format 2.0',
      { format_version: '2.0', planned_values: {} },
      'unsupported format_version "2.0" (Stackgate reads 1.x, and 0.x of Terraform 0.12–0.15 best effort)',
    ],
    [
      'a state',
      { format_version: '1.0', values: {} },
      'no "planned_values" or "resource_changes" (is it `show -json` of a plan?)',
    ],
    [
      'resource_drift not a list',
      { ...base, resource_drift: 'x' },
      '"resource_drift" is a string, not an array',
    ],
    ['a change that is null', { ...base, resource_changes: [null] }, 'resource_changes[0] is null'],
    ['a change that is a list', { ...base, resource_changes: [[]] }, 'resource_changes[0] is an array'],
    [
      'a change without address',
      { ...base, resource_changes: [{ change: {} }] },
      'resource_changes[0].address is missing or not a string',
    ],
    [
      'a change without change',
      { ...base, resource_changes: [{ address: 'a.b' }] },
      'resource_changes[0].change is missing',
    ],
    [
      'actions that are not strings',
      { ...base, resource_changes: [{ address: 'a.b', change: { actions: [1] } }] },
      'resource_changes[0].change.actions is missing or not a list of strings',
    ],
    [
      'an unknown combination',
      { ...base, resource_changes: [{ address: 'a.b', change: { actions: ['create', 'update'] } }] },
      'resource_changes[0].change.actions has an unknown combination [create,update]',
    ],
    [
      'a drift entry without address',
      { ...base, resource_drift: [{ change: {} }] },
      'resource_drift[0].address is missing or not a string',
    ],
    [
      'an output with an unknown combination',
      { ...base, output_changes: { o: { actions: ['create', 'update'] } } },
      'output_changes.o.actions has an unknown combination [create,update]',
    ],
    ['outputs that are a list', { ...base, output_changes: [] }, '"output_changes" is an array'],
    ['an output that is a string', { ...base, output_changes: { o: 'x' } }, 'output_changes.o is a string'],
    [
      'an output without actions',
      { ...base, output_changes: { o: {} } },
      'output_changes.o.actions is missing or not a list of strings',
    ],
  ])('rejects %s with an exact message', (_, input, message) => {
    let error: unknown;
    try {
      parseTerraformPlan(input, 'p.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PlanFormatError);
    expect((error as PlanFormatError).message).toBe(`p.json: not a Terraform/OpenTofu plan: ${message}`);
    expect((error as PlanFormatError).source).toBe('p.json');
    expect((error as PlanFormatError).name).toBe('PlanFormatError');
  });

  it.each(['planned_values', 'resource_changes', 'resource_drift', 'output_changes', 'errored'])(
    'accepts a plan that has only %s',
    (key) => {
      const plan = parseTerraformPlan({ format_version: '1.0', [key]: key === 'errored' ? false : null });
      expect(plan.changes).toStrictEqual([]);
      expect(plan.diagnostics).toStrictEqual([]);
    },
  );
});

describe('parseTerraformPlan: 0.x plans', () => {
  const old = (version: string, change: Record<string, unknown>) =>
    parseTerraformPlan({ format_version: version, resource_changes: [{ address: 'x.y', change }] });

  it('warns once when a 0.x plan does not mark sensitive values', () => {
    expect(old('0.1', { actions: ['create'], after: { a: 1 } }).diagnostics).toStrictEqual([
      {
        severity: 'warning',
        summary: 'Plan JSON format 0.1 (Terraform before 0.14) does not mark sensitive values',
        detail:
          'Only values under secret-looking names are hidden. Upgrade the engine to Terraform 0.14 or later, or to OpenTofu, for provider-marked sensitive values.',
      },
    ]);
  });

  it('does not warn when the 0.x plan has the marks on either side, nor for 1.x', () => {
    expect(
      old('0.2', { actions: ['create'], after: { a: 1 }, after_sensitive: {} }).diagnostics,
    ).toStrictEqual([]);
    expect(
      old('0.2', { actions: ['create'], after: { a: 1 }, before_sensitive: {} }).diagnostics,
    ).toStrictEqual([]);
    expect(old('1.0', { actions: ['create'], after: { a: 1 } }).diagnostics).toStrictEqual([]);
    expect(parseTerraformPlan({ format_version: '0.1', planned_values: {} }).diagnostics).toStrictEqual([]);
  });
});

describe('parseTerraformPlan: one resource change', () => {
  it('gives the exact shape of a created resource, without keys that have no value', () => {
    const plan = parseTerraformPlan({
      ...base,
      terraform_version: '1.11.6',
      resource_changes: [
        {
          address: 'module.m.aws_s3_bucket.b',
          mode: 'managed',
          type: 'aws_s3_bucket',
          name: 'b',
          module_address: 'module.m',
          provider_name: 'registry.opentofu.org/hashicorp/aws',
          change: {
            actions: ['create'],
            before: null,
            after: { bucket: 'logs' },
            after_unknown: { arn: true },
          },
        },
      ],
    });
    expect(plan).toStrictEqual({
      formatVersion: '1.2',
      engineVersion: '1.11.6',
      changes: [
        {
          address: 'module.m.aws_s3_bucket.b',
          mode: 'managed',
          type: 'aws_s3_bucket',
          name: 'b',
          moduleAddress: 'module.m',
          providerName: 'registry.opentofu.org/hashicorp/aws',
          action: 'create',
          replacePaths: [],
          moved: false,
          after: { bucket: 'logs', arn: UNKNOWN },
        },
      ],
      drift: [],
      outputs: [],
      diagnostics: [],
      counts: { ...emptyCounts(), add: 1 },
      hasChanges: true,
      redactedCount: 0,
      secrets: [],
    });
  });

  it('defaults fields of the wrong type', () => {
    const [change] = one({
      mode: 'weird',
      type: 1,
      name: null,
      module_address: 2,
      provider_name: {},
      action_reason: 3,
    }).changes;
    expect(change).toStrictEqual({
      address: 'x.y',
      mode: 'managed',
      type: '',
      name: '',
      moduleAddress: '',
      providerName: '',
      action: 'create',
      replacePaths: [],
      moved: false,
      after: { a: 1 },
    });
    expect(one({ mode: 'data' }, { actions: ['read'] }).changes[0]?.mode).toBe('data');
    expect(one({ action_reason: 'read_because_x' }).changes[0]?.actionReason).toBe('read_because_x');
    expect(parseTerraformPlan({ ...base, terraform_version: 7 }).engineVersion).toBeUndefined();
  });

  it('treats a previous address equal to the address as no move', () => {
    const [change] = one({ previous_address: 'x.y' }).changes;
    expect(change?.moved).toBe(false);
    expect(change).not.toHaveProperty('previousAddress');
    const [moved] = one({ previous_address: 'x.old' }).changes;
    expect(moved?.moved).toBe(true);
    expect(moved?.previousAddress).toBe('x.old');
  });

  it('turns a no-op that imports or moves into an import or a move, and drops other no-ops', () => {
    const noop = { actions: ['no-op'], before: { a: 1 }, after: { a: 1 } };
    expect(one({}, { ...noop, importing: { id: 'i-1' } }).changes[0]).toMatchObject({
      action: 'import',
      importing: { id: 'i-1' },
    });
    expect(one({}, { ...noop, importing: { id: 5 } }).changes[0]?.importing).toStrictEqual({});
    expect(one({ previous_address: 'x.old' }, noop).changes[0]?.action).toBe('move');
    expect(one({}, noop).changes).toStrictEqual([]);
    expect(one({}, { ...noop, actions: [] }).changes).toStrictEqual([]);
    expect(one({}, { ...noop, importing: 'yes' }).changes).toStrictEqual([]);
  });

  it('orders replacements and keeps only path-shaped replace_paths', () => {
    const [deleteFirst] = one(
      {},
      { actions: ['delete', 'create'], before: { a: 0 }, replace_paths: [['a'], 'b', [['c']]] },
    ).changes;
    expect(deleteFirst?.replaceOrder).toBe('delete-first');
    expect(deleteFirst?.replacePaths).toStrictEqual(['a', '["c"]']);
    expect(one({}, { actions: ['create', 'delete'] }).changes[0]?.replaceOrder).toBe('create-first');
    expect(one({}, { replace_paths: 'a' }).changes[0]?.replacePaths).toStrictEqual([]);
    expect(one({}, { actions: ['update'] }).changes[0]).not.toHaveProperty('replaceOrder');
  });

  it('keeps a null before and after out of the change, but an unknown after in', () => {
    const [deleted] = one({}, { actions: ['delete'], before: { a: 1 }, after: null }).changes;
    expect(deleted).not.toHaveProperty('after');
    expect(deleted?.before).toStrictEqual({ a: 1 });
    const [unknown] = one({}, { after: null, after_unknown: true }).changes;
    expect(unknown?.after).toStrictEqual(UNKNOWN);
    expect(unknown).not.toHaveProperty('before');
    const [absent] = one({}, { after: undefined }).changes;
    expect(absent).not.toHaveProperty('after');
  });

  it('counts every kind of change, drift apart, and says when there are changes', () => {
    const plan = parseTerraformPlan({
      ...base,
      resource_changes: [
        entry({ address: 'a.read' }, { actions: ['read'] }),
        entry({ address: 'a.forget' }, { actions: ['forget'] }),
        entry({ address: 'a.imp' }, { actions: ['update'], importing: {} }),
        entry({ address: 'a.mv', previous_address: 'a.old' }, { actions: ['update'] }),
      ],
      resource_drift: [
        entry({ address: 'd.1' }, { actions: ['update'] }),
        entry({ address: 'd.2' }, { actions: ['no-op'] }),
      ],
    });
    expect(plan.counts).toStrictEqual({
      ...emptyCounts(),
      read: 1,
      forget: 1,
      change: 2,
      import: 1,
      move: 1,
      drift: 1,
    });
    expect(plan.drift.map((d) => d.address)).toStrictEqual(['d.1']);
    expect(parseTerraformPlan(base).hasChanges).toBe(false);
  });

  it('adds one error diagnostic for an errored plan', () => {
    expect(parseTerraformPlan({ ...base, errored: true }).diagnostics).toStrictEqual([
      { severity: 'error', summary: 'The plan is incomplete: the engine reported errors while planning' },
    ]);
    expect(parseTerraformPlan({ ...base, errored: 'yes' }).diagnostics).toStrictEqual([]);
  });
});

describe('parseTerraformPlan: outputs', () => {
  const outputs = (changes: Record<string, unknown>) =>
    parseTerraformPlan({ ...base, output_changes: changes }).outputs;

  it('gives the exact shape of an output, skips no-ops and makes the plan a change', () => {
    const plan = parseTerraformPlan({
      ...base,
      output_changes: {
        url: {
          actions: ['create'],
          before: null,
          after: 'https://x',
          before_sensitive: false,
          after_sensitive: false,
        },
        same: { actions: ['no-op'], before: 1, after: 1 },
      },
    });
    expect(plan.outputs).toStrictEqual([
      { name: 'url', action: 'create', sensitive: false, after: 'https://x' },
    ]);
    expect(plan.hasChanges).toBe(true);
  });

  it('hides an output sensitive on either side, and one named like a secret', () => {
    const hidden = outputs({
      a: { actions: ['update'], before: 'old-value', after: 'new-value', before_sensitive: true },
      // Values of their own: a value marked sensitive in one place is hidden wherever the plan shows it.
      b: { actions: ['update'], before: 'earlier-b-value', after: 'later-b-value', after_sensitive: true },
      db_password: { actions: ['create'], before: null, after: 'pw-value' },
    });
    expect(hidden).toStrictEqual([
      { name: 'a', action: 'update', sensitive: true, before: SENSITIVE, after: 'new-value' },
      {
        name: 'b',
        action: 'update',
        sensitive: true,
        before: 'earlier-b-value',
        after: SENSITIVE_CHANGED,
      },
      { name: 'db_password', action: 'create', sensitive: true, after: SENSITIVE_CHANGED },
    ]);
  });
});

describe('flagChangedSecrets', () => {
  const S = SENSITIVE;
  it('marks a hidden value changed only when the raw values differ', () => {
    expect(flagChangedSecrets(S, 'a', 'a')).toStrictEqual(S);
    expect(flagChangedSecrets(S, 'a', 'b')).toStrictEqual(SENSITIVE_CHANGED);
    expect(flagChangedSecrets(S, undefined, null)).toStrictEqual(S);
    expect(flagChangedSecrets(S, { x: 1 }, { x: 1 })).toStrictEqual(S);
  });

  it('walks lists and maps, treating a missing raw side as empty', () => {
    expect(flagChangedSecrets([S, S], ['a', 'b'], ['a', 'c'])).toStrictEqual([S, SENSITIVE_CHANGED]);
    expect(flagChangedSecrets({ k: S, v: 1 }, { k: 'a' }, { k: 'a' })).toStrictEqual({ k: S, v: 1 });
    expect(flagChangedSecrets({ k: S }, 'not a map', { k: 'a' })).toStrictEqual({
      k: SENSITIVE_CHANGED,
    });
    expect(flagChangedSecrets([S], 'not a list', ['a'])).toStrictEqual([SENSITIVE_CHANGED]);
    expect(flagChangedSecrets([S], ['a'], 'not a list')).toStrictEqual([SENSITIVE_CHANGED]);
    expect(flagChangedSecrets({ k: S }, { k: 'a' }, 'x')).toStrictEqual({
      k: SENSITIVE_CHANGED,
    });
  });

  it('leaves unknown markers and plain values as they are', () => {
    expect(flagChangedSecrets(UNKNOWN, 1, 2)).toStrictEqual(UNKNOWN);
    expect(flagChangedSecrets('v', 'a', 'b')).toBe('v');
  });
});

describe('attributePath', () => {
  it('joins identifiers with dots, indexes in brackets, quotes other keys', () => {
    expect(attributePath([])).toBe('');
    expect(attributePath(['a'])).toBe('a');
    expect(attributePath(['a', 'b_c', 'd-e'])).toBe('a.b_c.d-e');
    expect(attributePath(['a', 0, 'b'])).toBe('a[0].b');
    expect(attributePath([0, 'a'])).toBe('[0].a');
    expect(attributePath(['tags', 'a b'])).toBe('tags["a b"]');
    expect(attributePath(['m', '0x'])).toBe('m["0x"]');
    expect(attributePath(['m', 'x y', 'z'])).toBe('m["x y"].z');
    expect(attributePath(['_a', true])).toBe('_a["true"]');
    expect(attributePath(['a.b'])).toBe('["a.b"]');
  });
});

describe('diagnosticsFromJson', () => {
  const diag = (fields: Record<string, unknown>) => ({ severity: 'error', summary: 'S', ...fields });

  it('reads arrays, documents, log lines and single objects; skips the rest', () => {
    expect(diagnosticsFromJson([diag({}), [diag({ summary: 'T' })]])).toStrictEqual([
      { severity: 'error', summary: 'S' },
      { severity: 'error', summary: 'T' },
    ]);
    expect(diagnosticsFromJson({ diagnostics: [diag({ severity: 'warning' })] })).toStrictEqual([
      { severity: 'warning', summary: 'S' },
    ]);
    expect(diagnosticsFromJson({ '@level': 'error', diagnostic: diag({}) })).toStrictEqual([
      { severity: 'error', summary: 'S' },
    ]);
    expect(diagnosticsFromJson(diag({ severity: 'bogus' }))).toStrictEqual([
      { severity: 'error', summary: 'S' },
    ]);
    for (const junk of [null, 'x', 3, {}, { summary: 1 }, [{ summary: null }], { diagnostic: 'x' }]) {
      expect(diagnosticsFromJson(junk)).toStrictEqual([]);
    }
  });

  it('keeps a non-empty detail and a full range', () => {
    const range = { filename: 'main.tf', start: { line: 3, column: 5 }, end: { line: 4, column: 9 } };
    expect(diagnosticsFromJson(diag({ detail: 'D', range }), 'infra/app')).toStrictEqual([
      {
        severity: 'error',
        summary: 'S',
        detail: 'D',
        file: 'infra/app/main.tf',
        line: 3,
        column: 5,
        endLine: 4,
        endColumn: 9,
      },
    ]);
    expect(
      diagnosticsFromJson(diag({ detail: '', range: { filename: 'a.tf', start: {}, end: 'x' } })),
    ).toStrictEqual([{ severity: 'error', summary: 'S', file: 'a.tf' }]);
    expect(diagnosticsFromJson(diag({ detail: 3, range: { start: { line: 1 } } }))).toStrictEqual([
      { severity: 'error', summary: 'S' },
    ]);
  });

  it.each([
    [undefined, './main.tf', 'main.tf'],
    ['.', './main.tf', 'main.tf'],
    ['.', 'sub/main.tf', 'sub/main.tf'],
    ['infra/app', '/abs/main.tf', '/abs/main.tf'],
    ['infra/app', './main.tf', 'infra/app/main.tf'],
    ['infra/app', '../modules/x.tf', 'infra/modules/x.tf'],
    ['infra/app', '../../../x.tf', '../x.tf'],
    ['infra/app', '../../../../x.tf', '../../x.tf'],
    ['infra\\app', 'sub\\main.tf', 'infra/app/sub/main.tf'],
    ['infra//app/', 'main.tf', 'infra/app/main.tf'],
    ['', 'x/main.tf', 'x/main.tf'],
  ])('joins root %j and file %j as %j', (rootDir, filename, expected) => {
    const [d] = diagnosticsFromJson(diag({ range: { filename } }), rootDir);
    expect(d?.file).toBe(expected);
  });
});

describe('parseTerraformPlan: cases mutation testing found unchecked', () => {
  it('keeps the order of a replacement that creates first', () => {
    const [c] = one({}, { actions: ['create', 'delete'], before: { a: 1 } }).changes;
    expect(c?.action).toBe('replace');
    expect(c?.replaceOrder).toBe('create-first');
  });

  it('ignores a previous address that is not a string', () => {
    const [c] = one({ previous_address: 5 }).changes;
    expect(c?.moved).toBe(false);
    expect(c && 'previousAddress' in c).toBe(false);
  });

  it('leaves out a before value the plan does not have', () => {
    const [c] = parseTerraformPlan({
      ...base,
      resource_changes: [{ address: 'x.y', change: { actions: ['create'], after: { a: 1 } } }],
    }).changes;
    expect(c && 'before' in c).toBe(false);
    expect(c?.after).toStrictEqual({ a: 1 });
  });

  it('hides a sensitive output value wherever else the plan shows it', () => {
    const plan = parseTerraformPlan({
      ...base,
      resource_changes: [entry({}, { after: { note: 'out-secret-xyz-123' } })],
      output_changes: {
        conn: { actions: ['create'], before: null, after: 'out-secret-xyz-123', after_sensitive: true },
      },
    });
    expect(plan.changes[0]?.after).toStrictEqual({ note: SENSITIVE_CHANGED });
    expect(plan.secrets).toContain('out-secret-xyz-123');
  });

  it('hides both sides of an output named like a secret', () => {
    const plan = parseTerraformPlan({
      ...base,
      output_changes: { db_password: { actions: ['update'], before: 'old-pw-1', after: 'new-pw-2' } },
    });
    expect(plan.outputs).toStrictEqual([
      { name: 'db_password', action: 'update', sensitive: true, before: SENSITIVE, after: SENSITIVE_CHANGED },
    ]);
  });

  it('says a secret inside a JSON string changed when its raw value did', () => {
    const raw = (password: string) => JSON.stringify({ user: 'u', password });
    const changed = one({}, { actions: ['update'], before: { cfg: raw('a-1') }, after: { cfg: raw('b-2') } });
    const after = (changed.changes[0]?.after as { cfg: EncodedJson }).cfg;
    expect(after).toBeInstanceOf(EncodedJson);
    expect(after.decoded).toStrictEqual({ user: 'u', password: SENSITIVE_CHANGED });
    const same = one(
      {},
      { actions: ['update'], before: { cfg: raw('a-1'), n: 1 }, after: { cfg: raw('a-1'), n: 2 } },
    );
    expect((same.changes[0]?.after as { cfg: EncodedJson }).cfg.decoded).toStrictEqual({
      user: 'u',
      password: SENSITIVE,
    });
    // What a reviewer sees: the hidden password line, marked as a change.
    expect(renderResourceDiff(changed.changes[0]!)).toContain('!             password = (sensitive value)');
  });

  it('says a secret changed when its raw values are too deep even to compare', () => {
    const depth = 500_000;
    const deep = JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown;
    expect(flagChangedSecrets(SENSITIVE, deep, deep)).toBe(SENSITIVE_CHANGED);
  });
});

describe('diagnosticsFromJson: entries without a summary', () => {
  it('drops a log line whose diagnostic has no summary', () => {
    expect(diagnosticsFromJson([{ diagnostic: { severity: 'error', detail: 'x' } }])).toStrictEqual([]);
    expect(
      diagnosticsFromJson([{ diagnostic: { detail: 'x' } }, { diagnostic: { summary: 'S' } }]),
    ).toStrictEqual([{ severity: 'error', summary: 'S' }]);
  });

  it('normalises a file name without a stack folder as it does with one', () => {
    const file = (filename: string, rootDir?: string) =>
      diagnosticsFromJson({ summary: 'S', range: { filename } }, rootDir)[0]?.file;
    expect(file('a/./b.tf')).toBe('a/b.tf');
    expect(file('a/../b.tf', '.')).toBe('b.tf');
    expect(file('x/.//b.tf', 'infra')).toBe('infra/x/b.tf');
  });
});

describe('parseTerraformPlan: counts, parsed inside the test', () => {
  // The fixture suite (__tests__/report/fixtures.test.ts) parses its plans while collecting tests, which the
  // mutation runner's per-test coverage does not see; these parse in the test itself.
  const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tofu-plans');

  it('counts every real OpenTofu fixture as tofu’s Plan: line', () => {
    const names = readdirSync(FIXTURES).sort();
    expect(names.length).toBeGreaterThanOrEqual(30);
    for (const name of names) {
      const plan = parseTerraformPlan(
        JSON.parse(readFileSync(join(FIXTURES, name, 'plan.json'), 'utf8')) as unknown,
      );
      const text = readFileSync(join(FIXTURES, name, 'plan'), 'utf8');
      const match = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\./.exec(text);
      const expected = match ? match.slice(1, 4).map(Number) : [0, 0, 0];
      const { add, change, destroy } = plan.counts;
      expect([name, add, change, destroy]).toStrictEqual([name, ...expected]);
    }
  });

  it('counts a destroyed resource once, and a replacement as one add and one destroy', () => {
    const plan = parseTerraformPlan({
      ...base,
      resource_changes: [
        entry({ address: 'a.new' }, { actions: ['create'] }),
        entry({ address: 'a.gone' }, { actions: ['delete'], before: { a: 1 }, after: null }),
        entry({ address: 'a.swap' }, { actions: ['delete', 'create'], before: { a: 1 } }),
        entry({ address: 'a.edit' }, { actions: ['update'], before: { a: 0 } }),
      ],
    });
    expect(plan.counts).toStrictEqual({ ...emptyCounts(), add: 2, change: 1, destroy: 2, replace: 1 });
    const gone = parseTerraformPlan({
      ...base,
      resource_changes: [entry({}, { actions: ['delete'], before: { a: 1 }, after: null })],
    });
    expect(gone.counts).toStrictEqual({ ...emptyCounts(), destroy: 1 });
  });
});
