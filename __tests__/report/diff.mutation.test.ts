// Diff rendering cases found by mutation testing (issue 17): the exact lines a reviewer reads in the comment's
// ```diff blocks — markers, indentation, key alignment, hidden counts, list context, replacement notes, headings.
import { describe, expect, it } from 'vitest';
import {
  DEEP_VALUE_TEXT,
  EncodedJson,
  SensitiveMarker,
  type ChangeAction,
  type OutputChange,
  type PlanValue,
  type ResourceChange,
} from '../../src/plan/model.js';
import { SENSITIVE, SENSITIVE_CHANGED, UNKNOWN } from '../../src/plan/redact.js';
import { renderOutputsDiff, renderResourceDiff, resourceHeading } from '../../src/report/diff.js';

function change(
  action: ChangeAction,
  before: PlanValue | undefined,
  after: PlanValue | undefined,
  extra: Partial<ResourceChange> = {},
): ResourceChange {
  return {
    address: 'test_thing.a',
    mode: 'managed',
    type: 'test_thing',
    name: 'a',
    moduleAddress: '',
    providerName: 'registry.opentofu.org/hashicorp/test',
    action,
    replacePaths: [],
    moved: false,
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
    ...extra,
  };
}

/** One rendered line: the diff marker, a space, four spaces per depth, the text. */
const row = (marker: string, depth: number, text: string): string =>
  `${marker} ${'    '.repeat(depth)}${text}`;

/** The body of a resource block: the lines between `resource … {` and the closing `}`. */
function body(c: ResourceChange): string[] {
  const lines = renderResourceDiff(c).split('\n');
  const open = lines.findIndex((line) => /^. (resource|data) /.test(line));
  expect(lines.at(-1)).toBe('  }');
  return lines.slice(open + 1, -1);
}

const update = (before: PlanValue, after: PlanValue, extra: Partial<ResourceChange> = {}) =>
  body(change('update', before, after, extra));

describe('an update in place', () => {
  it('shows changed attributes aligned, identifying ones as context, the rest counted', () => {
    const text = renderResourceDiff(
      change(
        'update',
        { size: 1, instance_type: 't2', name: 'web', keep: 'k', ami: 'a', gone: null, id: 'i-1', was: null },
        { size: 2, instance_type: 't3', name: 'web', keep: 'k', ami: 'b', gone: null, id: 'i-1' },
      ),
    );
    expect(text).toBe(
      [
        '  # test_thing.a will be updated in-place',
        '! resource "test_thing" "a" {',
        '!     ami           = "a" -> "b"',
        '      id            = "i-1"',
        '!     instance_type = "t2" -> "t3"',
        '      name          = "web"',
        '!     size          = 1 -> 2',
        '      # (1 unchanged attribute hidden)',
        '  }',
      ].join('\n'),
    );
  });

  it('counts several hidden attributes in the plural and shows unchanged tags whole', () => {
    expect(
      update({ a: 1, b: 2, c: 3, tags: { env: 'prod' } }, { a: 1, b: 2, c: 4, tags: { env: 'prod' } }),
    ).toStrictEqual([
      row('!', 1, 'c    = 3 -> 4'),
      row(' ', 1, 'tags = {'),
      row(' ', 2, 'env = "prod"'),
      row(' ', 1, '}'),
      row(' ', 1, '# (2 unchanged attributes hidden)'),
    ]);
  });

  it('leaves out an identifying attribute that is null, and nested identifying attributes', () => {
    expect(update({ id: null, v: 1 }, { id: null, v: 2 })).toStrictEqual([row('!', 1, 'v = 1 -> 2')]);
    expect(update({ cfg: { id: 'x', v: 1 } }, { cfg: { id: 'x', v: 2 } })).toStrictEqual([
      row('!', 1, 'cfg = {'),
      row('!', 2, 'v = 1 -> 2'),
      row(' ', 2, '# (1 unchanged attribute hidden)'),
      row(' ', 1, '}'),
    ]);
  });

  it('shows an attribute added to or removed from a nested object', () => {
    expect(update({ cfg: { a: 1 } }, { cfg: { a: 1, b: 2 } })).toStrictEqual([
      row('!', 1, 'cfg = {'),
      row('+', 2, 'b = 2'),
      row(' ', 2, '# (1 unchanged attribute hidden)'),
      row(' ', 1, '}'),
    ]);
    expect(update({ cfg: { a: 1, b: 'x' } }, { cfg: { a: 1 } })).toStrictEqual([
      row('!', 1, 'cfg = {'),
      row('-', 2, 'b = "x"'),
      row(' ', 2, '# (1 unchanged attribute hidden)'),
      row(' ', 1, '}'),
    ]);
  });

  it('quotes keys that are not identifiers and keeps the others bare', () => {
    const keys = ['Xa_-9Z', 'x', '_y', 'a b', '9a', '-a', 'a.b'];
    const before = Object.fromEntries(keys.map((key) => [key, 1]));
    const after = Object.fromEntries(keys.map((key) => [key, 2]));
    expect(update(before, after)).toStrictEqual([
      row('!', 1, '"-a"   = 1 -> 2'),
      row('!', 1, '"9a"   = 1 -> 2'),
      row('!', 1, 'Xa_-9Z = 1 -> 2'),
      row('!', 1, '_y     = 1 -> 2'),
      row('!', 1, '"a b"  = 1 -> 2'),
      row('!', 1, '"a.b"  = 1 -> 2'),
      row('!', 1, 'x      = 1 -> 2'),
    ]);
  });

  it('renders scalars as tofu does: quoted and escaped strings, numbers, booleans', () => {
    expect(update({ s: 'say "hi"', b: true, n: 0 }, { s: 'say "bye"', b: false, n: 1.5 })).toStrictEqual([
      row('!', 1, 'b = true -> false'),
      row('!', 1, 'n = 0 -> 1.5'),
      row('!', 1, 's = "say \\"hi\\"" -> "say \\"bye\\""'),
    ]);
  });

  it('treats null and absent as the same, and a number and its string as different', () => {
    expect(update({ a: null, n: 1 }, { n: '1' })).toStrictEqual([row('!', 1, 'n = 1 -> "1"')]);
  });

  it('shows values of different kinds as removed and added', () => {
    expect(update({ k: 'str' }, { k: { a: 1 } })).toStrictEqual([
      row('-', 1, 'k = "str"'),
      row('+', 1, 'k = {'),
      row('+', 2, 'a = 1'),
      row('+', 1, '}'),
    ]);
    expect(update({ v: [] }, { v: {} })).toStrictEqual([row('-', 1, 'v = []'), row('+', 1, 'v = {}')]);
    expect(update({ cfg: {} }, { cfg: UNKNOWN })).toStrictEqual([
      row('-', 1, 'cfg = {}'),
      row('+', 1, 'cfg = (known after apply)'),
    ]);
  });

  it('shows secrets and unknown values without revealing them', () => {
    expect(
      update(
        { same: SENSITIVE, changed: SENSITIVE, hidden: 'a', shown: SENSITIVE, later: 'x' },
        { same: SENSITIVE, changed: SENSITIVE_CHANGED, hidden: SENSITIVE, shown: 'b', later: UNKNOWN },
      ),
    ).toStrictEqual([
      row('!', 1, 'changed = (sensitive value)'),
      row('!', 1, 'hidden  = (sensitive value)'),
      row('!', 1, 'later   = "x" -> (known after apply)'),
      row('!', 1, 'shown   = (sensitive value) -> "b"'),
      row(' ', 1, '# (1 unchanged attribute hidden)'),
    ]);
  });

  it('shows an update without a before value as every attribute added', () => {
    expect(body(change('update', undefined, { a: 1 }))).toStrictEqual([row('+', 1, 'a = 1')]);
  });
});

