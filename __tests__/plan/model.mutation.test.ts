// The plan model's markers as a reviewer reads them (issue 17): the text each marker renders as in JSON output,
// that nothing can change a marker once made, and that plain objects parsed from plan data never pass as one.
import { describe, expect, it } from 'vitest';
import {
  DEEP_VALUE_TEXT,
  DeepValueMarker,
  EncodedJson,
  MAX_VALUE_DEPTH,
  SensitiveMarker,
  UnknownMarker,
  emptyCounts,
  isMarker,
  isSensitive,
  isUnknown,
} from '../../src/plan/model.js';

describe('markers in JSON output', () => {
  it('reads a hidden value as "(sensitive value)", and a changed one as such', () => {
    expect(new SensitiveMarker().changed).toBe(false);
    expect(JSON.stringify({ a: new SensitiveMarker() })).toBe('{"a":"(sensitive value)"}');
    expect(new SensitiveMarker(true).changed).toBe(true);
    expect(JSON.stringify([new SensitiveMarker(true)])).toBe('["(sensitive value, changed)"]');
    expect(new SensitiveMarker(false).toJSON()).toBe('(sensitive value)');
  });

  it('reads an unknown value as "(known after apply)"', () => {
    expect(JSON.stringify({ id: new UnknownMarker() })).toBe('{"id":"(known after apply)"}');
  });

  it('reads a value nested too deep as a sentence naming the depth, keeping its digest apart', () => {
    expect(MAX_VALUE_DEPTH).toBe(48);
    expect(DEEP_VALUE_TEXT).toBe('(nested more than 48 levels deep: not shown)');
    const deep = new DeepValueMarker('0123abcd');
    expect(deep.digest).toBe('0123abcd');
    expect(JSON.stringify({ v: deep })).toBe(`{"v":"${DEEP_VALUE_TEXT}"}`);
  });

  it('reads decoded JSON as the JSON text of what it holds, markers included', () => {
    const encoded = new EncodedJson({ user: 'u', password: new SensitiveMarker() });
    expect(encoded.toJSON()).toBe('{"user":"u","password":"(sensitive value)"}');
    expect(new EncodedJson([1, null]).toJSON()).toBe('[1,null]');
  });
});

describe('markers cannot be altered', () => {
  // Each marker is made inside its test: one made while the file loads would come from the unmutated code.
  it.each([
    ['sensitive', () => new SensitiveMarker()],
    ['unknown', () => new UnknownMarker()],
    ['deep', () => new DeepValueMarker('d1')],
    ['encoded', () => new EncodedJson({ a: 1 })],
  ])('a %s marker refuses new or changed fields', (_name, make) => {
    const marker = make();
    expect(Object.isFrozen(marker)).toBe(true);
    expect(() => {
      (marker as unknown as Record<string, unknown>).changed = true;
    }).toThrow(TypeError);
    expect(() => {
      (marker as unknown as Record<string, unknown>).extra = 1;
    }).toThrow(TypeError);
  });

  it('keeps a shared marker hidden as unchanged whatever a caller tries', () => {
    const shared = new SensitiveMarker();
    expect(() => Object.assign(shared, { changed: true })).toThrow(TypeError);
    expect(shared.toJSON()).toBe('(sensitive value)');
  });
});

describe('what counts as a marker', () => {
  it('tells each marker class apart', () => {
    expect(isSensitive(new SensitiveMarker())).toBe(true);
    expect(isSensitive(new UnknownMarker())).toBe(false);
    expect(isUnknown(new UnknownMarker())).toBe(true);
    expect(isUnknown(new SensitiveMarker())).toBe(false);
    for (const marker of [
      new SensitiveMarker(),
      new UnknownMarker(),
      new DeepValueMarker('x'),
      new EncodedJson(1),
    ]) {
      expect(isMarker(marker)).toBe(true);
    }
  });

  it('never takes plain plan data for a marker', () => {
    for (const value of [{ $sensitive: true }, { changed: true }, '(sensitive value)', null, [], 0]) {
      expect(isMarker(value)).toBe(false);
      expect(isSensitive(value)).toBe(false);
      expect(isUnknown(value)).toBe(false);
    }
  });
});

describe('empty counts', () => {
  it('start every count at zero, forget included', () => {
    expect(emptyCounts()).toStrictEqual({
      add: 0,
      change: 0,
      destroy: 0,
      replace: 0,
      import: 0,
      move: 0,
      read: 0,
      drift: 0,
      forget: 0,
    });
    const a = emptyCounts();
    a.add = 3;
    expect(emptyCounts().add).toBe(0);
  });
});
