// Secret-scanner cases found by mutation testing (issue 17): exact masks, messages, positions and which files
// are read, so a changed boundary shows up as a wrong finding rather than passing unseen.
import { describe, expect, it } from 'vitest';
import {
  GENERIC_RULE,
  findingMessage,
  maskSecret,
  scanText,
  scanTextWithValues,
  type SecretFinding,
} from '../../src/scan/secrets.js';
import { awsSecretAccessKey, githubToken, pseudoRandom } from '../support/planted.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

describe('maskSecret', () => {
  it('shows nothing of a value under 20 characters, and 4 + 3 of a longer one', () => {
    expect(maskSecret('a'.repeat(19))).toBe('…');
    expect(maskSecret('abcdefghijklmnopqrst')).toBe('abcd…rst');
    expect(maskSecret('')).toBe('…');
  });

  it('counts characters, not UTF-16 units', () => {
    const emoji = '🔑'.repeat(19);
    expect(emoji.length).toBe(38);
    expect(maskSecret(emoji)).toBe('…');
    expect(maskSecret('🔑'.repeat(20))).toBe('🔑🔑🔑🔑…🔑🔑🔑');
  });
});

describe('findingMessage', () => {
  const finding = (rule: string, title: string): SecretFinding => ({
    file: 'a.tf',
    line: 1,
    column: 1,
    endColumn: 2,
    rule,
    title,
    masked: 'abcd…xyz',
  });

  it('keeps a rule’s proper-noun title and lowercases only the first letter of the generic one', () => {
    expect(findingMessage(finding('aws-access-key-id', 'AWS access key ID'))).toBe(
      'Possible AWS access key ID (abcd…xyz). Remove it, rotate it (it stays in the Git history), and read it ' +
        'from a secret store or a CI secret instead; mark a false positive with `stackgate:allow-secret` in a ' +
        'comment on this line or the line above.',
    );
    expect(findingMessage(finding(GENERIC_RULE, 'Secret assigned to DB_Password'))).toMatch(
      /^Possible secret assigned to DB_Password \(abcd…xyz\)\. /,
    );
  });
});

describe('scanTextWithValues: positions, values and allow-listing', () => {
  const token = githubToken(7);

  it('gives a token’s exact position and registers it once even when repeated', () => {
    const result = scanTextWithValues('ci.env', `A=1\nGH=${token}\nGH2=${token}\n`);
    expect(result.findings.map((f) => [f.line, f.column, f.endColumn])).toStrictEqual([
      [2, 4, 4 + token.length],
      [3, 5, 5 + token.length],
    ]);
    expect(result.secrets).toStrictEqual([token]);
  });

  it('counts columns on CRLF lines as on LF lines', () => {
    const [finding] = scanText('ci.env', `A=1\r\nGH=${token}\r\n`);
    expect([finding?.line, finding?.column]).toStrictEqual([2, 4]);
  });

  it('sorts findings by line, then column', () => {
    const other = githubToken(8);
    const found = scanText('ci.env', `X=${other} Y=${token}\nZ=${token}\n`);
    expect(found.map((f) => [f.line, f.column])).toStrictEqual([
      [1, 3],
      [1, 6 + other.length],
      [2, 3],
    ]);
  });

  it('matches allow globs without a slash on the base name, with one on the path', () => {
    const text = `GH=${token}\n`;
    expect(scanText('a/b/ci.env', text, { allow: ['ci.env'] })).toStrictEqual([]);
    expect(scanText('a/b/.secrets.env', text, { allow: ['*.env'] })).toStrictEqual([]);
    expect(scanText('a/b/ci.env', text, { allow: ['./a/**'] })).toStrictEqual([]);
    expect(scanText('a/b/ci.env', text, { allow: ['/a/b/*'] })).toStrictEqual([]);
    expect(scanText('./a/b/ci.env', text, { allow: ['a/b/ci.env'] })).toStrictEqual([]);
    expect(scanText('a\\b\\ci.env', text, { allow: ['a/b/ci.env'] })).toStrictEqual([]);
    expect(scanText('a/b/ci.env', text, { allow: ['b/**'] })).toHaveLength(1);
    expect(scanText('a/b/ci.env', text, { allow: ['other.env'] })).toHaveLength(1);
  });

  it('honours the allow marker on the line or the line above, not two lines above', () => {
    expect(scanText('ci.env', `# stackgate:allow-secret\nGH=${token}\n`)).toStrictEqual([]);
    expect(scanText('ci.env', `# stackgate:allow-secret\n\nGH=${token}\n`)).toHaveLength(1);
  });
});

