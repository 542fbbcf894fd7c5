// Redaction of text (engine messages, heredocs, YAML held in strings) as a reviewer reads it, from the mutants
// of src/plan/redact.ts that the older tests let live (issue 17): each test names what would leak or be
// wrongly hidden.
import { describe, expect, it } from 'vitest';
import { DeepValueMarker, EncodedJson, MAX_VALUE_DEPTH, SensitiveMarker } from '../../src/plan/model.js';
import {
  HIDDEN_TEXT,
  SENSITIVE,
  knownSecrets,
  newRedactState,
  redactDiagnostics,
  redactText,
  redactValue,
} from '../../src/plan/redact.js';

const H = HIDDEN_TEXT;

function text(input: string, known: readonly string[] = []) {
  const state = newRedactState();
  const result = redactText(input, known, state);
  return { result, secrets: [...state.secrets].sort(), count: state.redactedCount };
}

describe('redactText: values Stackgate handed the engine', () => {
  it('hides every occurrence of a handed value and counts the value once', () => {
    expect(text('a hunter22 b hunter22 c', ['hunter22'])).toStrictEqual({
      result: `a ${H} b ${H} c`,
      secrets: [],
      count: 1,
    });
  });

  it('hides the longer of two overlapping values whole, not its shorter part', () => {
    expect(text('x=1 open-sesame-long y', ['open-sesame', 'open-sesame-long']).result).toBe(`x=1 ${H} y`);
    expect(text('x=1 open-sesame-long y', ['open-sesame-long', 'open-sesame']).result).toBe(`x=1 ${H} y`);
  });

  it('leaves the list it was given in its order', () => {
    const known = ['short-1', 'much-longer-2'];
    text('short-1 much-longer-2', known);
    expect(known).toStrictEqual(['short-1', 'much-longer-2']);
  });

  it('skips values shorter than 3 characters once trimmed, and values absent from the text', () => {
    expect(text('x ab cd ab y', ['ab', ' ab '])).toStrictEqual({
      result: 'x ab cd ab y',
      secrets: [],
      count: 0,
    });
    expect(text('abc cd', ['abc'])).toStrictEqual({ result: `${H} cd`, secrets: [], count: 1 });
    expect(text('nothing here', ['absent-value'])).toStrictEqual({
      result: 'nothing here',
      secrets: [],
      count: 0,
    });
  });

  it('takes no handed values by default and works without a state', () => {
    expect(redactText('plain words, no secret')).toBe('plain words, no secret');
    expect(redactText('password = hunter22')).toBe(`password = ${H}`);
  });
});

describe('redactText: URL passwords', () => {
  it('hides the password of a URL and registers it for masking', () => {
    expect(text('dial postgres://app:pa55word@db.internal:5432/x now')).toStrictEqual({
      result: `dial postgres://app:${H}@db.internal:5432/x now`,
      secrets: ['pa55word'],
      count: 1,
    });
  });

  it('hides a password without a user name, in any scheme case', () => {
    expect(text('HTTPS://:s3cr3t-x@host').result).toBe(`HTTPS://:${H}@host`);
  });

  it('leaves a shell variable in place of the password, and an already hidden one', () => {
    expect(text('mysql://root:$DB_PASS@db')).toStrictEqual({
      result: 'mysql://root:$DB_PASS@db',
      secrets: [],
      count: 0,
    });
    expect(text(`mysql://root:${H}@db`, [])).toStrictEqual({
      result: `mysql://root:${H}@db`,
      secrets: [],
      count: 0,
    });
  });

  it('hides a password that is also a handed value once', () => {
    expect(text('redis://u:topsecret@h', ['topsecret'])).toStrictEqual({
      result: `redis://u:${H}@h`,
      secrets: [],
      count: 1,
    });
  });

  it('hides the password whatever is glued before the scheme, or with no scheme at all', () => {
    expect(text('url=_https://u:glued-pw1@h').result).toBe(`url=_https://u:${H}@h`);
    expect(text('1http://u:glued-pw2@h').result).toBe(`1http://u:${H}@h`);
    expect(text('"://u:bare-pw3@h"').result).toBe(`"://u:${H}@h"`);
  });

  it('leaves a URL without a password, and a host and port, alone', () => {
    expect(text('see https://user@example.com and https://example.com:8443/path').result).toBe(
      'see https://user@example.com and https://example.com:8443/path',
    );
  });
});

