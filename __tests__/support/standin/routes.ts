// The operations the stand-in implements, keyed by GitHub's operationId. Requests reach a handler only after
// the contract check (openapi.ts) and the auth/permission check (server.ts), so handlers trust the shapes and
// apply GitHub's semantic rules: documented limits, not-found, conflicts, accumulation.
import {
  annotationJson,
  checkRunJson,
  commentJson,
  deploymentJson,
  deploymentStatusJson,
  fileJson,
  gitCommitJson,
  issueJson,
  labelJson,
  pullJson,
  reactionJson,
  refJson,
  repoJson,
  repoUrl,
  reviewJson,
  statusJson,
  authenticatedUserJson,
  userJson,
  type Urls,
} from './shapes.js';
import { createHash } from 'node:crypto';
import type {
  AnnotationRecord,
  CheckRunRecord,
  CommitRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  IssueRecord,
  Permission,
  PermissionName,
  RepoData,
  StandInState,
  StatusRecord,
  TokenInfo,
  UserRef,
} from './state.js';

export interface RouteContext {
  state: StandInState;
  /** The repository named by `{owner}/{repo}` (server.ts answers 404 when it is not seeded). */
  data: RepoData;
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown>;
  /** The parsed JSON body as sent (an array for `issues/add-labels` in its array form). */
  rawBody: unknown;
  actor: UserRef;
  urls: Urls;
  /** Request path without the query, for Link headers. */
  path: string;
  documentationUrl: string;
}

/** For operations on the token's own account (`GET /user`): no repository in the path. */
export interface AccountContext {
  state: StandInState;
  identity: TokenInfo;
  urls: Urls;
  documentationUrl: string;
}

export interface AccountHandler {
  handle(ctx: AccountContext): Answer;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A GitHub error answer thrown from a handler: the status and body GitHub would send. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    /** Set when the request broke the contract (a documented limit): recorded in `violations` too. */
    readonly violation?: string,
  ) {
    super(String(body.message));
  }
}

export interface Handler {
  /** Any one of these permissions at `level` lets the token through (comments: issues or pull_requests). */
  permissions: PermissionName[];
  level: Exclude<Permission, 'none'>;
  handle(ctx: RouteContext): Answer;
}

// Documented limits (docs.github.com): GitHub's answers copied from real 422s.
export const LIMITS = {
  commentBody: 65_536,
  issueBody: 65_536,
  statusDescription: 140,
  annotationsPerRequest: 50,
};

const notFound = (ctx: RouteContext): GitHubError =>
  new GitHubError(404, { message: 'Not Found', documentation_url: ctx.documentationUrl, status: '404' });

/** GitHub's 422 for a documented limit or rule ("Validation Failed" with `errors`); a contract violation. */
function validationFailed(ctx: RouteContext, errors: Record<string, unknown>[]): GitHubError {
  const body = {
    message: 'Validation Failed',
    errors,
    documentation_url: ctx.documentationUrl,
    status: '422',
  };
  return new GitHubError(
    422,
    body,
    errors.map((e) => String(e.message ?? `${e.field} ${e.code}`)).join('; '),
  );
}

/** GitHub's 422 from its schema validator ("Invalid request.\n\n…"); a contract violation. */
function invalidRequest(ctx: RouteContext, fault: string): GitHubError {
  const body = {
    message: `Invalid request.\n\n${fault}`,
    documentation_url: ctx.documentationUrl,
    status: '422',
  };
  return new GitHubError(422, body, fault);
}

