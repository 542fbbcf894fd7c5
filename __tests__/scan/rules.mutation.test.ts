// Secret-rule cases found by mutation testing (issue 17): the boundaries of every shape test, threshold and
// token pattern, each checked on the rule itself so a changed character class or anchor cannot pass unseen.
import { describe, expect, it } from 'vitest';
import {
  ASSIGNMENT,
  GCP_PRIVATE_KEY,
  GCP_SERVICE_ACCOUNT,
  PRIVATE_KEY_BEGIN,
  TOKEN_RULES,
  isAwsSecretName,
  isAwsSecretShape,
  isHighEntropy,
  isOrdinaryShape,
  isPlaceholder,
  isReference,
  shannonEntropy,
} from '../../src/scan/rules.js';
import { scanText } from '../../src/scan/secrets.js';

const rule = (id: string) => {
  const found = TOKEN_RULES.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};
/** The `secret` groups a rule's pattern finds in a text (a fresh copy: the patterns are global). */
const secrets = (id: string, text: string): string[] =>
  [...text.matchAll(new RegExp(rule(id).pattern))].map((m) => m.groups?.secret ?? '');
const body = (length: number, alphabet = 'aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0z'): string =>
  Array.from({ length }, (_, i) => alphabet[i % alphabet.length]).join('');

describe('token rules: titles', () => {
  it.each([
    ['aws-access-key-id', 'AKIA…', 'AWS access key ID'],
    ['github-fine-grained-token', 'github_pat_…', 'GitHub fine-grained personal access token'],
    ['gitlab-token', 'glpat-…', 'GitLab personal access token'],
    ['slack-token', 'xoxb-…', 'Slack token'],
    ['slack-webhook', 'https://hooks…', 'Slack incoming webhook URL'],
    ['azure-storage-connection-string', 'key', 'Azure connection string key'],
    ['azure-sas-signature', 'sig', 'Azure SAS token signature'],
  ])('%s is called a %s', (id, secret, title) => {
    expect(rule(id).title(secret)).toBe(title);
  });

  it.each([
    ['ghp_x', 'GitHub personal access token'],
    ['gho_x', 'GitHub OAuth access token'],
    ['ghu_x', 'GitHub App user-to-server token'],
    ['ghs_x', 'GitHub App installation token'],
    ['ghr_x', 'GitHub refresh token'],
    ['ghx_x', 'GitHub token'],
  ])('names a GitHub token by its prefix: %s', (secret, title) => {
    expect(rule('github-token').title(secret)).toBe(title);
  });
});

describe('token rules: patterns end where the token ends', () => {
  it('finds a GitHub token of the minimum length followed by a space, whole', () => {
    const token = `ghp_${body(36)}`;
    expect(secrets('github-token', `token ${token} here`)).toStrictEqual([token]);
    expect(secrets('github-token', `x ghp_${body(35)} y`)).toStrictEqual([]);
  });

  it('finds a GitLab token of the minimum length followed by a space, whole', () => {
    const token = `glpat-${body(20)}`;
    expect(secrets('gitlab-token', `t ${token} end`)).toStrictEqual([token]);
    expect(secrets('gitlab-token', `t glpat-${body(19)} end`)).toStrictEqual([]);
  });

  it('finds a Slack webhook over plain http too', () => {
    const url = `http://hooks.slack.com/services/T0123456/B0123456/${body(24)}`;
    expect(secrets('slack-webhook', `url = ${url}`)).toStrictEqual([url]);
  });

  it('finds a SAS signature without padding, with = or %3D padding', () => {
    const sig = body(32);
    expect(secrets('azure-sas-signature', `?sv=2020-01-01&sig=${sig}`)).toStrictEqual([sig]);
    expect(secrets('azure-sas-signature', `?sv=2020-01-01&sig=${sig}==`)).toStrictEqual([`${sig}==`]);
    expect(secrets('azure-sas-signature', `?sv=2020-01-01&sig=${sig}%3D`)).toStrictEqual([`${sig}%3D`]);
  });

  it('takes a SAS context only with a full service version date', () => {
    const context = rule('azure-sas-signature').context!;
    expect(context.test('?sv=2020-01-01&sig=x')).toBe(true);
    expect(context.test('?sv=2020-01-1&sig=x')).toBe(false);
    expect(context.test('?sv=2020-1-01&sig=x')).toBe(false);
  });
});

