// The Actions cache toolkit, loaded only when a cache service can be there. `@actions/cache` and the storage
// SDK it brings are a large part of the bundle; a job without the service (a local run, `act`, the bench, a
// runner with caching off) should not pay for loading them before its first engine starts.
import * as core from '@actions/core';

type CacheToolkit = typeof import('@actions/cache');

let loaded: Promise<CacheToolkit> | undefined;

/**
 * The toolkit when the runner announces a cache service, else `undefined`. The toolkit needs
 * `ACTIONS_CACHE_URL` (service v1) or `ACTIONS_RESULTS_URL` (v2); without either its own
 * `isFeatureAvailable()` is false, so it is not loaded to ask.
 */
export async function cacheService(
  env: Record<string, string | undefined> = process.env,
): Promise<CacheToolkit | undefined> {
  if (!env.ACTIONS_CACHE_URL && !env.ACTIONS_RESULTS_URL) return undefined;
  // A chunk of its own in dist/: neither compiled nor run by a job that never gets here.
  loaded ??= import('@actions/cache');
  try {
    const cache = await loaded;
    return cache.isFeatureAvailable() ? cache : undefined;
  } catch (error) {
    // A bundle missing its chunk: the job goes on without the cache, as without the service.
    loaded = undefined;
    core.warning(`The Actions cache client could not be loaded: ${(error as Error).message}`);
    return undefined;
  }
}
