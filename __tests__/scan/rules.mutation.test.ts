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
  isStandInPassword,
  shannonEntropy,
} from '../../src/scan/rules.js';
import { maskSecret, scanText, scanTextWithValues } from '../../src/scan/secrets.js';
import { TOKEN_SAMPLES } from '../support/planted.js';

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

describe('token rules: a generated example and a near miss of each', () => {
  it('has a sample for every rule except the SAS signature (tested below)', () => {
    const sampled = new Set(TOKEN_SAMPLES.map((sample) => sample.rule));
    const rules = TOKEN_RULES.map((r) => r.id).filter((id) => id !== 'azure-sas-signature');
    expect(rules.filter((id) => !sampled.has(id))).toStrictEqual([]);
  });

  it.each(TOKEN_SAMPLES.map((sample) => [sample.rule, sample]))(
    '%s: finds the example, masked',
    (id, sample) => {
      for (const seed of [3, 17, 101]) {
        const { line, secret } = sample.line(seed);
        const { findings, secrets } = scanTextWithValues('settings.txt', `${line}\n`);
        expect(findings.map((f) => f.rule)).toStrictEqual([id]);
        expect(findings[0]?.column).toBe(line.indexOf(secret) + 1);
        expect(findings[0]?.endColumn).toBe(line.indexOf(secret) + 1 + secret.length);
        expect(findings[0]?.masked).toBe(maskSecret(secret));
        expect(JSON.stringify(findings)).not.toContain(secret);
        expect(secrets).toStrictEqual([secret]);
      }
    },
  );

  it.each(TOKEN_SAMPLES.map((sample) => [sample.rule, sample]))(
    '%s: leaves the near miss alone',
    (_id, sample) => {
      for (const seed of [3, 17, 101])
        expect(scanText('settings.txt', `${sample.nearMiss(seed)}\n`)).toStrictEqual([]);
    },
  );
});

describe('token rules: kinds and boundaries of the provider formats', () => {
  const token = (id: string, text: string) => secrets(id, text);

  it.each([
    ['stripe-live-key', `sk_live_${body(24)}`, 'Stripe live secret key'],
    ['stripe-live-key', `rk_live_${body(24)}`, 'Stripe restricted live key'],
    ['grafana-token', `glsa_${body(32)}_0a1b2c3d`, 'Grafana service account token'],
    ['grafana-token', `glc_${body(40)}=`, 'Grafana Cloud access token'],
    ['gitlab-token', `glpat-${body(20)}`, 'GitLab personal access token'],
    ['gitlab-token', `glptt-${body(20)}`, 'GitLab pipeline trigger token'],
    ['gitlab-token', `gldt-${body(20)}`, 'GitLab deploy token'],
    ['gitlab-token', `glrt-${body(20)}`, 'GitLab runner token'],
    ['gitlab-token', `glcbt-${body(20)}`, 'GitLab CI/CD job token'],
    ['gitlab-token', `glsoat-${body(20)}`, 'GitLab OAuth application secret'],
    ['gitlab-token', `glxx-${body(20)}`, 'GitLab token'],
    ['sendgrid-api-key', 'x', 'SendGrid API key'],
    ['digitalocean-token', 'x', 'DigitalOcean token'],
    ['openai-api-key', 'x', 'OpenAI API key'],
    ['anthropic-api-key', 'x', 'Anthropic API key'],
    ['twilio-api-key', 'x', 'Twilio API key'],
    ['jwt', 'x', 'JSON Web Token'],
    ['npm-token', 'x', 'npm access token'],
    ['pypi-token', 'x', 'PyPI API token'],
    ['google-api-key', 'x', 'Google API key'],
    ['huggingface-token', 'x', 'Hugging Face access token'],
    ['docker-hub-token', 'x', 'Docker Hub access token'],
    ['vault-token', 'x', 'Vault token'],
    ['terraform-cloud-token', 'x', 'Terraform Cloud API token'],
    ['new-relic-user-key', 'x', 'New Relic user API key'],
    ['shopify-token', 'x', 'Shopify access token'],
    ['url-credentials', 'x', 'Password in a URL'],
  ])('%s names %s a %s', (id, secret, title) => {
    expect(rule(id).title(secret)).toBe(title);
  });

  it('takes every kind of a prefix family', () => {
    for (const kind of ['dop', 'doo', 'dor'])
      expect(token('digitalocean-token', `${kind}_v1_${'0a'.repeat(32)}`)).toHaveLength(1);
    for (const kind of ['proj', 'svcacct', 'admin'])
      expect(token('openai-api-key', `sk-${kind}-${body(20)}T3BlbkFJ${body(20)}`)).toHaveLength(1);
    expect(token('openai-api-key', `sk-${body(20)}T3BlbkFJ${body(20)}`)).toHaveLength(1);
    expect(token('openai-api-key', `sk-${body(19)}T3BlbkFJ${body(20)}`)).toStrictEqual([]);
    expect(token('anthropic-api-key', `sk-ant-admin01-${body(80)}`)).toHaveLength(1);
    expect(token('anthropic-api-key', `sk-ant-api03-${body(79)}`)).toStrictEqual([]);
    for (const kind of ['at', 'ss', 'ca', 'pa'])
      expect(token('shopify-token', `shp${kind}_${'0a'.repeat(16)}`)).toHaveLength(1);
    for (const kind of ['pat', 'oat'])
      expect(token('docker-hub-token', `dckr_${kind}_${body(27)}`)).toHaveLength(1);
    for (const kind of ['hvs', 'hvb']) expect(token('vault-token', `${kind}.${body(24)}`)).toHaveLength(1);
    expect(token('vault-token', `hvs.${body(23)}`)).toStrictEqual([]);
    for (const kind of ['xoxe', 'xoxr']) expect(token('slack-token', `${kind}-${body(20)}`)).toHaveLength(1);
  });

  it('ends each token where its alphabet ends, and never starts one inside a word', () => {
    expect(token('stripe-live-key', `(sk_live_${body(24)})`)).toStrictEqual([`sk_live_${body(24)}`]);
    expect(token('stripe-live-key', `xsk_live_${body(24)}`)).toStrictEqual([]);
    expect(token('stripe-live-key', `sk_live_${body(23)}`)).toStrictEqual([]);
    expect(token('npm-token', `npm_${body(37)}`)).toStrictEqual([]);
    expect(token('google-api-key', `AIza${body(36)}`)).toStrictEqual([]);
    expect(token('twilio-api-key', `SK${'0a'.repeat(16)}`)).toHaveLength(1);
    expect(token('twilio-api-key', `SK${'0A'.repeat(16)}`)).toStrictEqual([]);
    expect(rule('twilio-api-key').context?.test('TWILIO_KEY=')).toBe(true);
    expect(token('jwt', `eyJ${body(10)}.eyJ${body(10)}.${body(20)}`)).toHaveLength(1);
    expect(token('jwt', `eyJ${body(10)}.eyJ${body(10)}.${body(19)}`)).toStrictEqual([]);
    expect(token('terraform-cloud-token', `${body(14)}.atlasv1.${body(60)}`)).toHaveLength(1);
    expect(token('terraform-cloud-token', `${body(14)}.atlasv1.${body(59)}`)).toStrictEqual([]);
    expect(token('grafana-token', `glc_${body(31)}`)).toStrictEqual([]);
    expect(token('new-relic-user-key', `NRAK-${body(27).toUpperCase()}`)).toHaveLength(1);
    expect(token('pypi-token', `pypi-AgEIcHlwaS5vcmc${body(49)}`)).toStrictEqual([]);
    expect(token('huggingface-token', `hf_${'aB'.repeat(17)}`)).toHaveLength(1);
    expect(token('sendgrid-api-key', `SG.${body(22)}.${body(43)}`)).toHaveLength(1);
    expect(token('sendgrid-api-key', `SG.${body(21)}.${body(43)}`)).toStrictEqual([]);
  });
});