describe('redactText: values assigned to secret-looking names', () => {
  it.each([
    ['password = hunter22', `password = ${H}`, 'hunter22'],
    ['password: hunter22', `password: ${H}`, 'hunter22'],
    ['export DB_PASSWORD=hunter22', `export DB_PASSWORD=${H}`, 'hunter22'],
    ['--password=hunter22 --user=bob', `--password=${H} --user=bob`, 'hunter22'],
    ['GET /x?token=abc123&page=2', `GET /x?token=${H}&page=2`, 'abc123'],
    ['"api_key": "k-998877",', `"api_key": "${H}",`, 'k-998877'],
    ["secret='sq-value'", `secret='${H}'`, 'sq-value'],
    ['token = "with \\" quote"', `token = "${H}"`, 'with \\" quote'],
    ['credentials = {a=1}', `credentials = {${H}}`.replace(`{${H}}`, H), '{a=1}'],
    ['credentials = [1, 2]', `credentials = ${H}`, '[1, 2]'],
  ])('%s', (input, expected, secret) => {
    const result = text(input);
    expect(result.result).toBe(expected);
    expect(result.secrets).toContain(secret);
    expect(result.count).toBe(1);
  });

  it('hides each secret assignment on its own and counts each', () => {
    expect(text('password=one1 user=bob token=two2')).toStrictEqual({
      result: `password=${H} user=bob token=${H}`,
      secrets: ['one1', 'two2'],
      count: 2,
    });
  });

  it('leaves assignments to ordinary names, comparisons and arrows alone', () => {
    for (const input of [
      'user = bob',
      'password == other',
      'password => x',
      'password =~ x',
      'password:x',
      '$password = x',
      'my_password',
    ]) {
      expect(text(input)).toStrictEqual({ result: input, secrets: [], count: 0 });
    }
  });

  it('leaves empty and already hidden values as they are', () => {
    for (const input of [
      'password = ""',
      "password = ''",
      `password = ${H}`,
      `password = "${H}"`,
      'password = (sensitive value, changed)',
    ]) {
      expect(text(input)).toStrictEqual({ result: input, secrets: [], count: 0 });
    }
  });

  it('hides an assignment on a line without a colon, and one without an equals sign', () => {
    expect(text('token=abcdef').result).toBe(`token=${H}`);
    expect(text('token: abcdef').result).toBe(`token: ${H}`);
  });
});

describe('redactDiagnostics', () => {
  it('hides secrets in the summary and the detail, keeping the other fields', () => {
    const [diagnostic, ...rest] = redactDiagnostics(
      [{ severity: 'error', summary: 'bad token=abc123', detail: 'value hunter22 refused', line: 3 }],
      ['hunter22'],
    );
    expect(rest).toStrictEqual([]);
    expect(diagnostic).toStrictEqual({
      severity: 'error',
      summary: `bad token=${H}`,
      detail: `value ${H} refused`,
      line: 3,
    });
  });

  it('adds no detail to a diagnostic that has none', () => {
    expect(redactDiagnostics([{ summary: 'uses hunter22' }], ['hunter22'])).toStrictEqual([
      { summary: `uses ${H}` },
    ]);
    expect(redactDiagnostics([], ['hunter22'])).toStrictEqual([]);
  });
});

function value(input: unknown, state = newRedactState()) {
  const result = redactValue(input, undefined, undefined, state);
  return { result, secrets: [...state.secrets].sort(), count: state.redactedCount };
}