function int(value: string | undefined): number {
  return Number.parseInt(value ?? '', 10);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** One page of `items` with GitHub's Link header (prev, next, last, first as GitHub orders them). */
export function paginate<T>(ctx: RouteContext, items: T[]): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, int(ctx.query.per_page) || 30));
  const page = Math.max(1, int(ctx.query.page) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number): string => {
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(n));
    return `<${ctx.urls.api}${ctx.path}?${q.toString()}>`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`${link(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) rels.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) rels.push(`${link(1)}; rel="first"`);
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: rels.length > 0 ? { link: rels.join(', ') } : {},
  };
}

function listAnswer<T>(ctx: RouteContext, items: T[], shape: (item: T) => unknown): Answer {
  const { page, headers } = paginate(ctx, items);
  return { status: 200, body: page.map(shape), headers };
}

function issueOf(ctx: RouteContext, number = int(ctx.params.issue_number)): IssueRecord {
  const issue = ctx.data.issues.get(number);
  if (!issue) throw notFound(ctx);
  return issue;
}

function commentOf(ctx: RouteContext) {
  const comment = ctx.data.comments.get(int(ctx.params.comment_id));
  if (!comment) throw notFound(ctx);
  return comment;
}

function pullOf(ctx: RouteContext) {
  const pull = ctx.data.pulls.get(int(ctx.params.pull_number));
  const issue = ctx.data.issues.get(int(ctx.params.pull_number));
  if (!pull || !issue) throw notFound(ctx);
  return { pull, issue };
}

function checkRunOf(ctx: RouteContext): CheckRunRecord {
  const run = ctx.data.checkRuns.get(int(ctx.params.check_run_id));
  if (!run) throw notFound(ctx);
  return run;
}

function checkCommentBody(ctx: RouteContext, body: unknown): string {
  const text = String(body);
  if (text.length > LIMITS.commentBody) {
    throw validationFailed(ctx, [
      {
        resource: 'IssueComment',
        code: 'unprocessable',
        field: 'data',
        message: `Body is too long (maximum is ${LIMITS.commentBody} characters)`,
      },
    ]);
  }
  return text;
}

function checkIssueBody(ctx: RouteContext, body: unknown): string | null {
  if (body === undefined || body === null) return null;
  const text = String(body);
  if (text.length > LIMITS.issueBody) {
    throw validationFailed(ctx, [
      {
        resource: 'Issue',
        code: 'custom',
        field: 'body',
        message: `body is too long (maximum is ${LIMITS.issueBody} characters)`,
      },
    ]);
  }
  return text;
}

/** Label names from `["a"]`, `[{name: "a"}]` or `{labels: [...]}`: GitHub accepts each form. */
function labelNames(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [];
  return list
    .map((item: unknown) =>
      typeof item === 'string' ? item : str((item as { name?: unknown } | null)?.name),
    )
    .filter((name): name is string => typeof name === 'string' && name.length > 0);
}

/** A ref or a sha → the sha (check runs and statuses can be listed for a branch name too). */
function resolveSha(data: RepoData, ref: string): string {
  for (const candidate of [ref, `refs/${ref}`, `refs/heads/${ref}`, `refs/tags/${ref}`]) {
    const sha = data.refs.get(candidate);
    if (sha) return sha;
  }
  return ref;
}

function fullRef(ctx: RouteContext): string {
  return `refs/${ctx.params.ref ?? ''}`.replace(/^refs\/refs\//, 'refs/');
}

const SHA = /^[0-9a-f]{40}$/i;

function applyOutput(ctx: RouteContext, run: CheckRunRecord, output: unknown): void {
  if (!output || typeof output !== 'object') return;
  const o = output as Record<string, unknown>;
  const annotations = Array.isArray(o.annotations) ? (o.annotations as AnnotationRecord[]) : [];
  // The schema may already carry maxItems; this keeps the documented limit even if a spec version drops it.
  if (annotations.length > LIMITS.annotationsPerRequest) {
    throw invalidRequest(
      ctx,
      `No more than ${LIMITS.annotationsPerRequest} items are allowed; ${annotations.length} were supplied.`,
    );
  }
  if ('title' in o) run.output.title = str(o.title) ?? null;
  if ('summary' in o) run.output.summary = str(o.summary) ?? null;
  if ('text' in o) run.output.text = str(o.text) ?? null;
  // GitHub appends: each update adds its annotations to those already on the run.
  run.annotations.push(...annotations.map((a) => ({ ...a })));
}

function applyCheckFields(ctx: RouteContext, run: CheckRunRecord, b: Record<string, unknown>): void {
  if (typeof b.name === 'string') run.name = b.name;
  if ('details_url' in b) run.detailsUrl = str(b.details_url) ?? null;
  if ('external_id' in b) run.externalId = str(b.external_id) ?? null;
  if (typeof b.started_at === 'string') run.startedAt = b.started_at;
  if (typeof b.status === 'string') run.status = b.status;
  if (typeof b.conclusion === 'string') {
    run.conclusion = b.conclusion;
    run.status = 'completed'; // "Providing conclusion will automatically set the status to completed."
  }
  if (run.status === 'completed' && run.conclusion === null)
    throw invalidRequest(ctx, '"conclusion" wasn\'t supplied.');
  if (typeof b.completed_at === 'string') run.completedAt = b.completed_at;
  if (run.status === 'completed') run.completedAt ??= ctx.state.now();
  if (Array.isArray(b.actions)) run.actions = b.actions;
}

function combinedState(statuses: StatusRecord[]): string {
  if (statuses.length === 0) return 'pending';
  if (statuses.some((s) => s.state === 'error' || s.state === 'failure')) return 'failure';
  if (statuses.some((s) => s.state === 'pending')) return 'pending';
  return 'success';
}

function latestPerContext(all: StatusRecord[]): StatusRecord[] {
  const latest = new Map<string, StatusRecord>();
  for (const s of all) latest.set(s.context.toLowerCase(), s); // later entries win
  return [...latest.values()];
}

function deploymentOf(ctx: RouteContext): DeploymentRecord {
  const deployment = ctx.data.deployments.get(int(ctx.params.deployment_id));
  if (!deployment) throw notFound(ctx);
  return deployment;
}

/** A commit object: one written through the API, or a stand-in for a commit the tests named (a pull request's
 * head or base, a ref's target), with a tree derived from its sha. */
function commitOf(ctx: RouteContext, sha: string): CommitRecord | undefined {
  const stored = ctx.data.commits.get(sha.toLowerCase());
  if (stored) return stored;
  const known =
    [...ctx.data.pulls.values()].some(
      (p) => p.headSha === sha || p.baseSha === sha || p.mergeCommitSha === sha,
    ) || [...ctx.data.refs.values()].includes(sha);
  if (!known) return undefined;
  return {
    sha,
    message: `commit ${sha.slice(0, 7)}`,
    tree: createHash('sha1').update(`tree ${sha}`).digest('hex'),
    parents: [],
    createdAt: ctx.state.now(),
  };
}

const read = (permissions: PermissionName[], handle: Handler['handle']): Handler => ({
  permissions,
  level: 'read',
  handle,
});
const write = (permissions: PermissionName[], handle: Handler['handle']): Handler => ({
  permissions,
  level: 'write',
  handle,
});
const ISSUES: PermissionName[] = ['issues', 'pull_requests'];

export const handlers: Record<string, Handler> = {
  'repos/get': read(['metadata'], (ctx) => ({
    status: 200,
    body: repoJson(ctx.data, ctx.urls, {
      admin: false,
      maintain: false,
      push: true,
      triage: true,
      pull: true,
    }),
  })),

  'repos/get-collaborator-permission-level': read(['metadata'], (ctx) => {
    const login = ctx.params.username ?? '';
    const owner = login.toLowerCase() === ctx.data.repo.owner.toLowerCase();
    const permission = owner ? 'admin' : (ctx.data.collaborators.get(login.toLowerCase()) ?? 'none');
    // GitHub folds maintain into write and triage into read in `permission`; role_name keeps the real role.
    const legacy = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
    return {
      status: 200,
      body: {
        permission: legacy,
        role_name: permission,
        user: userJson({ login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }, ctx.urls),
      },
    };
  }),

  // --- pull requests -------------------------------------------------------------------------------------
  'pulls/get': read(['pull_requests'], (ctx) => {
    const { pull, issue } = pullOf(ctx);
    return {
      status: 200,
      body: pullJson(ctx.data, pull, issue, ctx.state.repo(pull.headRepo), ctx.urls),
    };
  }),
  'pulls/list': read(['pull_requests'], (ctx) => {
    const state = ctx.query.state ?? 'open';
    const pulls = [...ctx.data.pulls.values()]
      .filter((p) => state === 'all' || p.state === state)
      .filter((p) => !ctx.query.base || p.baseRef === ctx.query.base)
      .filter((p) => !ctx.query.head || `${p.headRepo.split('/')[0]}:${p.headRef}` === ctx.query.head)
      .sort((a, b) => (ctx.query.direction === 'asc' ? a.number - b.number : b.number - a.number));
    return listAnswer(ctx, pulls, (p) =>
      pullJson(ctx.data, p, issueOf(ctx, p.number), ctx.state.repo(p.headRepo), ctx.urls),
    );
  }),
  'pulls/list-files': read(['pull_requests'], (ctx) => {
    const { pull } = pullOf(ctx);
    return listAnswer(ctx, pull.files, (f) => fileJson(ctx.data, pull, f, ctx.urls));
  }),
  'pulls/list-reviews': read(['pull_requests'], (ctx) => {
    const { pull } = pullOf(ctx);
    return listAnswer(ctx, pull.reviews, (r) => reviewJson(ctx.data, pull, r, ctx.urls));
  }),
  'pulls/create-review': write(['pull_requests'], (ctx) => {
    const { pull, issue } = pullOf(ctx);
    const event = str(ctx.body.event);
    if ((event === 'APPROVE' || event === 'REQUEST_CHANGES') && issue.user.login === ctx.actor.login) {
      throw new GitHubError(422, {
        message: 'Unprocessable Entity',
        errors: [`Can not ${event === 'APPROVE' ? 'approve' : 'request changes on'} your own pull request`],
        documentation_url: ctx.documentationUrl,
        status: '422',
      });
    }
    const state =
      event === 'APPROVE'
        ? 'APPROVED'
        : event === 'REQUEST_CHANGES'
          ? 'CHANGES_REQUESTED'
          : event === 'COMMENT'
            ? 'COMMENTED'
            : 'PENDING';
    const review = {
      id: ctx.state.id(),
      user: ctx.actor,
      body: str(ctx.body.body) ?? '',
      state,
      commitId: str(ctx.body.commit_id) ?? pull.headSha,
      submittedAt: ctx.state.now(),
      authorAssociation: ctx.state.association(ctx.data, ctx.actor.login),
    } as const;
    pull.reviews.push(review);
    return { status: 200, body: reviewJson(ctx.data, pull, review, ctx.urls) };
  }),

  // --- issue comments ------------------------------------------------------------------------------------
  'issues/list-comments': read(ISSUES, (ctx) => {
    const issue = issueOf(ctx);
    const since = ctx.query.since ? Date.parse(ctx.query.since) : undefined;
    const comments = [...ctx.data.comments.values()]
      .filter((c) => c.issueNumber === issue.number)
      .filter((c) => since === undefined || Date.parse(c.updatedAt) >= since)
      .sort((a, b) => a.id - b.id);
    return listAnswer(ctx, comments, (c) => commentJson(ctx.data, c, ctx.urls));
  }),
  'issues/get-comment': read(ISSUES, (ctx) => ({
    status: 200,
    body: commentJson(ctx.data, commentOf(ctx), ctx.urls),
  })),
  'issues/create-comment': write(ISSUES, (ctx) => {
    const issue = issueOf(ctx);
    const body = checkCommentBody(ctx, ctx.body.body);
    const comment = ctx.state.addComment(ctx.data, issue.number, body, ctx.actor);
    issue.updatedAt = comment.createdAt;
    const json = commentJson(ctx.data, comment, ctx.urls);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  }),
  'issues/update-comment': write(ISSUES, (ctx) => {
    const comment = commentOf(ctx);
    comment.body = checkCommentBody(ctx, ctx.body.body);
    comment.updatedAt = ctx.state.now();
    return { status: 200, body: commentJson(ctx.data, comment, ctx.urls) };
  }),
  'issues/delete-comment': write(ISSUES, (ctx) => {
    ctx.data.comments.delete(commentOf(ctx).id);
    return { status: 204 };
  }),

  // --- reactions -----------------------------------------------------------------------------------------
  'reactions/list-for-issue-comment': read(ISSUES, (ctx) => {
    const comment = commentOf(ctx);
    const reactions = comment.reactions.filter((r) => !ctx.query.content || r.content === ctx.query.content);
    return listAnswer(ctx, reactions, (r) => reactionJson(r, ctx.urls));
  }),
  'reactions/create-for-issue-comment': write(ISSUES, (ctx) => {
    const comment = commentOf(ctx);
    const content = String(ctx.body.content);
    // GitHub answers 200 with the existing reaction when this user already reacted so.
    const existing = comment.reactions.find((r) => r.content === content && r.user.login === ctx.actor.login);
    if (existing) return { status: 200, body: reactionJson(existing, ctx.urls) };
    const reaction = { id: ctx.state.id(), content, user: ctx.actor, createdAt: ctx.state.now() };
    comment.reactions.push(reaction);
    return { status: 201, body: reactionJson(reaction, ctx.urls) };
  }),

  // --- issues and labels ---------------------------------------------------------------------------------
  'issues/create': write(['issues'], (ctx) => {
    const body = checkIssueBody(ctx, ctx.body.body);
    const issue = ctx.state.addIssue(ctx.data, {
      title: String(ctx.body.title),
      body,
      user: ctx.actor,
      labels: labelNames(ctx.body.labels),
    });
    issue.assignees = Array.isArray(ctx.body.assignees) ? ctx.body.assignees.map(String) : [];
    const json = issueJson(ctx.data, issue, ctx.urls);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  }),
  'issues/get': read(ISSUES, (ctx) => ({ status: 200, body: issueJson(ctx.data, issueOf(ctx), ctx.urls) })),
  'issues/update': write(ISSUES, (ctx) => {
    const issue = issueOf(ctx);
    const b = ctx.body;
    const body = 'body' in b ? checkIssueBody(ctx, b.body) : issue.body; // check before changing anything
    if (typeof b.title === 'string' || typeof b.title === 'number') issue.title = String(b.title);
    issue.body = body;
    if (b.state === 'open' || b.state === 'closed') {
      if (b.state !== issue.state) issue.closedAt = b.state === 'closed' ? ctx.state.now() : null;
      issue.state = b.state;
      issue.stateReason =
        b.state === 'closed' ? (str(b.state_reason) ?? 'completed') : (str(b.state_reason) ?? null);
      const pull = ctx.data.pulls.get(issue.number);
      if (pull) pull.state = b.state;
    }
    if (Array.isArray(b.labels)) {
      issue.labels = labelNames(b.labels);
      for (const name of issue.labels) ctx.state.ensureLabel(ctx.data, name);
    }
    if (Array.isArray(b.assignees)) issue.assignees = b.assignees.map(String);
    issue.updatedAt = ctx.state.now();
    return { status: 200, body: issueJson(ctx.data, issue, ctx.urls) };
  }),
  'issues/list-for-repo': read(['issues'], (ctx) => {
    const q = ctx.query;
    const state = q.state ?? 'open';
    const wanted = (q.labels ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean);
    const since = q.since ? Date.parse(q.since) : undefined;
    const key = q.sort === 'updated' ? 'updatedAt' : 'createdAt';
    const issues = [...ctx.data.issues.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)))
      .filter((i) => !q.creator || i.user.login.toLowerCase() === q.creator.toLowerCase())
      .filter((i) => since === undefined || Date.parse(i.updatedAt) >= since)
      .sort((a, b) => a[key].localeCompare(b[key]) || a.number - b.number);
    if (q.direction !== 'asc') issues.reverse();
    return listAnswer(ctx, issues, (i) => issueJson(ctx.data, i, ctx.urls));
  }),
  'issues/create-label': write(['issues', 'pull_requests'], (ctx) => {
    const name = String(ctx.body.name);
    if (ctx.data.labels.has(name.toLowerCase())) {
      const errors = [{ resource: 'Label', code: 'already_exists', field: 'name' }];
      throw new GitHubError(422, {
        message: 'Validation Failed',
        errors,
        documentation_url: ctx.documentationUrl,
      });
    }
    const label = ctx.state.ensureLabel(
      ctx.data,
      name,
      str(ctx.body.color)?.replace(/^#/, '') ?? 'ededed',
      str(ctx.body.description) ?? null,
    );
    return { status: 201, body: labelJson(ctx.data, label, ctx.urls) };
  }),
  'issues/get-label': read(ISSUES, (ctx) => {
    const label = ctx.data.labels.get((ctx.params.name ?? '').toLowerCase());
    if (!label) throw notFound(ctx);
    return { status: 200, body: labelJson(ctx.data, label, ctx.urls) };
  }),
  'issues/add-labels': write(ISSUES, (ctx) => {
    const issue = issueOf(ctx);
    const names = labelNames(Array.isArray(ctx.rawBody) ? ctx.rawBody : ctx.body.labels);
    for (const name of names) {
      const label = ctx.state.ensureLabel(ctx.data, name);
      if (!issue.labels.some((l) => l.toLowerCase() === name.toLowerCase())) issue.labels.push(label.name);
    }
    issue.updatedAt = ctx.state.now();
    return { status: 200, body: issueJson(ctx.data, issue, ctx.urls).labels };
  }),
  'issues/remove-label': write(ISSUES, (ctx) => {
    const issue = issueOf(ctx);
    const name = (ctx.params.name ?? '').toLowerCase();
    if (!issue.labels.some((l) => l.toLowerCase() === name)) {
      throw new GitHubError(404, {
        message: 'Label does not exist',
        documentation_url: ctx.documentationUrl,
      });
    }
    issue.labels = issue.labels.filter((l) => l.toLowerCase() !== name);
    issue.updatedAt = ctx.state.now();
    return { status: 200, body: issueJson(ctx.data, issue, ctx.urls).labels };
  }),

  // --- check runs ----------------------------------------------------------------------------------------
  'checks/create': write(['checks'], (ctx) => {
    const now = ctx.state.now();
    const run: CheckRunRecord = {
      id: ctx.state.id(),
      name: String(ctx.body.name),
      headSha: String(ctx.body.head_sha),
      status: 'queued',
      conclusion: null,
      detailsUrl: null,
      externalId: null,
      startedAt: now,
      completedAt: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      actions: [],
      appSlug: 'github-actions',
    };
    applyCheckFields(ctx, run, ctx.body);
    applyOutput(ctx, run, ctx.body.output);
    ctx.data.checkRuns.set(run.id, run);
    return { status: 201, body: checkRunJson(ctx.data, run, ctx.urls) };
  }),
  'checks/update': write(['checks'], (ctx) => {
    const stored = checkRunOf(ctx);
    // Work on a copy so a rejected update leaves the run untouched.
    const run: CheckRunRecord = {
      ...stored,
      output: { ...stored.output },
      annotations: [...stored.annotations],
    };
    applyCheckFields(ctx, run, ctx.body);
    applyOutput(ctx, run, ctx.body.output);
    Object.assign(stored, run);
    return { status: 200, body: checkRunJson(ctx.data, stored, ctx.urls) };
  }),
  'checks/get': read(['checks'], (ctx) => ({
    status: 200,
    body: checkRunJson(ctx.data, checkRunOf(ctx), ctx.urls),
  })),
  'checks/list-for-ref': read(['checks'], (ctx) => {
    const sha = resolveSha(ctx.data, ctx.params.ref ?? '');
    let runs = [...ctx.data.checkRuns.values()]
      .filter((r) => r.headSha === sha)
      .filter((r) => !ctx.query.check_name || r.name === ctx.query.check_name)
      .filter((r) => !ctx.query.status || r.status === ctx.query.status)
      .sort((a, b) => b.id - a.id);
    if ((ctx.query.filter ?? 'latest') === 'latest') {
      const seen = new Set<string>();
      runs = runs.filter((r) => !seen.has(r.name) && seen.add(r.name) !== undefined);
    }
    const { page, headers } = paginate(ctx, runs);
    return {
      status: 200,
      body: { total_count: runs.length, check_runs: page.map((r) => checkRunJson(ctx.data, r, ctx.urls)) },
      headers,
    };
  }),
  'checks/list-annotations': read(['checks'], (ctx) => {
    const run = checkRunOf(ctx);
    return listAnswer(ctx, run.annotations, (a) => annotationJson(ctx.data, run, a, ctx.urls));
  }),

  // --- commit statuses -----------------------------------------------------------------------------------
  'repos/create-commit-status': write(['statuses'], (ctx) => {
    const description = str(ctx.body.description) ?? null;
    if (description !== null && description.length > LIMITS.statusDescription) {
      throw validationFailed(ctx, [
        {
          resource: 'Status',
          code: 'custom',
          field: 'description',
          message: `description is too long (maximum is ${LIMITS.statusDescription} characters)`,
        },
      ]);
    }
    const now = ctx.state.now();
    const status: StatusRecord = {
      id: ctx.state.id(),
      sha: ctx.params.sha ?? '',
      state: ctx.body.state as StatusRecord['state'],
      context: str(ctx.body.context) ?? 'default',
      description,
      targetUrl: str(ctx.body.target_url) ?? null,
      creator: ctx.actor,
      createdAt: now,
      updatedAt: now,
    };
    ctx.data.statuses.push(status);
    return { status: 201, body: statusJson(ctx.data, status, ctx.urls) };
  }),
  'repos/list-commit-statuses-for-ref': read(['statuses'], (ctx) => {
    const sha = resolveSha(ctx.data, ctx.params.ref ?? '');
    const statuses = ctx.data.statuses.filter((s) => s.sha === sha).reverse(); // newest first
    return listAnswer(ctx, statuses, (s) => statusJson(ctx.data, s, ctx.urls));
  }),
  'repos/get-combined-status-for-ref': read(['statuses'], (ctx) => {
    const sha = resolveSha(ctx.data, ctx.params.ref ?? '');
    const latest = latestPerContext(ctx.data.statuses.filter((s) => s.sha === sha));
    const { page, headers } = paginate(ctx, latest);
    return {
      status: 200,
      headers,
      body: {
        state: combinedState(latest),
        sha,
        total_count: latest.length,
        statuses: page.map((s) => {
          const { creator: _creator, ...simple } = statusJson(ctx.data, s, ctx.urls);
          return simple;
        }),
        repository: repoJson(ctx.data, ctx.urls),
        commit_url: `${repoUrl(ctx.data, ctx.urls)}/commits/${sha}`,
        url: `${repoUrl(ctx.data, ctx.urls)}/commits/${sha}/status`,
      },
    };
  }),

  // --- git refs (locks live under refs/stackgate/...) ----------------------------------------------------
  'git/get-ref': read(['contents'], (ctx) => {
    const ref = fullRef(ctx);
    const sha = ctx.data.refs.get(ref);
    if (!sha) throw notFound(ctx);
    return { status: 200, body: refJson(ctx.data, ref, sha, ctx.urls) };
  }),
  'git/list-matching-refs': read(['contents'], (ctx) => {
    const prefix = fullRef(ctx);
    const refs = [...ctx.data.refs.entries()]
      .filter(([ref]) => ref.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b));
    return { status: 200, body: refs.map(([ref, sha]) => refJson(ctx.data, ref, sha, ctx.urls)) };
  }),
  'git/create-ref': write(['contents'], (ctx) => {
    const ref = String(ctx.body.ref);
    const sha = String(ctx.body.sha);
    if (!/^refs\/[^/]+\/.+/.test(ref) || /\.\.|\/\/|\/$|\.lock$|[\s~^:?*[\\]/.test(ref)) {
      throw new GitHubError(422, {
        message: `${ref} is not a valid ref name.`,
        documentation_url: ctx.documentationUrl,
      });
    }
    if (!SHA.test(sha)) {
      throw new GitHubError(422, {
        message: 'Object does not exist',
        documentation_url: ctx.documentationUrl,
      });
    }
    if (ctx.data.refs.has(ref)) {
      throw new GitHubError(422, {
        message: 'Reference already exists',
        documentation_url: ctx.documentationUrl,
      });
    }
    ctx.data.refs.set(ref, sha.toLowerCase());
    const json = refJson(ctx.data, ref, sha.toLowerCase(), ctx.urls);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  }),
  'git/update-ref': write(['contents'], (ctx) => {
    const ref = fullRef(ctx);
    const sha = String(ctx.body.sha);
    if (!ctx.data.refs.has(ref)) {
      throw new GitHubError(422, {
        message: 'Reference does not exist',
        documentation_url: ctx.documentationUrl,
      });
    }
    if (!SHA.test(sha)) {
      throw new GitHubError(422, {
        message: 'Object does not exist',
        documentation_url: ctx.documentationUrl,
      });
    }
    // No commit graph here: every update is accepted as if fast-forward (or forced).
    ctx.data.refs.set(ref, sha.toLowerCase());
    return { status: 200, body: refJson(ctx.data, ref, sha.toLowerCase(), ctx.urls) };
  }),
  'git/create-commit': write(['contents'], (ctx) => {
    const tree = String(ctx.body.tree);
    const parents = Array.isArray(ctx.body.parents) ? ctx.body.parents.map(String) : [];
    if (!SHA.test(tree) || parents.some((parent) => !commitOf(ctx, parent))) {
      throw new GitHubError(422, {
        message: 'Tree SHA does not exist',
        documentation_url: ctx.documentationUrl,
      });
    }
    const message = String(ctx.body.message);
    const sha = createHash('sha1')
      .update(`${tree}\0${parents.join(',')}\0${message}\0${ctx.state.id()}`)
      .digest('hex');
    const commit: CommitRecord = { sha, message, tree, parents, createdAt: ctx.state.now() };
    ctx.data.commits.set(sha, commit);
    const json = gitCommitJson(ctx.data, commit, ctx.urls);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  }),
  'git/get-commit': read(['contents'], (ctx) => {
    const commit = commitOf(ctx, ctx.params.commit_sha ?? '');
    if (!commit) throw notFound(ctx);
    return { status: 200, body: gitCommitJson(ctx.data, commit, ctx.urls) };
  }),
  'repos/list-pull-requests-associated-with-commit': read(['contents', 'pull_requests'], (ctx) => {
    const sha = ctx.params.commit_sha ?? '';
    const pulls = [...ctx.data.pulls.values()]
      .filter((p) => p.headSha === sha || p.mergeCommitSha === sha)
      .sort((a, b) => b.number - a.number);
    return listAnswer(ctx, pulls, (p) =>
      pullJson(ctx.data, p, issueOf(ctx, p.number), ctx.state.repo(p.headRepo), ctx.urls),
    );
  }),

  // --- deployments ---------------------------------------------------------------------------------------
  'repos/create-deployment': write(['deployments'], (ctx) => {
    const ref = String(ctx.body.ref);
    const sha = SHA.test(ref) ? ref.toLowerCase() : resolveSha(ctx.data, ref);
    if (!SHA.test(sha)) {
      throw new GitHubError(422, {
        message: `No ref found for: ${ref}`,
        documentation_url: ctx.documentationUrl,
      });
    }
    // Without required_contexts GitHub waits for every commit status to succeed (409 otherwise).
    if (!Array.isArray(ctx.body.required_contexts)) {
      const latest = latestPerContext(ctx.data.statuses.filter((st) => st.sha === sha));
      if (latest.some((st) => st.state !== 'success')) {
        throw new GitHubError(409, {
          message: 'Conflict: Commit status checks failed for ' + ref,
          documentation_url: ctx.documentationUrl,
        });
      }
    }
    const now = ctx.state.now();
    const environment = str(ctx.body.environment) ?? 'production';
    const deployment: DeploymentRecord = {
      id: ctx.state.id(),
      sha,
      ref,
      task: str(ctx.body.task) ?? 'deploy',
      environment,
      description: str(ctx.body.description) ?? null,
      payload: ctx.body.payload ?? {},
      transientEnvironment: ctx.body.transient_environment === true,
      productionEnvironment:
        typeof ctx.body.production_environment === 'boolean'
          ? ctx.body.production_environment
          : environment === 'production',
      creator: ctx.actor,
      createdAt: now,
      updatedAt: now,
      statuses: [],
    };
    ctx.data.deployments.set(deployment.id, deployment);
    return { status: 201, body: deploymentJson(ctx.data, deployment, ctx.urls) };
  }),
  'repos/list-deployments': read(['deployments'], (ctx) => {
    const q = ctx.query;
    const deployments = [...ctx.data.deployments.values()]
      .filter((d) => !q.environment || d.environment === q.environment)
      .filter((d) => !q.sha || d.sha === q.sha)
      .filter((d) => !q.ref || d.ref === q.ref)
      .filter((d) => !q.task || d.task === q.task)
      .sort((a, b) => b.id - a.id);
    return listAnswer(ctx, deployments, (d) => deploymentJson(ctx.data, d, ctx.urls));
  }),
  'repos/create-deployment-status': write(['deployments'], (ctx) => {
    const deployment = deploymentOf(ctx);
    const now = ctx.state.now();
    const status: DeploymentStatusRecord = {
      id: ctx.state.id(),
      state: ctx.body.state as DeploymentStatusRecord['state'],
      description: str(ctx.body.description) ?? '',
      environment: str(ctx.body.environment) ?? deployment.environment,
      targetUrl: str(ctx.body.target_url) ?? '',
      logUrl: str(ctx.body.log_url) ?? str(ctx.body.target_url) ?? '',
      environmentUrl: str(ctx.body.environment_url) ?? '',
      creator: ctx.actor,
      createdAt: now,
      updatedAt: now,
    };
    deployment.statuses.push(status);
    deployment.updatedAt = now;
    return { status: 201, body: deploymentStatusJson(ctx.data, deployment, status, ctx.urls) };
  }),
  'repos/list-deployment-statuses': read(['deployments'], (ctx) => {
    const deployment = deploymentOf(ctx);
    return listAnswer(ctx, [...deployment.statuses].reverse(), (st) =>
      deploymentStatusJson(ctx.data, deployment, st, ctx.urls),
    );
  }),

  'git/delete-ref': write(['contents'], (ctx) => {
    const ref = fullRef(ctx);
    if (!ctx.data.refs.delete(ref)) {
      throw new GitHubError(422, {
        message: 'Reference does not exist',
        documentation_url: ctx.documentationUrl,
      });
    }
    return { status: 204 };
  }),
};

export const accountHandlers: Record<string, AccountHandler> = {
  // A personal access token gets its user; GITHUB_TOKEN and GitHub App installation tokens act as a bot and
  // GitHub refuses them here.
  'users/get-authenticated': {
    handle(ctx) {
      if (ctx.identity.userType === 'Bot') {
        throw new GitHubError(403, {
          message: 'Resource not accessible by integration',
          documentation_url: ctx.documentationUrl,
          status: '403',
        });
      }
      return {
        status: 200,
        body: authenticatedUserJson({ login: ctx.identity.login, type: ctx.identity.userType }, ctx.urls),
      };
    },
  },
};
