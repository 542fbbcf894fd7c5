// The stand-in must reject what GitHub rejects and answer what GitHub answers; these tests pin that contract
// with a real Octokit (and raw fetch where Octokit would refuse to send the request).
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStandIn, type StandIn } from './support/standin/index.js';

const REPO = 'octo-org/infra';
const owner = 'octo-org';
const repo = 'infra';
const SHA = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);

let gh: StandIn;
let octokit: ReturnType<typeof getOctokit>;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  octokit = getOctokit('test-token', { baseUrl: gh.url });
});

afterEach(async () => {
  await gh.close();
});

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(
  promise: Promise<unknown>,
): Promise<{ status: number; message: string; response?: { data: unknown } }> {
  try {
    await promise;
  } catch (error) {
    return error as { status: number; message: string; response?: { data: unknown } };
  }
  throw new Error('expected the request to fail');
}

/** Raw request helper for what Octokit would not send. */
async function raw(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = 'test-token',
): Promise<Response> {
  return fetch(`${gh.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `token ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function annotations(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({
    path: `stacks/app/main.tf`,
    start_line: from + i + 1,
    end_line: from + i + 1,
    annotation_level: 'warning' as const,
    message: `finding ${from + i + 1}`,
  }));
}

describe('stand-in basics', () => {
  it('listens on 127.0.0.1 and answers repos/get with the fields clients read', async () => {
    expect(gh.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { data, headers } = await octokit.rest.repos.get({ owner, repo });
    expect(data).toMatchObject({
      full_name: REPO,
      default_branch: 'main',
      private: false,
      owner: { login: owner },
    });
    expect(typeof data.id).toBe('number');
    expect(typeof data.node_id).toBe('string');
    expect(headers['x-ratelimit-limit']).toBe('5000');
    expect(headers['x-ratelimit-resource']).toBe('core');
    expect(gh.callsTo('repos/get')).toHaveLength(1);
    expect(gh.calls[0]).toMatchObject({
      method: 'GET',
      path: `/repos/${REPO}`,
      operationId: 'repos/get',
      status: 200,
    });
    expect(gh.violations).toEqual([]);
  });

  it('answers 404 for an unknown repository without calling it a violation', async () => {
    const error = await rejection(octokit.rest.repos.get({ owner, repo: 'nope' }));
    expect(error.status).toBe(404);
    expect(gh.violations).toEqual([]);
  });

  it('answers 404 for a route GitHub does not have, and records it', async () => {
    const res = await raw('GET', `/repos/${REPO}/no-such-thing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ message: 'Not Found' });
    expect(gh.violations).toHaveLength(1);
    expect(gh.violations[0]?.fault).toContain("no such route in GitHub's API");
  });

  it('answers 400 for a body that is not JSON, and records it', async () => {
    const res = await raw('POST', `/repos/${REPO}/issues/1/comments`, '{"body": oops');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: 'Problems parsing JSON' });
    expect(gh.violations.map((v) => v.operationId)).toEqual(['issues/create-comment']);
  });

  it('decrements x-ratelimit-remaining on every answer', async () => {
    const first = await octokit.rest.repos.get({ owner, repo });
    const second = await octokit.rest.repos.get({ owner, repo });
    expect(Number(second.headers['x-ratelimit-remaining'])).toBe(
      Number(first.headers['x-ratelimit-remaining']) - 1,
    );
    expect(Number(second.headers['x-ratelimit-used'])).toBe(2);
    expect(Number(second.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
  });
});

describe('auth and permissions', () => {
  it('answers 401 Requires authentication without an authorization header', async () => {
    const res = await raw('GET', `/repos/${REPO}`, undefined, null);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: 'Requires authentication' });
  });

  it('accepts Bearer tokens as well as token', async () => {
    const res = await fetch(`${gh.url}/repos/${REPO}`, { headers: { authorization: 'Bearer abc' } });
    expect(res.status).toBe(200);
  });

  it('answers 403 Resource not accessible by integration for a write with a read-only token', async () => {
    gh.addPullRequest(REPO, { headSha: SHA, headRepo: 'forker/infra' });
    gh.addToken({
      token: 'fork-token',
      permissions: { contents: 'read', pull_requests: 'read', issues: 'read' },
    });
    const forkClient = getOctokit('fork-token', { baseUrl: gh.url });
    // Reads still work.
    const { data: pr } = await forkClient.rest.pulls.get({ owner, repo, pull_number: 1 });
    expect(pr.head.repo?.full_name).toBe('forker/infra');
    const error = await rejection(
      forkClient.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'hi' }),
    );
    expect(error.status).toBe(403);
    expect(error.message).toContain('Resource not accessible by integration');
    const checkError = await rejection(
      forkClient.rest.checks.create({ owner, repo, name: 'plan', head_sha: SHA }),
    );
    expect(checkError.status).toBe(403);
    expect(gh.state.comments(REPO, 1)).toEqual([]);
    expect(gh.state.checkRuns(REPO, SHA)).toEqual([]);
  });

  it('lets a token with the one needed permission write', async () => {
    gh.addIssue(REPO, { title: 'x' });
    gh.addToken({ token: 'issues-only', login: 'stackgate[bot]', permissions: { issues: 'write' } });
    const client = getOctokit('issues-only', { baseUrl: gh.url });
    const { data } = await client.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'ok' });
    expect(data.user?.login).toBe('stackgate[bot]');
    const error = await rejection(
      client.rest.repos.createCommitStatus({ owner, repo, sha: SHA, state: 'success' }),
    );
    expect(error.status).toBe(403);
  });
});

describe('contract: what GitHub rejects', () => {
  it('accepts a 65,536-character comment and rejects 65,537 with GitHub’s message', async () => {
    gh.addPullRequest(REPO, { headSha: SHA });
    const ok = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: 1,
      body: 'x'.repeat(65_536),
    });
    expect(ok.status).toBe(201);
    const error = await rejection(
      octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'x'.repeat(65_537) }),
    );
    expect(error.status).toBe(422);
    expect(error.response?.data).toMatchObject({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          field: 'data',
          message: 'Body is too long (maximum is 65536 characters)',
        },
      ],
    });
    expect(gh.state.comments(REPO, 1)).toHaveLength(1);
    expect(gh.violations).toHaveLength(1);
    expect(gh.violations[0]?.fault).toMatch(/issues\/create-comment.*Body is too long/);
  });

  it('applies the comment limit to updates and the issue body limit to issues', async () => {
    gh.addIssue(REPO, { title: 't' });
    const comment = gh.addComment(REPO, 1, 'short');
    const error = await rejection(
      octokit.rest.issues.updateComment({ owner, repo, comment_id: comment.id, body: 'y'.repeat(65_537) }),
    );
    expect(error.status).toBe(422);
    expect(gh.state.comment(REPO, comment.id)?.body).toBe('short');
    const issueError = await rejection(
      octokit.rest.issues.create({ owner, repo, title: 'drift', body: 'z'.repeat(65_537) }),
    );
    expect(issueError.status).toBe(422);
    expect(issueError.message).toContain('body is too long (maximum is 65536 characters)');
    expect(gh.state.issues(REPO)).toHaveLength(1);
  });

  it('rejects 51 annotations in one request, accepts 50, and accumulates 120 across three requests', async () => {
    const error = await rejection(
      octokit.rest.checks.create({
        owner,
        repo,
        name: 'plan',
        head_sha: SHA,
        output: { title: 't', summary: 's', annotations: annotations(51) },
      }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain('No more than 50 items are allowed; 51 were supplied.');
    expect(gh.state.checkRuns(REPO, SHA)).toEqual([]);

    const { data: run } = await octokit.rest.checks.create({
      owner,
      repo,
      name: 'plan',
      head_sha: SHA,
      status: 'in_progress',
      output: { title: 't', summary: 's', annotations: annotations(50) },
    });
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: run.id,
      output: { title: 't', summary: 's', annotations: annotations(50, 50) },
    });
    const { data: done } = await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: run.id,
      conclusion: 'failure',
      output: { title: 't', summary: 'final', annotations: annotations(20, 100) },
    });
    expect(done).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { annotations_count: 120 },
    });

    const listed = await octokit.paginate(octokit.rest.checks.listAnnotations, {
      owner,
      repo,
      check_run_id: run.id,
      per_page: 50,
    });
    expect(listed).toHaveLength(120);
    expect(listed.map((a) => a.start_line)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(gh.state.checkRuns(REPO, SHA)[0]?.annotations).toHaveLength(120);
    expect(gh.violations.map((v) => v.operationId)).toEqual(['checks/create']);
  });

  it('rejects an annotation missing a required field, and an over-long summary', async () => {
    const { path: _path, ...noPath } = annotations(1)[0] as ReturnType<typeof annotations>[number];
    const res = await raw('POST', `/repos/${REPO}/check-runs`, {
      name: 'plan',
      head_sha: SHA,
      output: { title: 't', summary: 's', annotations: [noPath] },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toContain('"path" wasn\'t supplied.');

    const error = await rejection(
      octokit.rest.checks.create({
        owner,
        repo,
        name: 'p',
        head_sha: SHA,
        output: { title: 't', summary: 's'.repeat(65_536) },
      }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain('Only 65535 characters are allowed; 65536 were supplied.');
    const ok = await octokit.rest.checks.create({
      owner,
      repo,
      name: 'p',
      head_sha: SHA,
      output: { title: 't', summary: 's'.repeat(65_535), text: 't'.repeat(65_535) },
    });
    expect(ok.status).toBe(201);
  });

  it('rejects an unknown body field, naming the field and the operation', async () => {
    const error = await rejection(
      octokit.request('POST /repos/{owner}/{repo}/check-runs', {
        owner,
        repo,
        name: 'plan',
        head_sha: SHA,
        colour: 'red',
      }),
    );
    expect(error.status).toBe(422);
    expect(error.response?.data).toMatchObject({
      message: 'Invalid request.\n\n"colour" is not a permitted key.',
      // GitHub's documentation_url for the operation, taken from the spec.
      documentation_url: expect.stringMatching(/^https:\/\/docs\.github\.com\/.*#create-a-check-run$/),
    });
    expect(gh.violations).toHaveLength(1);
    expect(gh.violations[0]?.fault).toContain('checks/create');
    expect(gh.violations[0]?.fault).toContain('"colour" is not a permitted key.');
  });

  it('rejects a query parameter outside its enum', async () => {
    const error = await rejection(
      octokit.request('GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'bogus' as 'open' }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain('"bogus" is not a member of ["open","closed","all"]');
    expect(gh.violations[0]?.operationId).toBe('issues/list-for-repo');
  });

  it('rejects a wrongly typed body field and a missing required one', async () => {
    const res = await raw('POST', `/repos/${REPO}/issues`, { title: 'x', labels: 'not-an-array' });
    expect(res.status).toBe(422);
    const missing = await raw('POST', `/repos/${REPO}/statuses/${SHA}`, { context: 'stackgate' });
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { message: string }).message).toContain('"state" wasn\'t supplied.');
    expect(gh.violations).toHaveLength(2);
  });

  it('rejects a commit status description of 141 characters and accepts 140', async () => {
    const ok = await octokit.rest.repos.createCommitStatus({
      owner,
      repo,
      sha: SHA,
      state: 'pending',
      context: 'stackgate',
      description: 'd'.repeat(140),
    });
    expect(ok.status).toBe(201);
    const error = await rejection(
      octokit.rest.repos.createCommitStatus({
        owner,
        repo,
        sha: SHA,
        state: 'success',
        description: 'd'.repeat(141),
      }),
    );
    expect(error.status).toBe(422);
    expect(error.response?.data).toMatchObject({
      errors: [
        {
          resource: 'Status',
          field: 'description',
          message: 'description is too long (maximum is 140 characters)',
        },
      ],
    });
    expect(gh.state.statuses(REPO, SHA)).toHaveLength(1);
  });

  it('rejects a path parameter of the wrong type with 404', async () => {
    const res = await raw('GET', `/repos/${REPO}/issues/abc`);
    expect(res.status).toBe(404);
    expect(gh.violations[0]?.fault).toContain('issues/get');
  });
});

describe('pagination', () => {
  it('pages issue comments 30 at a time with GitHub’s Link header', async () => {
    gh.addIssue(REPO, { title: 'drift' });
    for (let i = 0; i < 65; i += 1) gh.addComment(REPO, 1, `c${i}`);
    const link = (res: { headers: { link?: string } }) =>
      Object.fromEntries(
        (res.headers.link ?? '').split(', ').map((part) => {
          const [, url, rel] = /^<([^>]+)>; rel="(\w+)"$/.exec(part) ?? [];
          return [rel, url];
        }),
      );
    const base = `${gh.url}/repos/${REPO}/issues/1/comments`;

    const p1 = await octokit.rest.issues.listComments({ owner, repo, issue_number: 1 });
    expect(p1.data).toHaveLength(30);
    expect(link(p1)).toEqual({ next: `${base}?page=2`, last: `${base}?page=3` });

    const p2 = await octokit.rest.issues.listComments({ owner, repo, issue_number: 1, page: 2 });
    expect(p2.data.map((c) => c.body)).toEqual(Array.from({ length: 30 }, (_, i) => `c${i + 30}`));
    expect(link(p2)).toEqual({
      prev: `${base}?page=1`,
      next: `${base}?page=3`,
      last: `${base}?page=3`,
      first: `${base}?page=1`,
    });

    const p3 = await octokit.rest.issues.listComments({ owner, repo, issue_number: 1, page: 3 });
    expect(p3.data).toHaveLength(5);
    expect(link(p3)).toEqual({ prev: `${base}?page=2`, first: `${base}?page=1` });

    const all = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: 1 });
    expect(all).toHaveLength(65);
    expect(new Set(all.map((c) => c.id)).size).toBe(65);
    expect(gh.callsTo('issues/list-comments')).toHaveLength(6);
  });

  it('keeps per_page in the links and caps it at 100', async () => {
    gh.addPullRequest(REPO, {
      headSha: SHA,
      files: Array.from({ length: 250 }, (_, i) => ({ filename: `stacks/s${i}/main.tf` })),
    });
    const p1 = await octokit.rest.pulls.listFiles({ owner, repo, pull_number: 1, per_page: 500 });
    expect(p1.data).toHaveLength(100);
    expect(p1.headers.link).toContain('per_page=500&page=3>; rel="last"');
    const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
      owner,
      repo,
      pull_number: 1,
      per_page: 100,
    });
    expect(files).toHaveLength(250);
  });

  it('filters comments by since', async () => {
    let now = Date.parse('2024-05-01T10:00:00Z');
    await gh.close();
    gh = await startStandIn({ repos: [REPO], clock: () => new Date(now) });
    octokit = getOctokit('t', { baseUrl: gh.url });
    gh.addIssue(REPO, { title: 'x' });
    gh.addComment(REPO, 1, 'old');
    now += 60_000;
    gh.addComment(REPO, 1, 'new');
    const { data } = await octokit.rest.issues.listComments({
      owner,
      repo,
      issue_number: 1,
      since: '2024-05-01T10:00:30Z',
    });
    expect(data.map((c) => c.body)).toEqual(['new']);
  });
});

describe('stateful resources', () => {
  it('serves a pull request with head, base, labels, files and reviews', async () => {
    gh.setCollaborator(REPO, 'alice', 'write');
    gh.addPullRequest(REPO, {
      headSha: SHA,
      headRef: 'feat/x',
      baseSha: SHA2,
      user: 'alice',
      labels: ['stackgate'],
      mergeableState: 'blocked',
      files: [{ filename: 'b.tf', previous_filename: 'a.tf', status: 'renamed', additions: 0 }],
    });
    gh.addReview(REPO, 1, { user: 'bob', state: 'APPROVED' });
    const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: 1 });
    expect(pr).toMatchObject({
      number: 1,
      state: 'open',
      draft: false,
      mergeable: true,
      mergeable_state: 'blocked',
      author_association: 'COLLABORATOR',
      user: { login: 'alice' },
      head: { sha: SHA, ref: 'feat/x', repo: { full_name: REPO } },
      base: { ref: 'main', sha: SHA2 },
      labels: [{ name: 'stackgate' }],
    });
    const { data: files } = await octokit.rest.pulls.listFiles({ owner, repo, pull_number: 1 });
    expect(files[0]).toMatchObject({
      filename: 'b.tf',
      previous_filename: 'a.tf',
      status: 'renamed',
      changes: 0,
    });
    const { data: created } = await octokit.rest.pulls.createReview({
      owner,
      repo,
      pull_number: 1,
      event: 'COMMENT',
      body: 'ok',
    });
    expect(created.state).toBe('COMMENTED');
    const { data: reviews } = await octokit.rest.pulls.listReviews({ owner, repo, pull_number: 1 });
    expect(reviews.map((r) => [r.user?.login, r.state])).toEqual([
      ['bob', 'APPROVED'],
      ['github-actions[bot]', 'COMMENTED'],
    ]);
    const { data: perm } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo,
      username: 'alice',
    });
    expect(perm.permission).toBe('write');
    expect(gh.violations).toEqual([]);
  });

  it('creates, edits, lists and deletes comments as the token’s bot user, with reactions', async () => {
    gh.addPullRequest(REPO, { headSha: SHA });
    const { data: a } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: 1,
      body: 'one',
    });
    const { data: b } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: 1,
      body: 'two',
    });
    expect(b.id).toBeGreaterThan(a.id);
    expect(a.user?.login).toBe('github-actions[bot]');
    expect(a.html_url).toBe(`https://github.com/${REPO}/pull/1#issuecomment-${a.id}`);
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: a.id, body: 'one, edited' });
    const { data: got } = await octokit.rest.issues.getComment({ owner, repo, comment_id: a.id });
    expect(got.body).toBe('one, edited');
    await octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: a.id, content: 'rocket' });
    const again = await octokit.rest.reactions.createForIssueComment({
      owner,
      repo,
      comment_id: a.id,
      content: 'rocket',
    });
    expect(again.status).toBe(200); // an existing reaction comes back with 200
    const { data: reactions } = await octokit.rest.reactions.listForIssueComment({
      owner,
      repo,
      comment_id: a.id,
    });
    expect(reactions.map((r) => r.content)).toEqual(['rocket']);
    await octokit.rest.issues.deleteComment({ owner, repo, comment_id: b.id });
    expect(gh.state.comments(REPO, 1).map((c) => c.body)).toEqual(['one, edited']);
    const missing = await rejection(octokit.rest.issues.getComment({ owner, repo, comment_id: b.id }));
    expect(missing.status).toBe(404);
    expect(gh.violations).toEqual([]);
  });

  it('answers GET /user with the user of a personal access token and 403 for a bot token', async () => {
    gh.addToken({ token: 'ghp_person', login: 'ci-user' });
    const person = getOctokit('ghp_person', { baseUrl: gh.url });
    const { data: me } = await person.rest.users.getAuthenticated();
    expect(me).toMatchObject({ login: 'ci-user', type: 'User' });
    const refused = await rejection(octokit.rest.users.getAuthenticated());
    expect(refused.status).toBe(403);
    expect(refused.response?.data).toMatchObject({ message: 'Resource not accessible by integration' });
    // Comments carry the author's type: a bot for `[bot]` logins, a user otherwise.
    gh.addPullRequest(REPO, { headSha: SHA });
    await person.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'by a person' });
    await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'by the bot' });
    const { data: listed } = await octokit.rest.issues.listComments({ owner, repo, issue_number: 1 });
    expect(listed.map((c) => [c.user?.login, c.user?.type])).toEqual([
      ['ci-user', 'User'],
      ['github-actions[bot]', 'Bot'],
    ]);
    expect(gh.violations).toEqual([]);
  });

  it('creates, filters, labels and closes issues', async () => {
    await octokit.rest.issues.createLabel({ owner, repo, name: 'drift', color: 'd73a4a' });
    const dup = await rejection(octokit.rest.issues.createLabel({ owner, repo, name: 'drift' }));
    expect(dup.status).toBe(422);
    const { data: one } = await octokit.rest.issues.create({
      owner,
      repo,
      title: 'Drift in prod',
      labels: ['drift'],
    });
    await octokit.rest.issues.create({ owner, repo, title: 'Unrelated' });
    gh.addIssue(REPO, { title: 'by someone', user: 'alice', labels: ['drift'] });
    const drift = await octokit.rest.issues.listForRepo({
      owner,
      repo,
      labels: 'drift',
      creator: 'github-actions[bot]',
    });
    expect(drift.data.map((i) => i.number)).toEqual([one.number]);
    await octokit.rest.issues.addLabels({ owner, repo, issue_number: one.number, labels: ['stack:prod'] });
    await octokit.rest.issues.removeLabel({ owner, repo, issue_number: one.number, name: 'drift' });
    expect(gh.state.labels(REPO, one.number)).toEqual(['stack:prod']);
    await octokit.rest.issues.update({ owner, repo, issue_number: one.number, state: 'closed' });
    const { data: closed } = await octokit.rest.issues.get({ owner, repo, issue_number: one.number });
    expect(closed).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(closed.closed_at).toEqual(expect.any(String));
    const open = await octokit.rest.issues.listForRepo({ owner, repo });
    expect(open.data.map((i) => i.title).sort()).toEqual(['Unrelated', 'by someone']);
    expect(gh.state.issues(REPO, { state: 'closed' })).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it('lists check runs for a ref (latest per name) and combines statuses', async () => {
    gh.setRef(REPO, 'refs/heads/feat', SHA);
    await octokit.rest.checks.create({
      owner,
      repo,
      name: 'plan',
      head_sha: SHA,
      status: 'completed',
      conclusion: 'failure',
    });
    await octokit.rest.checks.create({ owner, repo, name: 'plan', head_sha: SHA, conclusion: 'success' });
    await octokit.rest.checks.create({ owner, repo, name: 'other', head_sha: SHA2 });
    const { data } = await octokit.rest.checks.listForRef({ owner, repo, ref: 'feat' });
    expect(data.total_count).toBe(1);
    expect(data.check_runs[0]).toMatchObject({ name: 'plan', conclusion: 'success', status: 'completed' });
    const all = await octokit.rest.checks.listForRef({ owner, repo, ref: SHA, filter: 'all' });
    expect(all.data.total_count).toBe(2);
    const noConclusion = await rejection(
      octokit.rest.checks.create({ owner, repo, name: 'x', head_sha: SHA, status: 'completed' }),
    );
    expect(noConclusion.status).toBe(422);

    await octokit.rest.repos.createCommitStatus({
      owner,
      repo,
      sha: SHA,
      state: 'pending',
      context: 'stackgate/plan',
    });
    await octokit.rest.repos.createCommitStatus({
      owner,
      repo,
      sha: SHA,
      state: 'success',
      context: 'stackgate/plan',
    });
    await octokit.rest.repos.createCommitStatus({ owner, repo, sha: SHA, state: 'failure', context: 'lint' });
    const { data: combined } = await octokit.rest.repos.getCombinedStatusForRef({ owner, repo, ref: SHA });
    expect(combined.state).toBe('failure');
    expect(combined.total_count).toBe(2);
    const { data: statuses } = await octokit.rest.repos.listCommitStatusesForRef({ owner, repo, ref: SHA });
    expect(statuses.map((s) => s.state)).toEqual(['failure', 'success', 'pending']);
    // Only the deliberate completed-without-conclusion request broke the contract.
    expect(gh.violations.map((v) => v.fault)).toEqual([
      expect.stringMatching(/^checks\/create .*"conclusion" wasn't supplied\.$/),
    ]);
  });

  it('creates, reads, moves and deletes lock refs, answering 422 for an existing one', async () => {
    const lock = 'refs/stackgate/locks/prod-network';
    await octokit.rest.git.createRef({ owner, repo, ref: lock, sha: SHA });
    const taken = await rejection(octokit.rest.git.createRef({ owner, repo, ref: lock, sha: SHA2 }));
    expect(taken.status).toBe(422);
    expect(taken.message).toContain('Reference already exists');
    const { data: got } = await octokit.rest.git.getRef({ owner, repo, ref: 'stackgate/locks/prod-network' });
    expect(got).toMatchObject({ ref: lock, object: { sha: SHA, type: 'commit' } });
    await octokit.rest.git.updateRef({
      owner,
      repo,
      ref: 'stackgate/locks/prod-network',
      sha: SHA2,
      force: true,
    });
    expect(gh.state.refs(REPO, 'refs/stackgate/')).toEqual({ [lock]: SHA2 });
    const { data: matching } = await octokit.rest.git.listMatchingRefs({
      owner,
      repo,
      ref: 'stackgate/locks/',
    });
    expect(matching.map((r) => r.ref)).toEqual([lock]);
    await octokit.rest.git.deleteRef({ owner, repo, ref: 'stackgate/locks/prod-network' });
    const gone = await rejection(
      octokit.rest.git.getRef({ owner, repo, ref: 'stackgate/locks/prod-network' }),
    );
    expect(gone.status).toBe(404);
    expect(gh.state.refs(REPO)).toEqual({});
    expect(gh.violations).toEqual([]);
  });

  it('writes commit objects on a known commit, reads them back, and refuses an unknown parent', async () => {
    gh.addPullRequest(REPO, { number: 3, headSha: SHA });
    const { data: head } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: SHA });
    const { data: made } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'lock\n\nholder',
      tree: head.tree.sha,
      parents: [SHA],
    });
    const { data: read } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: made.sha });
    expect(read).toMatchObject({
      message: 'lock\n\nholder',
      tree: { sha: head.tree.sha },
      parents: [{ sha: SHA }],
    });
    const bad = await rejection(
      octokit.rest.git.createCommit({
        owner,
        repo,
        message: 'x',
        tree: head.tree.sha,
        parents: ['c'.repeat(40)],
      }),
    );
    expect(bad.status).toBe(422);
    expect(
      (await rejection(octokit.rest.git.getCommit({ owner, repo, commit_sha: 'd'.repeat(40) }))).status,
    ).toBe(404);
    expect(gh.violations).toEqual([]);
  });

  it('lists the pull requests of a commit: by head and by merge commit', async () => {
    const pull = gh.addPullRequest(REPO, { number: 4, headSha: SHA });
    pull.mergeCommitSha = SHA2;
    for (const sha of [SHA, SHA2]) {
      const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
        owner,
        repo,
        commit_sha: sha,
      });
      expect(data.map((p) => p.number)).toEqual([4]);
    }
    expect(gh.violations).toEqual([]);
  });

  it('records deployments with their statuses, newest status first in the listing', async () => {
    const { data: deployment } = await octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref: SHA,
      environment: 'stackgate/app',
      auto_merge: false,
      required_contexts: [],
      payload: { stack: 'app' },
    });
    if (!('id' in deployment)) throw new Error('expected a deployment');
    for (const state of ['in_progress', 'success'] as const) {
      await octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: deployment.id,
        state,
        log_url: 'https://github.com/run/1',
      });
    }
    const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({
      owner,
      repo,
      deployment_id: deployment.id,
    });
    expect(statuses.map((s) => s.state)).toEqual(['success', 'in_progress']);
    const { data: listed } = await octokit.rest.repos.listDeployments({
      owner,
      repo,
      environment: 'stackgate/app',
    });
    expect(listed.map((d) => d.sha)).toEqual([SHA]);
    expect(gh.state.deployments(REPO, 'stackgate/app')[0]?.statuses.map((s) => s.state)).toEqual([
      'in_progress',
      'success',
    ]);
    expect(gh.violations).toEqual([]);
  });
});

