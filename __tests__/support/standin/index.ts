// The stand-in for api.github.com used by tests: a real HTTP server on 127.0.0.1 that answers like GitHub for the
// operations a GitOps action uses, checks every request against GitHub's OpenAPI description, and can fail on
// demand. Test support only; never bundled.
//
//   const gh = await startStandIn({ repos: ['octo/infra'] });
//   gh.addPullRequest('octo/infra', { headSha: 'a'.repeat(40), files: [{ filename: 'main.tf' }] });
//   process.env.GITHUB_API_URL = gh.url;
//   ... run the action ...
//   expect(gh.violations).toEqual([]);
//   expect(gh.state.comments('octo/infra', 1)).toHaveLength(1);
//   await gh.close();
import type { Fault, FaultHandle } from './faults.js';
import type { ArtifactService } from './artifacts.js';
import { StandInServer, type CallRecord, type Violation } from './server.js';
import {
  StandInState,
  type CheckRunRecord,
  type CommentRecord,
  type DeploymentRecord,
  type IssueRecord,
  type Permissions,
  type PullFileRecord,
  type PullRecord,
  type RepoData,
  type ReviewRecord,
  type StatusRecord,
  type UserRef,
} from './state.js';

export type { CallRecord, Violation } from './server.js';
export type { Fault, FaultHandle, FaultRequest } from './faults.js';
export type {
  AnnotationRecord,
  CheckRunRecord,
  CommentRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  IssueRecord,
  Permission,
  PermissionName,
  Permissions,
  PullFileRecord,
  PullRecord,
  ReviewRecord,
  StatusRecord,
} from './state.js';
export { LIMITS } from './routes.js';

export interface RepoInput {
  owner: string;
  name: string;
  defaultBranch?: string;
  private?: boolean;
  fork?: boolean;
}

export interface TokenInput {
  token: string;
  /** Default `github-actions[bot]`. */
  login?: string;
  /** Omit for full write; e.g. `{ contents: 'read', pull_requests: 'read' }` for a fork PR's token. */
  permissions?: Permissions;
}

export interface PullRequestInput {
  number?: number;
  title?: string;
  body?: string;
  /** PR author login (default `octocat`). */
  user?: string;
  headSha: string;
  headRef?: string;
  /** owner/name of the head repository; set a different repository for a fork PR. */
  headRepo?: string;
  baseRef?: string;
  baseSha?: string;
  state?: 'open' | 'closed';
  merged?: boolean;
  mergeable?: boolean | null;
  mergeableState?: string;
  draft?: boolean;
  labels?: string[];
  /** Overrides the association computed from owner/collaborators. */
  authorAssociation?: string;
  /** Files changed; `status` defaults to modified and counts to 1 addition. */
  files?: Array<Partial<PullFileRecord> & { filename: string }>;
}

export interface IssueInput {
  title: string;
  body?: string;
  user?: string;
  labels?: string[];
  state?: 'open' | 'closed';
}

export interface ReviewInput {
  user: string;
  state: ReviewRecord['state'];
  body?: string;
  commitId?: string;
}

export interface StandInOptions {
  /** Repositories to create up front, as `owner/name` or full input. */
  repos?: Array<string | RepoInput>;
  tokens?: TokenInput[];
  /** Login of unregistered tokens (default `github-actions[bot]`). */
  defaultLogin?: string;
  /** Clock for created_at/updated_at (default: real time). */
  clock?: () => Date;
  /** Web base for html_url (default https://github.com). */
  htmlUrl?: string;
  /** x-ratelimit-limit on normal answers (default 5000). */
  rateLimit?: number;
}

/** Read-only views of the stand-in's state, for assertions. */
export interface StateView {
  comments(repo: string, issueNumber: number): CommentRecord[];
  comment(repo: string, commentId: number): CommentRecord | undefined;
  /** Check runs on a sha (or branch), oldest first, each with its accumulated annotations. */
  checkRuns(repo: string, shaOrRef: string): CheckRunRecord[];
  /** Statuses on a sha, oldest first. */
  statuses(repo: string, sha: string): StatusRecord[];
  issues(repo: string, filter?: { state?: 'open' | 'closed'; label?: string }): IssueRecord[];
  issue(repo: string, number: number): IssueRecord | undefined;
  pullRequest(repo: string, number: number): PullRecord | undefined;
  labels(repo: string, issueNumber: number): string[];
  /** Deployments, oldest first, each with its statuses (oldest first). */
  deployments(repo: string, environment?: string): DeploymentRecord[];
  /** Refs as `{ 'refs/stackgate/locks/x': sha }`, optionally only those under a prefix. */
  refs(repo: string, prefix?: string): Record<string, string>;
  /** The underlying store, for anything the views do not cover. */
  raw: StandInState;
}

