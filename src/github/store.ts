// The GitHub-backed store: plan records from the sticky comment's hidden metadata (only comments Stackgate
// wrote count), locks as git refs.
import { commentMarker, parseCommentMeta } from '../report/markdown.js';
import type { PlanRecords, PlanStore, Store } from '../store/types.js';
import type { Octokit, RepoRef } from './client.js';
import { findStickyComment } from './comment.js';
import { GitHubLockStore } from './locks.js';

export class CommentPlanStore implements PlanStore {
  constructor(
    private readonly octokit: Octokit,
    private readonly repo: RepoRef,
  ) {}

  async read(pullNumber: number, header: string): Promise<PlanRecords | undefined> {
    const comment = await findStickyComment(this.octokit, this.repo, pullNumber, commentMarker(header));
    const meta = comment ? parseCommentMeta(comment.body ?? '') : undefined;
    if (!meta) return undefined;
    return {
      sha: meta.sha,
      pullNumber: meta.pullNumber,
      stacks: meta.stacks.map((stack) => ({
        stack: stack.name,
        status: stack.status,
        fingerprint: stack.fingerprint,
        ...(stack.on === 'merge' ? { onMerge: true } : {}),
      })),
      omittedStacks: meta.omittedStacks ?? 0,
    };
  }
}

export function githubStore(octokit: Octokit, repo: RepoRef): Store {
  return { plans: new CommentPlanStore(octokit, repo), locks: new GitHubLockStore(octokit, repo) };
}