describe('passwords in URLs', () => {
  const password = (text: string) => secrets('url-credentials', text);

  it('takes the password between user and host, with any scheme and without a user', () => {
    expect(password('postgres://app:s3cRet9x@db.internal:5432/app')).toStrictEqual(['s3cRet9x']);
    expect(password('redis://:s3cRet9x@cache:6379')).toStrictEqual(['s3cRet9x']);
    expect(password('mongodb+srv://u:s3cRet9x@cluster0.example.net/x')).toStrictEqual(['s3cRet9x']);
    expect(password('"amqp://u:s3cRet9x@[::1]:5672"')).toStrictEqual(['s3cRet9x']);
    expect(password('https://host.example.org/path:x@y')).toStrictEqual([]);
    expect(password('ssh://git@host:22/repo')).toStrictEqual([]);
    expect(password('mailto:a:b@c')).toStrictEqual([]);
  });

  it('leaves stand-ins alone: words, variables, templates, format strings, placeholders', () => {
    for (const standIn of [
      'password',
      'PASS',
      'passwd',
      'pwd',
      'secret',
      'user',
      'username',
      'admin',
      'root',
      'guest',
      'test',
    ])
      expect(isStandInPassword(standIn)).toBe(true);
    for (const standIn of ['${var.db}', '{password}', '%s', ':password', '$DB_PASS', '<pw>', 'changeme'])
      expect(isStandInPassword(standIn)).toBe(true);
    for (const real of ['hunter2x', 'passwords1', 'mypassword', 'a%sb', 'x:y'])
      expect(isStandInPassword(real)).toBe(false);
    expect(scanText('app.env', 'DATABASE_URL=postgres://app:{{ db_pw }}@db/app\n')).toStrictEqual([]);
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
  it('takes a run of x in one case for a stand-in, not mixed case inside a random token', () => {
    expect(isPlaceholder('sk_live_xxxxxxxxxxxxxxxx')).toBe(true);
    expect(isPlaceholder('AKIAXXXXXXXXXXXXXXXX')).toBe(true);
    expect(isPlaceholder('dckr_pat_Q7xXXb2LmN9pR4tV8wY1zA3cE6g')).toBe(false);
    expect(isPlaceholder('dckr_pat_Q7XxXb2LmN9pR4tV8wY1zA3cE6g')).toBe(false);
    expect(isPlaceholder('dckr_pat_Q7xxXb2LmN9pR4tV8wY1zA3cE6g')).toBe(false);
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