describe('redactValue: YAML held in strings', () => {
  it('re-encodes a YAML mapping with the secret replaced, keeping the final newline', () => {
    expect(value('user: app\npassword: hunter22\n')).toStrictEqual({
      result: `user: app\npassword: ${H}\n`,
      secrets: ['hunter22'],
      count: 1,
    });
  });

  it('drops the newline it adds when the original had none', () => {
    expect(value('user: app\npassword: hunter22').result).toBe(`user: app\npassword: ${H}`);
  });

  it('shows every marker as its text, in lists and nested maps alike', () => {
    const yaml = 'users:\n  - name: a\n    token: tok-1111\n  - name: b\nlimits: [1, 2]\n';
    expect(value(yaml).result).toBe(
      `users:\n  - name: a\n    token: ${H}\n  - name: b\nlimits:\n  - 1\n  - 2\n`,
    );
  });

  it('re-encodes a top-level YAML list', () => {
    expect(value('- name: a\n  secret: s-000001\n').result).toBe(`- name: a\n  secret: ${H}\n`);
  });

  it('keeps long lines whole', () => {
    const long = 'word '.repeat(40).trim();
    expect(value(`description: ${long}\npassword: hunter22\n`).result).toBe(
      `description: ${long}\npassword: ${H}\n`,
    );
  });

  it('leaves YAML without a secret as it was written', () => {
    const yaml = 'user:   app\nlimits: [1, 2]\n';
    expect(value(yaml)).toStrictEqual({ result: yaml, secrets: [], count: 0 });
  });

  it('keeps null values of re-encoded YAML as nulls', () => {
    expect(value('note: ~\npassword: hunter22\n').result).toBe(`note: null\npassword: ${H}\n`);
  });

  it('redacts a single line as text, keeping its spacing, even when it reads as YAML', () => {
    expect(value('password:   hunter22').result).toBe(`password:   ${H}`);
  });

  it('redacts almost-YAML that strict parsing refuses (a comment glued to a value) as text', () => {
    expect(value('password: "hunter22"#note\nuser: a\n').result).toBe(`password: "${H}"#note\nuser: a\n`);
  });

  it('treats a multi-line string that is not a YAML map or list as text', () => {
    expect(value('line one\npassword = hunter22\n').result).toBe(`line one\npassword = ${H}\n`);
    expect(value('just\ntext').result).toBe('just\ntext');
  });

  it('refuses YAML aliases, hiding the text line by line instead', () => {
    const yaml = 'base: &b\n  password: hunter22\ncopy: *b\n';
    const { result } = value(yaml);
    expect(result).toBe(`base: &b\n  password: ${H}\ncopy: *b\n`);
  });

  it('refuses YAML with duplicate keys, which strict parsing rejects', () => {
    const yaml = 'password: one1\npassword: two2\n';
    expect(value(yaml).result).toBe(`password: ${H}\npassword: ${H}\n`);
  });
});

function nested(depth: number, leaf: unknown): unknown {
  let result: unknown = leaf;
  for (let level = 0; level < depth; level += 1) result = [result];
  return result;
}

describe('redactValue: values nested too deep', () => {
  it('tells two deep values apart by their digest and two equal ones alike', () => {
    const a = value(nested(MAX_VALUE_DEPTH + 2, 'a')).result;
    const a2 = value(nested(MAX_VALUE_DEPTH + 2, 'a')).result;
    const b = value(nested(MAX_VALUE_DEPTH + 2, 'b')).result;
    const deepOf = (result: unknown) => {
      let item = result;
      while (Array.isArray(item)) item = item[0];
      return item as DeepValueMarker;
    };
    expect(deepOf(a)).toBeInstanceOf(DeepValueMarker);
    expect(deepOf(a).digest).toBe(deepOf(a2).digest);
    expect(deepOf(a).digest).not.toBe(deepOf(b).digest);
    expect(deepOf(a).digest).toMatch(/^[0-9a-f]+$/);
  });

  it('never takes two values too deep to serialise for equal', () => {
    const first = redactValue(nested(200_000, 'x'), undefined, undefined, newRedactState(), MAX_VALUE_DEPTH);
    const second = redactValue(nested(200_000, 'x'), undefined, undefined, newRedactState(), MAX_VALUE_DEPTH);
    expect(first).toBeInstanceOf(DeepValueMarker);
    expect((first as DeepValueMarker).digest).not.toBe((second as DeepValueMarker).digest);
  });

  it('still registers the secrets of a deep value for masking', () => {
    const state = newRedactState();
    redactValue(nested(MAX_VALUE_DEPTH + 1, { password: 'deep-pw-1' }), undefined, undefined, state);
    expect([...state.secrets]).toStrictEqual(['deep-pw-1']);
  });

  it('decodes a JSON string holding a value cut for depth, in a list or a map', () => {
    const deepList = JSON.stringify(nested(MAX_VALUE_DEPTH + 2, 1));
    const inList = value(deepList).result;
    expect(inList).toBeInstanceOf(EncodedJson);
    const inMap = value(JSON.stringify({ keep: 1, v: nested(MAX_VALUE_DEPTH + 2, 1) })).result;
    expect(inMap).toBeInstanceOf(EncodedJson);
    const second = value(JSON.stringify([0, { v: nested(MAX_VALUE_DEPTH + 2, 1) }])).result;
    expect(second).toBeInstanceOf(EncodedJson);
    expect(JSON.stringify(second)).toContain('not shown');
  });
});