describe('whole values', () => {
  it('renders a created object with lists, empty containers, JSON strings and heredocs', () => {
    const text = renderResourceDiff(
      change('create', undefined, {
        name: 'n',
        list: ['a', 1, true, null, [], {}],
        empty: [],
        obj: {},
        nested: { x: null, y: 'z' },
        gone: null,
        text: 'l1\r\nl2\n',
        json: ' {"b":[1],"a":null} ',
      }),
    );
    expect(text).toBe(
      [
        '  # test_thing.a will be created',
        '+ resource "test_thing" "a" {',
        '+     empty  = []',
        '+     json   = jsonencode(',
        '+         {',
        '+             b = [',
        '+                 1,',
        '+             ]',
        '+         }',
        '+     )',
        '+     list   = [',
        '+         "a",',
        '+         1,',
        '+         true,',
        '+         null,',
        '+         [],',
        '+         {},',
        '+     ]',
        '+     name   = "n"',
        '+     nested = {',
        '+         y = "z"',
        '+     }',
        '+     obj    = {}',
        '+     text   = <<-EOT',
        '+         l1',
        '+         l2',
        '+     EOT',
        '  }',
      ].join('\n'),
    );
  });

  it('shows a JSON array string decoded, and strings that only look like JSON as strings', () => {
    expect(
      body(change('create', undefined, { a: '[1,"x"]', b: '{nope}', c: '[1}', d: '"q"' })),
    ).toStrictEqual([
      row('+', 1, 'a = jsonencode('),
      row('+', 2, '['),
      row('+', 3, '1,'),
      row('+', 3, '"x",'),
      row('+', 2, ']'),
      row('+', 1, ')'),
      row('+', 1, 'b = "{nope}"'),
      row('+', 1, 'c = "[1}"'),
      row('+', 1, 'd = "\\"q\\""'),
    ]);
  });

  it('cuts a JSON string nested deeper than the model keeps, and keeps one exactly that deep', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const kept = body(change('create', undefined, { j: nested(48) }));
    expect(kept).toContain(row('+', 50, '1,'));
    expect(kept.join('\n')).not.toContain(DEEP_VALUE_TEXT);
    const cut = body(change('create', undefined, { j: nested(49) }));
    expect(cut).toContain(row('+', 50, `${DEEP_VALUE_TEXT},`));
    expect(cut.join('\n')).not.toMatch(/\b1,/);
  });

  it('says a deep JSON string changed only when its hidden part did', () => {
    const deep = (inner: string, space = '') =>
      `${`{${space}"a":${space}`.repeat(60)}${inner}${`${space}}`.repeat(60)}`;
    expect(update({ j: deep('1') }, { j: deep('1', ' ') })).toStrictEqual([
      row('!', 1, 'j = jsonencode('),
      row(' ', 2, '# (whitespace changes only)'),
      row(' ', 1, ')'),
    ]);
    const lines = update({ j: deep('1') }, { j: deep('2') });
    // The objects at depths 0–47 pair up; the value under the 48th is the placeholder on both sides.
    expect(lines).toContain(row('!', 50, `a = ${DEEP_VALUE_TEXT} -> ${DEEP_VALUE_TEXT}`));
    expect(lines.join('\n')).not.toMatch(/[12]$/m);
  });

  it('renders a destroyed resource with every attribute removed', () => {
    expect(renderResourceDiff(change('delete', { id: 'i-1', n: 2, z: null }, undefined))).toBe(
      [
        '  # test_thing.a will be destroyed',
        '- resource "test_thing" "a" {',
        '-     id = "i-1"',
        '-     n  = 2',
        '  }',
      ].join('\n'),
    );
    expect(body(change('delete', undefined, undefined))).toStrictEqual([]);
    expect(body(change('forget', { id: 'x' }, undefined))).toStrictEqual([row('-', 1, 'id = "x"')]);
  });

  it('says a created resource refers to values not yet known, and reads a data source like a creation', () => {
    expect(body(change('create', undefined, UNKNOWN))).toStrictEqual([
      row('+', 1, '# (config refers to values not yet known)'),
    ]);
    expect(
      renderResourceDiff(
        change('read', undefined, { id: 'd' }, { mode: 'data', type: 'x"y', address: 'data.x.y' }),
      ),
    ).toBe(
      ['  # data.x.y will be read during apply', '! data "x\\"y" "a" {', '+     id = "d"', '  }'].join('\n'),
    );
    expect(body(change('read', { id: 'd', v: 1 }, { id: 'd', v: 2 }))).toStrictEqual([
      row(' ', 1, 'id = "d"'),
      row('!', 1, 'v  = 1 -> 2'),
    ]);
  });

  it('shows a change with no value before it like a creation, unknown values said so', () => {
    expect(body(change('update', undefined, UNKNOWN))).toStrictEqual([
      row('+', 1, '# (config refers to values not yet known)'),
    ]);
    expect(body(change('update', undefined, { id: 'n' }))).toStrictEqual([row('+', 1, 'id = "n"')]);
  });
});

