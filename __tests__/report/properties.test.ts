// Property-based tests over generated plan JSON and generated names: whatever a plan holds, rendering never
// throws, never loses a changed address, never shows a value under a secret-looking name, and never emits a
// workflow command or a control character outside the allowed ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTerraformPlan } from '../../src/plan/terraform-json.js';
import { redactText } from '../../src/plan/redact.js';
import { logSafe, stripControl } from '../../src/report/escape.js';
import { COMMENT_MAX_LENGTH, renderComment, renderSummary } from '../../src/report/markdown.js';
import type { RunReport } from '../../src/report/types.js';
import { isSecretName } from '../../src/scan/names.js';

const RUNS = Number(process.env.STACKGATE_PROPERTY_RUNS ?? 150);

// Text an attacker would choose: workflow commands, fences, HTML, mentions, ANSI and other control characters.
const HOSTILE = [
  '\n::error::forged',
  '\n::add-mask::x',
  '::set-output name=a::b',
  '##[error]legacy',
  '```',
  '</details>',
  '<img src=x>',
  '@admin',
  '#1',
  '\u001b[31m',
  '\u001b]8;;https://evil.example\u0007',
  '\u0000',
  '\r',
  '\u202e',
  'https://evil.example',
  'www.evil.example',
  '{"$sensitive":true}',
  '{"$unknown":true}',
  '$sensitive',
];

const hostileText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...HOSTILE),
      fc.string({ maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 6 }),
    ),
    {
      maxLength: 5,
    },
  )
  .map((parts) => parts.join(''));

// Names that look secret, in the shapes real configurations use.
const SECRET_STEMS = [
  'password',
  'passwords',
  'pgpassword',
  'db_pass',
  'secret',
  'secrets',
  'token',
  'tokens',
  'api_key',
  'auth_key',
  'signing_key',
  'private_key',
  'client_secret',
  'Authorization',
  'credentials',
  'connection_string',
];
const secretName = fc
  .tuple(fc.constantFrom('', 'db_', 'app-', 'MY_', 'x.'), fc.constantFrom(...SECRET_STEMS), fc.boolean())
  .map(([prefix, stem, upper]) => `${prefix}${upper ? stem.toUpperCase() : stem}`);
const plainName = fc.constantFrom('name', 'region', 'cidr', 'size', 'tags', 'port', 'rule', 'labels');

/** A value to hide: recognisable, and long enough that finding it anywhere in the output is meaningful. */
const secretValue = fc.stringMatching(/^[a-z0-9]{10}$/).map((body) => `sv${body}`);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Generated {
  value: Json;
  secrets: string[];
}

/** A value tree with secrets under secret-looking names, in pairs, JSON strings, heredocs and URLs. */
const valueWithSecrets: fc.Arbitrary<Generated> = fc.letrec<{ node: Generated }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .oneof(hostileText, fc.integer(), fc.boolean(), fc.constant(null))
      .map((value) => ({ value, secrets: [] })),
    fc
      .tuple(secretName, secretValue)
      .map(([name, secret]) => ({ value: { [name]: secret }, secrets: [secret] })),
    fc.tuple(secretName, secretValue).map(([name, secret]) => ({
      value: { name: name.toUpperCase(), value: secret },
      secrets: [secret],
    })),
    fc.tuple(secretName, secretValue).map(([name, secret]) => ({
      value: JSON.stringify({ [name]: secret, other: 'kept' }),
      secrets: [secret],
    })),
    fc.tuple(secretName, secretValue).map(([name, secret]) => ({
      value: `#!/bin/sh\nexport ${name.replace(/[^A-Za-z0-9_]/g, '_')}=${secret}\necho done\n`,
      secrets: [secret],
    })),
    secretValue.map((secret) => ({ value: `postgres://app:${secret}@db.internal/app`, secrets: [secret] })),
    fc.array(tie('node'), { maxLength: 3 }).map((items) => ({
      value: items.map((item) => item.value),
      secrets: items.flatMap((item) => item.secrets),
    })),
    fc.array(fc.tuple(plainName, tie('node')), { maxLength: 3 }).map((entries) => ({
      value: Object.fromEntries(entries.map(([key, item]) => [key, item.value])),
      secrets: entries.flatMap(([, item]) => item.secrets),
    })),
  ),
})).node;

const ACTIONS = [
  ['create'],
  ['update'],
  ['delete'],
  ['delete', 'create'],
  ['create', 'delete'],
  ['read'],
  ['no-op'],
];

