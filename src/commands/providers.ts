// One provider plugin folder (TF_PLUGIN_CACHE_DIR) for every Terraform/OpenTofu stack of the job, restored
// from the Actions cache before the first init and saved after the last one (src/github/provider-cache.ts).
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { engineFor, type EngineContext, type EngineName } from '../engines/index.js';
import {
  providerCacheAvailable,
  providerCacheKey,
  restoreProviderCache,
  saveProviderCache,
} from '../github/provider-cache.js';
import type { Stack } from '../stacks/discover.js';
import { compareNames } from '../report/order.js';

export interface ProviderCache {
  /** Saves what the inits installed, when the job did not start from this exact entry. */
  save(): Promise<void>;
}

const NOTHING: ProviderCache = { save: () => Promise.resolve() };

/**
 * Points `context.env` at the shared plugin folder (the runner's own TF_PLUGIN_CACHE_DIR when it sets one) and
 * restores it when the runner has a cache service. No Terraform/OpenTofu stack: nothing to do.
 */
export async function openProviderCache(
  stacks: readonly Stack[],
  fallbackEngine: EngineName,
  context: EngineContext,
): Promise<ProviderCache> {
  const engines = [...new Set(stacks.map((stack) => engineFor(stack, fallbackEngine)))]
    .filter((engine) => engine.version !== undefined)
    .sort((a, b) => compareNames(a.name, b.name));
  if (engines.length === 0) return NOTHING;
  const dir = context.env.TF_PLUGIN_CACHE_DIR || path.join(context.tempDir, 'plugin-cache');
  await mkdir(dir, { recursive: true });
  context.env.TF_PLUGIN_CACHE_DIR = dir;
  // Without a cache service the key (an engine `version` process, every lock file) would only delay the inits.
  if (!(await providerCacheAvailable())) return NOTHING;
  const versions = await Promise.all(
    engines.map(async (engine) => (await engine.version?.(context)) ?? 'unknown'),
  );
  const folders = [...new Set(stacks.map((stack) => stack.path))];
  const lockFiles = (
    await Promise.all(
      folders.map(async (folder) => {
        const file = path.posix.join(folder, '.terraform.lock.hcl');
        const text = await readFile(path.join(context.workspace, file), 'utf8').catch(() => undefined);
        return text === undefined ? [] : [{ path: file, text }];
      }),
    )
  ).flat();
  const key = providerCacheKey({
    os: `${process.env.RUNNER_OS ?? os.platform()}-${os.arch()}`,
    engine: engines.map((engine) => engine.name).join('+'),
    version: versions.join('+'),
    lockFiles,
  });
  const restored = await restoreProviderCache(dir, key);
  return { save: () => saveProviderCache(dir, key, restored) };
}
