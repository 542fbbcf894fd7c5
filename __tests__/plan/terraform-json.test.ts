import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SENSITIVE_CHANGED, SENSITIVE, UNKNOWN } from '../../src/plan/redact.js';
import {
  PlanFormatError,
  attributePath,
  diagnosticsFromJson,
  parseTerraformPlan,
} from '../../src/plan/terraform-json.js';
import { rawPlan } from './plan-builder.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const fixture = (path: string): unknown => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));

describe('parseTerraformPlan: not a plan', () => {
  it.each([
    ['null', null, /expected a JSON object, got null/],
    ['an array', [], /expected a JSON object, got an array/],
    ['no format_version', { resource_changes: [] }, /no "format_version"/],
    ['format 2.x', { format_version: '2.0', resource_changes: [] }, /unsupported format_version "2.0"/],
    [
      'validate output',
      fixture('tofu-validate/missing_quote/output.json'),
      /no "planned_values" or "resource_changes"/,
    ],
    [
      'resource_changes not a list',
      { format_version: '1.2', resource_changes: {} },
      /"resource_changes" is an object/,
    ],
    [
      'change without actions',
      { format_version: '1.2', resource_changes: [{ address: 'a.b', change: {} }] },
      /resource_changes\[0\]\.change\.actions/,
    ],
  ])('rejects %s, naming the source', (_, input, problem) => {
    const parse = (): unknown => parseTerraformPlan(input, 'infra/app/plan.json');
    expect(parse).toThrow(PlanFormatError);
    expect(parse).toThrow(/^infra\/app\/plan\.json: not a Terraform\/OpenTofu plan: /);
    expect(parse).toThrow(problem);
  });

  it('defaults the source name to plan.json', () => {
    expect(() => parseTerraformPlan('nope')).toThrow(/^plan\.json: /);
  });
});

describe('parseTerraformPlan: actions and counts', () => {
  const plan = parseTerraformPlan(
    rawPlan([
      { address: 'a.create', actions: ['create'], after: { v: 1 } },
      { address: 'a.update', actions: ['update'], before: { v: 1 }, after: { v: 2 } },
      {
        address: 'a.delete',
        actions: ['delete'],
        before: { v: 1 },
        action_reason: 'delete_because_no_resource_config',
      },
      {
        address: 'a.replace',
        actions: ['delete', 'create'],
        before: { v: 1, nic: [{ id: 'x' }] },
        after: { v: 2, nic: [{ id: 'y' }] },
        replace_paths: [['v'], ['nic', 0, 'id']],
        action_reason: 'replace_because_cannot_update',
      },
      { address: 'a.cbd', actions: ['create', 'delete'], before: { v: 1 }, after: { v: 2 } },
      { address: 'data.d.read', mode: 'data', actions: ['read'], after_unknown: true },
      {
        address: 'a.moved',
        actions: ['no-op'],
        before: { v: 1 },
        after: { v: 1 },
        previous_address: 'a.old',
      },
      {
        address: 'a.imported',
        actions: ['no-op'],
        before: { v: 1 },
        after: { v: 1 },
        importing: { id: 'i-1' },
      },
      {
        address: 'a.import_update',
        actions: ['update'],
        before: { v: 1 },
        after: { v: 2 },
        importing: { id: 'i-2' },
      },
      { address: 'a.same', actions: ['no-op'], before: { v: 1 }, after: { v: 1 } },
    ]),
  );
  const byAddress = (address: string) => plan.changes.find((c) => c.address === address);

  it('maps tofu actions to one primary action', () => {
    expect(plan.changes.map((c) => [c.address, c.action])).toEqual([
      ['a.create', 'create'],
      ['a.update', 'update'],
      ['a.delete', 'delete'],
      ['a.replace', 'replace'],
      ['a.cbd', 'replace'],
      ['data.d.read', 'read'],
      ['a.moved', 'move'],
      ['a.imported', 'import'],
      ['a.import_update', 'update'],
    ]);
  });

  it('keeps replace order, reasons, dotted replace paths, moves and imports', () => {
    expect(byAddress('a.replace')).toMatchObject({
      replaceOrder: 'delete-first',
      actionReason: 'replace_because_cannot_update',
      replacePaths: ['v', 'nic[0].id'],
    });
    expect(byAddress('a.cbd')?.replaceOrder).toBe('create-first');
    expect(byAddress('a.moved')).toMatchObject({ moved: true, previousAddress: 'a.old' });
    expect(byAddress('a.import_update')?.importing).toEqual({ id: 'i-2' });
    expect(byAddress('data.d.read')?.mode).toBe('data');
    expect(byAddress('data.d.read')?.after).toEqual(UNKNOWN);
  });

  it('counts like tofu (a replace is one add and one destroy) with the rest apart', () => {
    expect(plan.counts).toEqual({
      add: 3,
      change: 2,
      destroy: 3,
      replace: 2,
      import: 2,
      move: 1,
      read: 1,
      drift: 0,
      forget: 0,
    });
    expect(plan.hasChanges).toBe(true);
    expect(plan.engineVersion).toBe('1.8.0');
  });

  it('has no changes when everything is a no-op, and counts drift apart', () => {
    const quiet = parseTerraformPlan(
      rawPlan([{ address: 'a.same', actions: ['no-op'], before: { v: 1 }, after: { v: 1 } }], {
        drift: [{ address: 'a.same', actions: ['update'], before: { v: 0 }, after: { v: 1 } }],
      }),
    );
    expect(quiet.changes).toEqual([]);
    expect(quiet.hasChanges).toBe(false);
    expect(quiet.drift.map((d) => d.address)).toEqual(['a.same']);
    expect(quiet.counts.drift).toBe(1);
  });

  it('reads the drift-only fixture', () => {
    const drift = parseTerraformPlan(fixture('tofu-plans/drift_refresh_only/plan.json'));
    expect(drift.changes).toEqual([]);
    expect(drift.counts.drift).toBe(1);
    expect(drift.drift[0]?.before).toMatchObject({ string: 'Hello, world!' });
  });

  it('counts output-only changes as changes', () => {
    const outputs = parseTerraformPlan(fixture('tofu-plans/variables_and_outputs/plan.json'));
    expect(outputs.changes).toEqual([]);
    expect(outputs.outputs.map((o) => o.name)).toContain('list_no_default');
    expect(outputs.hasChanges).toBe(true);
  });

  it('turns an errored plan into an error diagnostic', () => {
    const errored = parseTerraformPlan(rawPlan([], { errored: true }));
    expect(errored.diagnostics).toEqual([expect.objectContaining({ severity: 'error' })]);
    expect(errored.hasChanges).toBe(false);
  });
});