export interface StandIn {
  /** API base for GITHUB_API_URL / Octokit baseUrl, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly calls: CallRecord[];
  /** Requests real GitHub would reject as malformed (plus stand-in bugs); expect it to stay empty. */
  readonly violations: Violation[];
  readonly state: StateView;
  /** The runner's artifact service: `jobEnv(run, job)` gives a job its variables; `finalized()` what it holds. */
  readonly artifacts: ArtifactService;
  close(): Promise<void>;
  inject(fault: Fault): FaultHandle;
  /** Calls to an operationId or `METHOD /template`. */
  callsTo(operation: string): CallRecord[];
  addRepo(repo: string | RepoInput): RepoData;
  addToken(token: TokenInput): void;
  addPullRequest(repo: string, pr: PullRequestInput): PullRecord;
  addIssue(repo: string, issue: IssueInput): IssueRecord;
  addComment(repo: string, issueNumber: number, body: string, user?: string): CommentRecord;
  addReview(repo: string, pullNumber: number, review: ReviewInput): ReviewRecord;
  /** Collaborator permission: admin, maintain, write, triage, read or none. */
  setCollaborator(repo: string, login: string, permission: string): void;
  setRef(repo: string, ref: string, sha: string): void;
  /** Merges a pull request as GitHub does: closed, merged, `merge_commit_sha` set, the base branch moved to it. */
  mergePullRequest(repo: string, pullNumber: number, mergeCommitSha: string): PullRecord;
}

const user = (login: string): UserRef => ({ login, type: login.endsWith('[bot]') ? 'Bot' : 'User' });

