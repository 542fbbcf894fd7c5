// Engines running side by side share the cores: each Go runtime (tofu, terraform, their provider plugins) is
// sized to its share instead of to the whole machine.
import { describe, expect, it } from 'vitest';
import { shareCores } from '../../src/engines/terraform.js';

const shared = (env: Record<string, string | undefined>, lanes: number, cores: number) => {
  const copy = { ...env };
  shareCores(copy, lanes, cores);
  return copy.GOMAXPROCS;
};

describe('shareCores', () => {
  it('gives each of several engines its whole share of the cores, at least one', () => {
    expect(shared({}, 2, 2)).toBe('1');
    expect(shared({}, 3, 8)).toBe('2');
    expect(shared({}, 4, 8)).toBe('2');
    expect(shared({}, 16, 2)).toBe('1');
  });

  it('leaves a lone engine every core', () => {
    expect(shared({}, 1, 2)).toBeUndefined();
    expect(shared({}, 0, 2)).toBeUndefined();
  });

  it('keeps a GOMAXPROCS the runner or the workflow set', () => {
    expect(shared({ GOMAXPROCS: '4' }, 2, 2)).toBe('4');
    expect(shared({ GOMAXPROCS: '' }, 2, 2)).toBe('');
  });
});