describe('scanTextWithValues: assignments by dialect', () => {
  const value = pseudoRandom(ALNUM, 24, 3);

  it('takes unquoted values only outside HCL and JSON, without a trailing , ; } or ]', () => {
    expect(scanText('main.tf', `password = ${value}\n`)).toStrictEqual([]);
    expect(scanText('a.json', `{"password": ${value}}\n`)).toStrictEqual([]);
    const [plain] = scanText('vars.yml', `{password: ${value}},\n`);
    expect(plain?.endColumn).toBe((plain?.column ?? 0) + value.length);
    const result = scanTextWithValues('app.ini', `password=${value};\n`);
    expect(result.secrets).toStrictEqual([value]);
  });

  it('points inside the quotes of a quoted value', () => {
    const [finding] = scanText('main.tf', `password = "${value}"\n`);
    expect([finding?.column, finding?.endColumn]).toStrictEqual([13, 13 + value.length]);
    expect(finding?.title).toBe('Secret assigned to password');
  });

  it('cuts a long name in the title to 80 characters', () => {
    const name = `db_${'x'.repeat(100)}_password`;
    const [finding] = scanText('vars.yml', `${name}: "${value}"\n`);
    expect(finding?.title).toBe(`Secret assigned to ${name.slice(0, 80)}`);
  });

  it('skips empty values, references and placeholders', () => {
    expect(scanText('vars.yml', `password: ""\n`)).toStrictEqual([]);
    expect(scanText('vars.yml', `password: "{{ vault_db }}"\n`)).toStrictEqual([]);
    expect(scanText('vars.yml', `password: "changeme-${value}"\n`)).toStrictEqual([]);
  });
});

describe('scanTextWithValues: private keys and GCP keys (mutation cases)', () => {
  const BEGIN = ['-----BEGIN ', 'PRIVATE KEY-----'].join('');
  const END = ['-----END ', 'PRIVATE KEY-----'].join('');
  const body = (n: number, seed: number) => pseudoRandom(ALNUM, n, seed);
  const token = githubToken(11);

  it('names a key without a kind “Private key” and finds a body of exactly 64 characters, not 63', () => {
    const [found] = scanText('k.pem', `${BEGIN}\n${body(64, 1)}\n${END}\n`);
    expect([found?.rule, found?.title, found?.line, found?.column]).toStrictEqual([
      'private-key',
      'Private key',
      1,
      1,
    ]);
    expect(found?.masked).toBe(maskSecret(body(64, 1)));
    expect(scanText('k.pem', `${BEGIN}\n${body(63, 1)}\n${END}\n`)).toStrictEqual([]);
  });

  it('finds two keys written back to back, and a token on the line right after a key', () => {
    const two = `${BEGIN}\n${body(64, 2)}\n${END}\n${BEGIN}\n${body(64, 3)}\n${END}\nGH=${token}\n`;
    const found = scanText('k.env', two);
    expect(found.map((f) => f.line)).toStrictEqual([1, 4, 7]);
    expect(found.map((f) => f.rule).slice(0, 2)).toStrictEqual(['private-key', 'private-key']);
    expect(found[2]?.masked).toBe(maskSecret(token));
  });

  it('sorts a key below a token of an earlier line', () => {
    const found = scanText('k.env', `GH=${token}\n\n${BEGIN}\n${body(64, 4)}\n${END}\n`);
    expect(found.map((f) => f.line)).toStrictEqual([1, 3]);
  });

  it('takes an unterminated key’s base64 lines as its body, and still scans the lines after them', () => {
    const text = `${BEGIN}\n  ${body(64, 5)}\n  abcdefg=\nab==\nGH=${token}\n`;
    const result = scanTextWithValues('k.env', text);
    expect(result.findings.map((f) => f.line)).toStrictEqual([1, 5]);
    expect(result.secrets).toStrictEqual([
      `${BEGIN}\n  ${body(64, 5)}\n  abcdefg=\nab==`,
      body(64, 5),
      'abcdefg=',
      token,
    ]);
    const cut = scanTextWithValues('k.env', `key: ${BEGIN}${body(70, 6)}`);
    expect(cut.findings.map((f) => [f.line, f.column])).toStrictEqual([[1, 6]]);
    expect(cut.secrets[0]).toBe(`${BEGIN}${body(70, 6)}`);
  });

  it('reports a GCP key on a one-line file at line 1, only with the service-account marker', () => {
    const key = `${BEGIN}\\n${body(64, 7)}\\n${END}\\n`;
    const json = `{"type": "service_account", "private_key": "${key}"}`;
    const result = scanTextWithValues('sa.json', json);
    expect(result.findings.map((f) => [f.rule, f.line, f.column])).toStrictEqual([
      ['gcp-service-account-key', 1, json.indexOf(key) + 1],
    ]);
    expect(result.findings[0]?.masked).toBe(maskSecret(body(64, 7)));
    expect(result.secrets).toStrictEqual([key, body(64, 7)]);
    expect(scanText('sa.json', `{"private_key": "${key}"}`).map((f) => f.rule)).toStrictEqual([
      'private-key',
    ]);
    const bare = body(80, 8);
    expect(
      scanText('sa.json', `{"type": "service_account",\n "private_key": "${bare}"}`).map((f) => f.line),
    ).toStrictEqual([2]);
    const short = scanText('sa.json', `{"type": "service_account", "private_key": "${body(40, 8)}"}`);
    expect(short.map((f) => f.rule)).not.toContain('gcp-service-account-key');
  });

  it('keeps an inner carriage return of a line and drops only the one ending it', () => {
    const value = pseudoRandom(ALNUM, 24, 9);
    expect(scanTextWithValues('app.env', `password=${value}\r\n`).secrets).toStrictEqual([value]);
    const [finding] = scanText('app.env', `A=1\rGH=${token}\r\n`);
    expect(finding?.column).toBe(8);
  });
});