const address = fc
  .tuple(
    fc.constantFrom('aws_instance', 'terraform_data', 'google_bucket'),
    fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/),
    fc.option(
      fc.oneof(
        fc.nat(9).map(String),
        hostileText.map((key) => JSON.stringify(key.replace(/\|/g, ''))),
      ),
      {
        nil: undefined,
      },
    ),
    fc.option(fc.stringMatching(/^module\.[a-z]{1,6}$/), { nil: undefined }),
  )
  .map(([type, name, key, module]) => ({
    type,
    name,
    address: `${module ? `${module}.` : ''}${type}.${name}${key !== undefined ? `[${key}]` : ''}`,
  }));

const change = fc.record({
  where: address,
  actions: fc.constantFrom(...ACTIONS),
  before: valueWithSecrets,
  after: valueWithSecrets,
  sensitive: fc.boolean(),
  unknown: fc.boolean(),
  moved: fc.boolean(),
});

type GeneratedChange = typeof change extends fc.Arbitrary<infer T> ? T : never;

function planJson(changes: GeneratedChange[]): Record<string, unknown> {
  const seen = new Set<string>();
  return {
    format_version: '1.2',
    planned_values: {},
    resource_changes: changes
      .filter(({ where }) => !seen.has(where.address) && seen.add(where.address))
      .map(({ where, actions, before, after, sensitive, unknown, moved }) => ({
        address: where.address,
        ...(moved ? { previous_address: `${where.address}_old` } : {}),
        mode: actions[0] === 'read' ? 'data' : 'managed',
        type: where.type,
        name: where.name,
        provider_name: 'registry.opentofu.org/hashicorp/test',
        change: {
          actions,
          before: actions[0] === 'create' && actions.length === 1 ? null : { attr: before.value },
          after: actions[0] === 'delete' && actions.length === 1 ? null : { attr: after.value },
          before_sensitive: sensitive ? { attr: true } : {},
          after_sensitive: sensitive ? { attr: true } : {},
          after_unknown: unknown ? { computed: true } : {},
        },
      })),
  };
}

function reportOf(plan: ReturnType<typeof parseTerraformPlan>, name: string): RunReport {
  return {
    command: 'plan',
    header: '',
    repository: 'o/r',
    sha: 'abc',
    stacks: [
      {
        name,
        path: name,
        engine: 'tofu',
        status: plan.hasChanges ? 'planned' : 'no-changes',
        plan,
        diagnostics: [],
      },
    ],
  };
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('rendering generated plans', () => {
  it('never throws, never loses a changed address, never shows a secret, never emits control characters', () => {
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 6 }), hostileText, (changes, stackName) => {
        const json = planJson(changes);
        const plan = parseTerraformPlan(json);
        const report = reportOf(plan, stackName || 'stack');
        const comment = renderComment(report).body;
        const summary = renderSummary(report);
        expect(comment.length).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);

        // Every change that is not a no-op is listed by address, as the engine wrote it (minus control characters).
        for (const entry of json.resource_changes as { address: string; change: { actions: string[] } }[]) {
          if (entry.change.actions.join() === 'no-op' && !('previous_address' in entry)) continue;
          expect(summary).toContain(stripControl(entry.address).replace(/\n/g, ' ').slice(0, 40));
        }
        const secrets = changes.flatMap((c) => [...c.before.secrets, ...c.after.secrets]);
        for (const secret of secrets) {
          expect(comment).not.toContain(secret);
          expect(summary).not.toContain(secret);
        }
        expect(comment).not.toMatch(FORBIDDEN_CONTROL);
        expect(summary).not.toMatch(FORBIDDEN_CONTROL);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('names and log lines', () => {
  it('a log line from repository text never acts as a workflow command or carries control characters', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const line = logSafe(text);
        expect(line).not.toMatch(/[\n\r]/);
        expect(line).not.toContain('::');
        expect(line).not.toContain('##[');
        expect(line).not.toMatch(FORBIDDEN_CONTROL);
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('a secret-looking name is one whatever its case, prefix or plural, and its value is hidden in text', () => {
    fc.assert(
      fc.property(secretName, secretValue, fc.constantFrom('=', ': ', ' = '), (name, value, op) => {
        expect(isSecretName(name)).toBe(true);
        expect(redactText(`${name}${op}${value}`)).not.toContain(value);
        expect(redactText(`${name}${op}"${value}"`)).not.toContain(value);
      }),
      { numRuns: RUNS },
    );
  });
});