describe('fault injection', () => {
  it('answers a status with retry-after, then recovers, without a state change', async () => {
    gh.addIssue(REPO, { title: 'x' });
    const fault = gh.inject({
      route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      times: 1,
      status: 429,
      headers: { 'retry-after': '7' },
    });
    const first = await raw('POST', `/repos/${REPO}/issues/1/comments`, { body: 'hi' });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(((await first.json()) as { message: string }).message).toContain('secondary rate limit');
    expect(gh.state.comments(REPO, 1)).toEqual([]);
    const second = await raw('POST', `/repos/${REPO}/issues/1/comments`, { body: 'hi' });
    expect(second.status).toBe(201);
    expect(fault.hits).toBe(1);
    expect(gh.callsTo('issues/create-comment').map((c) => [c.status, c.fault])).toEqual([
      [429, 'status'],
      [201, undefined],
    ]);
  });

  it('sends primary rate-limit headers when asked', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 60);
    gh.inject({
      route: 'repos/get',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
    });
    const error = await rejection(octokit.rest.repos.get({ owner, repo }));
    expect(error.status).toBe(403);
    expect(error.message).toContain('API rate limit exceeded');
    expect(gh.calls[0]?.responseHeaders['x-ratelimit-reset']).toBe(reset);
  });

  it('delays an answer', async () => {
    gh.inject({ route: 'repos/get', delayMs: 300 });
    const started = Date.now();
    const { status } = await octokit.rest.repos.get({ owner, repo });
    expect(status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(gh.calls[0]?.fault).toBe('delay');
  });

  it('drops the connection without an answer and changes nothing', async () => {
    gh.addIssue(REPO, { title: 'x' });
    gh.inject({ route: 'issues/create-comment', drop: true });
    await expect(raw('POST', `/repos/${REPO}/issues/1/comments`, { body: 'hi' })).rejects.toThrow();
    expect(gh.state.comments(REPO, 1)).toEqual([]);
    expect(gh.calls[0]).toMatchObject({ status: 0, fault: 'drop' });
    const retry = await raw('POST', `/repos/${REPO}/issues/1/comments`, { body: 'hi' });
    expect(retry.status).toBe(201);
  });

  it('applies the write, then loses the answer (afterEffect)', async () => {
    gh.addIssue(REPO, { title: 'x' });
    gh.inject({ route: 'issues/create-comment', afterEffect: true, drop: true });
    gh.inject({
      route: (req) => req.operationId === 'checks/create' && req.method === 'POST',
      afterEffect: true,
      status: 502,
    });
    await expect(raw('POST', `/repos/${REPO}/issues/1/comments`, { body: 'sticky' })).rejects.toThrow();
    expect(gh.state.comments(REPO, 1).map((c) => c.body)).toEqual(['sticky']);
    const error = await rejection(octokit.rest.checks.create({ owner, repo, name: 'plan', head_sha: SHA }));
    expect(error.status).toBe(502);
    expect(gh.state.checkRuns(REPO, SHA)).toHaveLength(1);
  });

  it('refuses a route key that names no GitHub operation', () => {
    expect(() => gh.inject({ route: 'issues/create-coment', status: 500 })).toThrow(/no GitHub operation/);
  });
});
