// Policy cases found by mutation testing (issue 17): imports and moves (alone and with an update), a plain
// update under `deny: [update]`, required attributes present but null, exact messages and gate counts.
import { describe, expect, it } from 'vitest';
import type { PolicyConfig } from '../../src/config/types.js';
import type { ChangeAction, Plan, PlanValue, ResourceChange } from '../../src/plan/model.js';
import { evaluatePolicies, policyGate, type PolicyViolation } from '../../src/plan/policy.js';
import { SENSITIVE, UNKNOWN } from '../../src/plan/redact.js';
import { countChanges } from '../../src/plan/terraform-json.js';

function change(address: string, action: ChangeAction, extra: Partial<ResourceChange> = {}): ResourceChange {
  const [type = '', name = ''] = address.replace(/^(module\.[^.]+\.)+/, '').split('.');
  const moduleAddress = /^((?:module\.[^.]+\.?)+)\./.exec(address)?.[1] ?? '';
  return {
    address,
    mode: 'managed',
    type,
    name,
    moduleAddress: moduleAddress.replace(/\.$/, ''),
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

const evaluate = (p: PolicyConfig, ...changes: ResourceChange[]): PolicyViolation[] =>
  evaluatePolicies('app', plan(...changes), [p], []);
const messages = (violations: PolicyViolation[]): string[] => violations.map((v) => v.message);

describe('deny: each action on its own', () => {
  const cases: [ChangeAction, Partial<ResourceChange>, string][] = [
    ['create', {}, 'created'],
    ['update', {}, 'updated'],
    ['delete', {}, 'destroyed'],
    ['read', {}, 'read'],
  ];
  it.each(cases)('deny: [%s] fires on a plain %s and on nothing else', (action, extra, verb) => {
    const p = policy({ name: 'no', deny: [action as PolicyConfig['deny'][number]] });
    expect(messages(evaluate(p, change('x.a', action, extra)))).toStrictEqual([
      `no: x.a would be ${verb} (deny: ${action})`,
    ]);
    const others = (['create', 'update', 'delete', 'read', 'forget', 'no-op'] as ChangeAction[]).filter(
      (other) => other !== action,
    );
    for (const other of others) expect(evaluate(p, change('x.b', other))).toStrictEqual([]);
  });

  it('deny: [update] fires on a plain in-place update', () => {
    const violations = evaluate(
      policy({ name: 'frozen', deny: ['update'] }),
      change('aws_s3_bucket.logs', 'update'),
    );
    expect(violations).toStrictEqual([
      {
        policy: 'frozen',
        stack: 'app',
        level: 'error',
        address: 'aws_s3_bucket.logs',
        resourceType: 'aws_s3_bucket',
        resourceName: 'logs',
        message: 'frozen: aws_s3_bucket.logs would be updated (deny: update)',
      },
    ]);
  });

  it('a replace is replace and delete, never create or update', () => {
    const replaced = change('x.r', 'replace');
    expect(messages(evaluate(policy({ name: 'p', deny: ['delete'] }), replaced))).toStrictEqual([
      'p: x.r would be replaced (deny: delete)',
    ]);
    expect(evaluate(policy({ name: 'p', deny: ['replace'] }), replaced)).toHaveLength(1);
    expect(evaluate(policy({ name: 'p', deny: ['create', 'update'] }), replaced)).toStrictEqual([]);
  });

  it('forget matches nothing, not even delete', () => {
    const all: PolicyConfig['deny'] = ['create', 'update', 'delete', 'replace', 'read', 'import', 'move'];
    expect(evaluate(policy({ name: 'p', deny: all }), change('x.f', 'forget'))).toStrictEqual([]);
  });
});

describe('deny: imports and moves', () => {
  const imported = change('aws_instance.web', 'import', { importing: { id: 'i-123' } });
  const importedAndUpdated = change('aws_instance.web', 'update', { importing: { id: 'i-123' } });
  const moved = change('aws_instance.new', 'move', { moved: true, previousAddress: 'aws_instance.old' });
  const movedAndUpdated = change('aws_instance.new', 'update', {
    moved: true,
    previousAddress: 'aws_instance.old',
  });
  const movedAndReplaced = change('aws_instance.new', 'replace', {
    moved: true,
    previousAddress: 'aws_instance.old',
  });

  it('deny: [import] fires on a pure import and on an import that also updates', () => {
    const p = policy({ name: 'no-imports', deny: ['import'] });
    expect(messages(evaluate(p, imported))).toStrictEqual([
      'no-imports: aws_instance.web would be imported (deny: import)',
    ]);
    expect(messages(evaluate(p, importedAndUpdated))).toStrictEqual([
      'no-imports: aws_instance.web would be imported and updated (deny: import)',
    ]);
    expect(evaluate(p, change('aws_instance.web', 'update'))).toStrictEqual([]);
  });

  it('an import that also updates is an update too, and a pure import is not', () => {
    const p = policy({ name: 'frozen', deny: ['update'] });
    expect(evaluate(p, importedAndUpdated)).toHaveLength(1);
    expect(evaluate(p, imported)).toStrictEqual([]);
  });

  it('deny: [move] fires on a pure move and on a move that also updates or replaces', () => {
    const p = policy({ name: 'no-moves', deny: ['move'] });
    expect(messages(evaluate(p, moved))).toStrictEqual([
      'no-moves: aws_instance.new would be moved from aws_instance.old (deny: move)',
    ]);
    expect(messages(evaluate(p, movedAndUpdated))).toStrictEqual([
      'no-moves: aws_instance.new would be moved from aws_instance.old and updated (deny: move)',
    ]);
    expect(messages(evaluate(p, movedAndReplaced))).toStrictEqual([
      'no-moves: aws_instance.new would be moved from aws_instance.old and replaced (deny: move)',
    ]);
    expect(evaluate(p, change('aws_instance.new', 'update'))).toStrictEqual([]);
  });

  it('a move that also updates is an update, and a pure move is not', () => {
    const p = policy({ name: 'frozen', deny: ['update'] });
    expect(evaluate(p, movedAndUpdated)).toHaveLength(1);
    expect(evaluate(p, moved)).toStrictEqual([]);
  });

  it('says "moved" when the previous address is unknown, and lists every denied action', () => {
    const p = policy({ name: 'p', deny: ['move', 'import'] });
    const both = change('x.y', 'move', { moved: true, importing: {} });
    expect(messages(evaluate(p, both))).toStrictEqual([
      'p: x.y would be imported and moved (deny: move, import)',
    ]);
  });

  it('takes the action itself for an import or a move, without the importing or moved fields', () => {
    const bareImport = change('x.i', 'import');
    const bareMove = change('x.m', 'move');
    expect(messages(evaluate(policy({ name: 'p', deny: ['import'] }), bareImport))).toStrictEqual([
      'p: x.i would be imported (deny: import)',
    ]);
    expect(messages(evaluate(policy({ name: 'p', deny: ['move'] }), bareMove))).toStrictEqual([
      'p: x.m would be moved (deny: move)',
    ]);
  });

  it('gives one violation per resource even when several denied actions apply', () => {
    const p = policy({ name: 'p', deny: ['replace', 'delete', 'move'] });
    expect(evaluate(p, movedAndReplaced)).toHaveLength(1);
  });
});

describe('resource selection and violation fields', () => {
  it('an empty resources list selects nothing; an absent one selects everything', () => {
    const del = change('x.y', 'delete');
    expect(evaluate(policy({ name: 'p', deny: ['delete'], resources: [] }), del)).toStrictEqual([]);
    expect(evaluate(policy({ name: 'p', deny: ['delete'] }), del)).toHaveLength(1);
  });

  it('matches a slash inside a for_each key with *, and dot-files style names', () => {
    const p = policy({ name: 'p', deny: ['delete'], resources: ['aws_s3_object.files[*]'] });
    expect(evaluate(p, change('aws_s3_object.files["a/b/.c"]', 'delete'))).toHaveLength(1);
    expect(evaluate(p, change('aws_s3_object.other["a/b"]', 'delete'))).toStrictEqual([]);
  });

  it('names the module of a resource inside one, and no module for a root resource', () => {
    const [inModule] = evaluate(
      policy({ name: 'p', deny: ['delete'] }),
      change('module.db.aws_db_instance.main', 'delete'),
    );
    expect(inModule).toStrictEqual({
      policy: 'p',
      stack: 'app',
      level: 'error',
      address: 'module.db.aws_db_instance.main',
      resourceType: 'aws_db_instance',
      resourceName: 'main',
      modulePath: 'module.db',
      message: 'p: module.db.aws_db_instance.main would be destroyed (deny: delete)',
    });
    const [root] = evaluate(
      policy({ name: 'p', deny: ['delete'] }),
      change('aws_db_instance.main', 'delete'),
    );
    expect(root).not.toHaveProperty('modulePath');
    expect(root).not.toHaveProperty('waivedBy');
  });

  it('waives by label case-insensitively and keeps the policy’s own spelling', () => {
    const p = policy({ name: 'p', deny: ['delete'], unlessLabel: 'Allow-Destroy', level: 'warning' });
    const [v] = evaluatePolicies('app', plan(change('x.y', 'delete')), [p], ['allow-destroy']);
    expect(v?.waivedBy).toBe('Allow-Destroy');
    expect(v?.level).toBe('warning');
    expect(evaluatePolicies('app', plan(change('x.y', 'delete')), [p], ['other'])[0]).not.toHaveProperty(
      'waivedBy',
    );
  });
});

describe('max-changes', () => {
  it('allows exactly the limit and reports one over it with the counts', () => {
    const p = policy({ name: 'small', maxChanges: 3 });
    const three = [change('a.a', 'create'), change('a.b', 'update'), change('a.c', 'delete')];
    expect(evaluate(p, ...three)).toStrictEqual([]);
    expect(evaluate(p, ...three, change('a.d', 'replace'))).toStrictEqual([
      {
        policy: 'small',
        stack: 'app',
        level: 'error',
        message: 'small: 5 resource changes exceed the limit of 3 (2 to add, 1 to change, 2 to destroy)',
      },
    ]);
  });

  it('does not count reads, moves, imports or forgets', () => {
    const p = policy({ name: 'none', maxChanges: 0 });
    const quiet = [
      change('a.r', 'read'),
      change('a.m', 'move', { moved: true }),
      change('a.i', 'import', { importing: {} }),
      change('a.f', 'forget'),
    ];
    expect(evaluate(p, ...quiet)).toStrictEqual([]);
    expect(evaluate(p, change('a.u', 'update'))).toHaveLength(1);
  });
});

describe('require-attributes', () => {
  const tagged = policy({ name: 'tags', requireAttributes: { tags: ['owner', 'env'], region: [] } });
  const withAfter = (after: PlanValue | undefined, action: ChangeAction = 'create'): ResourceChange =>
    change('aws_instance.web', action, after === undefined ? {} : { after });

  it('reports an attribute present but null as missing', () => {
    expect(messages(evaluate(tagged, withAfter({ tags: null, region: null })))).toStrictEqual([
      'tags: aws_instance.web is missing tags.owner, tags.env, region',
    ]);
  });

  it('reports a key present but null as missing, and keeps the listed keys’ order', () => {
    expect(
      messages(evaluate(tagged, withAfter({ tags: { env: 'prod', owner: null }, region: 'eu' }))),
    ).toStrictEqual(['tags: aws_instance.web is missing tags.owner']);
  });

  it('reports a value that is not a map when keys are listed', () => {
    for (const tags of ['owner=me', ['owner'], 3, false] as PlanValue[]) {
      expect(messages(evaluate(tagged, withAfter({ tags, region: 'eu' })))).toStrictEqual([
        'tags: aws_instance.web is missing tags (not a map)',
      ]);
    }
  });

  it('accepts any non-null value for an attribute listed without keys', () => {
    for (const region of ['eu', 0, false, [], {}] as PlanValue[]) {
      expect(evaluate(tagged, withAfter({ tags: { owner: 'me', env: 'x' }, region }))).toStrictEqual([]);
    }
  });

  it('skips what cannot be known: unknown or sensitive values, attributes or keys', () => {
    const unknown = UNKNOWN;
    const sensitive = SENSITIVE;
    expect(evaluate(tagged, withAfter(unknown))).toStrictEqual([]);
    expect(evaluate(tagged, withAfter(sensitive))).toStrictEqual([]);
    expect(evaluate(tagged, withAfter({ tags: unknown, region: sensitive }))).toStrictEqual([]);
    expect(
      evaluate(tagged, withAfter({ tags: { owner: unknown, env: sensitive }, region: 'eu' })),
    ).toStrictEqual([]);
  });

  it('checks created, updated and replaced resources only', () => {
    const bare = { other: 1 };
    for (const action of ['create', 'update', 'replace'] as ChangeAction[]) {
      expect(evaluate(tagged, withAfter(bare, action))).toHaveLength(1);
    }
    for (const action of ['delete', 'read', 'move', 'import', 'forget'] as ChangeAction[]) {
      expect(evaluate(tagged, withAfter(bare, action))).toStrictEqual([]);
    }
  });

  it('checks nothing without an after map, nor when nothing is required', () => {
    expect(evaluate(tagged, withAfter(undefined))).toStrictEqual([]);
    expect(evaluate(tagged, change('aws_instance.web', 'create', { after: null }))).toStrictEqual([]);
    expect(evaluate(tagged, withAfter(['a']))).toStrictEqual([]);
    expect(evaluate(policy({ name: 'none' }), withAfter({}))).toStrictEqual([]);
  });
});

describe('policyGate', () => {
  const v = (level: 'error' | 'warning', waivedBy?: string): PolicyViolation => ({
    policy: 'p',
    stack: 's',
    level,
    message: 'm',
    ...(waivedBy ? { waivedBy } : {}),
  });

  it('counts unwaived errors and warnings apart from waived ones', () => {
    expect(
      policyGate([v('error'), v('error'), v('warning'), v('error', 'ok'), v('warning', 'ok')]),
    ).toStrictEqual({
      failed: true,
      errors: 2,
      warnings: 1,
      waived: 2,
    });
  });

  it('passes with only warnings or waived errors, and with nothing', () => {
    expect(policyGate([v('warning'), v('error', 'ok')])).toStrictEqual({
      failed: false,
      errors: 0,
      warnings: 1,
      waived: 1,
    });
    expect(policyGate([])).toStrictEqual({ failed: false, errors: 0, warnings: 0, waived: 0 });
  });
});
