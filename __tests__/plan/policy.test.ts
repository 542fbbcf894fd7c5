import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SENSITIVE, UNKNOWN } from '../../src/plan/redact.js';
import type { PolicyConfig } from '../../src/config/types.js';
import type { ChangeAction, Plan, PlanValue, ResourceChange } from '../../src/plan/model.js';
import { evaluatePolicies, policyGate, type PolicyViolation } from '../../src/plan/policy.js';
import { countChanges, parseTerraformPlan } from '../../src/plan/terraform-json.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tofu-plans');
const fixturePlan = (name: string): Plan =>
  parseTerraformPlan(JSON.parse(readFileSync(join(FIXTURES, name, 'plan.json'), 'utf8')));

/** A change as the parser would give it; module, type and name come from the address. */
function change(address: string, action: ChangeAction, extra: Partial<ResourceChange> = {}): ResourceChange {
  const parts = /^((?:module\.[^.[]+(?:\[[^\]]*\])?\.)*)(data\.)?([^.]+)\.([^.[]+)/.exec(address);
  if (!parts) throw new Error(`not an address: ${address}`);
  return {
    address,
    mode: parts[2] ? 'data' : 'managed',
    type: parts[3] ?? '',
    name: parts[4] ?? '',
    moduleAddress: (parts[1] ?? '').replace(/\.$/, ''),
    providerName: 'registry.opentofu.org/hashicorp/test',
    action,
    replacePaths: [],
    moved: false,
    ...extra,
  };
}

function plan(...changes: ResourceChange[]): Plan {
  return {
    changes,
    drift: [],
    outputs: [],
    diagnostics: [],
    counts: countChanges(changes, []),
    hasChanges: changes.length > 0,
    redactedCount: 0,
    secrets: [],
  };
}

function policy(fields: Partial<PolicyConfig> & { name: string }): PolicyConfig {
  return { deny: [], level: 'error', requireAttributes: {}, ...fields };
}

const addresses = (violations: PolicyViolation[]): (string | undefined)[] => violations.map((v) => v.address);

const protectDatabases = policy({
  name: 'protect-databases',
  deny: ['delete', 'replace'],
  resources: ['aws_db_instance.*', 'module.db.*'],
  unlessLabel: 'allow-destroy',
});

describe('deny', () => {
  const databases = plan(
    change('aws_db_instance.main', 'replace'),
    change('aws_db_instance.main[0]', 'delete'),
    change('aws_db_instance.by_key["eu/west"]', 'delete'),
    change('module.db.aws_security_group.sg', 'delete'),
    change('module.db.module.inner.aws_db_instance.x', 'delete'),
    change('module.dbx.aws_db_instance.y', 'delete'), // another module: its prefix only looks alike
    change('module.app.aws_db_instance.z', 'delete'), // root-only glob: not inside modules
    change('aws_db_instance.kept', 'update'),
    change('aws_instance.web', 'delete'),
  );

  it('matches globs on full addresses, indexes, keys with slashes and nested modules', () => {
    const violations = evaluatePolicies('prod', databases, [protectDatabases], []);
    expect(addresses(violations)).toEqual([
      'aws_db_instance.main',
      'aws_db_instance.main[0]',
      'aws_db_instance.by_key["eu/west"]',
      'module.db.aws_security_group.sg',
      'module.db.module.inner.aws_db_instance.x',
    ]);
  });

  it('says what would happen and what the policy denies, with the resource parts', () => {
    const [first, , , , nested] = evaluatePolicies('prod', databases, [protectDatabases], []);
    expect(first).toEqual({
      policy: 'protect-databases',
      stack: 'prod',
      level: 'error',
      address: 'aws_db_instance.main',
      resourceType: 'aws_db_instance',
      resourceName: 'main',
      message: 'protect-databases: aws_db_instance.main would be replaced (deny: delete, replace)',
    });
    expect(nested).toMatchObject({
      resourceType: 'aws_db_instance',
      resourceName: 'x',
      modulePath: 'module.db.module.inner',
      message:
        'protect-databases: module.db.module.inner.aws_db_instance.x would be destroyed (deny: delete, replace)',
    });
  });

  it('counts a replace as a delete too, but not as a create or update', () => {
    const replaced = plan(change('aws_db_instance.main', 'replace'));
    const deny = (actions: PolicyConfig['deny']): number =>
      evaluatePolicies('s', replaced, [policy({ name: 'p', deny: actions })], []).length;
    expect(deny(['delete'])).toBe(1);
    expect(deny(['replace'])).toBe(1);
    expect(deny(['create', 'update'])).toBe(0);
  });

  it('counts imports and moves alongside the main action, and nothing for forget', () => {
    const p = plan(
      change('aws_s3_bucket.imported', 'update', { importing: { id: 'b-1' } }),
      change('aws_s3_bucket.renamed', 'move', { moved: true, previousAddress: 'aws_s3_bucket.old' }),
      change('aws_s3_bucket.forgotten', 'forget'),
      change('data.aws_ami.ubuntu', 'read'),
    );
    const messages = (deny: PolicyConfig['deny']): string[] =>
      evaluatePolicies('s', p, [policy({ name: 'p', deny })], []).map((v) => v.message);
    expect(messages(['import'])).toEqual([
      'p: aws_s3_bucket.imported would be imported and updated (deny: import)',
    ]);
    expect(messages(['move'])).toEqual([
      'p: aws_s3_bucket.renamed would be moved from aws_s3_bucket.old (deny: move)',
    ]);
    expect(messages(['read'])).toEqual(['p: data.aws_ami.ubuntu would be read (deny: read)']);
    expect(messages(['delete', 'create'])).toEqual([]);
  });

  it('applies to every resource when resources is absent, and to none when it is empty', () => {
    const p = plan(change('a_b.c', 'create'), change('module.m.d_e.f', 'create'));
    expect(evaluatePolicies('s', p, [policy({ name: 'p', deny: ['create'] })], [])).toHaveLength(2);
    expect(evaluatePolicies('s', p, [policy({ name: 'p', deny: ['create'], resources: [] })], [])).toEqual(
      [],
    );
  });

  it('reads brackets literally: an exact index, or any index with a star', () => {
    const p = plan(
      change('aws_instance.web[0]', 'delete'),
      change('aws_instance.web[1]', 'delete'),
      change('aws_instance.web0', 'delete'),
      change('module.app["eu"].aws_instance.a', 'delete'),
      change('module.app.aws_instance.b', 'delete'),
    );
    const matched = (resources: string[]): (string | undefined)[] =>
      addresses(evaluatePolicies('s', p, [policy({ name: 'p', deny: ['delete'], resources })], []));
    // As a character class, `[0]` would match `web0` instead.
    expect(matched(['aws_instance.web[0]'])).toEqual(['aws_instance.web[0]']);
    expect(matched(['aws_instance.web[*]'])).toEqual(['aws_instance.web[0]', 'aws_instance.web[1]']);
    expect(matched(['module.app[*].*'])).toEqual(['module.app["eu"].aws_instance.a']);
  });

  it('reads real parsed plans: a replace and a delete', () => {
    const deny = [policy({ name: 'no-destroy', deny: ['delete'] })];
    expect(evaluatePolicies('s', fixturePlan('simple_object_replace'), deny, [])).toMatchObject([
      { address: 'tfcoremock_object.object', message: expect.stringContaining('would be replaced') },
    ]);
    expect(evaluatePolicies('s', fixturePlan('local_provider_delete'), deny, [])).toMatchObject([
      { address: 'local_file.local_file', resourceType: 'local_file', resourceName: 'local_file' },
    ]);
    expect(evaluatePolicies('s', fixturePlan('fully_populated_complex'), deny, [])).toEqual([]);
  });
});

describe('every address a resource has', () => {
  it('judges a moved resource by its previous address too: moved out of a protected one, still protected', () => {
    const moved = (address: string, from: string, action: ChangeAction) =>
      change(address, action, { previousAddress: from, moved: true });
    const p = plan(
      moved('module.store.aws_db_instance.x', 'module.db.aws_db_instance.x', 'replace'),
      moved('aws_s3_bucket.logs', 'aws_db_instance.old', 'delete'),
      moved('aws_db_instance.renamed', 'aws_instance.web', 'delete'), // moved into a protected address
      moved('aws_s3_bucket.kept', 'aws_db_instance.kept', 'update'),
    );
    const found = evaluatePolicies('s', p, [protectDatabases], []);
    expect(addresses(found)).toEqual([
      'module.store.aws_db_instance.x',
      'aws_s3_bucket.logs',
      'aws_db_instance.renamed',
    ]);
    expect(found[0]?.message).toBe(
      'protect-databases: module.store.aws_db_instance.x would be moved from module.db.aws_db_instance.x and replaced (deny: delete, replace)',
    );
  });
});

describe('unless-label and level', () => {
  const p = plan(change('aws_db_instance.main', 'delete'));

  it('keeps a waived violation, marks it, and does not fail the gate', () => {
    const violations = evaluatePolicies('prod', p, [protectDatabases], ['bug', 'Allow-Destroy']);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.waivedBy).toBe('allow-destroy');
    expect(policyGate(violations)).toEqual({ failed: false, errors: 0, warnings: 0, waived: 1 });
  });

  it('fails the gate without the label', () => {
    const violations = evaluatePolicies('prod', p, [protectDatabases], ['allow-destroy-later']);
    expect(violations[0]?.waivedBy).toBeUndefined();
    expect(policyGate(violations)).toEqual({ failed: true, errors: 1, warnings: 0, waived: 0 });
  });

  it('does not fail the gate at level warning', () => {
    const warn = { ...protectDatabases, level: 'warning' as const };
    const violations = evaluatePolicies('prod', p, [warn], []);
    expect(violations[0]?.level).toBe('warning');
    expect(policyGate(violations)).toEqual({ failed: false, errors: 0, warnings: 1, waived: 0 });
  });

  it('fails when errors and warnings mix', () => {
    const warn = { ...protectDatabases, name: 'soft', level: 'warning' as const };
    const gate = policyGate(evaluatePolicies('prod', p, [warn, protectDatabases], []));
    expect(gate).toEqual({ failed: true, errors: 1, warnings: 1, waived: 0 });
  });

  it('passes an empty list', () => {
    expect(policyGate([])).toEqual({ failed: false, errors: 0, warnings: 0, waived: 0 });
  });
});

