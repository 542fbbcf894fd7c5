// Locks without a database: a lock is the git ref refs/stackgate/locks/<stack>. Creating a ref fails with 422
// when it exists, which makes taking a lock one atomic step. The ref points at a commit (a child of the pull
// request's head, with the head's tree) whose message records the holder.
import { createHash } from 'node:crypto';
import type { AcquireResult, LockHolder, LockStore } from '../store/types.js';
import type { Octokit, RepoRef } from './client.js';
import { httpStatus } from './errors.js';

export const LOCK_PREFIX = 'refs/stackgate/locks/';
const HOLDER_LINE = /^stackgate-lock: (\{.*\})$/m;

/** The ref of a stack's lock. Names a ref cannot hold are spelled by their hash (still one ref per stack). */
export function lockRef(stack: string): string {
  const plain = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:[./][A-Za-z0-9_-]+)*$/.test(stack) && !stack.endsWith('.lock');
  const name = plain ? stack : `h-${createHash('sha256').update(stack).digest('hex').slice(0, 24)}`;
  return `${LOCK_PREFIX}${name}`;
}

function holderMessage(stack: string, holder: LockHolder): string {
  return `Stackgate lock on ${stack} for #${holder.pullNumber}\n\nstackgate-lock: ${JSON.stringify({
    stack,
    pull: holder.pullNumber,
    sha: holder.sha,
    by: holder.by,
  })}\n`;
}

function parseHolder(message: string): (LockHolder & { stack: string }) | undefined {
  const match = HOLDER_LINE.exec(message);
  if (!match?.[1]) return undefined;
  try {
    const data = JSON.parse(match[1]) as { stack?: unknown; pull?: unknown; sha?: unknown; by?: unknown };
    if (typeof data.pull !== 'number' || typeof data.stack !== 'string') return undefined;
    return {
      stack: data.stack,
      pullNumber: data.pull,
      sha: typeof data.sha === 'string' ? data.sha : '',
      by: typeof data.by === 'string' ? data.by : '',
    };
  } catch {
    return undefined;
  }
}

export class GitHubLockStore implements LockStore {
  constructor(
    private readonly octokit: Octokit,
    private readonly repo: RepoRef,
  ) {}

  private async readRef(ref: string): Promise<string | undefined> {
    try {
      const { data } = await this.octokit.rest.git.getRef({ ...this.repo, ref: ref.replace(/^refs\//, '') });
      return data.object.sha;
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw error;
    }
  }

  private async holderAt(sha: string): Promise<(LockHolder & { stack: string }) | undefined> {
    const { data } = await this.octokit.rest.git.getCommit({ ...this.repo, commit_sha: sha });
    return parseHolder(data.message);
  }

  async holder(stack: string): Promise<LockHolder | undefined> {
    const sha = await this.readRef(lockRef(stack));
    if (!sha) return undefined;
    const holder = await this.holderAt(sha);
    // A ref under the prefix that Stackgate did not write still blocks: better refuse than apply beside it.
    return holder ?? { pullNumber: 0, sha, by: '' };
  }

  async acquire(stack: string, holder: LockHolder): Promise<AcquireResult> {
    const current = await this.holder(stack);
    if (current) {
      return current.pullNumber === holder.pullNumber
        ? { acquired: true, already: true }
        : { acquired: false, holder: current };
    }
    const { data: head } = await this.octokit.rest.git.getCommit({ ...this.repo, commit_sha: holder.sha });
    const { data: commit } = await this.octokit.rest.git.createCommit({
      ...this.repo,
      message: holderMessage(stack, holder),
      tree: head.tree.sha,
      parents: [holder.sha],
    });
    try {
      await this.octokit.rest.git.createRef({
        ...this.repo,
        ref: lockRef(stack),
        sha: commit.sha,
        request: { retries: 0 },
      });
      return { acquired: true, already: false };
    } catch (error) {
      if (httpStatus(error) !== 422) throw error;
      // Someone created it between our read and our create: that is the race, and they won (or we did, with a
      // lost answer: the holder tells).
      const winner = await this.holder(stack);
      if (winner?.pullNumber === holder.pullNumber) return { acquired: true, already: false };
      return { acquired: false, holder: winner ?? { pullNumber: 0, sha: '', by: '' } };
    }
  }

  async release(stack: string, onlyFor?: number): Promise<boolean> {
    const current = await this.holder(stack);
    if (!current || (onlyFor !== undefined && current.pullNumber !== onlyFor)) return false;
    try {
      await this.octokit.rest.git.deleteRef({ ...this.repo, ref: lockRef(stack).replace(/^refs\//, '') });
      return true;
    } catch (error) {
      if (httpStatus(error) === 422 || httpStatus(error) === 404) return false;
      throw error;
    }
  }

  async list(): Promise<Map<string, LockHolder>> {
    const { data } = await this.octokit.rest.git.listMatchingRefs({
      ...this.repo,
      ref: LOCK_PREFIX.replace(/^refs\//, '').replace(/\/$/, ''),
    });
    const locks = new Map<string, LockHolder>();
    for (const ref of data) {
      if (!ref.ref.startsWith(LOCK_PREFIX)) continue;
      const holder = await this.holderAt(ref.object.sha);
      if (holder) locks.set(holder.stack, holder);
    }
    return locks;
  }
}
