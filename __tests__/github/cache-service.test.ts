// The Actions cache client is a chunk loaded on first use: one that cannot be loaded (a bundle missing its chunk)
// is a warning, and the run goes on as without a cache service.
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.doUnmock('@actions/cache');
  vi.resetModules();
  vi.restoreAllMocks();
});

const SERVICE = { ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/' };

describe('cacheService', () => {
  it('is not loaded at all without a cache service', async () => {
    const loads = vi.fn();
    vi.doMock('@actions/cache', () => {
      loads();
      return { isFeatureAvailable: () => true };
    });
    const { cacheService } = await import('../../src/github/cache-service.js');
    expect(await cacheService({})).toBeUndefined();
    expect(loads).not.toHaveBeenCalled();
  });

  it('warns when the client cannot be loaded, goes on without it, and tries again next time', async () => {
    let fail = true;
    vi.doMock('@actions/cache', () => {
      if (fail) throw new Error("Cannot find module './64.index.js'");
      return { isFeatureAvailable: () => true };
    });
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const { cacheService } = await import('../../src/github/cache-service.js');
    expect(await cacheService(SERVICE)).toBeUndefined();
    // (vitest wraps the loader's own error in one of its own)
    expect(written.join('')).toMatch(/^::warning::The Actions cache client could not be loaded: \S/m);
    fail = false;
    expect(await cacheService(SERVICE)).toBeDefined();
  });
});
