import { describe, expect, it } from 'vitest';
import { isSecretName, secretEnvironmentValues } from '../../src/scan/names.js';
import { looksSecret } from '../../src/plan/redact.js';
import { isSecretName as scannerName } from '../../src/scan/rules.js';
import { hideLiterals, lineStates } from '../../src/scan/hcl-text.js';

describe('one notion of a secret-looking name', () => {
  const secret = [
    'secrets',
    'passwords',
    'tokens',
    'pgpassword',
    'PGPASSWORD',
    'db_pass',
    'auth_key',
    'signing_key',
    'Authorization',
    'clientSecret',
    'access_tokens',
    'TF_VAR_db_password',
    'spring.datasource.password',
  ];
  const plain = [
    'tokenizer',
    'passwordless',
    'secretary',
    'compass',
    'password_length',
    'secret_name',
    'key',
    'access_key_id',
  ];

  it.each(secret)('%s is secret for the scanner and the redaction alike', (name) => {
    expect(isSecretName(name)).toBe(true);
    expect(looksSecret(name)).toBe(true);
    expect(scannerName(name)).toBe(true);
  });
  it.each(plain)('%s is not', (name) => {
    expect(isSecretName(name)).toBe(false);
    expect(looksSecret(name)).toBe(false);
  });

  it('collects the env values handed to an engine under secret-looking names', () => {
    expect(
      secretEnvironmentValues(
        { TF_VAR_db_password: 'pw-value', TF_VAR_region: 'eu', PATH: '/bin' },
        { API_TOKEN: 'tok-1' },
      ),
    ).toEqual(['pw-value', 'tok-1']);
  });
});

describe('HCL text without values', () => {
  it('hides literals inside interpolations and every kind of comment', () => {
    const state = { inBlockComment: false };
    expect(hideLiterals('  a = "${lookup(m, "s3cr3t")}-x" # pw hunter2', state)).toBe('  a = "…" # …');
    expect(hideLiterals('  b = 1 // note', state)).toBe('  b = 1 // …');
    expect(hideLiterals('  /* open hunter3', state)).toBe('  /* …');
    expect(hideLiterals('   still hunter4 */ c = "x"', state)).toBe('   … */ c = "…"');
    expect(state.inBlockComment).toBe(false);
  });

  it('knows which lines of a file start inside a block comment', () => {
    expect(lineStates('a\n/* x\ny\n*/\nb').map((s) => s.inBlockComment)).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
  });
});