describe('JSON strings and heredocs in an update', () => {
  it('diffs JSON objects and arrays inside jsonencode', () => {
    expect(update({ p: '{"a":1,"b":2}' }, { p: '{"a":1,"b":3}' })).toStrictEqual([
      row('!', 1, 'p = jsonencode('),
      row('!', 2, '{'),
      row('!', 3, 'b = 2 -> 3'),
      row(' ', 3, '# (1 unchanged attribute hidden)'),
      row(' ', 2, '}'),
      row(' ', 1, ')'),
    ]);
    expect(update({ p: '[1,2]' }, { p: '[1,3]' })).toStrictEqual([
      row('!', 1, 'p = jsonencode('),
      row('!', 2, '['),
      row(' ', 3, '1,'),
      row('-', 3, '2,'),
      row('+', 3, '3,'),
      row(' ', 2, ']'),
      row(' ', 1, ')'),
    ]);
  });

  it('says when only the whitespace of a JSON string changed', () => {
    expect(update({ p: '{"a":1}' }, { p: '{ "a": 1 }' })).toStrictEqual([
      row('!', 1, 'p = jsonencode('),
      row(' ', 2, '# (whitespace changes only)'),
      row(' ', 1, ')'),
    ]);
  });

  it('compares a decoded JSON string with the same JSON as text', () => {
    expect(update({ p: new EncodedJson({ a: 1 }), q: 1 }, { p: '{"a": 1}', q: 2 })).toStrictEqual([
      row('!', 1, 'q = 1 -> 2'),
      row(' ', 1, '# (1 unchanged attribute hidden)'),
    ]);
    expect(update({ p: new EncodedJson({ a: 1 }) }, { p: 5 })).toStrictEqual([
      row('!', 1, 'p = {"a":1} -> 5'),
    ]);
  });

  it('shows a JSON string that became plain text as a string change', () => {
    expect(update({ p: '{"a":1}' }, { p: 'x' })).toStrictEqual([row('!', 1, 'p = "{\\"a\\":1}" -> "x"')]);
  });

  it('diffs multi-line strings line by line', () => {
    expect(update({ t: 'a\nb\nc\n' }, { t: 'a\nB\nc\n' })).toStrictEqual([
      row('!', 1, 't = <<-EOT'),
      row(' ', 2, 'a'),
      row('-', 2, 'b'),
      row('+', 2, 'B'),
      row(' ', 2, 'c'),
      row(' ', 1, 'EOT'),
    ]);
    expect(update({ t: 'one' }, { t: 'one\ntwo' })).toStrictEqual([
      row('!', 1, 't = <<-EOT'),
      row(' ', 2, 'one'),
      row('+', 2, 'two'),
      row(' ', 1, 'EOT'),
    ]);
    expect(update({ t: 'a\nb' }, { t: 5 })).toStrictEqual([row('!', 1, 't = "a\\nb" -> 5')]);
  });
});

