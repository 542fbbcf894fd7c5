// The pure parts of apply: the comment parser, the notice above the reviewed plan, the fingerprint's
// normalisation and salt, and the lock contract (in memory and against the GitHub stand-in).
import { describe, expect, it } from 'vitest';
import { parseComment } from '../../src/commands/comment-command.js';
import { createClient } from '../../src/github/client.js';
import { GitHubLockStore, lockRef } from '../../src/github/locks.js';
import { planFingerprint } from '../../src/plan/fingerprint.js';
import { withNotice } from '../../src/report/apply.js';
import { MemoryLockStore } from '../../src/store/memory.js';
import type { LockStore } from '../../src/store/types.js';
import { startStandIn } from '../support/standin/index.js';

describe('parseComment', () => {
  it.each([
    ['/stackgate apply', { kind: 'command', verb: 'apply', stacks: [] }],
    ['  /stackgate plan app dns app \n\n', { kind: 'command', verb: 'plan', stacks: ['app', 'dns'] }],
    ['/stackgate unlock infra/prod', { kind: 'command', verb: 'unlock', stacks: ['infra/prod'] }],
    ['/stackgate aply', { kind: 'unknown', word: 'aply', suggestion: 'apply' }],
    ['/stackgate destroy', { kind: 'unknown', word: 'destroy' }],
    ['/stackgate apply `x`', { kind: 'unknown', word: 'apply `x`' }],
    ['please /stackgate apply', { kind: 'ignored' }],
    ['/stackgateapply', { kind: 'ignored' }],
    ['/stackgate apply\n/stackgate unlock', { kind: 'ignored' }],
    ['/Stackgate apply', { kind: 'ignored' }],
  ])('%j', (body, expected) => {
    expect(parseComment(body)).toEqual(expected);
  });
});

describe('withNotice', () => {
  const marker = '<!-- stackgate:comment -->';
  const plan = `${marker}\n**Stackgate plan** — 1 stack to change\n\n<!-- stackgate:meta {} -->\n`;

  it('puts the notice on top and keeps the plan byte for byte', () => {
    const once = withNotice(plan, marker, ['first']);
    expect(once.startsWith(`${marker}\n<!-- stackgate:notice -->\nfirst\n`)).toBe(true);
    expect(once.endsWith(plan.slice(marker.length + 1))).toBe(true);
  });

  it('replaces an earlier notice instead of stacking them', () => {
    const twice = withNotice(withNotice(plan, marker, ['first']), marker, ['second']);
    expect(twice).not.toContain('first');
    expect(twice.match(/<!-- stackgate:notice -->/g)).toHaveLength(1);
    expect(twice.endsWith(plan.slice(marker.length + 1))).toBe(true);
  });

  it('writes the notice alone when there is no comment yet', () => {
    expect(withNotice(undefined, marker, ['x'])).toBe(
      `${marker}\n<!-- stackgate:notice -->\nx\n<!-- /stackgate:notice -->\n`,
    );
  });
});

describe('planFingerprint', () => {
  const change = (address: string, after: unknown, sensitive: unknown = false) => ({
    address,
    type: 'local_file',
    name: address.split('.')[1],
    change: { actions: ['create'], before: null, after, after_unknown: {}, after_sensitive: sensitive },
  });
  const plan = (changes: unknown[], extra: Record<string, unknown> = {}) => ({
    format_version: '1.2',
    resource_changes: changes,
    output_changes: {},
    ...extra,
  });
  const salt = { repository: 'octo/infra', pullNumber: 1, stack: 'app' };

  it('is the same whatever the order, timestamps and versions', () => {
    const a = plan([change('local_file.a', { content: 'x' }), change('local_file.b', { content: 'y' })]);
    const b = plan([change('local_file.b', { content: 'y' }), change('local_file.a', { content: 'x' })], {
      timestamp: '2026-01-01T00:00:00Z',
      terraform_version: '1.11.6',
    });
    expect(planFingerprint(a, salt)).toBe(planFingerprint(b, salt));
  });

  it('differs when a change differs, and for another pull request, repository or stack', () => {
    const a = plan([change('local_file.a', { content: 'x' })]);
    const base = planFingerprint(a, salt);
    expect(planFingerprint(plan([change('local_file.a', { content: 'z' })]), salt)).not.toBe(base);
    expect(planFingerprint(a, { ...salt, pullNumber: 2 })).not.toBe(base);
    expect(planFingerprint(a, { ...salt, repository: 'octo/other' })).not.toBe(base);
    expect(planFingerprint(a, { ...salt, stack: 'dns' })).not.toBe(base);
  });

  it('follows a sensitive value without holding it', () => {
    const secret = (value: string) => plan([change('local_file.a', { content: value }, { content: true })]);
    expect(planFingerprint(secret('hunter2'), salt)).not.toBe(planFingerprint(secret('hunter3'), salt));
  });
});

async function lockContract(store: LockStore): Promise<void> {
  const holder = (pullNumber: number) => ({ pullNumber, sha: 'a'.repeat(40), by: 'alice' });
  expect(await store.acquire('app', holder(1))).toEqual({ acquired: true, already: false });
  expect(await store.acquire('app', holder(1))).toEqual({ acquired: true, already: true });
  expect(await store.acquire('app', holder(2))).toMatchObject({ acquired: false, holder: { pullNumber: 1 } });
  expect((await store.holder('app'))?.pullNumber).toBe(1);
  expect([...(await store.list()).keys()]).toEqual(['app']);
  expect(await store.release('app', 2)).toBe(false);
  expect(await store.release('app', 1)).toBe(true);
  expect(await store.holder('app')).toBeUndefined();
  expect(await store.acquire('app', holder(2))).toEqual({ acquired: true, already: false });
}

describe('locks', () => {
  it('in memory: one holder per stack, released only by it (or by anyone when not scoped)', async () => {
    await lockContract(new MemoryLockStore());
  });

  it('as git refs in the stand-in: the same contract, and of racing pull requests exactly one wins', async () => {
    const gh = await startStandIn({ repos: ['octo/infra'] });
    try {
      gh.addPullRequest('octo/infra', { number: 1, headSha: 'a'.repeat(40) });
      const store = new GitHubLockStore(createClient('t', gh.url), { owner: 'octo', repo: 'infra' });
      await lockContract(store);
      await store.release('app');
      const racers = await Promise.all(
        [3, 4, 5].map((n) => store.acquire('app', { pullNumber: n, sha: 'a'.repeat(40), by: 'bob' })),
      );
      expect(racers.filter((result) => result.acquired)).toHaveLength(1);
      expect(Object.keys(gh.state.refs('octo/infra', 'refs/stackgate/'))).toEqual([lockRef('app')]);
      expect(gh.violations).toEqual([]);
    } finally {
      await gh.close();
    }
  });

  it('spells names a ref cannot hold by their hash, one ref per stack', () => {
    expect(lockRef('prod/network')).toBe('refs/stackgate/locks/prod/network');
    expect(lockRef('my stack')).toMatch(/^refs\/stackgate\/locks\/h-[0-9a-f]{24}$/);
    expect(lockRef('my stack')).not.toBe(lockRef('my  stack'));
  });
});
