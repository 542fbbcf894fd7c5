// Saved plan files between the plan run and the apply run, through the Actions cache service (@actions/cache).
// Keyed by pull request, stack and head commit. The cache is scoped by branch: a run reads caches of its own
// ref and of the default branch. So a plan saved by a `pull_request` run (ref refs/pull/N/merge) is not
// readable by an `issue_comment` run (which runs on the default branch): apply then re-plans and compares the
// fingerprint, which is what guarantees "exactly the reviewed plan" either way. Plans are never saved from a
// default-branch run: caches there are readable by every branch's runs, and plan files hold raw values.
import * as core from '@actions/core';
import { createHash } from 'node:crypto';
import { cacheService } from './cache-service.js';

export function planCacheKey(pullNumber: number, stack: string, sha: string): string {
  const stackId = createHash('sha256').update(stack).digest('hex').slice(0, 16);
  return `stackgate-plan-v1-pr${pullNumber}-${stackId}-${sha}`;
}

/** Restores the plan file to `planFile`; false on a miss, when the service is unavailable, or on any error. */
export async function restorePlanFile(planFile: string, key: string): Promise<boolean> {
  const cache = await cacheService();
  if (!cache) return false;
  try {
    return (await cache.restoreCache([planFile], key)) === key;
  } catch (error) {
    core.info(`Could not restore the saved plan (${(error as Error).message}); planning again`);
    return false;
  }
}

/** Saves the plan file; a failure is a notice only (apply re-plans on a miss). */
export async function savePlanFile(planFile: string, key: string): Promise<boolean> {
  const cache = await cacheService();
  if (!cache) return false;
  try {
    await cache.saveCache([planFile], key);
    return true;
  } catch (error) {
    core.info(`Could not save the plan for apply (${(error as Error).message}); apply will plan again`);
    return false;
  }
}