describe('private keys and GCP service accounts', () => {
  it('recognises a private key header with no, one or several words', () => {
    for (const header of [
      '-----BEGIN PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY-----',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      '-----BEGIN PGP PRIVATE KEY BLOCK-----',
      '-----BEGIN ENCRYPTED EC PRIVATE KEY-----',
    ]) {
      expect([...header.matchAll(new RegExp(PRIVATE_KEY_BEGIN))]).toHaveLength(1);
    }
    expect([...'-----BEGIN PUBLIC KEY-----'.matchAll(new RegExp(PRIVATE_KEY_BEGIN))]).toHaveLength(0);
  });

  it('reads the GCP markers with or without spaces around the colon', () => {
    for (const text of [
      '"type":"service_account"',
      '"type" : "service_account"',
      '"type":  "service_account"',
    ]) {
      expect(GCP_SERVICE_ACCOUNT.test(text)).toBe(true);
    }
    for (const text of [
      '"private_key":"abc\\ndef"',
      '"private_key" : "abc\\ndef"',
      '"private_key":  "abc\\ndef"',
    ]) {
      expect([...text.matchAll(new RegExp(GCP_PRIVATE_KEY))].map((m) => m.groups?.secret)).toStrictEqual([
        'abc\\ndef',
      ]);
    }
  });

  it('reads YAML assignments with a space after the colon, never a bare colon', () => {
    const names = (line: string) => [...line.matchAll(new RegExp(ASSIGNMENT))].map((m) => m.groups?.name);
    expect(names('password: hunter2')).toStrictEqual(['password']);
    expect(names('"password":"hunter2"')).toStrictEqual(['password']);
    expect(names('url: https://a:b@c')).toStrictEqual(['url']);
    expect(names('a:b')).toStrictEqual([]);
  });
});

describe('secret names (through the scanner, which judges a random value by its name)', () => {
  const VALUE = 'q7Rt2ZkP9xLm4Wv8Nb3Jd6Hs';
  const flagged = (name: string): boolean => scanText('vars.yml', `${name}: "${VALUE}"\n`).length > 0;

  it('flags a random value under a plain name only when the name looks secret', () => {
    expect(flagged('db_password')).toBe(true);
    expect(flagged('db_comment')).toBe(false);
  });

  it.each([
    'password',
    'passwd',
    'pass',
    'pwd',
    'passphrase',
    'secret',
    'token',
    'auth',
    'apikey',
    'credential',
  ])('flags %s alone and inside a longer name', (word) => {
    expect(flagged(word)).toBe(true);
    expect(flagged(`db_${word}`)).toBe(true);
    expect(flagged(`DB_${word.toUpperCase()}`)).toBe(true);
  });

  it('needs the words of a multi-word entry together and in order', () => {
    expect(flagged('api_key')).toBe(true);
    expect(flagged('api_host')).toBe(false);
    expect(flagged('key_api')).toBe(false);
    expect(flagged('access_key')).toBe(true);
    expect(flagged('access_level')).toBe(false);
  });

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
  ])('takes a secret word followed by %s for metadata', (word) => {
    expect(flagged(`db_password_${word}`)).toBe(false);
    expect(flagged(`db_password_${word}_x`)).toBe(true);
  });

  it('reads a trailing metadata word even after a trailing separator', () => {
    expect(flagged('password_path')).toBe(false);
    expect(flagged('password_path_')).toBe(false);
    expect(flagged('password_')).toBe(true);
    expect(flagged('___')).toBe(false);
  });

  it('takes an ID for a key name, except Vault’s secret_id', () => {
    expect(flagged('secret_id')).toBe(true);
    expect(flagged('access_key_id')).toBe(false);
    expect(flagged('id')).toBe(false);
  });
});

describe('AWS secret key names', () => {
  it('recognises AWS secret key names and nothing else', () => {
    for (const name of ['aws_secret_access_key', 'AWS_SECRET_KEY', 'SecretAccessKey', 'secret_key']) {
      expect(isAwsSecretName(name)).toBe(true);
    }
    for (const name of ['db_password', 'secret', 'access_key', 'key_secret', 'secret_access']) {
      expect(isAwsSecretName(name)).toBe(false);
    }
  });
});

describe('isAwsSecretShape', () => {
  const good = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  it('wants exactly 40 base64 characters with both cases', () => {
    expect(good).toHaveLength(40);
    expect(isAwsSecretShape(good)).toBe(true);
    expect(isAwsSecretShape(`${good}A`)).toBe(false);
    expect(isAwsSecretShape(`#${good.slice(1)}`)).toBe(false);
    expect(isAwsSecretShape(`${good.slice(1)}#`)).toBe(false);
    expect(isAwsSecretShape(good.toLowerCase())).toBe(false);
    expect(isAwsSecretShape(good.toUpperCase())).toBe(false);
  });
});

describe('isPlaceholder', () => {
  it('takes anything holding <…> for a placeholder', () => {
    expect(isPlaceholder('<your key>')).toBe(true);
    expect(isPlaceholder('prefix-<key>-suffix')).toBe(true);
    expect(isPlaceholder('a<bc>d')).toBe(true);
    expect(isPlaceholder('x<ab>y')).toBe(true);
    expect(isPlaceholder('a<b')).toBe(false);
    expect(isPlaceholder('a>b<c')).toBe(false);
    expect(isPlaceholder('Zq8-real-Value')).toBe(false);
  });
});

