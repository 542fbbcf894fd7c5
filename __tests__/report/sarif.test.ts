// The SARIF log of secret findings: valid by the official 2.1.0 schema, what code scanning needs, no secret.
import { describe, expect, it } from 'vitest';
import { renderSarif, scannerRules, type SarifSecret } from '../../src/report/sarif.js';
import { sarifValidator } from '../support/sarif.js';

const validate = sarifValidator();

function secret(overrides: Partial<SarifSecret> = {}): SarifSecret {
  return {
    rule: 'github-token',
    title: 'GitHub personal access token',
    masked: 'ghp_…x9Q',
    uri: 'stacks/app/main.tf',
    line: 3,
    column: 11,
    endColumn: 51,
    message: 'Possible GitHub personal access token (ghp_…x9Q).',
    ...overrides,
  };
}

describe('renderSarif', () => {
  it('the schema check catches a broken log (so a pass below means something)', () => {
    const log = renderSarif([secret()]) as unknown as { runs: { results: { level: string }[] }[] };
    log.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(log).join('\n')).toMatch(/level/);
  });

  it('is valid SARIF 2.1.0, empty or not', () => {
    expect(validate(renderSarif([]))).toEqual([]);
    expect(
      validate(
        renderSarif(
          [secret(), secret({ rule: 'private-key', title: 'RSA private key', commit: 'a'.repeat(40) })],
          ['Not scanned for secrets: 1 binary file(s) (logo.png).'],
        ),
      ),
    ).toEqual([]);
  });

  it('describes every rule of the scanner with id, name, short description and help', () => {
    const log = renderSarif([]);
    const rules = log.runs[0]!.tool.driver.rules ?? [];
    expect(rules.map((rule) => rule.id)).toEqual(scannerRules().map((rule) => rule.id));
    expect(rules.map((rule) => rule.id)).toEqual(
      expect.arrayContaining(['aws-access-key-id', 'private-key', 'generic-secret', 'url-credentials']),
    );
    for (const rule of rules) {
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(rule.shortDescription?.text).toMatch(/^Possible /);
      expect(rule.help?.text).toContain('rotate it');
    }
    expect(rules.find((rule) => rule.id === 'aws-access-key-id')?.name).toBe('AwsAccessKeyId');
  });

  it('places a result at its file, line and column, relative to the repository root', () => {
    const log = renderSarif([secret({ uri: 'env/prod #1/secrets.tfvars' })]);
    const result = log.runs[0]!.results![0]!;
    const rules = log.runs[0]!.tool.driver.rules!;
    expect(result.ruleId).toBe('github-token');
    expect(rules[result.ruleIndex!]!.id).toBe('github-token');
    expect(result.level).toBe('error');
    expect(result.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'env/prod%20%231/secrets.tfvars', uriBaseId: '%SRCROOT%' },
      region: { startLine: 3, startColumn: 11, endColumn: 51 },
    });
    expect(result.message.text).toBe('Possible GitHub personal access token (ghp_…x9Q).');
  });

  it('fingerprints a finding by rule, file and masked form: stable when lines move, distinct otherwise', () => {
    const print = (secrets: SarifSecret[]) =>
      renderSarif(secrets).runs[0]!.results!.map((result) => result.partialFingerprints?.['stackgate/v1']);
    const [first] = print([secret()]);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(print([secret({ line: 40, column: 2, endColumn: 42 })])).toEqual([first]);
    expect(print([secret({ uri: 'other.tf' })])).not.toEqual([first]);
    expect(print([secret({ masked: 'ghp_…abc' })])).not.toEqual([first]);
    // The same masked form twice in a file: two alerts, not one.
    const twice = print([secret(), secret({ line: 9 })]);
    expect(new Set(twice).size).toBe(2);
    expect(twice[0]).toBe(first);
  });

  it('names the commit of a secret that is only in the history', () => {
    const result = renderSarif([secret({ commit: 'b'.repeat(40) })]).runs[0]!.results![0]!;
    expect(result.properties).toEqual({ commit: 'b'.repeat(40) });
  });

  it('carries notices as tool notifications', () => {
    const log = renderSarif([], ['History not scanned for secrets: set `fetch-depth: 0`.']);
    expect(log.runs[0]!.invocations![0]!.toolExecutionNotifications).toEqual([
      { level: 'note', message: { text: 'History not scanned for secrets: set `fetch-depth: 0`.' } },
    ]);
  });
});
