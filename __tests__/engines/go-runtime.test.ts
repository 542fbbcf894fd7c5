// The Go runtime settings engines get: their share of the cores when several run at once, a collector that runs
// less often in short-lived processes, bounded by a share of the memory (or Go's defaults when that is small); settings of the runner's own kept.
import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { engineEnvironment, ENGINE_GOGC, tuneGoRuntime } from '../../src/engines/terraform.js';

const GiB = 2 ** 30;
const tuned = (env: Record<string, string | undefined>, lanes: number, cores = 2, memoryBytes = 8 * GiB) => {
  const copy = { ...env };
  tuneGoRuntime(copy, lanes, { cores, memoryBytes });
  return copy;
};

describe('tuneGoRuntime', () => {
  it('gives each of several engines its whole share of the cores, at least one', () => {
    expect(tuned({}, 2, 2).GOMAXPROCS).toBe('1');
    expect(tuned({}, 3, 8).GOMAXPROCS).toBe('2');
    expect(tuned({}, 4, 8).GOMAXPROCS).toBe('2');
    expect(tuned({}, 16, 2).GOMAXPROCS).toBe('1');
  });

  it('leaves a lone engine every core', () => {
    expect(tuned({}, 1, 2).GOMAXPROCS).toBeUndefined();
    expect(tuned({}, 0, 2).GOMAXPROCS).toBeUndefined();
  });

  it('keeps a GOMAXPROCS the runner or the workflow set', () => {
    expect(tuned({ GOMAXPROCS: '4' }, 2, 2).GOMAXPROCS).toBe('4');
    expect(tuned({ GOMAXPROCS: '' }, 2, 2).GOMAXPROCS).toBe('');
  });

  it('lets the heap grow further between collections, within an eighth of the memory per lane', () => {
    expect(tuned({}, 1, 2, 8 * GiB)).toMatchObject({ GOGC: String(ENGINE_GOGC), GOMEMLIMIT: '1024MiB' });
    expect(tuned({}, 2, 2, 8 * GiB)).toMatchObject({ GOGC: '400', GOMEMLIMIT: '512MiB' });
    expect(tuned({}, 0, 2, 8 * GiB).GOMEMLIMIT).toBe('1024MiB');
    expect(tuned({}, 3, 4, 7 * GiB + 123).GOMEMLIMIT).toBe('298MiB');
    expect(tuned({}, 2, 2, 4 * GiB).GOMEMLIMIT).toBe('256MiB');
  });

  it('keeps Go’s defaults when that limit would be under 256 MiB: a tight limit costs more than it saves', () => {
    for (const env of [tuned({}, 2, 2, 4 * GiB - 2 ** 20), tuned({}, 16, 2, 7 * GiB)]) {
      expect([env.GOGC, env.GOMEMLIMIT]).toEqual([undefined, undefined]);
    }
    // The cores are still shared.
    expect(tuned({}, 16, 2, 7 * GiB).GOMAXPROCS).toBe('1');
  });

  it('keeps the collector settings of the runner or the workflow, either one', () => {
    const collector = (env: Record<string, string>) => {
      const { GOGC, GOMEMLIMIT } = tuned(env, 2);
      return [GOGC, GOMEMLIMIT];
    };
    expect(collector({ GOGC: '100' })).toEqual(['100', undefined]);
    expect(collector({ GOGC: '' })).toEqual(['', undefined]);
    expect(collector({ GOMEMLIMIT: '3GiB' })).toEqual([undefined, '3GiB']);
  });
});

describe('engineEnvironment', () => {
  it('tunes the engines for the lanes it is given, and for one by default', () => {
    const machine = { cores: 4, memoryBytes: 16 * GiB };
    expect(engineEnvironment({ PATH: '/bin' }, 2, machine)).toMatchObject({
      PATH: '/bin',
      GOMAXPROCS: '2',
      GOGC: '400',
      GOMEMLIMIT: '1024MiB',
      TF_IN_AUTOMATION: '1',
    });
    const lone = engineEnvironment({ PATH: '/bin' }, undefined, machine);
    expect(lone.GOMAXPROCS).toBeUndefined();
    expect(lone.GOMEMLIMIT).toBe('2048MiB');
  });

  it('sizes to this machine unless told otherwise', () => {
    const env = engineEnvironment({});
    const limit = process.constrainedMemory();
    const mib = Math.floor((limit > 0 ? Math.min(limit, totalmem()) : totalmem()) / 8 / 2 ** 20);
    expect([env.GOGC, env.GOMEMLIMIT]).toEqual(mib >= 256 ? ['400', `${mib}MiB`] : [undefined, undefined]);
  });
});