describe('lists', () => {
  it('shows every element of a short list, changes in place', () => {
    expect(update({ l: ['a', 'b'] }, { l: ['a', 'c'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row(' ', 2, '"a",'),
      row('-', 2, '"b",'),
      row('+', 2, '"c",'),
      row(' ', 1, ']'),
    ]);
    expect(update({ l: [1] }, { l: [1, 2] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row(' ', 2, '1,'),
      row('+', 2, '2,'),
      row(' ', 1, ']'),
    ]);
  });

  it('shows two unchanged elements either side of a change in a long list, the rest counted', () => {
    const before = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(update({ l: before }, { l: before.map((n) => (n === 5 ? 50 : n)) })).toStrictEqual([
      row('!', 1, 'l = ['),
      row(' ', 2, '3,'),
      row(' ', 2, '4,'),
      row('-', 2, '5,'),
      row('+', 2, '50,'),
      row(' ', 2, '6,'),
      row(' ', 2, '7,'),
      row(' ', 2, '# (5 unchanged elements hidden)'),
      row(' ', 1, ']'),
    ]);
  });

  it('shows all of a list of seven steps, and trims one of eight', () => {
    expect(update({ l: [1, 2, 3, 4, 5, 6] }, { l: [1, 2, 3, 4, 5, 60] })).toStrictEqual([
      row('!', 1, 'l = ['),
      ...[1, 2, 3, 4, 5].map((n) => row(' ', 2, `${n},`)),
      row('-', 2, '6,'),
      row('+', 2, '60,'),
      row(' ', 1, ']'),
    ]);
    expect(update({ l: [1, 2, 3, 4, 5, 6, 7] }, { l: [1, 2, 3, 4, 5, 6, 70] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row(' ', 2, '5,'),
      row(' ', 2, '6,'),
      row('-', 2, '7,'),
      row('+', 2, '70,'),
      row(' ', 2, '# (4 unchanged elements hidden)'),
      row(' ', 1, ']'),
    ]);
  });

  it('changes objects in place when they pair up, and counts unchanged objects', () => {
    expect(update({ l: [{ a: 1 }, { b: 1 }] }, { l: [{ a: 1 }, { b: 2 }] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('!', 2, '{'),
      row('!', 3, 'b = 1 -> 2'),
      row(' ', 2, '},'),
      row(' ', 2, '# (1 unchanged element hidden)'),
      row(' ', 1, ']'),
    ]);
  });

  it('removes and adds objects that do not pair up one to one', () => {
    expect(update({ l: [{ a: 1 }, { b: 1 }] }, { l: [{ c: 1 }] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('-', 2, '{'),
      row('-', 3, 'a = 1'),
      row('-', 2, '},'),
      row('-', 2, '{'),
      row('-', 3, 'b = 1'),
      row('-', 2, '},'),
      row('+', 2, '{'),
      row('+', 3, 'c = 1'),
      row('+', 2, '},'),
      row(' ', 1, ']'),
    ]);
    expect(update({ l: [{ a: 1 }] }, { l: ['s'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('-', 2, '{'),
      row('-', 3, 'a = 1'),
      row('-', 2, '},'),
      row('+', 2, '"s",'),
      row(' ', 1, ']'),
    ]);
  });

  it('finds the common elements of lists up to 250,000 element pairs, beyond that lists all as replaced', () => {
    const list = (size: number, ends: string) =>
      Array.from({ length: size }, (_, i) => (i === 0 || i === size - 1 ? `${ends}${i}` : `same${i}`));
    // First and last differ, so the whole lists are compared: size × size pairs.
    const within = update({ l: list(500, 'old') }, { l: list(500, 'new') });
    expect(within.filter((line) => line.startsWith('-'))).toStrictEqual([
      row('-', 2, '"old0",'),
      row('-', 2, '"old499",'),
    ]);
    const beyond = update({ l: list(501, 'old') }, { l: list(501, 'new') });
    expect(beyond.filter((line) => line.startsWith('-'))).toHaveLength(501);
    expect(beyond.filter((line) => line.startsWith('+'))).toHaveLength(501);
    expect(beyond.findIndex((line) => line.startsWith('+'))).toBe(
      beyond.findLastIndex((line) => line.startsWith('-')) + 1,
    );
  });
});

describe('replacement', () => {
  it('marks what forces replacement, at any depth, with the headings of the replacement', () => {
    const text = renderResourceDiff(
      change(
        'replace',
        { ami: 'a', disk: [{ size: 1 }], tags: { 'a b': 'x' } },
        { ami: 'b', disk: [{ size: 2 }], tags: { 'a b': 'y' } },
        {
          replacePaths: ['ami', 'disk[0].size', 'tags["a b"]'],
          replaceOrder: 'create-first',
          actionReason: 'replace_because_tainted',
        },
      ),
    );
    expect(text).toBe(
      [
        '  # test_thing.a must be replaced',
        '  # (tainted, so must be replaced)',
        '  # (create replacement and then destroy)',
        '! resource "test_thing" "a" {',
        '!     ami  = "a" -> "b" # forces replacement',
        '!     disk = [',
        '!         {',
        '!             size = 1 -> 2 # forces replacement',
        '          },',
        '      ]',
        '!     tags = {',
        '!         "a b" = "x" -> "y" # forces replacement',
        '      }',
        '  }',
      ].join('\n'),
    );
  });

  it('puts the note on the opening line of added values and of changed containers', () => {
    const replacePaths = ['a', 'b', 'd', 'e', 'f', 'g', 'h', 'm', 'n', 'o', 'p'];
    expect(
      body(
        change(
          'replace',
          { m: { c: 1 }, n: [1], o: '{"k":1}', p: 'x\ny' },
          {
            a: [1],
            b: { c: 1 },
            d: 'x\ny',
            e: '{"k":1}',
            f: 's',
            g: [],
            h: {},
            m: { c: 2 },
            n: [2],
            o: '{"k":2}',
            p: 'x\nz',
          },
          { replacePaths },
        ),
      ),
    ).toStrictEqual([
      row('+', 1, 'a = [ # forces replacement'),
      row('+', 2, '1,'),
      row('+', 1, ']'),
      row('+', 1, 'b = { # forces replacement'),
      row('+', 2, 'c = 1'),
      row('+', 1, '}'),
      row('+', 1, 'd = <<-EOT # forces replacement'),
      row('+', 2, 'x'),
      row('+', 2, 'y'),
      row('+', 1, 'EOT'),
      row('+', 1, 'e = jsonencode( # forces replacement'),
      row('+', 2, '{'),
      row('+', 3, 'k = 1'),
      row('+', 2, '}'),
      row('+', 1, ')'),
      row('+', 1, 'f = "s" # forces replacement'),
      row('+', 1, 'g = [] # forces replacement'),
      row('+', 1, 'h = {} # forces replacement'),
      row('!', 1, 'm = { # forces replacement'),
      row('!', 2, 'c = 1 -> 2'),
      row(' ', 1, '}'),
      row('!', 1, 'n = [ # forces replacement'),
      row('-', 2, '1,'),
      row('+', 2, '2,'),
      row(' ', 1, ']'),
      row('!', 1, 'o = jsonencode( # forces replacement'),
      row('!', 2, '{'),
      row('!', 3, 'k = 1 -> 2'),
      row(' ', 2, '}'),
      row(' ', 1, ')'),
      row('!', 1, 'p = <<-EOT # forces replacement'),
      row(' ', 2, 'x'),
      row('-', 2, 'y'),
      row('+', 2, 'z'),
      row(' ', 1, 'EOT'),
    ]);
  });

  it('never marks the inside of a JSON string, even for the empty path', () => {
    expect(body(change('replace', undefined, { e: '{"k":[]}' }, { replacePaths: [''] }))).toStrictEqual([
      row('+', 1, 'e = jsonencode('),
      row('+', 2, '{'),
      row('+', 3, 'k = []'),
      row('+', 2, '}'),
      row('+', 1, ')'),
    ]);
  });

  it('numbers list elements as they are after the change', () => {
    expect(
      update({ l: ['x', { v: 1 }] }, { l: [{ v: 2 }] }, { action: 'replace', replacePaths: ['l[0].v'] }),
    ).toStrictEqual([
      row('!', 1, 'l = ['),
      row('-', 2, '"x",'),
      row('-', 2, '{'),
      row('-', 3, 'v = 1 # forces replacement'),
      row('-', 2, '},'),
      row('+', 2, '{'),
      row('+', 3, 'v = 2 # forces replacement'),
      row('+', 2, '},'),
      row(' ', 1, ']'),
    ]);
    expect(
      update({ l: [{ v: 0 }, 'x'] }, { l: [{ v: 0 }, 'y'] }, { action: 'replace', replacePaths: ['l[1]'] }),
    ).toStrictEqual([
      row('!', 1, 'l = ['),
      row('-', 2, '"x", # forces replacement'),
      row('+', 2, '"y", # forces replacement'),
      row(' ', 2, '# (1 unchanged element hidden)'),
      row(' ', 1, ']'),
    ]);
  });
});

describe('headings and opening lines', () => {
  it.each([
    ['create', '# test_thing.a will be created', '+'],
    ['update', '# test_thing.a will be updated in-place', '!'],
    ['delete', '# test_thing.a will be destroyed', '-'],
    ['replace', '# test_thing.a must be replaced', '!'],
    ['read', '# test_thing.a will be read during apply', '!'],
    ['no-op', '# test_thing.a has no changes', ' '],
    ['import', '# test_thing.a will be imported', ' '],
    ['forget', '# test_thing.a will be removed from the state, but will not be destroyed', '-'],
  ] as const)('%s: %s, opened with %j', (action, heading, marker) => {
    const lines = renderResourceDiff(change(action, { id: 'x' }, { id: 'x' })).split('\n');
    expect(lines.slice(0, 2)).toStrictEqual([`  ${heading}`, `${marker} resource "test_thing" "a" {`]);
  });

  it('names where a moved resource came from, once', () => {
    const moved = { previousAddress: 'test_thing.old', moved: true };
    expect(resourceHeading(change('move', {}, {}, moved))).toStrictEqual([
      '# test_thing.old has moved to test_thing.a',
    ]);
    expect(resourceHeading(change('move', {}, {}))).toStrictEqual(['# ? has moved to test_thing.a']);
    expect(resourceHeading(change('update', {}, {}, moved))).toStrictEqual([
      '# test_thing.a will be updated in-place',
      '# (moved from test_thing.old)',
    ]);
    expect(resourceHeading(change('update', {}, {}, { moved: true }))).toStrictEqual([
      '# test_thing.a will be updated in-place',
      '# (moved from ?)',
    ]);
    expect(renderResourceDiff(change('move', {}, {}, moved)).split('\n')[1]).toBe(
      '  resource "test_thing" "a" {',
    );
  });

  it('names the id an import comes from unless the import is all there is', () => {
    expect(resourceHeading(change('update', {}, {}, { importing: { id: 'i-"1"' } }))).toStrictEqual([
      '# test_thing.a will be updated in-place',
      '# (imported from "i-\\"1\\"")',
    ]);
    expect(resourceHeading(change('create', {}, {}, { importing: {} }))).toStrictEqual([
      '# test_thing.a will be created',
      '# (imported from "")',
    ]);
    expect(resourceHeading(change('import', {}, {}, { importing: { id: 'i-1' } }))).toStrictEqual([
      '# test_thing.a will be imported',
    ]);
  });

  it.each([
    ['replace_because_tainted', 'tainted, so must be replaced'],
    ['replace_by_request', 'will be replaced, as requested'],
    ['replace_by_triggers', 'will be replaced due to changes in replace_triggered_by'],
    ['delete_because_no_resource_config', 'because test_thing.a is not in configuration'],
    ['delete_because_wrong_repetition', 'because the repetition mode (count/for_each) changed'],
    ['delete_because_count_index', 'because the index is out of range for count'],
    ['delete_because_each_key', 'because the key is not in for_each'],
    ['delete_because_no_move_target', 'because it was moved to an address not in configuration'],
    ['read_because_config_unknown', 'config refers to values not yet known'],
    ['read_because_dependency_pending', 'depends on a resource or a module with changes pending'],
    ['read_because_check_nested', 'config will be checked after apply'],
  ])('gives the reason %s as (%s)', (actionReason, text) => {
    expect(resourceHeading(change('delete', {}, undefined, { actionReason }))).toStrictEqual([
      '# test_thing.a will be destroyed',
      `# (${text})`,
    ]);
  });

  it('names the module that is gone, and gives no reason it does not know or for drift', () => {
    const gone = { actionReason: 'delete_because_no_module' };
    expect(resourceHeading(change('delete', {}, undefined, { ...gone, moduleAddress: 'module.db' }))[1]).toBe(
      '# (because module.db is not in configuration)',
    );
    expect(resourceHeading(change('delete', {}, undefined, gone))[1]).toBe(
      '# (because its module is not in configuration)',
    );
    expect(
      resourceHeading(change('delete', {}, undefined, { actionReason: 'replace_because_cannot_update' })),
    ).toStrictEqual(['# test_thing.a will be destroyed']);
    expect(resourceHeading(change('delete', {}, undefined, { actionReason: 'toString' }))).toStrictEqual([
      '# test_thing.a will be destroyed',
    ]);
    expect(resourceHeading(change('delete', {}, undefined, gone), true)).toStrictEqual([
      '# test_thing.a has been deleted',
    ]);
  });

  it('says only that drift changed, and opens it as a change', () => {
    expect(renderResourceDiff(change('update', { v: 1 }, { v: 2 }), { drift: true })).toBe(
      ['  # test_thing.a has changed', '! resource "test_thing" "a" {', '!     v = 1 -> 2', '  }'].join('\n'),
    );
    expect(renderResourceDiff(change('delete', { v: 1 }, undefined), { drift: true })).toBe(
      ['  # test_thing.a has been deleted', '! resource "test_thing" "a" {', '-     v = 1', '  }'].join('\n'),
    );
  });

  it('says nothing about the order of a replacement that destroys first', () => {
    expect(resourceHeading(change('replace', {}, {}, { replaceOrder: 'delete-first' }))).toStrictEqual([
      '# test_thing.a must be replaced',
    ]);
    expect(resourceHeading(change('update', {}, {}, { replaceOrder: 'create-first' }))).toStrictEqual([
      '# test_thing.a will be updated in-place',
    ]);
  });
});

describe('outputs', () => {
  const output = (
    name: string,
    before: PlanValue | undefined,
    after: PlanValue | undefined,
    sensitive = false,
  ) =>
    ({
      name,
      action: 'update',
      sensitive,
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
    }) as OutputChange;

  it('aligns outputs, hides sensitive ones and still lists them as changed', () => {
    expect(
      renderOutputsDiff([
        output('url', 'a', 'b'),
        output('secret_key', 'old', 'new', true),
        output('token', undefined, 'x', true),
        output('gone', 'x', undefined, true),
        output('plain', null, 'v'),
      ]),
    ).toBe(
      [
        '! url        = "a" -> "b"',
        '! secret_key = (sensitive value)',
        '+ token      = (sensitive value)',
        '- gone       = (sensitive value)',
        '+ plain      = "v"',
      ].join('\n'),
    );
  });
});

describe('cases the first mutation run found unchecked', () => {
  it('compares hidden values by their change flag, not by identity', () => {
    expect(update({ p: new SensitiveMarker(), q: 1 }, { p: new SensitiveMarker(), q: 2 })).toStrictEqual([
      row('!', 1, 'q = 1 -> 2'),
      row(' ', 1, '# (1 unchanged attribute hidden)'),
    ]);
  });

  it('tells an empty object from a number, and equal nested lists apart from changed ones', () => {
    expect(update({ v: {} }, { v: 5 })).toStrictEqual([row('-', 1, 'v = {}'), row('+', 1, 'v = 5')]);
    expect(update({ l: [[1], [2]] }, { l: [[1], [3]] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row(' ', 2, '['),
      row(' ', 3, '1,'),
      row(' ', 2, '],'),
      row('-', 2, '['),
      row('-', 3, '2,'),
      row('-', 2, '],'),
      row('+', 2, '['),
      row('+', 3, '3,'),
      row('+', 2, '],'),
      row(' ', 1, ']'),
    ]);
  });

  it('finds common elements in the middle of two lists', () => {
    expect(update({ l: ['a', 'x', 'b', 'e'] }, { l: ['c', 'x'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('-', 2, '"a",'),
      row('+', 2, '"c",'),
      row(' ', 2, '"x",'),
      row('-', 2, '"b",'),
      row('-', 2, '"e",'),
      row(' ', 1, ']'),
    ]);
  });

  it('never calls a value too deep even to digest unchanged', () => {
    const deep = (space: string) => `${'['.repeat(300_000)}${space}${']'.repeat(300_000)}`;
    const lines = update({ j: deep('') }, { j: deep(' ') });
    expect(lines.join('\n')).not.toContain('whitespace changes only');
    // Unequal placeholders: the lists are shown removed and added.
    expect(lines.filter((line) => line.includes(DEEP_VALUE_TEXT)).map((line) => line[0])).toStrictEqual([
      '-',
      '+',
    ]);
  });

  it('marks replacement on elements of a created list and on paired objects after the first', () => {
    expect(body(change('replace', undefined, { l: ['a', 'b'] }, { replacePaths: ['l[1]'] }))).toStrictEqual([
      row('+', 1, 'l = ['),
      row('+', 2, '"a",'),
      row('+', 2, '"b", # forces replacement'),
      row('+', 1, ']'),
    ]);
    expect(
      update({ l: [{ v: 1 }, { w: 1 }] }, { l: [{ v: 2 }, { w: 2 }] }, { replacePaths: ['l[1].w'] }),
    ).toStrictEqual([
      row('!', 1, 'l = ['),
      row('!', 2, '{'),
      row('!', 3, 'v = 1 -> 2'),
      row(' ', 2, '},'),
      row('!', 2, '{'),
      row('!', 3, 'w = 1 -> 2 # forces replacement'),
      row(' ', 2, '},'),
      row(' ', 1, ']'),
    ]);
  });

  it('marks replacement on the attributes of a whole created or destroyed resource', () => {
    expect(body(change('create', undefined, { id: 'x' }, { replacePaths: ['id'] }))).toStrictEqual([
      row('+', 1, 'id = "x" # forces replacement'),
    ]);
    expect(body(change('delete', { id: 'x' }, undefined, { replacePaths: ['id'] }))).toStrictEqual([
      row('-', 1, 'id = "x" # forces replacement'),
    ]);
  });
});

describe('cases the second mutation run found unchecked', () => {
  it('tells a hidden value from a plain one on either side', () => {
    expect(update({ p: SENSITIVE, q: 1 }, { p: 'shown', q: 1 })).toStrictEqual([
      row('!', 1, 'p = (sensitive value) -> "shown"'),
      row(' ', 1, '# (1 unchanged attribute hidden)'),
    ]);
    expect(update({ p: 'shown' }, { p: SENSITIVE })).toStrictEqual([row('!', 1, 'p = (sensitive value)')]);
  });

  it('tells a list from a string of its characters, and a number or string from an object', () => {
    expect(update({ v: ['a', 'b'] }, { v: 'ab' })).toStrictEqual([
      row('-', 1, 'v = ['),
      row('-', 2, '"a",'),
      row('-', 2, '"b",'),
      row('-', 1, ']'),
      row('+', 1, 'v = "ab"'),
    ]);
    expect(update({ v: 'ab' }, { v: ['a', 'b'] })).toStrictEqual([
      row('-', 1, 'v = "ab"'),
      row('+', 1, 'v = ['),
      row('+', 2, '"a",'),
      row('+', 2, '"b",'),
      row('+', 1, ']'),
    ]);
    expect(update({ v: 5 }, { v: {} })).toStrictEqual([row('-', 1, 'v = 5'), row('+', 1, 'v = {}')]);
    expect(update({ v: 'ab' }, { v: { 0: 'a', 1: 'b' } })).toStrictEqual([
      row('-', 1, 'v = "ab"'),
      row('+', 1, 'v = {'),
      row('+', 2, '"0" = "a"'),
      row('+', 2, '"1" = "b"'),
      row('+', 1, '}'),
    ]);
  });

  it('shows strings holding JSON scalars as strings, not jsonencode', () => {
    expect(
      body(change('create', undefined, { a: '5', b: 'true', c: '"x"', d: 'null', e: '{', f: '{}' })),
    ).toStrictEqual([
      row('+', 1, 'a = "5"'),
      row('+', 1, 'b = "true"'),
      row('+', 1, 'c = "\\"x\\""'),
      row('+', 1, 'd = "null"'),
      row('+', 1, 'e = "{"'),
      row('+', 1, 'f = jsonencode('),
      row('+', 2, '{}'),
      row('+', 1, ')'),
    ]);
    expect(update({ a: '5' }, { a: '6' })).toStrictEqual([row('!', 1, 'a = "5" -> "6"')]);
  });

  it('shows a null element added to a list, at its end or before a kept element', () => {
    expect(update({ l: [1] }, { l: [1, null] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row(' ', 2, '1,'),
      row('+', 2, 'null,'),
      row(' ', 1, ']'),
    ]);
    expect(update({ l: ['a'] }, { l: [null, 'a'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('+', 2, 'null,'),
      row(' ', 2, '"a",'),
      row(' ', 1, ']'),
    ]);
  });

  it('keeps a common last element last, and finds the common element after an added one', () => {
    expect(update({ l: ['x', 'a'] }, { l: ['a', 'y', 'a'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('-', 2, '"x",'),
      row('+', 2, '"a",'),
      row('+', 2, '"y",'),
      row(' ', 2, '"a",'),
      row(' ', 1, ']'),
    ]);
    expect(update({ l: ['a', 'b'] }, { l: ['c', 'a', 'd'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('+', 2, '"c",'),
      row(' ', 2, '"a",'),
      row('-', 2, '"b",'),
      row('+', 2, '"d",'),
      row(' ', 1, ']'),
    ]);
  });

  it('keeps the one common element when elements are added on both sides of it', () => {
    expect(update({ l: ['a'] }, { l: ['b', 'b', 'a', 'b'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('+', 2, '"b",'),
      row('+', 2, '"b",'),
      row(' ', 2, '"a",'),
      row('+', 2, '"b",'),
      row(' ', 1, ']'),
    ]);
  });

  it('compares only what lies between a long common start or end, whatever the lists’ length', () => {
    const same = Array.from({ length: 600 }, (_, i) => `same${i}`);
    const changed = (lines: string[]) => lines.filter((line) => /^[-+]/.test(line));
    expect(changed(update({ l: [...same, 'x'] }, { l: [...same, 'y'] }))).toStrictEqual([
      row('-', 2, '"x",'),
      row('+', 2, '"y",'),
    ]);
    expect(changed(update({ l: ['x', ...same] }, { l: ['y', ...same] }))).toStrictEqual([
      row('-', 2, '"x",'),
      row('+', 2, '"y",'),
    ]);
  });

  it('tells a null last or first element from a missing one', () => {
    expect(update({ l: ['a', null] }, { l: ['a', 'b'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row(' ', 2, '"a",'),
      row('-', 2, 'null,'),
      row('+', 2, '"b",'),
      row(' ', 1, ']'),
    ]);
    expect(update({ l: ['a', 'b'] }, { l: ['a', null] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row(' ', 2, '"a",'),
      row('-', 2, '"b",'),
      row('+', 2, 'null,'),
      row(' ', 1, ']'),
    ]);
    expect(update({ l: ['a', null] }, { l: ['a'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row(' ', 2, '"a",'),
      row('-', 2, 'null,'),
      row(' ', 1, ']'),
    ]);
    expect(update({ l: [null, 'a'] }, { l: ['a'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('-', 2, 'null,'),
      row(' ', 2, '"a",'),
      row(' ', 1, ']'),
    ]);
  });

  it('keeps a common line in the middle of a heredoc as context', () => {
    expect(update({ s: 'a\nx\nb\n' }, { s: 'c\nx\nd\n' })).toStrictEqual([
      row('!', 1, 's = <<-EOT'),
      row('-', 2, 'a'),
      row('+', 2, 'c'),
      row(' ', 2, 'x'),
      row('-', 2, 'b'),
      row('+', 2, 'd'),
      row(' ', 1, 'EOT'),
    ]);
  });

  it('numbers an element after an added one by its new index for the replacement note', () => {
    expect(update({ l: ['a'] }, { l: ['n', 'a'] }, { replacePaths: ['l[1]'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('+', 2, '"n",'),
      row(' ', 2, '"a", # forces replacement'),
      row(' ', 1, ']'),
    ]);
  });

  it('marks an unchanged identifying attribute that forces replacement', () => {
    expect(
      update({ name: 'web', size: 1 }, { name: 'web', size: 2 }, { replacePaths: ['name'] }),
    ).toStrictEqual([row(' ', 1, 'name = "web" # forces replacement'), row('!', 1, 'size = 1 -> 2')]);
  });

  it('pairs removed and added elements in place only when all of them are objects', () => {
    expect(update({ l: [{ v: 1 }, 'a'] }, { l: [{ v: 2 }, 'b'] })).toStrictEqual([
      row('!', 1, 'l = ['),
      row('-', 2, '{'),
      row('-', 3, 'v = 1'),
      row('-', 2, '},'),
      row('-', 2, '"a",'),
      row('+', 2, '{'),
      row('+', 3, 'v = 2'),
      row('+', 2, '},'),
      row('+', 2, '"b",'),
      row(' ', 1, ']'),
    ]);
  });

  it('shows a destroyed or forgotten resource as removed, whatever after the model carries', () => {
    for (const action of ['delete', 'forget'] as const) {
      expect(body(change(action, { id: 'x', size: 1 }, { id: 'x', size: 2 }))).toStrictEqual([
        row('-', 1, 'id   = "x"'),
        row('-', 1, 'size = 1'),
      ]);
    }
  });

  it('says a data source read with nothing known yet refers to unknown values', () => {
    expect(body(change('read', undefined, UNKNOWN, { mode: 'data' }))).toStrictEqual([
      row('+', 1, '# (config refers to values not yet known)'),
    ]);
    expect(body(change('create', undefined, undefined))).toStrictEqual([]);
  });
});
