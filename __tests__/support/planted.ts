// Planted secrets for tests, generated at run time behind the real prefixes, so the repository itself never
// holds a literal that looks like a live credential.
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz0123456789`;

export function pseudoRandom(alphabet: string, length: number, seed: number): string {
  let state = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet.charAt(Math.floor(state / 65536) % alphabet.length);
  }
  return out;
}

const join = (...parts: string[]) => parts.join('');

export function awsAccessKeyId(seed: number): string {
  return join('AK', 'IA', pseudoRandom(`${UPPER}234567`, 16, seed));
}

export function awsSecretAccessKey(seed: number): string {
  return pseudoRandom(`${ALNUM}+/`, 40, seed);
}

export function githubToken(seed: number): string {
  return join('gh', 'p_', pseudoRandom(ALNUM, 36, seed));
}

export function gitlabToken(seed: number): string {
  return join('gl', 'pat-', pseudoRandom(ALNUM, 20, seed));
}

export function slackToken(seed: number): string {
  return join('xo', 'xb-', pseudoRandom('0123456789', 12, seed), '-', pseudoRandom(ALNUM, 24, seed + 1));
}

export function privateKeyBody(seed: number): string {
  const body = pseudoRandom(`${ALNUM}+/`, 256, seed).match(/.{1,64}/g) ?? [];
  return body.join('\n');
}

export function privateKey(seed: number): string {
  return `${join('-----BEGIN RSA ', 'PRIVATE KEY-----')}\n${privateKeyBody(seed)}\n${join('-----END RSA ', 'PRIVATE KEY-----')}`;
}

export function azureAccountKey(seed: number): string {
  return `${pseudoRandom(`${ALNUM}+/`, 86, seed)}==`;
}

export function genericPassword(seed: number): string {
  return pseudoRandom(`${ALNUM}!#%`, 24, seed);
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';
const URLSAFE = `${ALNUM}_-`;
const r = pseudoRandom;

/**
 * One generated example of each token rule, written as a line the rule is meant to find, and a near miss
 * beside it (one character short, a wrong prefix, a missing context) that must not match. Shared by the unit
 * tests and the benchmark corpus.
 */
export interface TokenSample {
  rule: string;
  line: (seed: number) => { line: string; secret: string };
  nearMiss: (seed: number) => string;
}

const assign = (name: string, secret: string) => ({ line: `${name} = "${secret}"`, secret });

