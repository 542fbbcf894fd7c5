// A value the engine marked sensitive in one place is hidden wherever else the same plan shows it: providers
// derive attributes from sensitive inputs without marking them (terraform_data's `output` from `input`).
import { describe, expect, it } from 'vitest';
import { SensitiveMarker } from '../../src/plan/model.js';
import { SENSITIVE } from '../../src/plan/redact.js';
import { parseTerraformPlan } from '../../src/plan/terraform-json.js';
import { renderComment } from '../../src/report/markdown.js';
import { rawPlan } from './plan-builder.js';

const SECRET = 'hunter2-correct-horse';

function derivedPlan(output: unknown, input: unknown = SECRET) {
  return parseTerraformPlan(
    rawPlan([
      {
        address: 'terraform_data.app',
        actions: ['update'],
        before: { input: 'old-value-0001', output: 'old-value-0001' },
        after: { input, output },
        before_sensitive: { input: true },
        after_sensitive: { input: true },
      },
    ]),
  );
}

describe('known secrets', () => {
  it('hides an unmarked attribute equal to a marked value', () => {
    const plan = derivedPlan(SECRET);
    const after = plan.changes[0]?.after as Record<string, unknown>;
    expect(after.output).toBeInstanceOf(SensitiveMarker);
    expect(plan.secrets).toContain(SECRET);
  });

  it('hides a marked value inside a longer unmarked text, and the before value too', () => {
    const plan = derivedPlan(`postgres connection uses ${SECRET} today`);
    const after = plan.changes[0]?.after as Record<string, unknown>;
    expect(after.output).toBe('postgres connection uses (sensitive value) today');
    const before = plan.changes[0]?.before as Record<string, unknown>;
    expect(before.output).toBe(SENSITIVE);
  });

  it('never shows the secret in the rendered comment', () => {
    const plan = derivedPlan(SECRET);
    const body = renderComment({
      command: 'plan',
      header: '',
      repository: 'o/r',
      sha: 'a'.repeat(40),
      stacks: [{ name: 'app', path: 'app', engine: 'tofu', status: 'planned', plan, diagnostics: [] }],
      findings: [],
    }).body;
    expect(body).toContain('terraform_data.app');
    expect(body).not.toContain(SECRET);
  });

  it('leaves text alone that only equals a short marked value', () => {
    const plan = derivedPlan('admin', 'admin');
    const after = plan.changes[0]?.after as Record<string, unknown>;
    expect(after.input).toBeInstanceOf(SensitiveMarker);
    expect(after.output).toBe('admin');
  });

  it('treats regular-expression characters in a secret literally', () => {
    const plan = derivedPlan('x(a+b)*[c]?.y and more', 'x(a+b)*[c]?.y');
    const after = plan.changes[0]?.after as Record<string, unknown>;
    expect(after.output).toBe('(sensitive value) and more');
  });

  it('still hides whole values when the plan marks very many secrets', () => {
    const changes = Array.from({ length: 100 }, (_, index) => ({
      address: `terraform_data.app${index}`,
      actions: ['create'],
      after: { input: `secret-value-${index}-xyz`, output: `secret-value-${index}-xyz` },
      after_sensitive: { input: true },
    }));
    const plan = parseTerraformPlan(rawPlan(changes));
    for (const change of plan.changes) {
      expect((change.after as Record<string, unknown>).output).toBeInstanceOf(SensitiveMarker);
    }
  });
});
