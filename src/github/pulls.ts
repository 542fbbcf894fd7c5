import type { Octokit, RepoRef } from './client.js';
import { httpStatus } from './errors.js';

/** Every file a pull request changes (all pages), including the old name of renamed files. */
export async function listChangedFiles(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
): Promise<string[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  const names = new Set<string>();
  for (const file of files) {
    names.add(file.filename);
    if (file.previous_filename) names.add(file.previous_filename);
  }
  return [...names].sort();
}

/** What apply needs to know about a pull request, read fresh from the API (never from the event payload). */
export interface PullState {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  headSha: string;
  headRef: string;
  baseRef: string;
  baseSha: string;
  /** owner/name of the head and base repositories: they differ for a fork. */
  headRepo: string | undefined;
  baseRepo: string;
  /** GitHub's answer: true, false, or null while it computes. */
  mergeable: boolean | null;
  labels: string[];
  author: string;
}

export async function getPull(octokit: Octokit, repo: RepoRef, pullNumber: number): Promise<PullState> {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: pullNumber });
  return {
    number: data.number,
    state: data.state === 'closed' ? 'closed' : 'open',
    merged: data.merged,
    headSha: data.head.sha,
    headRef: data.head.ref,
    baseRef: data.base.ref,
    baseSha: data.base.sha,
    headRepo: data.head.repo?.full_name,
    baseRepo: data.base.repo.full_name,
    mergeable: data.mergeable,
    labels: data.labels.map((label) => label.name),
    author: data.user.login,
  };
}

/** `admin`, `maintain`, `write`, `triage`, `read` or `none`: the role of `login` on the repository. */
export async function collaboratorRole(octokit: Octokit, repo: RepoRef, login: string): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: login });
    return data.role_name || data.permission;
  } catch (error) {
    if (httpStatus(error) === 404) return 'none';
    throw error;
  }
}

export interface ReviewState {
  user: string;
  state: string;
  commitId: string;
}

/** Each reviewer's latest deciding review (approve, request changes, dismissed), oldest reviewer first. */
export async function latestReviews(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
): Promise<ReviewState[]> {
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  const latest = new Map<string, ReviewState>();
  for (const review of reviews) {
    const user = review.user?.login;
    if (!user || !['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(review.state)) continue;
    latest.set(user.toLowerCase(), { user, state: review.state, commitId: review.commit_id ?? '' });
  }
  return [...latest.values()];
}

/** The conclusion of the newest check run named `name` on `sha`, if there is one. */
export async function latestCheckConclusion(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  name: string,
): Promise<string | null | undefined> {
  const { data } = await octokit.rest.checks.listForRef({
    ...repo,
    ref: sha,
    check_name: name,
    per_page: 100,
  });
  const newest = [...data.check_runs].sort((a, b) => b.id - a.id)[0];
  return newest ? (newest.status === 'completed' ? newest.conclusion : null) : undefined;
}

/** The sha a branch points at now. */
export async function branchHead(octokit: Octokit, repo: RepoRef, branch: string): Promise<string> {
  const { data } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
  return data.object.sha;
}

/** 👀 on the comment that asked: the request was taken. A failure to react never stops the command. */
export async function reactToComment(
  octokit: Octokit,
  repo: RepoRef,
  commentId: number,
  content: 'eyes' | 'rocket' | 'confused',
): Promise<boolean> {
  try {
    await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
    return true;
  } catch {
    return false;
  }
}

/**
 * The pull request whose merge made `sha` on `baseRef` (merge commit, squash or rebase: GitHub's
 * `merge_commit_sha`; a fast-forward: its head), found through the commit's pull requests. Undefined for a
 * push that no merged pull request made.
 */
export async function mergedPullOf(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  baseRef: string,
): Promise<number | undefined> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    ...repo,
    commit_sha: sha,
    per_page: 100,
  });
  const merged = data.filter((pull) => pull.merged_at !== null && pull.base.ref === baseRef);
  const found =
    merged.find((pull) => pull.merge_commit_sha === sha) ?? merged.find((pull) => pull.head.sha === sha);
  return found?.number;
}