describe('scanTextWithValues: heredocs and dialects (mutation cases)', () => {
  const value = pseudoRandom(ALNUM, 24, 21);
  const token = githubToken(12);

  it('reports each secret line of a heredoc under a secret name, with its line, column and mask', () => {
    const text = `x = 1\npassword = <<-EOT\n  ${value}\n  EOT\nGH=${token}\n`;
    const result = scanTextWithValues('main.tf', text);
    expect(result.findings.map((f) => [f.line, f.column, f.endColumn, f.title, f.masked])).toStrictEqual([
      [3, 3, 3 + value.length, 'Secret assigned to password', maskSecret(value)],
      [5, 4, 4 + token.length, result.findings[1]?.title, maskSecret(token)],
    ]);
    expect(result.secrets).toStrictEqual([value, token]);
    expect(scanText('main.tf', `note = <<EOT\n${value}\nEOT\n`)).toStrictEqual([]);
  });

  it('honours the allow marker on the heredoc opener and on the line above it', () => {
    expect(scanText('main.tf', `password = <<EOT # stackgate:allow-secret\n\n${value}\nEOT\n`)).toStrictEqual(
      [],
    );
    expect(
      scanText('main.tf', `# stackgate:allow-secret\npassword = <<EOT\n\n${value}\nEOT\n`),
    ).toStrictEqual([]);
    expect(
      scanText('main.tf', `# stackgate:allow-secret\n\npassword = <<EOT\n\n${value}\nEOT\n`),
    ).toHaveLength(1);
  });

  it('counts no opener inside a heredoc body, and ends an unclosed heredoc at the end of the text', () => {
    const inner = `note = <<EOT\npassword = <<EOF\n${value}\nEOT\n`;
    expect(scanText('main.tf', inner)).toStrictEqual([]);
    expect(scanText('main.tf', `password = <<EOT\n${value}`).map((f) => f.line)).toStrictEqual([2]);
  });

  it('reads only .tf/.tfvars/.hcl and .json endings as those dialects', () => {
    expect(scanText('a.tf.yml', `password = ${value}\n`)).toHaveLength(1);
    expect(scanText('a.json.yml', `password: ${value}\n`)).toHaveLength(1);
    expect(scanText('main.tf.txt', `password = <<EOT\n${value}\nEOT\n`)).toStrictEqual([]);
  });
});

