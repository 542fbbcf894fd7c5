// Issues Stackgate keeps (one per drifted stack, the status dashboard): found by label and a hidden marker on
// the first line of the body, and only when Stackgate itself opened them (an issue anyone else opens with the
// same marker is ignored). Creation is never blindly retried: a create whose answer was lost is found again
// by its marker, not repeated.
import * as core from '@actions/core';
import type { Octokit, RepoRef } from './client.js';
import { httpStatus, isPermissionError } from './errors.js';
import { ownAuthor, tokenLogin, upsertStickyComment } from './comment.js';

export interface KeptIssue {
  number: number;
  title: string;
  body: string;
  htmlUrl: string;
  createdAt: string;
  labels: string[];
}

interface ApiIssue {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  created_at: string;
  user?: { login?: string; type?: string } | null;
  labels?: Array<string | { name?: string }>;
  pull_request?: unknown;
}

function kept(issue: ApiIssue): KeptIssue {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body ?? '',
    htmlUrl: issue.html_url,
    createdAt: issue.created_at,
    labels: (issue.labels ?? [])
      .map((label) => (typeof label === 'string' ? label : (label.name ?? '')))
      .filter(Boolean),
  };
}

/**
 * Open issues with `label` whose body's first line is a marker `accept` takes, that Stackgate opened: a bot
 * (GITHUB_TOKEN, a GitHub App) or the user of this personal access token. Oldest first.
 */
export async function listKeptIssues(
  octokit: Octokit,
  repo: RepoRef,
  label: string,
  accept: (firstLine: string) => boolean,
): Promise<KeptIssue[]> {
  const issues: ApiIssue[] = await octokit.paginate(octokit.rest.issues.listForRepo, {
    ...repo,
    labels: label,
    state: 'open',
    sort: 'created',
    direction: 'asc',
    per_page: 100,
  });
  const marked = issues.filter(
    (issue) => !issue.pull_request && accept((issue.body ?? '').split('\n', 1)[0] ?? ''),
  );
  if (marked.length === 0) return [];
  // Only issues the token's own account opened: another bot's or a person's marked issue is left alone.
  const login = await tokenLogin(octokit);
  return marked.filter((issue) => ownAuthor(issue, login)).map(kept);
}

export interface IssueSpec {
  title: string;
  body: string;
  labels: string[];
  assignees?: string[];
}

export interface IssueWrite {
  issue: KeptIssue;
  action: 'created' | 'updated' | 'unchanged';
}

const CREATE_ATTEMPTS = 3;

/** Edits `existing` in place (title, body, missing labels); never touches labels people added. */
export async function updateKeptIssue(
  octokit: Octokit,
  repo: RepoRef,
  existing: KeptIssue,
  spec: IssueSpec,
): Promise<IssueWrite> {
  const missing = spec.labels.filter(
    (label) => !existing.labels.some((have) => have.toLowerCase() === label.toLowerCase()),
  );
  if (missing.length > 0) {
    await octokit.rest.issues.addLabels({ ...repo, issue_number: existing.number, labels: missing });
  }
  if (existing.body === spec.body && existing.title === spec.title) {
    return { issue: existing, action: 'unchanged' };
  }
  const { data } = await octokit.rest.issues.update({
    ...repo,
    issue_number: existing.number,
    title: spec.title,
    body: spec.body,
  });
  return { issue: kept(data as ApiIssue), action: 'updated' };
}

/**
 * Creates the issue unless `find` already sees it. A failed create is checked with `find` before it is tried
 * again, so an issue GitHub created but whose answer was lost is never created twice.
 */
export async function createKeptIssue(
  octokit: Octokit,
  repo: RepoRef,
  spec: IssueSpec,
  find: () => Promise<KeptIssue | undefined>,
): Promise<IssueWrite> {
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) {
      const found = await find();
      if (found) return updateKeptIssue(octokit, repo, found, spec);
    }
    try {
      const { data } = await octokit.rest.issues.create({
        ...repo,
        title: spec.title,
        body: spec.body,
        labels: spec.labels,
        ...(spec.assignees && spec.assignees.length > 0 ? { assignees: spec.assignees } : {}),
        request: { retries: 0 },
      });
      return { issue: kept(data as ApiIssue), action: 'created' };
    } catch (error) {
      if (isPermissionError(error) || httpStatus(error) === 422 || attempt >= CREATE_ATTEMPTS) throw error;
      core.info(`Creating the issue failed (${(error as Error).message}); checking whether it was created`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

/**
 * Comments, then closes. The comment carries `marker` (one per issue and run) and goes through the sticky
 * comment's find-then-create, so a create whose answer was lost is found again rather than posted twice.
 */
export async function commentAndClose(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  marker: string,
  comment: string,
  reason: 'completed' | 'not_planned',
): Promise<void> {
  await upsertStickyComment(octokit, repo, issueNumber, marker, `${marker}\n${comment}`);
  await octokit.rest.issues.update({
    ...repo,
    issue_number: issueNumber,
    state: 'closed',
    state_reason: reason,
  });
}