describe('redactValue: JSON strings and their depth', () => {
  it('decodes only a JSON map or list, never a JSON string literal', () => {
    expect(value('"token=abc123"').result).toBe(`"token=${H}"`);
    expect(value(' 12345 ').result).toBe(' 12345 ');
  });

  it('counts the decoded JSON as one level deeper than its string', () => {
    expect(value(JSON.stringify(nested(MAX_VALUE_DEPTH - 1, 1))).result).toBe(
      JSON.stringify(nested(MAX_VALUE_DEPTH - 1, 1)),
    );
    expect(value(JSON.stringify(nested(MAX_VALUE_DEPTH, 1))).result).toBeInstanceOf(EncodedJson);
  });

  it('leaves text that starts like JSON but does not parse as text', () => {
    expect(value('{ password = hunter22').result).toBe(`{ password = ${H}`);
    expect(value('[token=abc123]').result).toBe(`[token=${H}]`);
  });
});

describe('redactValue: what a secret name hides, and JSON that only needed text hidden', () => {
  it('keeps numbers and booleans under a secret-looking name visible', () => {
    expect(value({ db_password: 1234, token: true, secret: false }).result).toStrictEqual({
      db_password: 1234,
      token: true,
      secret: false,
    });
  });

  it('registers the strings of a hidden list holding undefined items', () => {
    const state = newRedactState();
    expect(redactValue(['abc-1', undefined, 'def-2'], true, undefined, state)).toBe(SENSITIVE);
    expect([...state.secrets].sort()).toStrictEqual(['abc-1', 'def-2']);
  });

  it('keeps a plain value at the deepest level shown; only lists and maps are cut', () => {
    let item = value(nested(MAX_VALUE_DEPTH, 'leaf-text')).result;
    for (let level = 0; level < MAX_VALUE_DEPTH; level += 1) item = (item as unknown[])[0] as never;
    expect(item).toBe('leaf-text');
  });

  it('decodes a JSON string whose only secret sat in its text, so the secret is not shown', () => {
    const { result, secrets } = value('{"cmd":"export PASSWORD=abc123 && run"}');
    expect(result).toBeInstanceOf(EncodedJson);
    expect((result as EncodedJson).decoded).toStrictEqual({ cmd: `export PASSWORD=${H} && run` });
    expect(secrets).toStrictEqual(['abc123']);
    const state = newRedactState(knownSecrets([['known-secret-77', true]]));
    const known = redactValue('["uses known-secret-77 inside"]', undefined, undefined, state);
    expect(known).toBeInstanceOf(EncodedJson);
    expect(JSON.stringify(known)).not.toContain('known-secret-77');
  });

  it('leaves JSON holding nulls as it was written', () => {
    expect(value(' {"a": null, "b": [null, 1]} ').result).toBe(' {"a": null, "b": [null, 1]} ');
  });
});

