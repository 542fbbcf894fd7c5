// Redaction cases found by mutation testing (issue 17): each test kills mutants the older suite let live, and
// each of those mutants was a value shown or hidden wrongly that no test would have noticed.
import { describe, expect, it } from 'vitest';
import { EncodedJson } from '../../src/plan/model.js';
import { SENSITIVE, UNKNOWN, looksSecret, newRedactState, redactValue } from '../../src/plan/redact.js';

function redact(value: unknown, sensitive?: unknown, unknown?: unknown) {
  const state = newRedactState();
  const result = redactValue(value, sensitive, unknown, state);
  return { result, secrets: [...state.secrets].sort(), count: state.redactedCount };
}

describe('looksSecret: every word of the list counts on its own', () => {
  it.each([
    'password',
    'passwd',
    'passphrase',
    'secret',
    'token',
    'private_key',
    'api_key',
    'apikey',
    'access_key',
    'credentials',
    'credential',
    'connection_string',
  ])('flags %s alone and inside a longer name', (word) => {
    expect(looksSecret(word)).toBe(true);
    expect(looksSecret(`db_${word}`)).toBe(true);
    expect(looksSecret(`${word}_value`)).toBe(true);
    expect(looksSecret(word.toUpperCase())).toBe(true);
  });

  it.each([
    'connection',
    'string',
    'private',
    'api',
    'access',
    'client',
    'private_ssh_key',
    'key_private',
    'string_connection',
    'credentialing',
    '',
  ])('leaves %j alone: multi-word entries need their words in order and whole', (name) => {
    expect(looksSecret(name)).toBe(false);
  });

  it('splits camelCase, digits before capitals, kebab and spaced names into words', () => {
    expect(looksSecret('dbPassword')).toBe(true);
    expect(looksSecret('db1Password')).toBe(true);
    expect(looksSecret('myApiKey')).toBe(true);
    expect(looksSecret('connectionString')).toBe(true);
    expect(looksSecret('db-passwd')).toBe(true);
    expect(looksSecret('db passwd')).toBe(true);
    expect(looksSecret('db__password')).toBe(true);
    // Compounds and plurals count too (issue 8): `pgpassword`, `db_pass`, `passwords`, `apikeys`.
    expect(looksSecret('mypassword')).toBe(true);
    expect(looksSecret('pass')).toBe(true);
    expect(looksSecret('passwords')).toBe(true);
    expect(looksSecret('apikeys')).toBe(true);
    expect(looksSecret('Tokenizer')).toBe(false);
  });
});

describe('redactValue: plain values pass through unchanged', () => {
  it.each([[true], [false], [0], [42], [-1.5], ['text'], ['']])('keeps %j', (value) => {
    const { result, count, secrets } = redact(value);
    expect(result).toBe(value);
    expect(count).toBe(0);
    expect(secrets).toStrictEqual([]);
  });

  it('keeps a boolean that changes, so false → true stays visible', () => {
    const { result } = redact({ enabled: false, nested: { on: true }, list: [false, true] });
    expect(result).toStrictEqual({ enabled: false, nested: { on: true }, list: [false, true] });
  });

  it('turns undefined and null into null', () => {
    expect(redact(undefined).result).toBeNull();
    expect(redact(null).result).toBeNull();
    expect(redact({ a: null }).result).toStrictEqual({ a: null });
  });
});

describe('redactValue: provider sensitivity', () => {
  it('hides a sensitive number and registers it for masking', () => {
    const { result, secrets, count } = redact(31337, true);
    expect(result).toStrictEqual(SENSITIVE);
    expect(secrets).toStrictEqual(['31337']);
    expect(count).toBe(1);
  });

  it('hides a sensitive boolean as one value, registering nothing too short to mask', () => {
    const { result, secrets, count } = redact(false, true);
    expect(result).toStrictEqual(SENSITIVE);
    expect(secrets).toStrictEqual([]);
    expect(count).toBe(1);
  });

  it('hides a whole sensitive list as one marker and registers every element', () => {
    const { result, secrets, count } = redact(['alpha-1', 'beta-22', 7777], true);
    expect(result).toStrictEqual(SENSITIVE);
    expect(secrets).toStrictEqual(['7777', 'alpha-1', 'beta-22']);
    expect(count).toBe(1);
  });

  it('hides a whole sensitive object and registers its nested strings', () => {
    const { result, secrets } = redact({ a: { b: ['deep-secret'] }, c: 'flat-secret' }, true);
    expect(result).toStrictEqual(SENSITIVE);
    expect(secrets).toStrictEqual(['deep-secret', 'flat-secret']);
  });

  it('shows a value both sensitive and unknown as sensitive, never as null', () => {
    const { result, count, secrets } = redact(undefined, true, true);
    expect(result).toStrictEqual(SENSITIVE);
    expect(count).toBe(0);
    expect(secrets).toStrictEqual([]);
  });

  it('keeps a sensitive null or absent value as null: nothing to hide', () => {
    for (const value of [null, undefined]) {
      const { result, count } = redact(value, true);
      expect(result).toBeNull();
      expect(count).toBe(0);
    }
  });

  it('registers the strings of a sensitive list or map holding nulls and booleans', () => {
    expect(redact(['abc-1', null, true, { k: null, v: 'def-2' }], true).secrets).toStrictEqual([
      'abc-1',
      'def-2',
    ]);
    expect(redact({ a: null, b: [null, 'ghi-3'] }, true).secrets).toStrictEqual(['ghi-3']);
  });

  it('follows nested masks element by element, and only where they say true', () => {
    const { result, secrets, count } = redact(
      { list: ['open', 'closed-secret'], map: { a: 'x-visible', b: 'y-hidden' }, n: 5 },
      { list: [false, true], map: { b: true }, n: false },
    );
    expect(result).toStrictEqual({ list: ['open', SENSITIVE], map: { a: 'x-visible', b: SENSITIVE }, n: 5 });
    expect(secrets).toStrictEqual(['closed-secret', 'y-hidden']);
    expect(count).toBe(2);
  });

  it('ignores a mask of the wrong shape', () => {
    expect(redact(['a', 'b'], { 0: true }).result).toStrictEqual(['a', 'b']);
    expect(redact({ a: 'x' }, [true]).result).toStrictEqual({ a: 'x' });
  });
});

