// Secret names found by mutation testing (issue 17): every entry of the word lists in src/scan/names.ts counts
// on its own, so a deleted or emptied entry is a value the scanner, the redaction and the masking stop hiding.
import { describe, expect, it } from 'vitest';
import { isSecretName, nameWords, secretEnvironmentValues } from '../../src/scan/names.js';

describe('isSecretName: every secret word counts alone, in the plural and after other words', () => {
  it.each([
    'password',
    'passwd',
    'pass',
    'pwd',
    'passphrase',
    'secret',
    'token',
    'auth',
    'authorization',
    'credential',
    'apikey',
    'privatekey',
    'secretkey',
    'accesskey',
    'signingkey',
    'authkey',
    'connectionstring',
    'sas',
    'jwt',
    'bearer',
    'cookie',
  ])('%s', (word) => {
    expect(isSecretName(word)).toBe(true);
    // `pass` and `sas` end in s: `passs` and `sass` are no plurals (see below).
    if (!word.endsWith('s')) expect(isSecretName(`${word}s`)).toBe(true);
    expect(isSecretName(`db_${word}`)).toBe(true);
    expect(isSecretName(`${word.toUpperCase()}_VALUE`)).toBe(true);
  });

  it.each(['password', 'passwd', 'passphrase', 'secret', 'token'])(
    'a word ending in %s names a secret, in the plural too',
    (suffix) => {
      expect(isSecretName(`pg${suffix}`)).toBe(true);
      expect(isSecretName(`pg${suffix}s`)).toBe(true);
    },
  );

  it('needs a longer stem than the suffix itself, and no other compound counts', () => {
    expect(isSecretName('dbpass')).toBe(false);
    expect(isSecretName('mysqlpwd')).toBe(false);
    expect(isSecretName('mysqljwt')).toBe(false);
    expect(isSecretName('compass')).toBe(false);
  });

  it.each([
    'api_key',
    'access_key',
    'private_key',
    'signing_key',
    'encryption_key',
    'master_key',
    'session_key',
    'account_key',
    'shared_key',
    'connection_string',
  ])('%s counts as words together and in order, not alone', (phrase) => {
    const [first, second] = phrase.split('_') as [string, string];
    expect(isSecretName(phrase)).toBe(true);
    expect(isSecretName(`${phrase}s`)).toBe(true);
    expect(isSecretName(`my_${phrase}_value`)).toBe(true);
    expect(isSecretName(`${first}_x_${second}`)).toBe(false);
    expect(isSecretName(`${second}_${first}`)).toBe(false);
    expect(isSecretName(first)).toBe(false);
    expect(isSecretName(second)).toBe(false);
  });

  it('reads the plural of a word inside a phrase, but not a word ending in ss as a plural', () => {
    expect(isSecretName('api_keys')).toBe(true);
    expect(isSecretName('apis_key')).toBe(true);
    expect(isSecretName('sass')).toBe(false);
    expect(isSecretName('sass_key')).toBe(false);
  });
});

describe('isSecretName: metadata about a secret is not a secret', () => {
  it.each([
    'path',
    'file',
    'filename',
    'dir',
    'name',
    'arn',
    'url',
    'uri',
    'endpoint',
    'length',
    'ttl',
    'type',
    'version',
    'algorithm',
    'format',
    'policy',
    'ref',
    'reference',
    'method',
    'mode',
    'enabled',
    'count',
    'expiry',
    'expiration',
    'rotation',
  ])('password_%s', (word) => {
    expect(isSecretName(`password_${word}`)).toBe(false);
    expect(isSecretName(`db_password_${word}`)).toBe(false);
    expect(isSecretName(`password_${word}_value`)).toBe(true);
  });

  it('takes an ID for a key name, except Vault’s secret_id', () => {
    expect(isSecretName('secret_id')).toBe(true);
    expect(isSecretName('vault_secret_id')).toBe(true);
    expect(isSecretName('access_key_id')).toBe(false);
    expect(isSecretName('token_id')).toBe(false);
    expect(isSecretName('id')).toBe(false);
    expect(isSecretName('')).toBe(false);
    expect(isSecretName('__')).toBe(false);
  });

  it('reads the last word after a trailing separator', () => {
    expect(isSecretName('password_length_')).toBe(false);
    expect(isSecretName('token_id_')).toBe(false);
    expect(isSecretName('password_')).toBe(true);
  });
});

describe('nameWords', () => {
  it('splits every camelCase hump, digits before capitals and any run of separators', () => {
    expect(nameWords('mySessionKeyValue')).toStrictEqual(['my', 'session', 'key', 'value']);
    expect(nameWords('db1Password')).toStrictEqual(['db1', 'password']);
    expect(nameWords('__spring.datasource--Password__')).toStrictEqual(['spring', 'datasource', 'password']);
    expect(nameWords('ABC')).toStrictEqual(['abc']);
    expect(isSecretName('sessionKeyValue')).toBe(true);
    expect(isSecretName('dbPasswordLength')).toBe(false);
  });
});

describe('secretEnvironmentValues', () => {
  it('collects values of secret-looking names, each line of a multi-line one too, once each', () => {
    expect(
      secretEnvironmentValues(
        { DB_PASSWORD: 'line-one\r\nline-two\nab\n', REGION: 'eu-west-1', API_TOKEN: undefined },
        { OTHER_TOKEN: 'line-two', TF_VAR_secret: 'abc' },
      ),
    ).toStrictEqual(['line-one\r\nline-two\nab\n', 'line-one', 'line-two', 'abc']);
  });

  it('skips values too short to mask, counting without the surrounding blanks', () => {
    expect(secretEnvironmentValues({ TOKEN: ' ab ', SECRET: 'ab', PASSWORD: '' })).toStrictEqual([]);
    expect(secretEnvironmentValues({ TOKEN: ' abc ' })).toStrictEqual([' abc ']);
    expect(secretEnvironmentValues({ TOKEN: 'abc\n  de  \n' })).toStrictEqual(['abc\n  de  \n', 'abc']);
  });
});