describe('max-changes', () => {
  // 2 creates, 1 update, 1 delete, 1 replace (= 1 add + 1 destroy), 1 read: add 3, change 1, destroy 2.
  const p = plan(
    change('a_x.one', 'create'),
    change('a_x.two', 'create'),
    change('a_x.three', 'update'),
    change('module.m.a_x.four', 'delete'),
    change('a_x.five', 'replace'),
    change('data.a_x.six', 'read'),
  );

  it('counts add + change + destroy as tofu does and reports without an address', () => {
    const violations = evaluatePolicies('s', p, [policy({ name: 'small', maxChanges: 5 })], []);
    expect(violations).toEqual([
      {
        policy: 'small',
        stack: 's',
        level: 'error',
        message: 'small: 6 resource changes exceed the limit of 5 (3 to add, 1 to change, 2 to destroy)',
      },
    ]);
  });

  it('allows exactly the limit', () => {
    expect(evaluatePolicies('s', p, [policy({ name: 'small', maxChanges: 6 })], [])).toEqual([]);
  });

  it('counts only the resources the policy selects', () => {
    const scoped = policy({ name: 'small', maxChanges: 0, resources: ['module.m.*'] });
    expect(evaluatePolicies('s', p, [scoped], [])[0]?.message).toBe(
      'small: 1 resource changes exceed the limit of 0 (0 to add, 0 to change, 1 to destroy)',
    );
  });
});

