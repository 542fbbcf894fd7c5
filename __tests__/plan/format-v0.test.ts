// Plans in JSON format_version 0.x (Terraform 0.12–0.15) are read best effort. No 0.x engine runs here, so each
// real OpenTofu fixture is taken back to the 0.x shape by removing what later releases added: the comment for
// the plan must stay the same wherever the older shape carries the same facts.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlanFormatError, parseTerraformPlan } from '../../src/plan/terraform-json.js';
import { renderStackSection } from '../../src/report/markdown.js';
import type { StackReport } from '../../src/report/types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tofu-plans');
type Json = Record<string, unknown>;

/** Fields of a resource change that Terraform 0.15 (format 0.2) did not write. */
const CHANGE_FIELDS_AFTER_1_0 = ['previous_address', 'action_reason'];
const CHANGE_BODY_FIELDS_AFTER_1_0 = ['replace_paths', 'importing'];
const ROOT_FIELDS_AFTER_1_0 = ['resource_drift', 'relevant_attributes', 'checks', 'errored', 'timestamp'];

/**
 * The fixture as an older Terraform would have written it. `marks`: keep before_sensitive/after_sensitive
 * (0.14 and 0.15), or drop them too (0.12 and 0.13).
 */
function downgrade(plan: Json, version: string, marks: boolean): Json {
  const old = structuredClone(plan);
  old.format_version = version;
  old.terraform_version = marks ? '0.15.5' : '0.12.31';
  for (const field of ROOT_FIELDS_AFTER_1_0) delete old[field];
  for (const entry of (old.resource_changes as Json[] | undefined) ?? []) {
    for (const field of CHANGE_FIELDS_AFTER_1_0) delete entry[field];
    const change = entry.change as Json;
    for (const field of CHANGE_BODY_FIELDS_AFTER_1_0) delete change[field];
    if (!marks) {
      delete change.before_sensitive;
      delete change.after_sensitive;
    }
  }
  return old;
}

/** Fixtures whose plans use nothing the 0.x format lacked (no moves, imports, drift or forced replace paths). */
function comparable(plan: Json): boolean {
  if (((plan.resource_drift as unknown[] | undefined) ?? []).length > 0) return false;
  return ((plan.resource_changes as Json[] | undefined) ?? []).every((entry) => {
    const change = entry.change as Json;
    const actions = change.actions as string[];
    const hasSensitive = JSON.stringify([change.before_sensitive, change.after_sensitive]).includes('true');
    return (
      (entry.previous_address === undefined || entry.previous_address === entry.address) &&
      change.importing === undefined &&
      !(actions.includes('delete') && actions.includes('create')) &&
      !hasSensitive
    );
  });
}

function section(json: unknown): string {
  const plan = parseTerraformPlan(json, 'plan.json');
  const stack: StackReport = {
    name: 'app',
    path: 'stacks/app',
    engine: 'terraform',
    status: 'planned',
    plan: { ...plan, engineVersion: undefined, formatVersion: undefined },
    diagnostics: [],
  };
  return renderStackSection(stack);
}

const cases = readdirSync(FIXTURES)
  .sort()
  .map((name) => ({
    name,
    plan: JSON.parse(readFileSync(join(FIXTURES, name, 'plan.json'), 'utf8')) as Json,
  }))
  .filter((entry) => comparable(entry.plan));

describe('plan JSON format_version 0.x', () => {
  it('has enough comparable fixtures to mean something', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases.map((entry) => [entry.name, entry.plan] as const))(
    '%s in the 0.15 shape (format 0.2) renders exactly as in 1.x',
    (_, plan) => {
      const old = parseTerraformPlan(downgrade(plan, '0.2', true));
      expect(old.diagnostics).toEqual([]);
      expect(section(downgrade(plan, '0.2', true))).toBe(section(plan));
    },
  );

  it.each(cases.map((entry) => [entry.name, entry.plan] as const))(
    '%s in the 0.12 shape (format 0.1) renders the same changes, with a warning about sensitivity',
    (_, plan) => {
      const old = parseTerraformPlan(downgrade(plan, '0.1', false));
      const current = parseTerraformPlan(plan);
      expect(old.changes.map((change) => [change.address, change.action])).toEqual(
        current.changes.map((change) => [change.address, change.action]),
      );
      expect(old.counts).toEqual(current.counts);
      if (current.changes.length > 0) {
        expect(old.diagnostics).toEqual([
          expect.objectContaining({
            severity: 'warning',
            summary: 'Plan JSON format 0.1 (Terraform before 0.14) does not mark sensitive values',
          }),
        ]);
      }
    },
  );

  it('still hides values under secret-looking names when a 0.12 plan marks nothing', () => {
    const plan = parseTerraformPlan({
      format_version: '0.1',
      terraform_version: '0.12.31',
      resource_changes: [
        {
          address: 'aws_db_instance.main',
          mode: 'managed',
          type: 'aws_db_instance',
          name: 'main',
          provider_name: 'aws',
          change: {
            actions: ['create'],
            before: null,
            after: { engine: 'postgres', password: 'hunter2-correct-horse' },
            after_unknown: { id: true },
          },
        },
      ],
    });
    const text = section({
      format_version: '0.1',
      resource_changes: [
        {
          address: 'aws_db_instance.main',
          change: {
            actions: ['create'],
            before: null,
            after: { engine: 'postgres', password: 'hunter2-correct-horse' },
            after_unknown: {},
          },
        },
      ],
    });
    expect(plan.changes).toHaveLength(1);
    expect(plan.secrets).toContain('hunter2-correct-horse');
    expect(text).toContain('"postgres"');
    expect(text).not.toContain('hunter2-correct-horse');
  });

  it.each(['2.0', '9.1', '10', 'one'])(
    'refuses an unknown format_version %s, saying what it reads',
    (version) => {
      const parse = (): unknown =>
        parseTerraformPlan({ format_version: version, resource_changes: [] }, 'p.json');
      expect(parse).toThrow(PlanFormatError);
      expect(parse).toThrow(
        `p.json: not a Terraform/OpenTofu plan: unsupported format_version "${version}" (Stackgate reads 1.x, and 0.x of Terraform 0.12–0.15 best effort)`,
      );
    },
  );

  it('reads every 0.x and 1.x version and refuses every other, naming it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9]{1,2}(\.[0-9]{1,2}){0,2}$/), fc.string()), (version) => {
        const parse = (): unknown => parseTerraformPlan({ format_version: version, resource_changes: [] });
        if (/^[01](\.|$)/.test(version)) expect(parse).not.toThrow();
        else expect(parse).toThrow(`unsupported format_version "${version}"`);
      }),
    );
  });
});
