// The provider cache key: OS, engine and version, and every lock file's path and content.
import { describe, expect, it } from 'vitest';
import { providerCacheKey } from '../../src/github/provider-cache.js';

const base = {
  os: 'Linux-x64',
  engine: 'tofu',
  version: '1.11.6',
  lockFiles: [
    { path: 'app/.terraform.lock.hcl', text: 'provider "registry.opentofu.org/hashicorp/local" {}\n' },
    { path: 'net/.terraform.lock.hcl', text: 'provider "registry.opentofu.org/hashicorp/null" {}\n' },
  ],
};

describe('providerCacheKey', () => {
  it('names OS, engine and version, and restores older entries of the same three', () => {
    const { key, restoreKey } = providerCacheKey(base);
    expect(restoreKey).toBe('stackgate-providers-v1-Linux-x64-tofu-1.11.6-');
    expect(key.startsWith(restoreKey)).toBe(true);
    expect(key.length).toBeLessThan(512);
  });

  it('changes with any lock file, its path, the engine or the version, but not with the order', () => {
    const { key } = providerCacheKey(base);
    expect(providerCacheKey({ ...base, lockFiles: [...base.lockFiles].reverse() }).key).toBe(key);
    const changed = [
      { ...base, lockFiles: [base.lockFiles[0]!, { ...base.lockFiles[1]!, text: 'other' }] },
      { ...base, lockFiles: [base.lockFiles[0]!, { ...base.lockFiles[1]!, path: 'db/.terraform.lock.hcl' }] },
      { ...base, lockFiles: [base.lockFiles[0]!] },
      { ...base, engine: 'terraform' },
      { ...base, version: '1.10.5' },
      { ...base, os: 'macOS-arm64' },
    ];
    for (const parts of changed) expect(providerCacheKey(parts).key).not.toBe(key);
  });
});