describe('isReference', () => {
  it.each(['var.db_password', 'local.x', 'data.aws_ssm.p["k"].value', 'module.m.out', 'each.value'])(
    'takes %s for a Terraform reference',
    (value) => expect(isReference(value)).toBe(true),
  );
  it.each(['lookup(x)', 'a(', 'ab.c(', 'Fn::Sub(', '_f(1)'])('takes %s for a function call', (value) =>
    expect(isReference(value)).toBe(true),
  );
  it.each(['var.a b', 'myvar.abc', 'var.', 'var', '1abc(', 'a b(', 'x-y(z)'])('does not take %j', (value) =>
    expect(isReference(value)).toBe(false),
  );
});

describe('isOrdinaryShape', () => {
  it.each([
    '~/x',
    './x',
    '../abc',
    '/etc/ssl/cert',
    '/a/b/c',
    '/ab/c',
    '/a/bc',
    '/a/',
    'https://x',
    'git+ssh://h',
    'arn:aws:iam::1:role/x',
    'ab@c.de',
    'a@bc.de',
    'user@example.com',
    'key.pem',
    'x.yml',
    'x.yaml',
    'X.JSON',
  ])('takes %s for an ordinary value', (value) => expect(isOrdinaryShape(value)).toBe(true));

  it.each([
    'a./b',
    'x~/y',
    '.../x',
    '/abc',
    'x/etc/ssl',
    '/etc/ssl x',
    '1abc://x',
    'xarn:abc',
    ' a@b.cd',
    'a@b.cd x',
    'a@b.c',
    'a@b.c1',
    'secret.jsonx',
    'Zq8rT5vX2mK9pL4w',
  ])('does not take %j', (value) => expect(isOrdinaryShape(value)).toBe(false));
});

describe('shannonEntropy', () => {
  it('gives log2 of the distinct count for equally frequent characters', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('ab')).toBe(1);
    expect(shannonEntropy('abcdefgh')).toBe(3);
    expect(shannonEntropy('aabbccddeeff0011')).toBe(3);
  });
});

describe('isHighEntropy: the thresholds, one by one', () => {
  it('starts at 12 characters without whitespace', () => {
    expect(isHighEntropy('aB3dE5gH7jK9')).toBe(true);
    expect(isHighEntropy('aB3dE5gH7jK')).toBe(false);
    expect(isHighEntropy('aB3dE5')).toBe(false);
    expect(isHighEntropy('aB3dE5 gH7jK9m')).toBe(false);
  });

  it('never takes numbers, dates or versions', () => {
    expect(isHighEntropy('1234-5678-9012-3456')).toBe(false);
    expect(isHighEntropy('2026.12.02:10_11')).toBe(false);
  });

  it('asks 16 characters and 3 bits of a hex value, dashes not counted', () => {
    expect(isHighEntropy('aabbccddeeff00112233')).toBe(true); // 3.32 bits: enough for hex, not for mixed
    expect(isHighEntropy('AABBCCDDEEFF00112233')).toBe(true);
    expect(isHighEntropy('0123456789abcdef')).toBe(true); // exactly 16
    expect(isHighEntropy('aabbccddeeff0011')).toBe(true); // exactly 3 bits
    expect(isHighEntropy('0123456789abcde')).toBe(false); // 15
    expect(isHighEntropy('aaaaaaaaaaaaaaab')).toBe(false);
    expect(isHighEntropy('abcd-ef01-2345')).toBe(false); // 12 hex digits once the dashes go
    expect(isHighEntropy('c0ffee00-1234-4abc-8def-0123456789ab')).toBe(true);
  });

  it('does not take a value that only starts or ends like hex for hex', () => {
    expect(isHighEntropy('aabbccddeeff0011223g')).toBe(false);
    expect(isHighEntropy('gaabbccddeeff0011223')).toBe(false);
    expect(isHighEntropy('gAABBCCDDEEFF0011223')).toBe(false);
    expect(isHighEntropy('AABBCCDDEEFF0011223g')).toBe(false);
  });

  it('asks 4 bits of letters alone', () => {
    expect(isHighEntropy('abcdefghijklmnop')).toBe(true); // exactly 4 bits
    expect(isHighEntropy('abcdefghijklmno')).toBe(false);
    expect(isHighEntropy('X-Api-Token-Header')).toBe(false);
    expect(isHighEntropy('12abcdefGHIJ')).toBe(true);
    expect(isHighEntropy('abcdefGHIJ12')).toBe(true);
  });

  it('asks 4 bits of symbols alone', () => {
    expect(isHighEntropy('!@#$%^&*()+=[]{}')).toBe(true); // exactly 4 bits
    expect(isHighEntropy('!@#$%^&*()+=')).toBe(false);
  });

  it('asks min(3.5, 85 % of the maximum) of two or more classes', () => {
    expect(isHighEntropy('ab1cd2ef3gh4')).toBe(true); // two classes
    expect(isHighEntropy('aB3dE5gH7jKa')).toBe(true); // 3.42 bits over 12 characters: the 85 % bar
    expect(isHighEntropy('aaBB11ccDD22eeFFggggHHHH3333iiii')).toBe(true); // exactly 3.5 bits
    expect(isHighEntropy('aaaaaaaaaaaB1')).toBe(false);
  });
});
