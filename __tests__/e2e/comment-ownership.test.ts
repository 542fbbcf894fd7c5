// The sticky comment is Stackgate's own: a comment someone else starts with the marker is never edited, deleted
// or read. Only the account the token acts as counts (GraphQL `viewer`): not a person, not another bot.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentMarker } from '../../src/report/markdown.js';
import type { ActionRun } from '../support/harness.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const NUMBER = 7;
/** The default comment's marker, as a PR author can copy it from the page source. */
const MARKER = commentMarker('');

let gh: StandIn;
let repo: TestRepo;
let baseSha: string;

function planPullRequest(headSha: string, token?: string): Promise<ActionRun> {
  return runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: NUMBER,
    headSha,
    baseSha,
    files: ['stacks/app/main.tf'],
    token,
  });
}

function marked() {
  return gh.state.comments(REPO, NUMBER).filter((comment) => comment.body.startsWith(MARKER));
}

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  repo = createRepo({ 'stacks/app/main.tf': dataStack('app', 'v1') });
  baseSha = repo.commit('app');
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('sticky comment ownership', () => {
  it('never takes over a marked comment a person posted first', async () => {
    const planted = `${MARKER}\nI wrote this. <!-- stackgate:meta {"approved":true} -->`;
    const mallory = gh.addComment(REPO, NUMBER, planted, 'mallory');
    expect(mallory.user.type).toBe('User');

    repo.write({ 'stacks/app/main.tf': dataStack('app', 'v2') });
    const first = await planPullRequest(repo.commit('v2'));
    expect(first.exitCode).toBe(0);
    repo.write({ 'stacks/app/main.tf': dataStack('app', 'v3') });
    const second = await planPullRequest(repo.commit('v3'));
    expect(second.exitCode).toBe(0);

    // Mallory's comment is still there, as written; Stackgate keeps one comment of its own beside it.
    expect(gh.state.comment(REPO, mallory.id)?.body).toBe(planted);
    const comments = marked();
    expect(comments).toHaveLength(2);
    const own = comments.filter((comment) => comment.id !== mallory.id);
    expect(own).toHaveLength(1);
    expect(own[0]!.user).toEqual({ login: 'github-actions[bot]', type: 'Bot' });
    expect(own[0]!.body).toContain('"v3"');
    expect(first.outputs['comment-id']).toBe(String(own[0]!.id));
    expect(second.outputs['comment-id']).toBe(String(own[0]!.id));
    for (const call of [...gh.callsTo('issues/update-comment'), ...gh.callsTo('issues/delete-comment')])
      expect(call.params.comment_id).not.toBe(String(mallory.id));
    expect(gh.callsTo('issues/delete-comment')).toHaveLength(0);
    // The token's own account comes from GraphQL's viewer, which answers for bots too (GET /user would not).
    expect(gh.callsTo('graphql').map((call) => call.status)).toEqual([200, 200]);
    expect(gh.callsTo('users/get-authenticated')).toHaveLength(0);
  });

  it('finds and edits its own comment when a personal access token comments as a user', async () => {
    const token = 'ghp_citoken000000000000000000000000000000';
    gh.addToken({ token, login: 'ci-user' });
    const mallory = gh.addComment(REPO, NUMBER, `${MARKER}\nnot Stackgate's`, 'mallory');

    repo.write({ 'stacks/app/main.tf': dataStack('app', 'v2') });
    const first = await planPullRequest(repo.commit('v2'), token);
    expect(first.exitCode).toBe(0);
    repo.write({ 'stacks/app/main.tf': dataStack('app', 'v3') });
    const second = await planPullRequest(repo.commit('v3'), token);
    expect(second.exitCode).toBe(0);

    const own = marked().filter((comment) => comment.id !== mallory.id);
    expect(own).toHaveLength(1);
    expect(own[0]!.user).toEqual({ login: 'ci-user', type: 'User' });
    expect(own[0]!.body).toContain('"v3"');
    expect(gh.callsTo('issues/create-comment')).toHaveLength(1);
    expect(gh.callsTo('issues/update-comment').map((call) => call.params.comment_id)).toEqual([
      String(own[0]!.id),
    ]);
    expect(gh.state.comment(REPO, mallory.id)?.body).toBe(`${MARKER}\nnot Stackgate's`);
    expect(gh.callsTo('graphql').every((call) => call.status === 200)).toBe(true);
  });
});
