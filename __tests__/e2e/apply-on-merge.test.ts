// `apply.on: merge` end to end: the pull request is planned and reviewed, merged, and the push of the merge to
// the default branch applies it with real tofu and the `local` provider (an apply writes a real file). The
// plan at the pushed commit must be the reviewed one; a push no pull request made applies nothing.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAction } from '../support/harness.js';
import { pullRequestClosedPayload, pushPayload } from '../support/payloads.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, type TestRepo } from '../support/repo.js';
import { startStandIn, type IssueRecord, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';

const stackFile = (name: string, content = name) => `terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "2.9.0" }
  }
}

variable "target_${name}" {
  type = string
}

resource "local_file" "${name}" {
  filename = var.target_${name}
  content  = "${content}\\n"
}
`;

const CONFIG = `version: 1
apply:
  on: merge
stacks:
  - name: app
    path: stacks/app
    depends-on: [network]
  - name: network
    path: stacks/network
  - name: manual
    path: stacks/manual
    apply:
      on: comment
`;

let gh: StandIn;
let repo: TestRepo;
let baseSha: string;
let dir: string;
let env: { TF_VAR_target_app: string; TF_VAR_target_network: string; TF_VAR_target_manual: string };

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  repo = createRepo({
    '.stackgate.yml': CONFIG,
    'README.md': 'infra\n',
    'stacks/manual/main.tf': stackFile('manual'),
  });
  baseSha = repo.commit('base');
  gh.setRef(REPO, 'refs/heads/main', baseSha);
  dir = mkdtempSync(path.join(os.tmpdir(), 'stackgate-merge-'));
  env = {
    TF_VAR_target_app: path.join(dir, 'app.txt'),
    TF_VAR_target_network: path.join(dir, 'net.txt'),
    TF_VAR_target_manual: path.join(dir, 'manual.txt'),
  };
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

/** Opens pull request 1 with `files`, plans it and approves its head. */
async function planAndApprove(files: Record<string, string>, planExit = 0): Promise<string> {
  repo.write(files);
  const head = repo.commit('change');
  const planned = await runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: 1,
    headSha: head,
    baseSha,
    files: Object.keys(files),
    env,
  });
  expect(planned.exitCode, planned.stdout).toBe(planExit);
  gh.addReview(REPO, 1, { user: 'bob', state: 'APPROVED', commitId: head });
  return head;
}

/** The push of `after` to main, as the runner starts the apply-on-merge workflow. */
function push(after: string) {
  return runAction({
    workspace: repo.dir,
    eventName: 'push',
    payload: pushPayload({ owner: 'octo', repo: 'infra', before: baseSha, after }),
    apiUrl: gh.url,
    repository: REPO,
    sha: after,
    ref: 'refs/heads/main',
    inputs: { command: 'apply' },
    env,
  });
}

/** Merges pull request 1 with a merge commit (the checkout moves to it) and pushes it. */
function mergeAndPush() {
  const merge = repo.commit('Merge pull request #1');
  gh.mergePullRequest(REPO, 1, merge);
  return { merge, run: push(merge) };
}

function sticky(number = 1): string {
  return gh.state.comments(REPO, number).find((c) => c.body.startsWith('<!-- stackgate:comment'))!.body;
}

/** The `pull_request` `closed` run of pull request 1 (the apply workflow's), merged with `merge` or not. */
function close(head: string, merge?: string) {
  return runAction({
    workspace: repo.dir,
    eventName: 'pull_request',
    payload: pullRequestClosedPayload({
      owner: 'octo',
      repo: 'infra',
      number: 1,
      headSha: head,
      baseSha,
      ...(merge ? { mergeCommitSha: merge } : {}),
    }),
    apiUrl: gh.url,
    repository: REPO,
    sha: merge ?? head,
    ref: 'refs/pull/1/merge',
    inputs: { command: 'apply' },
    env,
  });
}

function locks(): string[] {
  return Object.keys(gh.state.refs(REPO, 'refs/stackgate/locks/')).sort();
}

function dashboardRow(stack: string): string {
  const [dashboard]: IssueRecord[] = gh.state.issues(REPO, { label: 'stackgate:dashboard' });
  return (dashboard?.body ?? '').split('\n').find((line) => line.startsWith(`| \`${stack}\``)) ?? '';
}

/** A refused apply on merge: exit 1, the reason, the refusal in the comment and the check run, nothing applied. */
function expectRefusedOnMerge(
  run: Awaited<ReturnType<typeof push>>,
  merge: string,
  reason: string,
  says: RegExp,
): void {
  expect(run.exitCode, run.stdout).toBe(1);
  expect(run.outputs['failure-reason']).toBe(reason);
  expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual([]);
  expect(existsSync(env.TF_VAR_target_app)).toBe(false);
  expect(existsSync(env.TF_VAR_target_network)).toBe(false);
  expect(gh.state.deployments(REPO)).toEqual([]);
  const body = sticky();
  expect(body).toContain(
    `The apply on merge (the push to \`main\` at \`${merge.slice(0, 12)}\`) was refused`,
  );
  expect(body).toMatch(says);
  const checks = gh.state.checkRuns(REPO, merge);
  expect(checks).toHaveLength(1);
  expect(checks[0]).toMatchObject({ name: 'stackgate/apply', conclusion: 'failure' });
  expect(checks[0]?.output.title).toBe(`Not applied (${reason})`);
  expect(checks[0]?.output.summary).toMatch(says);
  // A refusal gives the merged pull request's locks back: none is held forever.
  expect(locks()).toEqual([]);
}

