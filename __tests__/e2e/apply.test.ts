// Apply exactly what was reviewed, end to end: dist/index.js as the runner runs it on `issue_comment`, the real
// tofu with the `local` provider (so an apply writes a real file), and the GitHub stand-in. Every refusal leaves
// the file as it was; the accepted apply writes it, says so in the sticky comment, and records a deployment.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCacheService } from '../support/cache-service.js';
import { runAction, type ActionRun } from '../support/harness.js';
import { issueCommentPayload, pullRequestClosedPayload } from '../support/payloads.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const [OWNER, NAME] = REPO.split('/') as [string, string];
const LOCK = 'refs/stackgate/locks/app';

let gh: StandIn;
let repo: TestRepo;
let baseSha: string;
/** Where the stack writes its file: outside the repository, so only an apply can create it. */
let target: string;

function appStack(content: string): string {
  return `terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "2.9.0" }
  }
}

variable "target" {
  type = string
}

variable "suffix" {
  type    = string
  default = ""
}

resource "local_file" "greeting" {
  filename = var.target
  content  = "${content}\${var.suffix}\\n"
}
`;
}

const CONFIG = `version: 1
stacks:
  - name: app
    path: stacks/app
`;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { TF_VAR_target: target, ...extra };
}

async function plan(
  headSha: string,
  options: { number?: number; workspace?: string; env?: Record<string, string> } = {},
): Promise<ActionRun> {
  return runOnPullRequest({
    gh,
    repository: REPO,
    workspace: options.workspace ?? repo.dir,
    number: options.number ?? 1,
    headSha,
    baseSha,
    files: ['stacks/app/main.tf'],
    env: env(options.env),
  });
}

async function comment(
  body: string,
  author: string,
  options: { number?: number; workspace?: string; env?: Record<string, string> } = {},
): Promise<ActionRun> {
  const number = options.number ?? 1;
  const record = gh.addComment(REPO, number, body, author);
  return runAction({
    workspace: options.workspace ?? repo.dir,
    eventName: 'issue_comment',
    payload: issueCommentPayload({ owner: OWNER, repo: NAME, number, commentId: record.id, body, author }),
    apiUrl: gh.url,
    repository: REPO,
    sha: baseSha,
    ref: 'refs/heads/main',
    inputs: { command: 'apply' },
    env: env(options.env),
  });
}

function sticky(number = 1): string {
  const found = gh.state
    .comments(REPO, number)
    .filter((c) => c.body.startsWith('<!-- stackgate:comment') && c.user.type === 'Bot');
  expect(found).toHaveLength(1);
  return found[0]!.body;
}

function approve(sha: string, number = 1): void {
  gh.addReview(REPO, number, { user: 'bob', state: 'APPROVED', commitId: sha });
}

/** The change under review: the stack's first version, committed on top of the base. */
function openPullRequest(content = 'hello'): string {
  repo.write({ 'stacks/app/main.tf': appStack(content) });
  return repo.commit(`app: ${content}`);
}

/** The `pull_request` `closed` run of pull request 1 (the apply workflow's, which releases its locks). */
function closePullRequest(head: string): Promise<ActionRun> {
  return runAction({
    workspace: repo.dir,
    eventName: 'pull_request',
    payload: pullRequestClosedPayload({ owner: OWNER, repo: NAME, number: 1, headSha: head, baseSha }),
    apiUrl: gh.url,
    repository: REPO,
    sha: head,
    ref: 'refs/pull/1/merge',
    inputs: { command: 'apply' },
  });
}

