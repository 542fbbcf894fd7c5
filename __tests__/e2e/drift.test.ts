// Drift detection end to end: stacks applied with the real tofu and the `local` provider, their files edited by
// hand, then dist/index.js run on `schedule` as the runner runs it, against the GitHub stand-in.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/harness.js';
import { applyWithTofu as applyStack, localFileStack, runScheduledDrift } from '../support/drift.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, type TestRepo } from '../support/repo.js';
import { startStandIn, type IssueRecord, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';

let gh: StandIn;
let repo: TestRepo;
let live: string;

function fileStack(name: string, content: string): string {
  return localFileStack(live, name, content);
}

function config(stacks: string[], extra = ''): string {
  return `version: 1
stacks:
${stacks.map((name) => `  - name: ${name}\n    path: stacks/${name}`).join('\n')}
drift:
  labels: [infra]
  assignees: [alice]
${extra}`;
}

function applyWithTofu(name: string): void {
  applyStack(repo.dir, name);
}

function runDrift(inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runScheduledDrift({ repoDir: repo.dir, apiUrl: gh.url, repository: REPO, inputs });
}

function driftIssues(state?: 'open' | 'closed'): IssueRecord[] {
  return gh.state.issues(REPO, { label: 'stackgate:drift', ...(state ? { state } : {}) });
}

function dashboards(): IssueRecord[] {
  return gh.state.issues(REPO, { label: 'stackgate:dashboard' });
}

function dashboardRow(stack: string): string {
  const body = dashboards()[0]?.body ?? '';
  return body.split('\n').find((line) => line.startsWith(`| \`${stack}\``)) ?? '';
}

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  live = mkdtempSync(path.join(os.tmpdir(), 'stackgate-live-'));
  repo = createRepo({
    '.stackgate.yml': config(['app', 'web']),
    '.gitignore': '.terraform/\n*.tfstate*\n.terraform.lock.hcl\n',
  });
  repo.write({ 'stacks/app/main.tf': fileStack('app', 'v1'), 'stacks/web/main.tf': fileStack('web', 'w1') });
  repo.commit('two stacks');
  applyWithTofu('app');
  applyWithTofu('web');
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('command: drift', () => {
  it('opens one issue for a drifted stack, updates it on the next run, and closes it once the drift is gone', async () => {
    const clean = await runDrift();
    expect(clean.exitCode, clean.stdout).toBe(0);
    expect(clean.outputs['drift-count']).toBe('0');
    expect(driftIssues()).toEqual([]);
    expect(dashboards()).toHaveLength(1);

    // Someone edits the managed file by hand.
    writeFileSync(path.join(live, 'app.txt'), 'edited by hand');
    const first = await runDrift();
    expect(first.exitCode, first.stdout).toBe(0); // fail-on-drift is off by default
    expect(JSON.parse(first.outputs.drifted ?? '')).toEqual(['app']);
    expect(first.outputs['drift-count']).toBe('1');
    const stacks = JSON.parse(first.outputs.stacks ?? '') as {
      name: string;
      drift: string;
      pending: string;
    }[];
    expect(stacks.map((s) => [s.name, s.drift, s.pending])).toEqual([
      ['app', 'drifted', 'none'],
      ['web', 'clean', 'none'],
    ]);
    const [issue, ...more] = driftIssues();
    expect(more).toEqual([]);
    expect(issue?.title).toBe('Drift detected: app');
    expect(issue?.labels.sort()).toEqual(['infra', 'stackgate:drift']);
    expect(issue?.assignees).toEqual(['alice']);
    expect(issue?.body).toContain('local_file.app');
    expect(issue?.body).toContain('First seen');
    expect(issue?.body).toContain('https://github.com/octo/infra/actions/runs/1001');
    expect(first.summary).toContain('Stackgate drift: 1 drifted');
    expect(first.summary).toContain('local_file.app');
    expect(dashboards()).toHaveLength(1);
    expect(dashboardRow('app')).toContain('drifted since');
    expect(dashboardRow('app')).toContain(`#${issue?.number}`);
    expect(dashboardRow('web')).toContain('clean');

    const second = await runDrift();
    expect(second.exitCode, second.stdout).toBe(0);
    expect(driftIssues().map((i) => i.number)).toEqual([issue?.number]);
    expect(dashboards()).toHaveLength(1);

    // The file is put back as Git describes it.
    writeFileSync(path.join(live, 'app.txt'), 'v1');
    const resolved = await runDrift();
    expect(resolved.exitCode, resolved.stdout).toBe(0);
    expect(resolved.outputs['drift-count']).toBe('0');
    expect(driftIssues('open')).toEqual([]);
    const closed = gh.state.issue(REPO, issue?.number ?? 0);
    expect(closed?.state).toBe('closed');
    const comments = gh.state.comments(REPO, issue?.number ?? 0);
    expect(comments.map((c) => c.body).join('\n')).toMatch(/Resolved: .*`app` matching Git/);
    expect(dashboardRow('app')).toContain('clean');
    expect(dashboards()).toHaveLength(1);
    expect(readFileSync(path.join(live, 'app.txt'), 'utf8')).toBe('v1'); // drift never applies anything
  });

  it('shows a committed, unapplied change as pending, not as drift, and opens no issue', async () => {
    repo.write({ 'stacks/web/main.tf': fileStack('web', 'w2') });
    repo.commit('web v2, not applied yet');
    const run = await runDrift();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['drift-count']).toBe('0');
    const stacks = JSON.parse(run.outputs.stacks ?? '') as { name: string; drift: string; pending: string }[];
    expect(stacks.find((s) => s.name === 'web')).toMatchObject({ drift: 'clean', pending: 'pending' });
    expect(driftIssues()).toEqual([]);
    expect(dashboardRow('web')).toContain('📝 1 change');
    expect(run.summary).toContain('Pending — committed to Git, not yet applied');
  });

  it('reports one stack erroring and another drifting, both', async () => {
    repo.write({
      'stacks/web/main.tf': `${fileStack('web', 'w1')}\noutput "x" {\n  value = var.missing\n}\n`,
    });
    repo.commit('break web');
    writeFileSync(path.join(live, 'app.txt'), 'edited by hand');
    const run = await runDrift();
    expect(run.exitCode).toBe(1); // an error means the drift of a stack is unknown
    expect(run.stdout).toMatch(/::error::Drift check failed for 1 stack\(s\): web/);
    expect(JSON.parse(run.outputs.drifted ?? '')).toEqual(['app']);
    expect(driftIssues().map((i) => i.title)).toEqual(['Drift detected: app']);
    expect(run.summary).toMatch(/\| `web` \| OpenTofu \| ❌ errored/);
    expect(run.summary).toContain('missing');
    expect(dashboardRow('web')).toContain('errored');
  });

  it('fails the job on drift with fail-on-drift', async () => {
    writeFileSync(path.join(live, 'web.txt'), 'edited by hand');
    const run = await runDrift({ 'fail-on-drift': 'true' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error::Drift detected in 1 stack(s): web');
  });

  it('closes the issue of a stack that left the config, and ignores a look-alike issue someone else opened', async () => {
    gh.addIssue(REPO, {
      title: 'Drift detected: app',
      body: '<!-- stackgate:drift:app -->\nplanted',
      user: 'mallory',
      labels: ['stackgate:drift'],
    });
    writeFileSync(path.join(live, 'app.txt'), 'edited by hand');
    await runDrift();
    const ours = driftIssues().filter((i) => i.user.login !== 'mallory');
    expect(ours).toHaveLength(1);
    const planted = driftIssues().find((i) => i.user.login === 'mallory');
    expect(planted?.body).toBe('<!-- stackgate:drift:app -->\nplanted');

    repo.write({ '.stackgate.yml': config(['web']) });
    repo.commit('app is gone');
    const run = await runDrift();
    expect(run.exitCode, run.stdout).toBe(0);
    const closed = gh.state.issue(REPO, ours[0]?.number ?? 0);
    expect(closed?.state).toBe('closed');
    expect(gh.state.comments(REPO, closed?.number ?? 0).at(-1)?.body).toContain(
      'no longer in the Stackgate config',
    );
    expect(planted && gh.state.issue(REPO, planted.number)?.state).toBe('open');
    expect(dashboardRow('app')).toBe('');
  });

  it('never opens a second issue when the answer to its creation is lost', async () => {
    writeFileSync(path.join(live, 'app.txt'), 'edited by hand');
    const lost = gh.inject({ route: 'issues/create', status: 502, afterEffect: true, times: 1 });
    const dropped = gh.inject({ route: 'issues/create', drop: true, afterEffect: true, times: 1 });
    const run = await runDrift();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(lost.hits + dropped.hits).toBe(2);
    expect(driftIssues()).toHaveLength(1);
    expect(dashboards()).toHaveLength(1);
  });

  it('posts the Resolved comment once and closes the issue when the answer to the comment is lost', async () => {
    writeFileSync(path.join(live, 'app.txt'), 'edited by hand');
    const first = await runDrift();
    expect(first.exitCode, first.stdout).toBe(0);
    const [issue] = driftIssues('open');
    expect(issue).toBeDefined();

    writeFileSync(path.join(live, 'app.txt'), 'v1');
    const lost = gh.inject({ route: 'issues/create-comment', status: 502, afterEffect: true, times: 1 });
    const resolved = await runDrift();
    expect(resolved.exitCode, resolved.stdout).toBe(0);
    expect(lost.hits).toBe(1);
    const bodies = gh.state.comments(REPO, issue?.number ?? 0).map((c) => c.body);
    expect(bodies.filter((body) => /Resolved: .*`app` matching Git/.test(body))).toHaveLength(1);
    expect(bodies).toHaveLength(1);
    expect(gh.state.issue(REPO, issue?.number ?? 0)?.state).toBe('closed');
    expect(driftIssues('open')).toEqual([]);
  });

  it("says in a pull request's comment that its plan also reverts a planned stack's open drift", async () => {
    writeFileSync(path.join(live, 'app.txt'), 'edited by hand');
    expect((await runDrift()).exitCode).toBe(0);
    const [issue] = driftIssues('open');
    expect(issue).toBeDefined();

    const base = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo.dir, encoding: 'utf8' }).trim();
    repo.write({ 'stacks/app/main.tf': fileStack('app', 'v2') });
    const head = repo.commit('app: v2');
    const sticky = () =>
      gh.state
        .comments(REPO, 5)
        .filter((c) => c.body.startsWith('<!-- stackgate:comment'))
        .map((c) => c.body);
    const pr = (extra = '') => {
      repo.write({ '.stackgate.yml': config(['app', 'web'], extra) });
      return runOnPullRequest({
        gh,
        repository: REPO,
        workspace: repo.dir,
        number: 5,
        headSha: head,
        baseSha: base,
        files: ['stacks/app/main.tf'],
      });
    };
    const on = await pr();
    expect(on.exitCode, on.stdout).toBe(0);
    expect(sticky()).toHaveLength(1);
    expect(sticky()[0]).toContain(
      `⚠️ \`app\` has open drift (#${issue?.number}): this plan also reverts it.`,
    );
    expect(sticky()[0]).not.toContain('`web` has open drift');

    const off = await pr('  show-in-pr: false\n');
    expect(off.exitCode, off.stdout).toBe(0);
    expect(sticky()).toHaveLength(1);
    expect(sticky()[0]).not.toContain('has open drift');
  });
});