describe('redactValue: unknown values', () => {
  it('marks a whole unknown value', () => {
    expect(redact(undefined, undefined, true).result).toStrictEqual(UNKNOWN);
    expect(redact('stale', false, true).result).toStrictEqual(UNKNOWN);
  });

  it('builds lists and objects that exist only in the unknown mask', () => {
    expect(redact(undefined, undefined, [true, true]).result).toStrictEqual([UNKNOWN, UNKNOWN]);
    expect(redact(undefined, undefined, { id: true }).result).toStrictEqual({ id: UNKNOWN });
    expect(redact(['a'], undefined, [false, true]).result).toStrictEqual(['a', UNKNOWN]);
    expect(redact({ a: 1 }, undefined, { b: true }).result).toStrictEqual({ a: 1, b: UNKNOWN });
  });

  it('keeps a plain value when only the unknown mask is a list or a map', () => {
    expect(redact('abc', undefined, [true]).result).toBe('abc');
    expect(redact('abc', undefined, { a: true }).result).toBe('abc');
    expect(redact(7, undefined, { a: true }).result).toBe(7);
    expect(redact(undefined, undefined, []).result).toStrictEqual([]);
    expect(redact(undefined, undefined, {}).result).toStrictEqual({});
  });

  it('keeps a secret-named attribute unknown when its mask says so, whatever stale value is beside it', () => {
    const { result, count, secrets } = redact({ password: 'stale-value' }, undefined, { password: true });
    expect(result).toStrictEqual({ password: UNKNOWN });
    expect(count).toBe(0);
    expect(secrets).toStrictEqual([]);
  });

  it('keeps an empty list empty whatever the masks', () => {
    expect(redact([], undefined, undefined).result).toStrictEqual([]);
    expect(redact([], {}, {}).result).toStrictEqual([]);
  });

  it('keeps an unknown secret-named attribute unknown, not hidden', () => {
    const { result, count } = redact({ password: undefined }, undefined, { password: true });
    expect(result).toStrictEqual({ password: UNKNOWN });
    expect(count).toBe(0);
  });
});

describe('redactValue: secret-looking names', () => {
  it('hides strings, lists and objects under a secret name; keeps numbers, booleans and nulls', () => {
    const { result, secrets, count } = redact({
      password: 'hunter22',
      api_key: ['k-111', 'k-222'],
      credentials: { user: 'u-333' },
      token_ttl: 300,
      secret_enabled: true,
      passphrase: null,
    });
    expect(result).toStrictEqual({
      password: SENSITIVE,
      api_key: SENSITIVE,
      credentials: SENSITIVE,
      token_ttl: 300,
      secret_enabled: true,
      passphrase: null,
    });
    expect(secrets).toStrictEqual(['hunter22', 'k-111', 'k-222', 'u-333']);
    expect(count).toBe(3);
  });

  it('registers each line of a multi-line secret, CRLF included, and nothing shorter than 3 characters', () => {
    const { secrets } = redact({ password: 'first\r\nsecond\nab\n  \nxyz' });
    expect(secrets).toStrictEqual(['first', 'first\r\nsecond\nab\n  \nxyz', 'second', 'xyz']);
    expect(redact({ password: 'ab' }).secrets).toStrictEqual([]);
    expect(redact({ password: ' ab ' }).secrets).toStrictEqual([]);
    expect(redact({ password: 'abc' }).secrets).toStrictEqual(['abc']);
  });
});

describe('redactValue: JSON held in strings', () => {
  it('hides secret-named keys in a JSON array as in an object', () => {
    const { result, secrets, count } = redact('[{"name":"web","password":"in-array-1"}]');
    expect(result).toBeInstanceOf(EncodedJson);
    expect((result as EncodedJson).decoded).toStrictEqual([{ name: 'web', password: SENSITIVE }]);
    expect(secrets).toStrictEqual(['in-array-1']);
    expect(count).toBe(1);
  });

  it('hides them in an indented object too', () => {
    const { result, secrets } = redact('  {"db": {"token": "tok-999"}}\n');
    expect(result).toBeInstanceOf(EncodedJson);
    expect((result as EncodedJson).decoded).toStrictEqual({ db: { token: SENSITIVE } });
    expect(secrets).toStrictEqual(['tok-999']);
  });

  it('returns the original string, spacing included, when nothing in it is secret', () => {
    const text = ' { "a": [1, 2] } ';
    expect(redact(text).result).toBe(text);
    expect(redact('[1, 2]').result).toBe('[1, 2]');
  });

  it('leaves strings that only look like JSON alone', () => {
    expect(redact('{not json').result).toBe('{not json');
    expect(redact('[password').result).toBe('[password');
    // Not JSON, but text with a secret-named assignment (issue 8): its value is hidden like a heredoc's.
    expect(redact('password: {"x":1}').result).toBe('password: (sensitive value)');
  });
});
