// A matrix job's plan goes through a JSON artifact: what `command: report` renders from it must be what the job
// itself would have rendered, and the document must never carry a raw secret.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTerraformPlan } from '../../src/plan/terraform-json.js';
import {
  ArtifactFormatError,
  decodeDetectArtifact,
  decodePlanArtifact,
  encodeDetectArtifact,
  encodePlanArtifact,
  isPlanArtifactName,
  planArtifactName,
  type PlanArtifact,
} from '../../src/report/artifact.js';
import { renderComment } from '../../src/report/markdown.js';
import type { RunReport, StackReport } from '../../src/report/types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tofu-plans');
const PLANTED = 'planted-s3cret-9f2c1e';

function stackOf(name: string, json: unknown): StackReport {
  const plan = parseTerraformPlan(json, `${name}/plan.json`);
  return { name, path: `stacks/${name}`, engine: 'tofu', status: 'planned', plan, diagnostics: [] };
}

function artifactOf(stacks: StackReport[]): PlanArtifact {
  return {
    kind: 'stackgate-plan',
    version: 1,
    header: '',
    sha: 'a'.repeat(40),
    pullNumber: 7,
    runAttempt: '1',
    entry: stacks.map((stack) => stack.name),
    stacks,
    findings: [],
    policyViolations: [],
    openDrift: [],
  };
}

function reportOf(stacks: StackReport[]): RunReport {
  return {
    command: 'plan',
    header: '',
    repository: 'octo/infra',
    sha: 'a'.repeat(40),
    pullNumber: 7,
    stacks,
  };
}

/** A plan with a sensitive password (planted), a value known after apply, and user data that looks like a tag. */
const sensitivePlan = {
  format_version: '1.2',
  terraform_version: '1.11.6',
  resource_changes: [
    {
      address: 'terraform_data.db',
      mode: 'managed',
      type: 'terraform_data',
      name: 'db',
      provider_name: 'terraform.io/builtin/terraform',
      change: {
        actions: ['update'],
        before: { input: { password: 'old-value', user: 'app' }, output: 'x' },
        after: { input: { password: PLANTED, user: 'app', tag: { $: 'sensitive' } }, output: null },
        after_unknown: { output: true },
        before_sensitive: { input: { password: true } },
        after_sensitive: { input: { password: true } },
      },
    },
  ],
};

describe('plan artifacts', () => {
  it('render, after the round trip, exactly as before it, for every real OpenTofu fixture', () => {
    for (const name of readdirSync(FIXTURES).sort()) {
      const json = JSON.parse(readFileSync(join(FIXTURES, name, 'plan.json'), 'utf8')) as unknown;
      const stack = stackOf(name, json);
      const back = decodePlanArtifact(encodePlanArtifact(artifactOf([stack])));
      expect(renderComment(reportOf(back.stacks)).body, name).toBe(renderComment(reportOf([stack])).body);
    }
  });

  it('keep sensitive and unknown markers but never the raw secret', () => {
    const stack = stackOf('db', sensitivePlan);
    expect(stack.plan?.secrets).toContain(PLANTED);
    const text = encodePlanArtifact(artifactOf([stack]));
    expect(text).not.toContain(PLANTED);
    const back = decodePlanArtifact(text);
    expect(back.stacks[0]?.plan?.secrets).toEqual([]);
    const before = renderComment(reportOf([stack])).body;
    expect(before).toContain('(sensitive value)');
    expect(before).toContain('(known after apply)');
    expect(renderComment(reportOf(back.stacks)).body).toBe(before);
  });

  it('read a user object shaped like a tag as data, not as a marker', () => {
    const back = decodePlanArtifact(encodePlanArtifact(artifactOf([stackOf('db', sensitivePlan)])));
    const after = back.stacks[0]?.plan?.changes[0]?.after as { input: { tag: unknown } };
    expect(after.input.tag).toEqual({ $: 'sensitive' });
  });

  it('refuse another version, a broken document or a wrong field, saying which', () => {
    const good = JSON.parse(encodePlanArtifact(artifactOf([]))) as Record<string, unknown>;
    expect(() => decodePlanArtifact(JSON.stringify({ ...good, version: 2 }))).toThrow(
      /version 2; this Stackgate reads version 1/,
    );
    expect(() => decodePlanArtifact('{')).toThrow(ArtifactFormatError);
    expect(() =>
      decodePlanArtifact(
        JSON.stringify({
          ...good,
          stacks: [{ name: 'a', path: 'a', engine: 'tofu', status: 'done', diagnostics: [] }],
        }),
      ),
    ).toThrow(/stacks\[0\]\.status: expected one of/);
    expect(() => decodePlanArtifact(JSON.stringify({ ...good, kind: 'other' }))).toThrow(
      /not a stackgate-plan/,
    );
  });

  it('are named per header, entry and attempt, whatever the order of the entry', () => {
    const name = planArtifactName('', ['b', 'a'], '1');
    expect(name).toBe(planArtifactName('', ['a', 'b'], '1'));
    expect(name).not.toBe(planArtifactName('', ['a', 'b'], '2'));
    expect(name).toMatch(/^stackgate-plan-[0-9a-f]{8}-[0-9a-f]{16}-a1\.json$/);
    expect(isPlanArtifactName(name, '')).toBe(true);
    expect(isPlanArtifactName(name, 'prod')).toBe(false);
  });
});

describe('detect artifacts', () => {
  it('round-trip the expected entries and the stacks left out', () => {
    const detect = {
      kind: 'stackgate-detect' as const,
      version: 1 as const,
      header: 'prod',
      sha: 'b'.repeat(40),
      runAttempt: '1',
      entries: [['stacks/a'], ['stacks/b', 'stacks/c']],
      affected: [{ name: 'stacks/a', path: 'stacks/a', engine: 'tofu' as const }],
      unaffected: [{ name: 'stacks/d', path: 'stacks/d', engine: 'terraform' as const }],
      findings: [],
    };
    expect(decodeDetectArtifact(encodeDetectArtifact(detect))).toEqual(detect);
  });
});
