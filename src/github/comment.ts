// The sticky pull request comment: found by its hidden marker across all pages, created once, then edited in
// place. Creation is never blindly retried: a create whose answer was lost is found again, not repeated.
// Only comments by a trusted author count: anyone may post a comment that starts with the marker, and Stackgate
// must neither edit nor delete it nor read anything from it.
import * as core from '@actions/core';
import { httpStatus, isPermissionError, type Octokit, type RepoRef } from './client.js';

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

const tokenLogins = new WeakMap<Octokit, Promise<string | undefined>>();

/**
 * The login of the token's own user when it is a personal access token, asked once per client. GITHUB_TOKEN and
 * GitHub App tokens get 403 on `GET /user` (they comment as bots); any failure means "no user login".
 */
export function tokenUserLogin(octokit: Octokit): Promise<string | undefined> {
  let login = tokenLogins.get(octokit);
  if (!login) {
    login = octokit.rest.users.getAuthenticated().then(
      ({ data }) => (data.type === 'Bot' ? undefined : data.login),
      () => undefined,
    );
    tokenLogins.set(octokit, login);
  }
  return login;
}

/** Written by Stackgate: a bot (GITHUB_TOKEN, GitHub App) or the user whose personal access token this is. */
export function trustedAuthor(
  comment: Pick<ExistingComment, 'user'>,
  tokenLogin: string | undefined,
): boolean {
  const user = comment.user;
  if (!user) return false;
  if (user.type === 'Bot') return true;
  return tokenLogin !== undefined && user.login?.toLowerCase() === tokenLogin.toLowerCase();
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
  const tokenLogin = marked.some((comment) => comment.user?.type !== 'Bot')
    ? await tokenUserLogin(octokit)
    : undefined;
  return marked.filter((comment) => trustedAuthor(comment, tokenLogin));
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
