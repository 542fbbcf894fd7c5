import { describe, expect, it } from 'vitest';
import { awsAccessKeyId } from '../support/planted.js';
import {
  findingMessage,
  isScannable,
  maskSecret,
  scanText,
  scanTextWithValues,
  type SecretFinding,
} from '../../src/scan/secrets.js';

// Planted secrets are generated here (a fixed pseudo-random sequence behind the real prefixes) so that the
// repository never holds a literal that looks like a live token to this or any other scanner.
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const BASE64 = ALNUM + '+/';

function random(alphabet: string, length: number, seed: number): string {
  let state = seed;
  let out = '';
  for (let i = 0; i < length; i += 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet.charAt(Math.floor(state / 65536) % alphabet.length);
  }
  return out;
}

const prefix = (...parts: string[]): string => parts.join('');

/** Where `secret` sits in `text`: 1-based line and column of its first occurrence. */
function locate(text: string, secret: string): { line: number; column: number } {
  const offset = text.indexOf(secret);
  expect(offset).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
}

/** Exactly one finding of `rule`, at the secret's place, masked, and carrying no trace of the secret. */
function expectSingle(
  file: string,
  text: string,
  secret: string,
  rule: string,
  masked = maskSecret(secret),
): SecretFinding {
  const { findings, secrets } = scanTextWithValues(file, text);
  expect(findings.map((f) => f.rule)).toStrictEqual([rule]);
  const finding = findings[0] as SecretFinding;
  expect({ line: finding.line, column: finding.column }).toStrictEqual(locate(text, secret));
  expect(finding.file).toBe(file);
  expect(finding.masked).toBe(masked);
  expect(JSON.stringify(finding)).not.toContain(secret);
  expect(findingMessage(finding)).not.toContain(secret);
  expect(secrets).toContain(secret);
  return finding;
}

function spanOf(text: string, finding: SecretFinding): string {
  const line = text.split('\n')[finding.line - 1] ?? '';
  return line.slice(finding.column - 1, finding.endColumn - 1);
}

const AWS_KEY_ID = prefix('AK', 'IA', random(UPPER + DIGITS, 16, 11));
const AWS_SECRET = random(BASE64, 40, 12);
const PEM_BODY = [random(BASE64, 64, 21), random(BASE64, 64, 22), random(BASE64, 40, 23) + '=='];