function repoInput(repo: string | RepoInput): RepoInput {
  if (typeof repo !== 'string') return repo;
  const [owner, name] = repo.split('/');
  if (!owner || !name) throw new Error(`stand-in: repository must be owner/name, got ${repo}`);
  return { owner, name };
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const state = new StandInState(options.clock);
  const server = new StandInServer(state, {
    defaultLogin: options.defaultLogin ?? 'github-actions[bot]',
    htmlUrl: options.htmlUrl ?? 'https://github.com',
    rateLimit: options.rateLimit ?? 5000,
  });
  const url = await server.listen();

  const addRepo = (repo: string | RepoInput): RepoData => state.addRepo(repoInput(repo));
  const addToken = (t: TokenInput): void => {
    const login = t.login ?? options.defaultLogin ?? 'github-actions[bot]';
    state.tokens.set(t.token, {
      token: t.token,
      login,
      userType: user(login).type,
      permissions: t.permissions,
    });
  };
  for (const repo of options.repos ?? []) addRepo(repo);
  for (const token of options.tokens ?? []) addToken(token);

  const view: StateView = {
    comments: (repo, n) =>
      [...state.mustRepo(repo).comments.values()]
        .filter((c) => c.issueNumber === n)
        .sort((a, b) => a.id - b.id),
    comment: (repo, id) => state.mustRepo(repo).comments.get(id),
    checkRuns: (repo, ref) => {
      const data = state.mustRepo(repo);
      const sha = data.refs.get(`refs/heads/${ref}`) ?? ref;
      return [...data.checkRuns.values()].filter((r) => r.headSha === sha).sort((a, b) => a.id - b.id);
    },
    statuses: (repo, sha) => state.mustRepo(repo).statuses.filter((s) => s.sha === sha),
    issues: (repo, filter = {}) =>
      [...state.mustRepo(repo).issues.values()]
        .filter((i) => !i.isPullRequest)
        .filter((i) => !filter.state || i.state === filter.state)
        .filter(
          (i) => !filter.label || i.labels.some((l) => l.toLowerCase() === filter.label?.toLowerCase()),
        ),
    issue: (repo, n) => state.mustRepo(repo).issues.get(n),
    pullRequest: (repo, n) => state.mustRepo(repo).pulls.get(n),
    labels: (repo, n) => [...(state.mustRepo(repo).issues.get(n)?.labels ?? [])],
    deployments: (repo, environment) =>
      [...state.mustRepo(repo).deployments.values()]
        .filter((d) => !environment || d.environment === environment)
        .sort((a, b) => a.id - b.id),
    refs: (repo, prefix = '') =>
      Object.fromEntries([...state.mustRepo(repo).refs.entries()].filter(([ref]) => ref.startsWith(prefix))),
    raw: state,
  };

  return {
    url,
    calls: server.calls,
    violations: server.violations,
    state: view,
    artifacts: server.artifacts,
    close: () => server.close(),
    inject: (fault) => server.inject(fault),
    callsTo: (operation) => server.calls.filter((c) => c.operationId === operation || c.route === operation),
    addRepo,
    addToken,
    addPullRequest(repo, pr) {
      const data = state.mustRepo(repo);
      if (pr.number !== undefined) data.nextNumber = Math.max(data.nextNumber, pr.number);
      const author = user(pr.user ?? 'octocat');
      const issue = state.addIssue(data, {
        title: pr.title ?? `PR ${data.nextNumber}`,
        body: pr.body ?? null,
        user: author,
        labels: pr.labels,
        isPullRequest: true,
      });
      if (pr.authorAssociation) issue.authorAssociation = pr.authorAssociation;
      if (pr.state === 'closed') {
        issue.state = 'closed';
        issue.closedAt = issue.createdAt;
      }
      // A fork's head repository must exist for `head.repo` to be filled in: create it when not seeded.
      if (pr.headRepo && !state.repo(pr.headRepo)) state.addRepo({ ...repoInput(pr.headRepo), fork: true });
      const baseRef = pr.baseRef ?? data.repo.defaultBranch;
      const pull: PullRecord = {
        id: state.id(),
        number: issue.number,
        headSha: pr.headSha,
        headRef: pr.headRef ?? `feature-${issue.number}`,
        headRepo: pr.headRepo ?? data.repo.fullName,
        baseRef,
        baseSha: pr.baseSha ?? data.refs.get(`refs/heads/${baseRef}`) ?? '0'.repeat(40),
        state: pr.state ?? 'open',
        merged: pr.merged ?? false,
        mergeable: pr.mergeable === undefined ? true : pr.mergeable,
        mergeableState: pr.mergeableState ?? 'clean',
        draft: pr.draft ?? false,
        files: (pr.files ?? []).map((f) => {
          const additions = f.additions ?? 1;
          const deletions = f.deletions ?? 0;
          return {
            status: 'modified',
            ...f,
            additions,
            deletions,
            changes: f.changes ?? additions + deletions,
          };
        }),
        reviews: [],
      };
      data.pulls.set(pull.number, pull);
      return pull;
    },
    addIssue(repo, input) {
      const data = state.mustRepo(repo);
      const issue = state.addIssue(data, { ...input, user: user(input.user ?? 'octocat') });
      if (input.state === 'closed') {
        issue.state = 'closed';
        issue.stateReason = 'completed';
        issue.closedAt = issue.createdAt;
      }
      return issue;
    },
    addComment: (repo, n, body, login = 'octocat') =>
      state.addComment(state.mustRepo(repo), n, body, user(login)),
    addReview(repo, n, input) {
      const data = state.mustRepo(repo);
      const pull = data.pulls.get(n);
      if (!pull) throw new Error(`stand-in: no pull request #${n} in ${repo}`);
      const review: ReviewRecord = {
        id: state.id(),
        user: user(input.user),
        body: input.body ?? '',
        state: input.state,
        commitId: input.commitId ?? pull.headSha,
        submittedAt: state.now(),
        authorAssociation: state.association(data, input.user),
      };
      pull.reviews.push(review);
      return review;
    },
    setCollaborator: (repo, login, permission) => {
      state.mustRepo(repo).collaborators.set(login.toLowerCase(), permission);
    },
    setRef: (repo, ref, sha) => {
      state.mustRepo(repo).refs.set(ref.startsWith('refs/') ? ref : `refs/${ref}`, sha);
    },
    mergePullRequest(repo, n, sha) {
      const data = state.mustRepo(repo);
      const pull = data.pulls.get(n);
      const issue = data.issues.get(n);
      if (!pull || !issue) throw new Error(`stand-in: no pull request #${n} in ${repo}`);
      Object.assign(pull, { state: 'closed', merged: true, mergeCommitSha: sha });
      issue.state = 'closed';
      issue.closedAt = state.now();
      data.refs.set(`refs/heads/${pull.baseRef}`, sha);
      return pull;
    },
  };
}
