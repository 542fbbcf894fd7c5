import { describe, expect, it } from 'vitest';
import { SENSITIVE, looksSecret, newRedactState, redactValue } from '../../src/plan/redact.js';
import { EncodedJson } from '../../src/plan/model.js';

describe('looksSecret', () => {
  it.each([
    'password',
    'db_password',
    'DB_PASSWORD',
    'adminPassword',
    'client_secret',
    'private_key',
    'github-token',
    'api_key',
    'access_key',
    'credentials',
  ])('flags %s', (name) => expect(looksSecret(name)).toBe(true));
  it.each(['id', 'tokenizer', 'name', 'key', 'private', 'passwordless_x'.replace('_x', ''), 'secretary'])(
    'leaves %s alone (whole words only)',
    (name) => expect(looksSecret(name)).toBe(false),
  );
});

describe('redactValue', () => {
  it('hides secret-named strings and structures, keeps numbers and nulls', () => {
    const state = newRedactState();
    const value = redactValue(
      { user: 'admin', password: 'pw-1234', credentials: { a: 'cred-5678' }, token_ttl: 300, secret: null },
      undefined,
      undefined,
      state,
    );
    expect(value).toEqual({
      user: 'admin',
      password: SENSITIVE,
      credentials: SENSITIVE,
      token_ttl: 300,
      secret: null,
    });
    expect(state.redactedCount).toBe(2);
    expect([...state.secrets]).toEqual(expect.arrayContaining(['pw-1234', 'cred-5678']));
  });

  it('hides secret-named keys inside JSON-encoded strings', () => {
    const state = newRedactState();
    const value = redactValue(
      { policy: JSON.stringify({ user: 'u', api_key: 'k-998877' }) },
      undefined,
      undefined,
      state,
    );
    expect(JSON.stringify(value)).not.toContain('k-998877');
    const policy = (value as { policy: EncodedJson }).policy;
    expect(policy).toBeInstanceOf(EncodedJson);
    expect(policy.decoded).toEqual({ user: 'u', api_key: SENSITIVE });
    expect(state.redactedCount).toBe(1);
  });

  it('registers each line of a multi-line secret and skips very short ones', () => {
    const state = newRedactState();
    redactValue(['-----BEGIN KEY-----\nabcdef\n-----END KEY-----', 'x'], [true, true], undefined, state);
    expect([...state.secrets]).toEqual(expect.arrayContaining(['abcdef', '-----END KEY-----']));
    expect([...state.secrets]).not.toContain('x');
    expect(state.redactedCount).toBe(2);
  });
});
