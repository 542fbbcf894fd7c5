import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareNames } from '../../src/report/order.js';

describe('compareNames', () => {
  it('lists names case-insensitively, then by code unit (upper case first)', () => {
    expect(['prod/b', 'Prod/a', 'dev', 'prod/A', 'Dev'].sort(compareNames)).toEqual([
      'Dev',
      'dev',
      'Prod/a',
      'prod/A',
      'prod/b',
    ]);
  });

  it('is a total order: antisymmetric, zero only for equal names, the same whatever the input order', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (names) => {
        for (const a of names)
          for (const b of names) {
            expect(Math.sign(compareNames(a, b))).toBe(-Math.sign(compareNames(b, a)) || 0);
            expect(compareNames(a, b) === 0).toBe(a === b);
          }
        expect([...names].sort(compareNames)).toEqual([...names].reverse().sort(compareNames));
      }),
    );
  });
});