export const TOKEN_SAMPLES: readonly TokenSample[] = [
  {
    rule: 'stripe-live-key',
    line: (s) => assign('stripe_key', join('sk', '_live_', r(ALNUM, 99, s))),
    nearMiss: (s) => `note = "${join('sk', '_test_', r(ALNUM, 99, s))}"`,
  },
  {
    rule: 'sendgrid-api-key',
    line: (s) => assign('sendgrid', join('SG', '.', r(URLSAFE, 22, s), '.', r(URLSAFE, 43, s + 1))),
    nearMiss: (s) => `note = "${join('SG', '.', r(URLSAFE, 22, s), '.', r(URLSAFE, 42, s + 1))}"`,
  },
  {
    rule: 'digitalocean-token',
    line: (s) => assign('do_token', join('do', 'p_v1_', r(HEX, 64, s))),
    nearMiss: (s) => `note = "${join('do', 'x_v1_', r(HEX, 64, s))}"`,
  },
  {
    rule: 'openai-api-key',
    line: (s) =>
      assign('openai', join('sk', '-proj-', r(URLSAFE, 74, s), 'T3Blbk', 'FJ', r(URLSAFE, 74, s + 1))),
    nearMiss: (s) =>
      `note = "${join('sk', '-proj-', r(URLSAFE, 74, s), 'T3Blbk', 'FX', r(URLSAFE, 74, s + 1))}"`,
  },
  {
    rule: 'anthropic-api-key',
    line: (s) => assign('anthropic', join('sk', '-ant-api03-', r(URLSAFE, 93, s), 'AA')),
    nearMiss: (s) => `note = "${join('sk', '-ant-api03-', r(URLSAFE, 40, s))}"`,
  },
  {
    rule: 'twilio-api-key',
    line: (s) => assign('twilio_api_key', join('S', 'K', r(HEX, 32, s))),
    nearMiss: (s) => `note = "${join('S', 'K', r(HEX, 32, s))}"`,
  },
  {
    rule: 'jwt',
    line: (s) =>
      assign(
        'session',
        join('ey', 'J', r(URLSAFE, 33, s), '.', 'ey', 'J', r(URLSAFE, 60, s + 1), '.', r(URLSAFE, 43, s + 2)),
      ),
    nearMiss: (s) =>
      `note = "${join('ey', 'J', r(URLSAFE, 33, s), '.', 'ey', 'J', r(URLSAFE, 60, s + 1), '.')}"`,
  },
  {
    rule: 'npm-token',
    line: (s) => ({
      line: `//registry.npmjs.org/:_authToken=${join('np', 'm_', r(ALNUM, 36, s))}`,
      secret: join('np', 'm_', r(ALNUM, 36, s)),
    }),
    nearMiss: (s) => `note = ${join('np', 'm_', r(ALNUM, 35, s))}`,
  },
  {
    rule: 'pypi-token',
    line: (s) => assign('password', join('py', 'pi-AgEIcHlwaS5vcmc', r(URLSAFE, 120, s))),
    nearMiss: (s) => `note = "${join('py', 'pi-AgEIcHlwaS5vcmX', r(URLSAFE, 120, s))}"`,
  },
  {
    rule: 'google-api-key',
    line: (s) => assign('maps', join('AI', 'za', r(URLSAFE, 35, s))),
    nearMiss: (s) => `note = "${join('AI', 'za', r(URLSAFE, 34, s))}"`,
  },
  {
    rule: 'huggingface-token',
    line: (s) => assign('hf', join('h', 'f_', r(`${UPPER}${LOWER}`, 34, s))),
    nearMiss: (s) => `note = "${join('h', 'f_', r(`${UPPER}${LOWER}`, 33, s))}"`,
  },
  {
    rule: 'docker-hub-token',
    line: (s) => assign('docker', join('dckr', '_pat_', r(URLSAFE, 27, s))),
    nearMiss: (s) => `note = "${join('dckr', '_pat_', r(URLSAFE, 26, s))}"`,
  },
  {
    rule: 'vault-token',
    line: (s) => assign('vault', join('hv', 's.', r(URLSAFE, 90, s))),
    nearMiss: (s) => `note = "${join('hv', 'x.', r(URLSAFE, 90, s))}"`,
  },
  {
    rule: 'terraform-cloud-token',
    line: (s) => assign('tfc', join(r(ALNUM, 14, s), '.atlas', 'v1.', r(ALNUM, 67, s + 1))),
    nearMiss: (s) => `note = "${join(r(ALNUM, 14, s), '.atlas', 'v2.', r(ALNUM, 67, s + 1))}"`,
  },
  {
    rule: 'grafana-token',
    line: (s) => assign('grafana', join('gl', 'sa_', r(ALNUM, 32, s), '_', r(HEX, 8, s + 1))),
    nearMiss: (s) => `note = "${join('gl', 'sa_', r(ALNUM, 32, s), '_', r(HEX, 7, s + 1))}"`,
  },
  {
    rule: 'new-relic-user-key',
    line: (s) => assign('newrelic', join('NR', 'AK-', r(`${UPPER}0123456789`, 27, s))),
    nearMiss: (s) => `note = "${join('NR', 'AK-', r(`${UPPER}0123456789`, 26, s))}"`,
  },
  {
    rule: 'shopify-token',
    line: (s) => assign('shopify', join('sh', 'pat_', r(HEX, 32, s))),
    nearMiss: (s) => `note = "${join('sh', 'pxt_', r(HEX, 32, s))}"`,
  },
  {
    rule: 'github-token',
    line: (s) => assign('gh', githubToken(s)),
    nearMiss: (s) => `note = "${join('gh', 'x_', r(ALNUM, 36, s))}"`,
  },
  {
    rule: 'github-fine-grained-token',
    line: (s) => assign('gh', join('github', '_pat_', r(ALNUM, 22, s), '_', r(ALNUM, 59, s + 1))),
    nearMiss: (s) => `note = "${join('github', '_pet_', r(ALNUM, 22, s), '_', r(ALNUM, 59, s + 1))}"`,
  },
  {
    rule: 'slack-webhook',
    line: (s) => {
      const url = join(
        'https://hooks.',
        'slack.com/services/T',
        r(`${UPPER}0123456789`, 8, s),
        '/B',
        r(`${UPPER}0123456789`, 8, s + 1),
        '/',
        r(ALNUM, 24, s + 2),
      );
      return { line: `webhook = "${url}"`, secret: url };
    },
    nearMiss: (s) =>
      `note = "https://hooks.slack.com/services/T${r(`${UPPER}0123456789`, 8, s)}/B${r(`${UPPER}0123456789`, 8, s + 1)}/"`,
  },
  {
    rule: 'gitlab-token',
    line: (s) => assign('gl', gitlabToken(s)),
    nearMiss: (s) => `note = "${join('gl', 'pat-', r(ALNUM, 19, s))}"`,
  },
  {
    rule: 'slack-token',
    line: (s) => assign('slack', slackToken(s)),
    nearMiss: (s) => `note = "${join('xo', 'xq-', r('0123456789', 12, s), '-', r(ALNUM, 24, s + 1))}"`,
  },
  {
    rule: 'aws-access-key-id',
    line: (s) => assign('key_id', awsAccessKeyId(s)),
    nearMiss: (s) => `note = "${join('AK', 'IB', r(`${UPPER}234567`, 16, s))}"`,
  },
  {
    rule: 'azure-storage-connection-string',
    line: (s) => {
      const key = azureAccountKey(s);
      return {
        line: `conn = "DefaultEndpointsProtocol=https;AccountName=acct${s};AccountKey=${key};EndpointSuffix=core.windows.net"`,
        secret: key,
      };
    },
    nearMiss: (s) => `note = "AccountName=acct${s};AccountKey=${azureAccountKey(s)}"`,
  },
  {
    rule: 'url-credentials',
    line: (s) => {
      const password = r(ALNUM, 18, s);
      return {
        line: `database_url = "postgres://app:${password}@db${s}.internal:5432/app"`,
        secret: password,
      };
    },
    nearMiss: (s) => `note = "postgres://app:\${var.db_password_${s}}@db.internal:5432/app"`,
  },
];
