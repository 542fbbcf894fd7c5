// The sticky pull request comment: found by its hidden marker across all pages, created once, then edited in
// place. Creation is never blindly retried: a create whose answer was lost is found again, not repeated.
// Only comments by the account the token acts as count: anyone (a person, another bot) may post a comment that
// starts with the marker, and Stackgate must neither edit nor delete it nor read anything from it.
import * as core from '@actions/core';
import type { Octokit, RepoRef } from './client.js';
import { httpStatus, isPermissionError } from './errors.js';

export interface StickyComment {
  id: number;
  url: string;
  /** What happened: nothing to write, edited, or created. */
  action: 'unchanged' | 'updated' | 'created';
}

export interface ExistingComment {
  id: number;
  body?: string | null;
  html_url: string;
  user?: { login?: string; type?: string } | null;
}

const tokenLogins = new WeakMap<Octokit, Promise<string>>();

/** GITHUB_TOKEN's account: what the token acts as when GitHub will not say. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

/**
 * The login of the account the token acts as, asked once per client: GraphQL's `viewer` answers for every kind
 * of token (a GitHub App installation token gets `APP[bot]`), `GET /user` for personal access tokens. When
 * neither answers, the token is taken to be GITHUB_TOKEN, which comments as `github-actions[bot]`.
 */
export function tokenLogin(octokit: Octokit): Promise<string> {
  let login = tokenLogins.get(octokit);
  if (!login) {
    login = octokit
      .graphql<{ viewer?: { login?: string } }>('query { viewer { login } }')
      .then(({ viewer }) => viewer?.login || Promise.reject(new Error('no viewer login')))
      .catch(() =>
        octokit.rest.users.getAuthenticated().then(
          ({ data }) => data.login,
          () => ACTIONS_BOT_LOGIN,
        ),
      );
    tokenLogins.set(octokit, login);
  }
  return login;
}

/** Written by the account the token acts as, and by no one else (not another bot, not a person). */
export function ownAuthor(comment: Pick<ExistingComment, 'user'>, login: string): boolean {
  return comment.user?.login?.toLowerCase() === login.toLowerCase();
}

/** The marked comments Stackgate wrote, oldest first; marked comments by anyone else are left alone. */
async function findMarked(octokit: Octokit, repo: RepoRef, issueNumber: number, marker: string) {
  const comments: ExistingComment[] = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const marked = comments.filter((comment) => (comment.body ?? '').startsWith(marker));
  if (marked.length === 0) return marked;
  const login = await tokenLogin(octokit);
  return marked.filter((comment) => ownAuthor(comment, login));
}

/** The sticky comment Stackgate wrote under `marker`, if any (the oldest when an earlier race left two). */
export async function findStickyComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  marker: string,
): Promise<ExistingComment | undefined> {
  const [existing] = await findMarked(octokit, repo, issueNumber, marker);
  return existing;
}

const CREATE_ATTEMPTS = 3;

export async function upsertStickyComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  marker: string,
  body: string,
): Promise<StickyComment> {
  for (let attempt = 1; ; attempt++) {
    const [existing, ...duplicates] = await findMarked(octokit, repo, issueNumber, marker);
    for (const duplicate of duplicates) {
      // An earlier race left a second copy: keep the oldest, remove the rest.
      await octokit.rest.issues.deleteComment({ ...repo, comment_id: duplicate.id }).catch(() => undefined);
    }
    if (existing) {
      if (existing.body === body) return { id: existing.id, url: existing.html_url, action: 'unchanged' };
      try {
        const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: existing.id, body });
        return { id: data.id, url: data.html_url, action: 'updated' };
      } catch (error) {
        // Deleted by hand between the listing and the edit: create it anew.
        if (httpStatus(error) !== 404 || attempt >= CREATE_ATTEMPTS) throw error;
        continue;
      }
    }
    try {
      const { data } = await octokit.rest.issues.createComment({
        ...repo,
        issue_number: issueNumber,
        body,
        request: { retries: 0 },
      });
      return { id: data.id, url: data.html_url, action: 'created' };
    } catch (error) {
      if (isPermissionError(error) || httpStatus(error) === 422 || attempt >= CREATE_ATTEMPTS) throw error;
      core.info(`Creating the comment failed (${(error as Error).message}); checking whether it was created`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

/**
 * Rewrites the sticky comment through `transform` (given its current body, or undefined when there is none):
 * apply's notices go on top of the reviewed plan without touching it.
 */
export async function editStickyComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  marker: string,
  transform: (body: string | undefined) => string,
): Promise<StickyComment> {
  const existing = await findStickyComment(octokit, repo, issueNumber, marker);
  return upsertStickyComment(octokit, repo, issueNumber, marker, transform(existing?.body ?? undefined));
}