describe('isAllowListed through scanText (mutation cases)', () => {
  const text = `GH=${githubToken(13)}\n`;

  it('lets a path glob cover dot folders, and strips every leading ./ of the file', () => {
    expect(scanText('a/.hidden/ci.env', text, { allow: ['a/**'] })).toStrictEqual([]);
    expect(scanText('././a/ci.env', text, { allow: ['a/ci.env'] })).toStrictEqual([]);
    expect(scanText('a/./ci.env', text, { allow: ['a/ci.env'] })).toHaveLength(1);
  });
});

describe('token bodies: the fixed prefix is left out of the randomness test (mutation cases)', () => {
  // Five letters repeated: 2.32 bits a character, under the 2.5 bar; with the prefix counted it would pass it.
  const stand = (length: number) => 'abcde'.repeat(Math.ceil(length / 5)).slice(0, length);
  const join = (...parts: string[]) => parts.join('');

  it.each([
    ['github-token', join('gh', 'p_', stand(36))],
    ['gitlab-token', join('gl', 'pat-', stand(20))],
    ['slack-token', join('xo', 'xb-', stand(15))],
    ['stripe-live-key', join('sk', '_live_', stand(24))],
    ['digitalocean-token', join('do', 'p_v1_', stand(64))],
    ['openai-api-key', join('sk', '-', 'aa', 'c'.repeat(18), 'T3BlbkFJ', 'cccc', 'd'.repeat(11), 'TTTTT')],
    ['anthropic-api-key', join('sk', '-ant-api03-', stand(80))],
    ['docker-hub-token', join('dc', 'kr_pat_', stand(27))],
    ['vault-token', join('hv', 's.', stand(24))],
    ['shopify-token', join('sh', 'pat_', stand(32))],
  ])('does not report a %s whose body is a repeated stand-in', (_rule, token) => {
    expect(scanText('ci.env', `TOKEN_VALUE=${token}\n`)).toStrictEqual([]);
  });

  it('still reports the same tokens with a random body', () => {
    const random = pseudoRandom(ALNUM, 36, 31);
    const found = scanText('ci.env', `A=${join('gh', 'p_', random)}\nB=${join('hv', 's.', random)}\n`);
    expect(found.map((f) => f.rule)).toStrictEqual(['github-token', 'vault-token']);
  });

  it('takes a body of exactly 2.5 bits a character as random', () => {
    const body =
      'a'.repeat(10) + 'b'.repeat(10) + 'c'.repeat(5) + 'd'.repeat(5) + 'e'.repeat(5) + 'f'.repeat(5);
    expect(scanText('ci.env', `GH=${join('gh', 'p_', body)}\n`).map((f) => f.rule)).toStrictEqual([
      'github-token',
    ]);
  });

  it('strips a prefix only at the start: a URL password holding `SK` inside is judged whole', () => {
    const found = scanText('app.env', 'DATABASE_URL=postgres://app:abcdeSKabcde@db.internal:5432/app\n');
    expect(found.map((f) => [f.rule, f.column])).toStrictEqual([['url-credentials', 29]]);
  });
});

describe('GCP service-account keys: the body bar (mutation cases)', () => {
  const BEGIN = ['-----BEGIN ', 'PRIVATE KEY-----'].join('');
  const END = ['-----END ', 'PRIVATE KEY-----'].join('');
  const account = (key: string) => `{\n  "type": "service_account",\n  "private_key": "${key}"\n}\n`;

  it('reports a bare key of 64 base64 characters, not of 63, by its own rule and title', () => {
    const bare = pseudoRandom(ALNUM, 64, 41);
    const found = scanText('sa.json', account(bare));
    expect(found.map((f) => [f.rule, f.title, f.line, f.column])).toStrictEqual([
      ['gcp-service-account-key', 'GCP service account private key', 3, 19],
    ]);
    expect(scanText('sa.json', account(bare.slice(1))).map((f) => f.rule)).not.toContain(
      'gcp-service-account-key',
    );
  });

  it('does not report a template whose PEM markers wrap a stand-in (a false alarm before)', () => {
    expect(scanText('sa.json', account(`${BEGIN}\\n<your key here>\\n${END}\\n`))).toStrictEqual([]);
    expect(scanText('sa.json', account(`${BEGIN}\\nMIIEvQIBADANBg\\n${END}\\n`))).toStrictEqual([]);
  });
});