describe('token rules', () => {
  it('finds an AWS access key ID and masks it like AKIA…Q4M', () => {
    const text = `provider "aws" {\n  region     = "eu-west-1"\n  access_key = "${AWS_KEY_ID}"\n}\n`;
    const finding = expectSingle('main.tf', text, AWS_KEY_ID, 'aws-access-key-id');
    expect(finding.title).toBe('AWS access key ID');
    expect(finding.masked).toBe(`${AWS_KEY_ID.slice(0, 4)}…${AWS_KEY_ID.slice(-3)}`);
    expect(spanOf(text, finding)).toBe(AWS_KEY_ID);
  });

  it('finds a temporary (ASIA) key ID in YAML', () => {
    const key = prefix('AS', 'IA', random(UPPER + DIGITS, 16, 13));
    expectSingle('vars.yml', `aws:\n  key: ${key}\n`, key, 'aws-access-key-id');
  });

  it('finds an AWS secret access key assigned to an AWS-looking name', () => {
    const text = `[default]\naws_access_key_id = ${AWS_KEY_ID}\naws_secret_access_key = ${AWS_SECRET}\n`;
    const { findings } = scanTextWithValues('credentials.ini', text);
    expect(findings.map((f) => [f.rule, f.line])).toStrictEqual([
      ['aws-access-key-id', 2],
      ['aws-secret-access-key', 3],
    ]);
    expect(findings[1]?.column).toBe('aws_secret_access_key = '.length + 1);
    expect(JSON.stringify(findings)).not.toContain(AWS_SECRET);
  });

  it('finds the private key of a GCP service-account JSON at its line, once', () => {
    const key = `-----BEGIN PRIVATE KEY-----\\n${PEM_BODY.join('\\n')}\\n-----END PRIVATE KEY-----\\n`;
    const text = [
      '{',
      '  "type": "service_account",',
      '  "project_id": "demo",',
      `  "private_key_id": "${random(DIGITS + 'abcdef', 40, 31)}",`,
      `  "private_key": "${key}",`,
      '  "client_email": "ci@demo.iam.gserviceaccount.com"',
      '}',
    ].join('\n');
    // A key is masked by its base64 body: the markers would make every key read `----…---`.
    const body = PEM_BODY.join('');
    const finding = expectSingle('sa.json', text, key, 'gcp-service-account-key', maskSecret(body));
    expect(finding.line).toBe(5);
    expect(scanTextWithValues('sa.json', text).secrets).toContain(PEM_BODY[0]);
  });

  it('finds the key of an Azure storage connection string', () => {
    const accountKey = random(BASE64, 86, 41) + '==';
    const text = `conn = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${accountKey};EndpointSuffix=core.windows.net"\n`;
    const finding = expectSingle('app.tfvars', text, accountKey, 'azure-storage-connection-string');
    expect(spanOf(text, finding)).toBe(accountKey);
  });

  it('finds the signature of an Azure SAS URL', () => {
    const sig = random(ALNUM, 43, 42) + '%3D';
    const text = `backup:\n  url: "https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&se=2030-01-01&sig=${sig}"\n`;
    expectSingle('backup.yaml', text, sig, 'azure-sas-signature');
  });

  it.each(['ghp', 'gho', 'ghu', 'ghs', 'ghr'])('finds a GitHub %s_ token', (kind) => {
    const token = prefix(kind, '_', random(ALNUM, 36, kind.charCodeAt(2)));
    const finding = expectSingle('ci.env', `# bot\nGH=${token}\n`, token, 'github-token');
    expect(finding.title).toMatch(/^GitHub /);
  });

  it('finds a GitHub fine-grained token', () => {
    const token = prefix('github', '_pat_', random(ALNUM, 22, 51), '_', random(ALNUM, 59, 52));
    expectSingle('settings.json', `{\n  "gh": "${token}"\n}\n`, token, 'github-fine-grained-token');
  });

  it('finds a GitLab token', () => {
    const token = prefix('gl', 'pat-', random(ALNUM, 20, 61));
    expectSingle(
      'runner.conf',
      `[runner]\nurl = https://gitlab.example.org\ncreds = ${token}\n`,
      token,
      'gitlab-token',
    );
  });

  it.each(['xoxb', 'xoxp', 'xoxa', 'xapp'])('finds a Slack %s- token', (kind) => {
    const token = prefix(
      kind,
      '-',
      random(DIGITS, 12, 71),
      '-',
      random(DIGITS, 13, 72),
      '-',
      random(ALNUM, 24, 73),
    );
    expectSingle('notify.yml', `slack:\n  bot: "${token}"\n`, token, 'slack-token');
  });

  it('finds a Slack webhook URL', () => {
    const url = prefix(
      'https://hooks.slack',
      '.com/services/T',
      random(UPPER + DIGITS, 8, 81),
      '/B',
      random(UPPER + DIGITS, 8, 82),
      '/',
      random(ALNUM, 24, 83),
    );
    expectSingle('alerts.tf', `locals {\n  webhook = "${url}"\n}\n`, url, 'slack-webhook');
  });
});

describe('private keys', () => {
  const pem = (kind: string): string =>
    [`-----BEGIN ${kind}PRIVATE KEY-----`, ...PEM_BODY, `-----END ${kind}PRIVATE KEY-----`].join('\n');

  it('reports a multi-line key once, at its BEGIN line, and registers its lines', () => {
    const key = pem('RSA ');
    const text = `# deploy key\n${key}\n`;
    const { findings, secrets } = scanTextWithValues('deploy.pem', text);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'private-key', title: 'RSA private key', line: 2, column: 1 });
    expect(JSON.stringify(findings)).not.toContain(PEM_BODY[0]);
    expect(secrets).toStrictEqual(expect.arrayContaining([key, ...PEM_BODY]));
  });

  it('finds a key in a tfvars heredoc at the column of its marker', () => {
    const text = `ssh_private_key = <<EOT\n    ${pem('OPENSSH ')}\nEOT\n`;
    expect(scanText('ssh.tfvars', text).map((f) => [f.rule, f.line, f.column])).toStrictEqual([
      ['private-key', 2, 5],
    ]);
  });

  it('ignores placeholder keys, public keys and certificates', () => {
    const text = [
      '-----BEGIN RSA PRIVATE KEY-----',
      '...',
      '-----END RSA PRIVATE KEY-----',
      '-----BEGIN PUBLIC KEY-----',
      ...PEM_BODY,
      '-----END PUBLIC KEY-----',
      '-----BEGIN CERTIFICATE-----',
      ...PEM_BODY,
      '-----END CERTIFICATE-----',
    ].join('\n');
    expect(scanText('certs.pem', text)).toStrictEqual([]);
  });
});