describe('require-attributes', () => {
  const tagged = policy({
    name: 'tagged',
    resources: ['aws_*'],
    requireAttributes: { tags: ['owner', 'cost-center'] },
  });
  const withAfter = (address: string, after: PlanValue, action: ChangeAction = 'create'): ResourceChange =>
    change(address, action, { after });

  it('reports missing keys, a missing attribute and a non-map', () => {
    const p = plan(
      withAfter('aws_s3_bucket.partial', { tags: { owner: 'team-a', 'cost-center': null } }),
      withAfter('aws_s3_bucket.none', { bucket: 'b' }, 'update'),
      withAfter('aws_s3_bucket.listy', { tags: ['owner'] }, 'replace'),
    );
    expect(evaluatePolicies('s', p, [tagged], []).map((v) => v.message)).toEqual([
      'tagged: aws_s3_bucket.partial is missing tags.cost-center',
      'tagged: aws_s3_bucket.none is missing tags.owner, tags.cost-center',
      'tagged: aws_s3_bucket.listy is missing tags (not a map)',
    ]);
  });

  it('passes when the keys are present, whatever their values', () => {
    const p = plan(withAfter('aws_s3_bucket.ok', { tags: { owner: '', 'cost-center': UNKNOWN } }));
    expect(evaluatePolicies('s', p, [tagged], [])).toEqual([]);
  });

  it('does not fail on what the plan cannot know: an unknown or sensitive map, an unknown object', () => {
    const p = plan(
      withAfter('aws_s3_bucket.unknown_tags', { tags: UNKNOWN }),
      withAfter('aws_s3_bucket.secret_tags', { tags: SENSITIVE }),
      withAfter('aws_s3_bucket.unknown_all', UNKNOWN),
    );
    expect(evaluatePolicies('s', p, [tagged], [])).toEqual([]);
  });

  it('checks only created, updated and replaced resources the globs select', () => {
    const p = plan(
      withAfter('aws_s3_bucket.gone', { tags: {} }, 'delete'),
      withAfter('aws_s3_bucket.moved', { tags: {} }, 'move'),
      withAfter('google_storage_bucket.other', { labels: {} }),
      withAfter('aws_s3_bucket.new', { tags: {} }),
    );
    expect(addresses(evaluatePolicies('s', p, [tagged], []))).toEqual(['aws_s3_bucket.new']);
  });

  it('with no keys listed, only requires the attribute', () => {
    const p = plan(withAfter('aws_s3_bucket.a', { tags: 'x' }), withAfter('aws_s3_bucket.b', {}));
    const onlyAttribute = policy({ name: 'has-tags', requireAttributes: { tags: [] } });
    expect(evaluatePolicies('s', p, [onlyAttribute], []).map((v) => v.message)).toEqual([
      'has-tags: aws_s3_bucket.b is missing tags',
    ]);
  });

  it('works on a real parsed plan', () => {
    const p = fixturePlan('fully_populated_complex');
    const required = policy({ name: 'req', requireAttributes: { no_such_attribute: [] } });
    expect(evaluatePolicies('s', p, [required], [])).toMatchObject([
      {
        address: 'tfcoremock_complex_resource.complex',
        message: expect.stringMatching(/missing no_such_attribute$/),
      },
    ]);
  });
});

describe('several policies', () => {
  it('reports in config order, each rule once per resource', () => {
    const p = plan(change('aws_db_instance.main', 'replace', { after: { tags: {} } }));
    const violations = evaluatePolicies(
      's',
      p,
      [
        policy({ name: 'first', requireAttributes: { tags: ['owner'] } }),
        policy({ name: 'second', deny: ['delete', 'replace', 'create'] }),
        policy({ name: 'third', maxChanges: 1 }),
      ],
      [],
    );
    expect(violations.map((v) => v.policy)).toEqual(['first', 'second', 'third']);
  });
});