describe('private keys: which lines are the body (mutation cases)', () => {
  const BEGIN = ['-----BEGIN ', 'PRIVATE KEY-----'].join('');
  const END = ['-----END ', 'PRIVATE KEY-----'].join('');
  const body = (seed: number) => pseudoRandom(ALNUM, 64, seed);
  const token = githubToken(51);

  it('scans the rest of the BEGIN line of a multi-line key', () => {
    const text = `{token: ${token}, key: "${BEGIN}\n${body(52)}\n${END}"}\n`;
    expect(scanText('ci.yml', text).map((f) => [f.line, f.rule])).toStrictEqual([
      [1, 'github-token'],
      [1, 'private-key'],
    ]);
  });

  it('scans the rest of the END line (a token there was missed before)', () => {
    const text = `{key: "${BEGIN}\n${body(53)}\n${END}", token: ${token}}\n`;
    const found = scanText('ci.yml', text);
    expect(found.map((f) => [f.line, f.column, f.rule])).toStrictEqual([
      [1, 8, 'private-key'],
      [3, END.length + 11, 'github-token'],
    ]);
  });

  it('takes each base64 line of a cut key as its body, even one that reads like an AWS key ID', () => {
    const keyId = ['AK', 'IA', pseudoRandom('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 54)].join('');
    const found = scanText('k.env', `${BEGIN}\n${body(55)}\n${keyId}\n`);
    expect(found.map((f) => f.rule)).toStrictEqual(['private-key']);
  });

  it('ends a cut key before a line with an `=` inside (an assignment was taken as key before)', () => {
    const password = pseudoRandom(ALNUM, 24, 56);
    const result = scanTextWithValues('k.env', `${BEGIN}\n${body(57)}\nDBPASSWORD=${password}\n`);
    expect(result.findings.map((f) => [f.line, f.rule])).toStrictEqual([
      [1, 'private-key'],
      [3, GENERIC_RULE],
    ]);
    expect(result.values).toStrictEqual([`${BEGIN}\n${body(57)}`, password]);
  });

  it('takes a cut key’s last base64 line when the text ends without a newline', () => {
    const result = scanTextWithValues('k.env', `${BEGIN}\n${body(58)}`);
    expect(result.findings.map((f) => f.rule)).toStrictEqual(['private-key']);
    expect(result.values).toStrictEqual([`${BEGIN}\n${body(58)}`]);
  });

  it('reports secrets glued together without a separator, each (a file joined to one without a final newline)', () => {
    const before = scanText('k.env', `GH=${token}${BEGIN}\n${body(59)}\n${END}\n`);
    expect(before.map((f) => [f.column, f.rule])).toStrictEqual([
      [4, 'github-token'],
      [4 + token.length, 'private-key'],
    ]);
    const after = scanText('k.env', `${BEGIN}${token}\n${body(60)}\n${END}\n`);
    expect(after.map((f) => [f.column, f.rule])).toStrictEqual([
      [1, 'private-key'],
      [1 + BEGIN.length, 'github-token'],
    ]);
  });
});

describe('scanTextWithValues: overlaps, order and values (mutation cases)', () => {
  const token = githubToken(61);

  it('keeps a later rule’s token that lies left of an earlier rule’s, and sorts them by column', () => {
    const keyId = ['AK', 'IA', pseudoRandom('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 62)].join('');
    const text = `tokens: ${token} ${keyId} ${githubToken(63)}\n`;
    const found = scanText('ci.yml', text);
    expect(found.map((f) => [f.column, f.rule])).toStrictEqual([
      [9, 'github-token'],
      [10 + token.length, 'aws-access-key-id'],
      [11 + token.length + keyId.length, 'github-token'],
    ]);
  });

  it('returns nothing at all for an allow-listed file', () => {
    expect(scanTextWithValues('ci.env', `GH=${token}\n`, { allow: ['*.env'] })).toStrictEqual({
      findings: [],
      secrets: [],
      values: [],
    });
  });

  it('returns each finding’s raw value in the order of the findings', () => {
    const value = pseudoRandom(ALNUM, 24, 64);
    const result = scanTextWithValues('ci.env', `PASSWORD=${value}\nGH=${token}\nGH2=${token}\n`);
    expect(result.values).toStrictEqual([value, token, token]);
    expect(result.secrets).toStrictEqual([value, token]);
  });
});

describe('assignments: quotes, separators and AWS secrets (mutation cases)', () => {
  const value = pseudoRandom(ALNUM, 24, 71);

  it('points inside single quotes as inside double quotes', () => {
    const [finding] = scanText('vars.yml', `password: '${value}'\n`);
    expect([finding?.column, finding?.endColumn]).toStrictEqual([12, 12 + value.length]);
    expect(scanText('main.tf', `password = '${value}'\n`).map((f) => f.column)).toStrictEqual([13]);
  });

  it('keeps a `,` or `;` inside a bare value and drops only the trailing ones', () => {
    const result = scanTextWithValues('app.ini', `password=${value},${value};\n`);
    expect(result.values).toStrictEqual([`${value},${value}`]);
  });

  it('names an AWS secret only under an AWS name, and a 40-character value elsewhere a generic secret', () => {
    const secret = awsSecretAccessKey(72);
    const [aws] = scanText('creds.ini', `aws_secret_access_key = ${secret}\n`);
    expect([aws?.rule, aws?.title]).toStrictEqual(['aws-secret-access-key', 'AWS secret access key']);
    const [generic] = scanText('creds.ini', `db_password = ${secret}\n`);
    expect([generic?.rule, generic?.title]).toStrictEqual([GENERIC_RULE, 'Secret assigned to db_password']);
  });
});

describe('heredocs: openers, ends and allow markers (mutation cases)', () => {
  const value = pseudoRandom(ALNUM, 24, 81);
  const other = pseudoRandom(ALNUM, 24, 82);

  it('takes an opener without spaces around `=` and with spaces after its marker', () => {
    expect(scanText('main.tf', `password=<<EOT\n${value}\nEOT\n`).map((f) => f.line)).toStrictEqual([2]);
    expect(scanText('main.tf', `password =<<EOT\n${value}\nEOT\n`).map((f) => f.line)).toStrictEqual([2]);
    expect(scanText('main.tf', `password= <<EOT\n${value}\nEOT\n`).map((f) => f.line)).toStrictEqual([2]);
    expect(scanText('main.tf', `password = <<EOT  \n${value}\nEOT\n`).map((f) => f.line)).toStrictEqual([2]);
  });

  it('takes no opener followed by more text on its line (HCL wants the line to end there)', () => {
    expect(scanText('main.tf', `password = <<EOT text\n${value}\nEOT\n`)).toStrictEqual([]);
  });

  it('cuts a long heredoc name in the title to 80 characters', () => {
    const name = `db_${'x'.repeat(100)}_password`;
    const [finding] = scanText('main.tf', `${name} = <<EOT\n${value}\nEOT\n`);
    expect(finding?.title).toBe(`Secret assigned to ${name.slice(0, 80)}`);
  });

  it('ends a heredoc at its marker: the heredocs right after it are read under their own names', () => {
    const third = pseudoRandom(ALNUM, 24, 83);
    const text = `password = <<EOT\n${value}\nEOT\ntoken = <<EOT\n${other}\nEOT\nnote = <<EOT\n${third}\nEOT\n`;
    expect(scanText('main.tf', text).map((f) => [f.line, f.title])).toStrictEqual([
      [2, 'Secret assigned to password'],
      [5, 'Secret assigned to token'],
    ]);
  });

  it('counts no opener on the last line of a body', () => {
    const text = `description = <<EOT\nExample:\n  password = <<EOF\nEOT\n${value}\nEOF\n`;
    expect(scanText('main.tf', text)).toStrictEqual([]);
  });

  it('honours the allow marker on the line above a body line, not two above nor below', () => {
    const allow = '# stackgate:allow-secret';
    expect(scanText('main.tf', `password = <<EOT\nx\n\n${allow}\n${value}\nEOT\n`)).toStrictEqual([]);
    expect(scanText('main.tf', `password = <<EOT\nx\n${allow}\n\n${value}\nEOT\n`)).toHaveLength(1);
    expect(scanText('main.tf', `password = <<EOT\nx\n\n\n${value}\n${allow}\nEOT\n`)).toHaveLength(1);
  });
});