describe('generic secrets', () => {
  const value = random(ALNUM + '!@#%^', 24, 91);

  it.each([
    ['main.tf', `resource "x" "y" {\n  db_password = "${value}"\n}`],
    ['prod.tfvars', `admin_password = "${value}" # rotated yearly`],
    ['vars.yaml', `app:\n  - name: api\n    api_key: ${value}`],
    ['vars.yaml', `app: { apiKey: '${value}', user: admin }`],
    ['settings.json', `{\n  "oauth": {\n    "client_secret": "${value}"\n  }\n}`],
    ['app.ini', `[db]\npasswd=${value}`],
    ['.env.production', `export AUTH_TOKEN=${value}`],
    [
      'inventories/prod/hosts',
      `[web]\nweb1 ansible_host=10.0.0.1 ansible_user=deploy ansible_password=${value}`,
    ],
    ['group_vars/all', `ansible_become_pass: "${value}"`],
  ])('finds a high-entropy value in %s', (file, text) => {
    const finding = expectSingle(file, text, value, 'generic-secret');
    expect(spanOf(text, finding)).toBe(value);
  });

  it('names the variable in the title, never the value', () => {
    const [finding] = scanText('main.tf', `  db_password = "${value}"`);
    expect(finding?.title).toBe('Secret assigned to db_password');
    expect(findingMessage(finding as SecretFinding)).toMatch(/^Possible secret assigned to db_password \(/);
  });

  it('flags a hex token (lower bar for hex) but not a short one', () => {
    const hex = random('0123456789abcdef', 32, 92);
    expectSingle('vars.yml', `vault_token: ${hex}`, hex, 'generic-secret');
    expect(scanText('vars.yml', `vault_token: ${hex.slice(0, 10)}`)).toStrictEqual([]);
  });
});

describe('heredocs', () => {
  const value = random(ALNUM, 24, 131);

  it('judges the body of a heredoc under a secret-looking name', () => {
    expect(
      scanText('main.tf', 'password = <<EOT\nXk9mQ2vL7pR4wZ8tB3nH6\nEOT\n').map((f) => f.rule),
    ).toStrictEqual(['generic-secret']);
    const text = `locals {\n  db_password = <<-EOT\n    ${value}\n    EOT\n}\n`;
    const finding = expectSingle('main.tofu', text, value, 'generic-secret');
    expect(finding.title).toBe('Secret assigned to db_password');
    expect(spanOf(text, finding)).toBe(value);
  });

  it('judges every non-empty body line, whatever the marker, up to the closing marker only', () => {
    const other = random(ALNUM, 24, 132);
    const after = random(ALNUM, 24, 133);
    const text = [
      'resource "x" "y" {',
      '  "api_token" = <<SECRET_VALUE',
      value,
      '',
      'plain words here',
      other,
      'SECRET_VALUE',
      `  description = "${after}"`,
      '}',
    ].join('\n');
    const { findings, secrets } = scanTextWithValues('creds.tfvars', text);
    expect(findings.map((f) => [f.line, f.column])).toStrictEqual([
      [3, 1],
      [6, 1],
    ]);
    expect(secrets).toStrictEqual([value, other]);
  });

  it('leaves heredocs under ordinary names, references and placeholders alone', () => {
    expect(scanText('main.tf', `user_data = <<EOT\n${value}\nEOT\n`)).toStrictEqual([]);
    expect(
      scanText('main.tf', 'password = <<EOT\n${var.db_password}\n<your-password-here>\nEOT\n'),
    ).toStrictEqual([]);
    // An opener inside another heredoc's body is text, not HCL.
    expect(scanText('main.tf', `script = <<EOT\npassword = <<X\n${value}\nX\nEOT\n`)).toStrictEqual([]);
  });

  it('honours the allow marker above the opener for the whole body', () => {
    const text = `# stackgate:allow-secret\npassword = <<EOT\n${value}\nEOT\n`;
    expect(scanText('main.tf', text)).toStrictEqual([]);
  });
});

describe('false positives', () => {
  const highEntropy = random(ALNUM, 24, 101);

  it.each([
    ['reference', 'main.tf', 'password = var.db_password'],
    ['interpolation', 'main.tf', 'password = "${var.db_password}"'],
    ['partial interpolation', 'main.tf', 'token = "Bearer-${data.vault_generic_secret.x.data["token"]}"'],
    ['function call', 'main.tf', 'api_key = lookup(var.keys, "prod")'],
    ['data source', 'main.tf', 'secret = data.aws_secretsmanager_secret_version.db.secret_string'],
    ['empty string', 'main.tf', 'api_key = ""'],
    ['changeme', 'prod.tfvars', 'password = "changeme-changeme-1"'],
    ['angle placeholder', 'prod.tfvars', 'password = "<your-db-password-here>"'],
    ['xxx placeholder', 'prod.tfvars', 'token = "xxxxxxxxxxxxxxxxxxxxxxxx"'],
    ['example', 'prod.tfvars', `api_key = "example${highEntropy}"`],
    ['REPLACE_ME', 'app.env', 'CLIENT_SECRET=REPLACE_ME_bK8q2Lz9'],
    ['dummy', 'vars.yml', `token: dummy-${highEntropy}`],
    ['AWS documentation key', 'main.tf', `access_key = "${prefix('AKIA', 'IOSFODNN7', 'EXAMPLE')}"`],
    ['low entropy', 'vars.yml', 'password: passwordpassword'],
    ['words', 'vars.yml', 'secret: production-database-credentials'],
    ['identifier', 'app.env', 'API_TOKEN_HEADER=X-Api-Token-Header'],
    ['password generator', 'vars.yml', `password: "{{ lookup('password', '/dev/null length=20') }}"`],
    ['Actions expression', 'ci.yml', 'token: ${{ secrets.GITHUB_TOKEN }}'],
    ['key file', 'vars.yml', 'ansible_ssh_private_key_file: ~/.ssh/deploy_key_prod'],
    ['reference name', 'vars.yml', 'secret_ref: projects/p-123/secrets/db-pass/versions/latest'],
    ['key ID', 'sa.json', `"private_key_id": "${random('0123456789abcdef', 40, 103)}"`],
    ['jinja', 'vars.yml', 'ansible_password: "{{ vault_ansible_password }}"'],
    ['jinja lookup', 'vars.yml', `api_key: "{{ lookup('env', 'API_KEY') }}"`],
    ['env reference', 'app.env', 'DB_PASSWORD=${DB_PASSWORD}'],
    ['shell variable', 'app.env', 'API_KEY=$API_KEY_FROM_CI'],
    ['inline vault', 'vars.yml', 'db_password: $ANSIBLE_VAULT;1.1;AES256;6231386332656136'],
    ['metadata name', 'main.tf', 'private_key_path = "~/.ssh/id_ed25519_deploy"'],
    ['secret name', 'main.tf', `secret_name = "${highEntropy}"`],
    ['number', 'main.tf', 'password_length = 32'],
    ['not a secret name', 'main.tf', `commit_sha = "${random('0123456789abcdef', 40, 102)}"`],
    ['tokenizer is not token', 'vars.yml', `tokenizer: ${highEntropy}`],
    ['comparison', 'main.tf', `count = var.token == "${highEntropy}" ? 1 : 0`],
    ['URL', 'vars.yml', 'token_issuer: https://login.example.org/oauth2/v2.0/token'],
  ])('leaves a %s alone', (_label, file, text) => {
    expect(scanText(file, text)).toStrictEqual([]);
  });

  it('leaves an ansible-vault block alone', () => {
    const text = [
      'db_password: !vault |',
      '  $ANSIBLE_VAULT;1.1;AES256',
      ...[1, 2, 3].map((seed) => `  ${random('0123456789abcdef', 64, 110 + seed)}`),
    ].join('\n');
    expect(scanText('group_vars/all/vault.yml', text)).toStrictEqual([]);
  });

  it('still sees a secret next to references (the rules are not blanket-disabled)', () => {
    expect(scanText('main.tf', `password = var.x\ntoken = "${highEntropy}"`)).toHaveLength(1);
  });
});

describe('allow-listing', () => {
  const token = prefix('ghp', '_', random(ALNUM, 36, 121));
  const text = `GH=${token}\n`;

  it('skips files matching an allow glob, by path or by base name', () => {
    expect(scanText('fixtures/a/ci.env', text, { allow: ['fixtures/**'] })).toStrictEqual([]);
    expect(scanText('deep/dir/ci.env', text, { allow: ['*.env'] })).toStrictEqual([]);
    expect(scanTextWithValues('deep/dir/ci.env', text, { allow: ['*.env'] }).secrets).toStrictEqual([]);
    expect(scanText('other/ci.env', text, { allow: ['fixtures/**'] })).toHaveLength(1);
  });

  it('skips a line marked stackgate:allow-secret on it or just above, in any comment style', () => {
    expect(scanText('ci.env', `GH=${token} # stackgate:allow-secret\n`)).toStrictEqual([]);
    expect(
      scanText('main.tf', `// stackgate:allow-secret (test fixture)\ntoken = "${token}"\n`),
    ).toStrictEqual([]);
    expect(scanText('main.tf', `/* stackgate:allow-secret */ token = "${token}"\n`)).toStrictEqual([]);
    expect(scanText('app.ini', `; stackgate:allow-secret\ntoken = ${token}\n`)).toStrictEqual([]);
  });

  it('does not reach further than the line above', () => {
    const findings = scanText('main.tf', `# stackgate:allow-secret\nregion = "x"\ntoken = "${token}"\n`);
    expect(findings.map((f) => f.line)).toStrictEqual([3]);
  });

  it('marks a private key at its BEGIN line', () => {
    const key = ['-----BEGIN EC PRIVATE KEY-----', ...PEM_BODY, '-----END EC PRIVATE KEY-----'].join('\n');
    expect(scanText('k.pem', `# stackgate:allow-secret\n${key}\n`)).toStrictEqual([]);
    expect(scanText('k.pem', key)).toHaveLength(1);
  });
});

describe('maskSecret and findingMessage', () => {
  it('shows 4 + 3 characters of a long value and nothing of a short one', () => {
    expect(maskSecret('ABCD' + 'efghijklmnopq' + 'Q4M')).toBe('ABCD…Q4M');
    expect(maskSecret('short-secret')).toBe('…');
    expect(maskSecret('')).toBe('…');
  });

  it('explains what to do', () => {
    const message = findingMessage({
      file: 'main.tf',
      line: 1,
      column: 1,
      endColumn: 21,
      rule: 'aws-access-key-id',
      title: 'AWS access key ID',
      masked: 'AKIA…Q4M',
    });
    expect(message).toMatch(/^Possible AWS access key ID \(AKIA…Q4M\)\. Remove it, rotate it/);
    expect(message).toContain('`stackgate:allow-secret`');
  });
});

describe('isScannable', () => {
  it.each([
    'main.tf',
    'main.tofu',
    'envs/prod.tfvars',
    'x.tfvars.json',
    'terragrunt.hcl',
    'a.yml',
    'b.YAML',
    'c.json',
    'd.ini',
    'e.cfg',
    'f.conf',
    '.env',
    'svc/.env.production',
    'prod.env',
    'inventory',
    'ansible/hosts',
    'inventories/prod/web',
    'ansible/group_vars/all',
    'ansible/host_vars/web1',
    'keys/deploy.pem',
    'keys/deploy.key',
    'env/prod.s3.tfbackend',
  ])('scans %s', (file) => expect(isScannable(file)).toBe(true));

  it.each(['main.go', 'README.md', 'logo.png', 'inventories/prod/logo.png', 'Makefile', 'environment.ts'])(
    'skips %s',
    (file) => expect(isScannable(file)).toBe(false),
  );
});

describe('random tokens with repeats', () => {
  it('finds every one of 120 generated AWS key ids, even those whose body repeats characters', () => {
    const keys = Array.from({ length: 120 }, (_, i) => awsAccessKeyId(100 + i));
    const text = keys.map((key, i) => `key_${i} = "${key}"`).join('\n');
    const lines = scanText('keys.tfvars', text).map((finding) => finding.line);
    expect(lines).toStrictEqual(keys.map((_, i) => i + 1));
  });

  it('still ignores a key id that is one character over and over', () => {
    expect(scanText('a.tfvars', `id = "${prefix('AK', 'IA')}${'A'.repeat(16)}"`)).toStrictEqual([]);
  });
});