function expectRefused(run: ActionRun, reason: string, says: RegExp | string, deploymentsBefore = 0): void {
  expect(run.exitCode).toBe(1);
  expect(run.outputs['failure-reason']).toBe(reason);
  expect(sticky()).toMatch(says);
  expect(existsSync(target)).toBe(false);
  expect(gh.state.deployments(REPO)).toHaveLength(deploymentsBefore);
}

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  gh.setCollaborator(REPO, 'alice', 'write');
  gh.setCollaborator(REPO, 'bob', 'write');
  gh.setCollaborator(REPO, 'rita', 'read');
  repo = createRepo({ '.stackgate.yml': CONFIG, 'README.md': 'infra\n' });
  baseSha = repo.commit('base');
  gh.setRef(REPO, 'refs/heads/main', baseSha);
  target = path.join(mkdtempSync(path.join(os.tmpdir(), 'stackgate-target-')), 'greeting.txt');
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('comment-driven apply', () => {
  it('applies an approved pull request for a writer: the file is written, the comment says applied, a deployment succeeds', async () => {
    const head = openPullRequest();
    const planned = await plan(head);
    expect(planned.exitCode).toBe(0);
    expect(gh.state.checkRuns(REPO, head).at(-1)?.conclusion).toBe('success');
    approve(head);

    const run = await comment('/stackgate apply', 'alice');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('hello\n');
    expect(run.outputs['failure-reason']).toBe('');
    expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual(['app']);
    const body = sticky();
    expect(body).toContain('Applied by alice');
    expect(body).toContain('🚀 applied');
    expect(body).toContain('To roll back:');
    const [deployment, ...more] = gh.state.deployments(REPO, 'stackgate/app');
    expect(more).toEqual([]);
    expect(deployment?.sha).toBe(head);
    expect(deployment?.statuses.map((status) => status.state)).toEqual(['in_progress', 'success']);
    expect(deployment?.statuses[1]?.logUrl).toContain('/actions/runs/1001');
    // Taken (👀) and locked for this pull request until it closes.
    const asked = gh.state.comments(REPO, 1).find((c) => c.body === '/stackgate apply');
    expect(asked?.reactions.map((reaction) => reaction.content)).toEqual(['eyes']);
    expect(Object.keys(gh.state.refs(REPO, 'refs/stackgate/'))).toEqual([LOCK]);

    // Asking again applies nothing twice.
    const again = await comment('/stackgate apply', 'alice');
    expect(again.exitCode).toBe(0);
    expect(again.outputs['failure-reason']).toBe('nothing-to-apply');
    expect(sticky()).toContain('already applied');
    expect(gh.state.deployments(REPO)).toHaveLength(1);

    // Closing the pull request releases its lock.
    const closed = await closePullRequest(head);
    expect(closed.exitCode).toBe(0);
    expect(JSON.parse(closed.outputs.unlocked ?? '[]')).toEqual(['app']);
    expect(gh.state.refs(REPO, 'refs/stackgate/')).toEqual({});
  });

  it('refuses a reader, naming the permission', async () => {
    const head = openPullRequest();
    await plan(head);
    approve(head);
    const run = await comment('/stackgate apply', 'rita');
    expectRefused(run, 'not-permitted', /Only people with write access.*role is read/);
  });

  it('refuses without an approval, and with a stale approval after a new push', async () => {
    const first = openPullRequest('hello');
    await plan(first);
    expectRefused(await comment('/stackgate apply', 'alice'), 'not-approved', /no approving review/);

    approve(first);
    const second = openPullRequest('hello again');
    await plan(second);
    const run = await comment('/stackgate apply', 'alice');
    expectRefused(run, 'not-approved', /older commit and is stale/);
    // The reviewed plan below the refusal is kept.
    expect(sticky()).toContain('stackgate:meta');
  });

  it('refuses when a commit came after the review (the recorded plan is for an older head)', async () => {
    const first = openPullRequest('hello');
    await plan(first);
    approve(first);
    const second = openPullRequest('something else');
    // The new head reaches GitHub, but no plan of it was reviewed.
    const pull = gh.state.pullRequest(REPO, 1)!;
    pull.headSha = second;
    approve(second);
    expectRefused(await comment('/stackgate apply', 'alice'), 'plan-changed', /plan changed since review/);
  });

  it('refuses when the same commit now plans something else than the reviewed plan', async () => {
    const head = openPullRequest();
    await plan(head);
    approve(head);
    // Same files, same commit: the plan made for the apply differs (a variable changed underneath).
    const run = await comment('/stackgate apply', 'alice', { env: { TF_VAR_suffix: '!' } });
    expectRefused(run, 'plan-changed', /plan changed since review/);
  });

  it('refuses a pull request from a fork and a closed pull request', async () => {
    const head = openPullRequest();
    await plan(head);
    approve(head);
    const pull = gh.state.pullRequest(REPO, 1)!;
    pull.headRepo = 'mallory/infra';
    gh.addRepo({ owner: 'mallory', name: 'infra', fork: true });
    expectRefused(await comment('/stackgate apply', 'alice'), 'fork', /comes from a fork/);
    pull.headRepo = REPO;
    pull.state = 'closed';
    gh.state.issue(REPO, 1)!.state = 'closed';
    expectRefused(await comment('/stackgate apply', 'alice'), 'pull-request-closed', /is closed/);
  });

  it('refuses while another pull request holds the lock, and applies once a writer unlocks', async () => {
    const head = openPullRequest();
    // Pull request #2 (another clone of the repository, another head) plans and applies first and keeps the lock.
    const other = cloneAt(head);
    execFileSync('git', ['-C', other, 'commit', '--quiet', '--allow-empty', '-m', 'other'], {
      env: gitEnv(),
    });
    const otherHead = execFileSync('git', ['-C', other, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const otherTarget = `${target}.other`;
    gh.addPullRequest(REPO, {
      number: 1,
      headSha: head,
      baseSha,
      files: [{ filename: 'stacks/app/main.tf' }],
    });
    await plan(otherHead, { number: 2, workspace: other, env: { TF_VAR_target: otherTarget } });
    approve(otherHead, 2);
    await plan(head);
    approve(head);
    const first = await comment('/stackgate apply', 'alice', {
      number: 2,
      workspace: other,
      env: { TF_VAR_target: otherTarget },
    });
    expect(first.exitCode).toBe(0);
    expect(existsSync(otherTarget)).toBe(true);

    const run = await comment('/stackgate apply', 'alice');
    expectRefused(run, 'locked', /Locked by pull request 2/, 1);
    // The plan of #1 itself says so too when it is planned again.
    await plan(head);
    expect(sticky()).toMatch(/Locked by pull request 2/);

    expect((await comment('/stackgate unlock app', 'alice')).exitCode).toBe(0);
    expect(gh.state.refs(REPO, 'refs/stackgate/')).toEqual({});
    const applied = await comment('/stackgate apply', 'alice');
    expect(applied.exitCode).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('hello\n');
  });

  it('a plan with pending changes takes the lock: another pull request is told and refused until it closes', async () => {
    const head = openPullRequest();
    const first = await plan(head);
    expect(first.exitCode).toBe(0);
    // The lock ref is #1's now, before any apply.
    expect(Object.keys(gh.state.refs(REPO, 'refs/stackgate/locks/'))).toEqual([LOCK]);
    expect(sticky()).not.toMatch(/Locked by/);

    const other = cloneAt(head);
    execFileSync('git', ['-C', other, 'commit', '--quiet', '--allow-empty', '-m', 'other'], {
      env: gitEnv(),
    });
    const otherHead = execFileSync('git', ['-C', other, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const second = await plan(otherHead, { number: 2, workspace: other });
    expect(second.exitCode).toBe(0);
    expect(sticky(2)).toMatch(/Locked by pull request 1: this stack cannot be applied here/);
    approve(otherHead, 2);
    const refused = await comment('/stackgate apply', 'alice', { number: 2, workspace: other });
    expect(refused.exitCode).toBe(1);
    expect(refused.outputs['failure-reason']).toBe('locked');
    expect(sticky(2)).toMatch(/`app`: Locked by pull request 1.*`locked`/);
    expect(existsSync(target)).toBe(false);
    expect(gh.state.deployments(REPO)).toEqual([]);

    // Closing #1 releases its lock; #2's next plan takes it and no longer says locked.
    const closed = await closePullRequest(head);
    expect(closed.exitCode).toBe(0);
    expect(gh.state.refs(REPO, 'refs/stackgate/locks/')).toEqual({});
    await plan(otherHead, { number: 2, workspace: other });
    expect(sticky(2)).not.toMatch(/Locked by/);
    const applied = await comment('/stackgate apply', 'alice', { number: 2, workspace: other });
    expect(applied.exitCode, applied.stdout).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('hello\n');
  });

  it('two concurrent applies on one stack: exactly one runs', async () => {
    const head = openPullRequest();
    const other = cloneAt(head);
    execFileSync('git', ['-C', other, 'commit', '--quiet', '--allow-empty', '-m', 'other'], {
      env: gitEnv(),
    });
    const otherHead = execFileSync('git', ['-C', other, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    await plan(head);
    await plan(otherHead, { number: 2, workspace: other });
    // #1 took the lock when it planned; released, the two applies race for it.
    expect((await comment('/stackgate unlock app', 'alice')).exitCode).toBe(0);
    approve(head);
    approve(otherHead, 2);
    const runs = await Promise.all([
      comment('/stackgate apply', 'alice'),
      comment('/stackgate apply', 'bob', { number: 2, workspace: other }),
    ]);
    const reasons = runs.map((run) => run.outputs['failure-reason']).sort();
    expect(reasons, runs.map((run) => run.stdout).join('\n----\n')).toEqual(['', 'locked']);
    expect(gh.state.deployments(REPO)).toHaveLength(1);
    expect(gh.state.deployments(REPO)[0]?.statuses.at(-1)?.state).toBe('success');
    expect(readFileSync(target, 'utf8')).toBe('hello\n');
  });

  it('answers a typo with the command it probably meant, and ignores ordinary comments', async () => {
    const head = openPullRequest();
    await plan(head);
    const typo = await comment('/stackgate aply', 'alice');
    expect(typo.exitCode).toBe(0);
    expect(typo.outputs['failure-reason']).toBe('unknown-command');
    expect(sticky()).toContain('Did you mean `/stackgate apply`?');
    const chat = await comment('LGTM, please /stackgate apply', 'alice');
    expect(chat.exitCode).toBe(0);
    expect(chat.outputs['failure-reason']).toBe('');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses when the workflow checked out another commit than the pull request head', async () => {
    const head = openPullRequest();
    await plan(head);
    approve(head);
    execFileSync('git', ['-C', repo.dir, 'checkout', '--quiet', baseSha]);
    const run = await comment('/stackgate apply', 'alice');
    expectRefused(run, 'workspace-not-at-head', /Check out the head in the workflow/);
  });
});

function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.test',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.test',
  };
}

/** A second checkout of the test repository at `sha` (its own folder, so its own state and .terraform). */
function cloneAt(sha: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackgate-clone-'));
  execFileSync('git', ['clone', '--quiet', repo.dir, dir]);
  execFileSync('git', ['-C', dir, 'checkout', '--quiet', sha]);
  return dir;
}

describe('a tampered saved plan', () => {
  it('refuses a saved plan file that differs from the reviewed one: plan-changed, the file unchanged', async () => {
    // The Actions cache (its legacy protocol, in a stand-in) serves the plan files; one runner temp folder for
    // every run, as on a hosted runner, so a saved plan restores to the path it was saved from.
    const cache = await startCacheService();
    try {
      const shared = { ...cache.env(), RUNNER_TEMP: mkdtempSync(path.join(os.tmpdir(), 'stackgate-temp-')) };
      const head = openPullRequest();
      expect((await plan(head, { env: shared })).exitCode).toBe(0);
      const reviewedKey = [...cache.entries.keys()].find((key) => key.includes('-pr1-'));
      expect(reviewedKey).toBeDefined();
      // A plan of the same stack at the same head and path that writes something else (made for #2), planted
      // under the reviewed plan's key.
      expect((await plan(head, { number: 2, env: { ...shared, TF_VAR_suffix: '!' } })).exitCode).toBe(0);
      const planted = [...cache.entries.values()].find((entry) => entry.key.includes('-pr2-'))!;
      cache.entries.set(reviewedKey!, { ...planted, key: reviewedKey! });
      approve(head);

      const run = await comment('/stackgate apply', 'alice', { env: shared });

      expect(run.stdout).toContain('app: restored the saved plan');
      expectRefused(
        run,
        'plan-changed',
        /saved plan file restored for this apply is not the plan that was reviewed/,
      );
    } finally {
      await cache.close();
    }
  });
});