describe('parseTerraformPlan: unknown and sensitive values', () => {
  const plan = parseTerraformPlan(
    rawPlan(
      [
        {
          address: 'db.main',
          actions: ['update'],
          before: { name: 'db', password: 'old-Hunter2', nested: { list: ['a', 's3cr3t-before'] } },
          after: { name: 'db', password: 'new-Hunter3', nested: { list: ['a', 's3cr3t-after'] } },
          before_sensitive: { nested: { list: [false, true] } },
          after_sensitive: { nested: { list: [false, true] }, password: true },
          after_unknown: { arn: true, nested: { computed: true, more: [true] } },
        },
      ],
      {
        outputs: {
          conn: { actions: ['create'], before: null, after: 'postgres://u:pw-out@h', after_sensitive: true },
          api_token: { actions: ['update'], before: 'tok-old-1', after: 'tok-new-2' },
        },
      },
    ),
  );
  const change = plan.changes[0]!;

  it('marks unknown values, also nested and absent from after', () => {
    expect(change.after).toMatchObject({
      arn: UNKNOWN,
      nested: { computed: UNKNOWN, more: [UNKNOWN] },
    });
  });

  it('hides provider-marked and secret-named values and flags a changed secret', () => {
    expect(change.before).toMatchObject({
      password: SENSITIVE,
      nested: { list: ['a', SENSITIVE] },
    });
    expect(change.after).toMatchObject({ password: SENSITIVE_CHANGED, name: 'db' });
    const json = JSON.stringify(plan.changes) + JSON.stringify(plan.outputs);
    for (const secret of [
      'old-Hunter2',
      'new-Hunter3',
      's3cr3t-before',
      's3cr3t-after',
      'pw-out',
      'tok-old-1',
    ]) {
      expect(json).not.toContain(secret);
      expect(plan.secrets.join('\n')).toContain(secret);
    }
  });

  it('counts every hidden value', () => {
    // password ×2, nested list element ×2, conn output, api_token output ×2.
    expect(plan.redactedCount).toBe(7);
    expect(plan.outputs.find((o) => o.name === 'api_token')).toMatchObject({ sensitive: true });
  });
});

describe('attributePath', () => {
  it('writes dotted paths with indexes and quoted odd keys', () => {
    expect(attributePath(['network_interface', 0, 'id'])).toBe('network_interface[0].id');
    expect(attributePath(['tags', 'a b'])).toBe('tags["a b"]');
  });
});

describe('diagnosticsFromJson', () => {
  it('reads validate -json diagnostics with file, line and column under the stack folder', () => {
    const diags = diagnosticsFromJson(fixture('tofu-validate/incorrectmodulename/output.json'), 'infra/app');
    expect(diags).toHaveLength(3);
    expect(diags[0]).toEqual({
      severity: 'error',
      summary: 'Missing required argument',
      detail: 'The argument "source" is required, but no definition was found.',
      file: 'infra/app/testdata/validate-invalid/incorrectmodulename/main.tf',
      line: 1,
      column: 23,
      endLine: 1,
      endColumn: 24,
    });
  });

  it('reads the diagnostic field of -json log lines and skips other lines', () => {
    const lines = [
      { '@level': 'info', type: 'version', terraform: '1.8.0' },
      {
        '@level': 'warning',
        type: 'diagnostic',
        diagnostic: {
          severity: 'warning',
          summary: 'Deprecated',
          range: { filename: './main.tf', start: { line: 4 } },
        },
      },
    ];
    expect(diagnosticsFromJson(lines)).toEqual([
      { severity: 'warning', summary: 'Deprecated', file: 'main.tf', line: 4 },
    ]);
  });

  it('returns nothing for a valid configuration or junk', () => {
    expect(diagnosticsFromJson(fixture('tofu-validate/valid-output.json'))).toEqual([]);
    expect(diagnosticsFromJson('junk')).toEqual([]);
  });
});