describe('knownSecrets', () => {
  it('is undefined when nothing is marked', () => {
    expect(knownSecrets([])).toBeUndefined();
    expect(knownSecrets([['plain-value-1', false]])).toBeUndefined();
  });

  it('keeps marked values of 8 characters or more once trimmed', () => {
    const known = knownSecrets([[['1234567', ' 1234567 ', '12345678'], true]]);
    expect([...(known?.exact ?? [])]).toStrictEqual(['12345678']);
  });

  it('finds the longest known secret first inside a text', () => {
    const state = newRedactState(
      knownSecrets([
        ['abcdefgh', true],
        ['abcdefgh-ijkl', true],
      ]),
    );
    expect(redactValue('see abcdefgh-ijkl and abcdefgh', undefined, undefined, state)).toBe(
      `see ${H} and ${H}`,
    );
    expect(state.redactedCount).toBe(1);
  });

  it('searches inside text for up to 64 secrets, and only whole values past that', () => {
    const many = (count: number) =>
      knownSecrets(Array.from({ length: count }, (_, index) => [`known-secret-${index}`, true]));
    expect(many(64)?.inside).toBeInstanceOf(RegExp);
    expect(many(64)?.exact.size).toBe(64);
    expect(many(65)?.inside).toBeUndefined();
    expect(many(65)?.exact.size).toBe(65);
    const state = newRedactState(many(64));
    expect(redactValue('uses known-secret-63 here', undefined, undefined, state)).toBe(`uses ${H} here`);
  });

  it('leaves a text without any known secret as it is, counting nothing', () => {
    const state = newRedactState(knownSecrets([['exact-known-1', true]]));
    expect(redactValue('nothing known in here', undefined, undefined, state)).toBe('nothing known in here');
    expect(state.redactedCount).toBe(0);
  });

  it('follows list and map masks to the marked values only', () => {
    const known = knownSecrets([
      [
        ['visible-value-1', 'marked-value-1', { a: 'visible-value-2', b: 'marked-value-2' }],
        [false, true, { b: true }],
      ],
    ]);
    expect([...(known?.exact ?? [])].sort()).toStrictEqual(['marked-value-1', 'marked-value-2']);
    expect(knownSecrets([[['in-a-list-1'], { 0: true }]])).toBeUndefined();
    expect(knownSecrets([[{ 0: 'in-a-map-11' }, [true]]])).toBeUndefined();
  });

  it('hides an exact known value wherever it appears, registering it', () => {
    const state = newRedactState(knownSecrets([['exact-known-1', true]]));
    expect(redactValue({ other: 'exact-known-1' }, undefined, undefined, state)).toStrictEqual({
      other: SENSITIVE,
    });
    expect(state.secrets.has('exact-known-1')).toBe(true);
    expect(SENSITIVE).toBeInstanceOf(SensitiveMarker);
  });
});

describe('redactValue: name/value pairs', () => {
  it.each([
    ['name', 'value'],
    ['Name', 'Value'],
    ['key', 'value'],
    ['Key', 'Value'],
    ['name', 'Value'],
  ])('hides %s/%s when the name looks secret', (nameKey, valueKey) => {
    const state = newRedactState();
    const result = redactValue(
      [
        { [nameKey]: 'DB_PASSWORD', [valueKey]: 'pair-secret-1' },
        { [nameKey]: 'DB_HOST', [valueKey]: 'db.internal' },
      ],
      undefined,
      undefined,
      state,
    );
    expect(result).toStrictEqual([
      { [nameKey]: 'DB_PASSWORD', [valueKey]: SENSITIVE },
      { [nameKey]: 'DB_HOST', [valueKey]: 'db.internal' },
    ]);
    expect([...state.secrets]).toStrictEqual(['pair-secret-1']);
  });

  it('reads only a string as the name', () => {
    expect(
      value([
        { key: 7, value: 'seven-v' },
        { name: ['password'], value: 'list-v' },
      ]).result,
    ).toStrictEqual([
      { key: 7, value: 'seven-v' },
      { name: ['password'], value: 'list-v' },
    ]);
  });

  it('hides no other key of a pair', () => {
    expect(value({ name: 'api_token', value: 'v-1', other: 'shown-1' }).result).toStrictEqual({
      name: 'api_token',
      value: SENSITIVE,
      other: 'shown-1',
    });
  });
});
