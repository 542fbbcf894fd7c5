// Real webhook payloads from @octokit/webhooks-examples, adapted to the repository and commits of a test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface WebhookEntry {
  name: string;
  examples: Record<string, unknown>[];
}

let cache: WebhookEntry[] | undefined;

function examples(event: string, action?: string): Record<string, unknown> {
  if (!cache) {
    const require = createRequire(import.meta.url);
    cache = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples'), 'utf8')) as WebhookEntry[];
  }
  const entry = cache.find((candidate) => candidate.name === event);
  const example = entry?.examples.find((candidate) => action === undefined || candidate.action === action);
  if (!example)
    throw new Error(`no ${event}${action ? `.${action}` : ''} example in @octokit/webhooks-examples`);
  return structuredClone(example);
}

export interface PullRequestPayloadOptions {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  headRef?: string;
  baseRef?: string;
  action?: 'opened' | 'synchronize' | 'reopened';
  /** Full name of the head repository when the pull request comes from a fork. */
  forkFullName?: string;
  labels?: string[];
  author?: string;
}

export function pullRequestPayload(options: PullRequestPayloadOptions): Record<string, unknown> {
  const payload = examples('pull_request', options.action ?? 'opened');
  const fullName = `${options.owner}/${options.repo}`;
  const repository = payload.repository as Record<string, unknown>;
  Object.assign(repository, {
    name: options.repo,
    full_name: fullName,
    default_branch: options.baseRef ?? 'main',
  });
  (repository.owner as Record<string, unknown>).login = options.owner;
  const pr = payload.pull_request as Record<string, unknown>;
  pr.number = options.number;
  payload.number = options.number;
  pr.labels = (options.labels ?? []).map((name, index) => ({ id: index + 1, name }));
  (pr.user as Record<string, unknown>).login = options.author ?? 'octocat';
  const head = pr.head as Record<string, unknown>;
  const base = pr.base as Record<string, unknown>;
  Object.assign(head, { sha: options.headSha, ref: options.headRef ?? 'feature' });
  Object.assign(base, { sha: options.baseSha, ref: options.baseRef ?? 'main' });
  head.repo = { ...repository, full_name: options.forkFullName ?? fullName };
  base.repo = { ...repository };
  return payload;
}

export function pushPayload(options: {
  owner: string;
  repo: string;
  before: string;
  after: string;
  ref?: string;
}) {
  const payload = examples('push');
  const repository = payload.repository as Record<string, unknown>;
  Object.assign(repository, {
    name: options.repo,
    full_name: `${options.owner}/${options.repo}`,
    default_branch: 'main',
  });
  Object.assign(payload, {
    before: options.before,
    after: options.after,
    ref: options.ref ?? 'refs/heads/main',
  });
  return payload;
}

export function workflowDispatchPayload(options: { owner: string; repo: string }) {
  const payload = examples('workflow_dispatch');
  const repository = payload.repository as Record<string, unknown>;
  Object.assign(repository, { name: options.repo, full_name: `${options.owner}/${options.repo}` });
  return payload;
}

export function issueCommentPayload(options: {
  owner: string;
  repo: string;
  number: number;
  commentId: number;
  body: string;
  author: string;
  /** Default true: the comment is on a pull request. */
  onPullRequest?: boolean;
  state?: 'open' | 'closed';
}) {
  const payload = examples('issue_comment', 'created');
  const fullName = `${options.owner}/${options.repo}`;
  const repository = payload.repository as Record<string, unknown>;
  Object.assign(repository, { name: options.repo, full_name: fullName, default_branch: 'main' });
  (repository.owner as Record<string, unknown>).login = options.owner;
  const issue = payload.issue as Record<string, unknown>;
  Object.assign(issue, { number: options.number, state: options.state ?? 'open' });
  if (options.onPullRequest !== false) {
    issue.pull_request = {
      url: `https://api.github.com/repos/${fullName}/pulls/${options.number}`,
      html_url: `https://github.com/${fullName}/pull/${options.number}`,
      diff_url: `https://github.com/${fullName}/pull/${options.number}.diff`,
      patch_url: `https://github.com/${fullName}/pull/${options.number}.patch`,
    };
  } else {
    delete issue.pull_request;
  }
  const comment = payload.comment as Record<string, unknown>;
  Object.assign(comment, { id: options.commentId, body: options.body });
  (comment.user as Record<string, unknown>).login = options.author;
  (payload.sender as Record<string, unknown>).login = options.author;
  return payload;
}

export function pullRequestClosedPayload(options: {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  /** Closed by merging (with this merge commit), not just closed. */
  mergeCommitSha?: string;
}) {
  const payload = pullRequestPayload({ ...options, action: 'opened' });
  payload.action = 'closed';
  const pr = payload.pull_request as Record<string, unknown>;
  pr.state = 'closed';
  pr.merged = options.mergeCommitSha !== undefined;
  if (options.mergeCommitSha) pr.merge_commit_sha = options.mergeCommitSha;
  return payload;
}
