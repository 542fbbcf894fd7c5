// Provider plugins shared by every stack of a job (one TF_PLUGIN_CACHE_DIR), kept between jobs through the
// Actions cache service (@actions/cache). Keyed by OS, engine and version, and the hash of every
// `.terraform.lock.hcl`; an older entry of the same OS and engine is restored when the exact one is missing
// (the engines check each plugin against the lock file's hashes, so a stale one is never used). A miss or an
// unreachable service is a notice: init then installs the providers as it would without a cache.
import * as core from '@actions/core';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { cacheService } from './cache-service.js';
import { compareNames } from '../report/order.js';

export interface ProviderCacheKeyParts {
  os: string;
  engine: string;
  version: string;
  /** Every lock file of the job's stacks: path (relative to the workspace) and content. */
  lockFiles: readonly { path: string; text: string }[];
}

const PREFIX = 'stackgate-providers-v1';

/** The exact key, and the prefix an older entry of the same OS, engine and version is restored by. */
export function providerCacheKey(parts: ProviderCacheKeyParts): { key: string; restoreKey: string } {
  const hash = createHash('sha256');
  for (const file of [...parts.lockFiles].sort((a, b) => compareNames(a.path, b.path))) {
    hash.update(`${file.path}\0${file.text}\0`);
  }
  const clean = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_');
  const restoreKey = `${PREFIX}-${clean(parts.os)}-${clean(parts.engine)}-${clean(parts.version)}-`;
  return { key: `${restoreKey}${hash.digest('hex').slice(0, 32)}`, restoreKey };
}

export type ProviderCacheRestore = 'hit' | 'partial' | 'miss' | 'unavailable';

const UNAVAILABLE =
  'Provider cache: the Actions cache service is not available here; providers are installed by init.';

/** Whether the runner has a cache service; a notice when not. Asked first, so a job without one skips the key. */
export async function providerCacheAvailable(): Promise<boolean> {
  if (await cacheService()) return true;
  core.notice(UNAVAILABLE);
  return false;
}

/** Restores the plugin folder; never throws. Anything but an exact hit is said in a notice. */
export async function restoreProviderCache(
  dir: string,
  key: { key: string; restoreKey: string },
): Promise<ProviderCacheRestore> {
  const cache = await cacheService();
  if (!cache) {
    core.notice(UNAVAILABLE);
    return 'unavailable';
  }
  try {
    const restored = await cache.restoreCache([dir], key.key, [key.restoreKey]);
    if (restored === key.key) return 'hit';
    core.notice(
      restored
        ? 'Provider cache: restored an older entry; init adds what the lock files need beyond it.'
        : 'Provider cache: no entry yet for these lock files; init installs the providers and the job saves them.',
    );
    return restored ? 'partial' : 'miss';
  } catch (error) {
    core.notice(
      `Provider cache: could not be restored (${(error as Error).message}); providers are installed by init.`,
    );
    return 'unavailable';
  }
}

/** Saves the plugin folder under the exact key unless it came from there or is empty; never throws. */
export async function saveProviderCache(
  dir: string,
  key: { key: string },
  restored: ProviderCacheRestore,
): Promise<void> {
  if (restored === 'hit' || restored === 'unavailable') return;
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.length === 0) return;
  const cache = await cacheService();
  if (!cache) return;
  try {
    await cache.saveCache([dir], key.key);
  } catch (error) {
    core.notice(
      `Provider cache: could not be saved (${(error as Error).message}); the next job installs them again.`,
    );
  }
}