describe('apply on merge', () => {
  it('applies the merged pull request after the push, in depends-on order, and reports to it', async () => {
    await planAndApprove({
      'stacks/app/main.tf': stackFile('app'),
      'stacks/network/main.tf': stackFile('network'),
      'stacks/manual/main.tf': stackFile('manual', 'manual v2'),
    });
    // The plan took the locks of the stacks it would change; the apply on merge releases them.
    expect(Object.keys(gh.state.refs(REPO, 'refs/stackgate/locks/')).sort()).toEqual([
      'refs/stackgate/locks/app',
      'refs/stackgate/locks/manual',
      'refs/stackgate/locks/network',
    ]);
    const { merge, run: pending } = mergeAndPush();
    const run = await pending;

    expect(run.exitCode, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual(['app', 'network']);
    expect(readFileSync(env.TF_VAR_target_app, 'utf8')).toBe('app\n');
    expect(readFileSync(env.TF_VAR_target_network, 'utf8')).toBe('network\n');
    // A stack that applies on a comment is left alone by the push.
    expect(existsSync(env.TF_VAR_target_manual)).toBe(false);
    // The dependant starts only after its dependency finished.
    expect(run.stdout.indexOf('Applying app')).toBeGreaterThan(run.stdout.indexOf('network: applied'));

    const body = sticky();
    expect(body).toContain(`Applied by octocat at \`${merge.slice(0, 12)}\`: \`app\`, \`network\``);
    expect(body).toMatch(/^\| app \|.*🚀 applied/m);
    expect(body).toContain('To roll back');
    expect(gh.state.comments(REPO, 1).filter((c) => c.body.startsWith('<!-- stackgate:'))).toHaveLength(1);

    const deployments = gh.state.deployments(REPO);
    expect(deployments.map((d) => [d.environment, d.sha, d.statuses.at(-1)?.state])).toEqual([
      ['stackgate/network', merge, 'success'],
      ['stackgate/app', merge, 'success'],
    ]);
    const checks = gh.state.checkRuns(REPO, merge).map((c) => [c.name, c.conclusion]);
    expect(checks).toEqual([['stackgate/apply', 'success']]);
    expect(gh.state.refs(REPO, 'refs/stackgate/locks/')).toEqual({});
    // The dashboard row the apply wrote shows the new apply and no lock: it is written after the release.
    expect(dashboardRow('app')).toContain(`\`${merge.slice(0, 7)}\` #1`);
    expect(dashboardRow('app')).not.toContain('🔒');
    expect(dashboardRow('network')).not.toContain('🔒');
  });

  it('keeps the locks of the stacks that apply on merge from the merge until the push applied them', async () => {
    const head = await planAndApprove({
      'stacks/app/main.tf': stackFile('app'),
      'stacks/network/main.tf': stackFile('network'),
      'stacks/manual/main.tf': stackFile('manual', 'manual v2'),
    });
    const merge = repo.commit('Merge pull request #1');
    gh.mergePullRequest(REPO, 1, merge);
    // The `closed` run comes first: it releases the lock of the stack that applies on a comment only.
    const closed = await close(head, merge);
    expect(closed.exitCode, closed.stdout).toBe(0);
    expect(JSON.parse(closed.outputs.unlocked ?? '[]')).toEqual(['manual']);
    expect(locks()).toEqual(['refs/stackgate/locks/app', 'refs/stackgate/locks/network']);

    // Between the merge and its apply, another pull request touching app is told it is locked.
    repo.write({ 'stacks/app/main.tf': stackFile('app', 'app v3') });
    const second = repo.commit('app v3');
    const planSecond = () =>
      runOnPullRequest({
        gh,
        repository: REPO,
        workspace: repo.dir,
        number: 2,
        headSha: second,
        baseSha: merge,
        files: ['stacks/app/main.tf'],
        env,
      });
    const blocked = await planSecond();
    expect(blocked.exitCode, blocked.stdout).toBe(0);
    expect(sticky(2)).toContain('Locked by pull request 1');

    // The push applies pull request 1 holding its locks, then releases them.
    repo.checkout(merge);
    const run = await push(merge);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual(['app', 'network']);
    expect(readFileSync(env.TF_VAR_target_app, 'utf8')).toBe('app\n');
    expect(locks()).toEqual([]);

    // Now the other pull request plans app and takes its lock.
    repo.checkout(second);
    const free = await planSecond();
    expect(free.exitCode, free.stdout).toBe(0);
    expect(sticky(2)).not.toContain('Locked by pull request');
    expect(locks()).toEqual(['refs/stackgate/locks/app']);
  });

  it('releases every lock of a pull request closed without merging, merge stacks too', async () => {
    const head = await planAndApprove({
      'stacks/app/main.tf': stackFile('app'),
      'stacks/network/main.tf': stackFile('network'),
      'stacks/manual/main.tf': stackFile('manual', 'manual v2'),
    });
    expect(locks()).toEqual([
      'refs/stackgate/locks/app',
      'refs/stackgate/locks/manual',
      'refs/stackgate/locks/network',
    ]);
    const pull = gh.state.pullRequest(REPO, 1)!;
    pull.state = 'closed';
    const closed = await close(head);
    expect(closed.exitCode, closed.stdout).toBe(0);
    expect(JSON.parse(closed.outputs.unlocked ?? '[]')).toEqual(['app', 'manual', 'network']);
    expect(locks()).toEqual([]);
  });

  it('refuses the apply when the merged pull request was not approved: not-approved, nothing applied', async () => {
    repo.write({ 'stacks/app/main.tf': stackFile('app'), 'stacks/network/main.tf': stackFile('network') });
    const head = repo.commit('change');
    const planned = await runOnPullRequest({
      gh,
      repository: REPO,
      workspace: repo.dir,
      number: 1,
      headSha: head,
      baseSha,
      files: ['stacks/app/main.tf', 'stacks/network/main.tf'],
      env,
    });
    expect(planned.exitCode, planned.stdout).toBe(0);
    // Merged without a review (no branch protection asked for one).
    const { merge, run } = mergeAndPush();
    expectRefusedOnMerge(await run, merge, 'not-approved', /no approving review on its current head/);
  });

  it('refuses the apply when the plan check of the merged head failed: plan-not-passed, nothing applied', async () => {
    // The plan itself works, but its check fails: a file is not formatted the way `tofu fmt` writes it.
    await planAndApprove(
      {
        'stacks/app/main.tf': stackFile('app').replace('content  =', 'content =    '),
        'stacks/network/main.tf': stackFile('network'),
      },
      1,
    );
    const [plan] = gh.state.checkRuns(REPO, gh.state.pullRequest(REPO, 1)!.headSha);
    expect(plan).toMatchObject({ name: 'stackgate/plan', conclusion: 'failure' });
    const { merge, run } = mergeAndPush();
    expectRefusedOnMerge(
      await run,
      merge,
      'plan-not-passed',
      /plan check of the current head concluded failure/,
    );
  });

  it('refuses a plan changed by a commit after review: plan-changed, the file unchanged', async () => {
    await planAndApprove({
      'stacks/app/main.tf': stackFile('app'),
      'stacks/network/main.tf': stackFile('network'),
    });
    // Pushed to the branch after the review and merged before it was planned again.
    repo.write({ 'stacks/app/main.tf': stackFile('app', 'something else') });
    repo.commit('after review');
    const { merge, run: pending } = mergeAndPush();
    const run = await pending;

    expect(run.exitCode).toBe(1);
    expect(run.outputs['failure-reason']).toBe('plan-changed');
    expect(existsSync(env.TF_VAR_target_app)).toBe(false);
    expect(existsSync(env.TF_VAR_target_network)).toBe(false);
    expect(gh.state.deployments(REPO)).toEqual([]);
    const body = sticky();
    expect(body).toContain(
      `The apply on merge (the push to \`main\` at \`${merge.slice(0, 12)}\`) was refused`,
    );
    expect(body).toMatch(/`app`: The plan changed since review.*`plan-changed`/);
    const [check] = gh.state.checkRuns(REPO, merge);
    expect(check).toMatchObject({ name: 'stackgate/apply', conclusion: 'failure' });
    expect(gh.state.refs(REPO, 'refs/stackgate/locks/')).toEqual({});
  });

  it('applies nothing for a push no pull request made, and says so', async () => {
    repo.write({ 'stacks/app/main.tf': stackFile('app'), 'stacks/network/main.tf': stackFile('network') });
    const direct = repo.commit('pushed straight to main');
    gh.setRef(REPO, 'refs/heads/main', direct);
    const run = await push(direct);

    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['failure-reason']).toBe('not-a-pull-request');
    expect(run.commands).toContainEqual(
      expect.objectContaining({
        command: 'notice',
        message: expect.stringContaining('was not made by merging a pull request') as string,
      }),
    );
    expect(run.summary).toContain('no reviewed plan covers it: nothing was applied');
    expect(existsSync(env.TF_VAR_target_app)).toBe(false);
    expect(gh.state.deployments(REPO)).toEqual([]);
    expect(gh.callsTo('repos/create-deployment')).toEqual([]);
  });
});
