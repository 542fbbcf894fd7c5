// The status dashboard end to end: a pull request applied with the real tofu (a deployment recorded), then
// drift runs, applies after a drift run, a body edited by hand, and a failing issue listing; dist/index.js runs
// as the runner runs it, against the GitHub stand-in.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../support/harness.js';
import { issueCommentPayload } from '../support/payloads.js';
import { applyWithTofu as applyStack, localFileStack, runScheduledDrift } from '../support/drift.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, type TestRepo } from '../support/repo.js';
import { startStandIn, type IssueRecord, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const [OWNER, NAME] = REPO.split('/') as [string, string];

let gh: StandIn;
let repo: TestRepo;
let live: string;
let baseSha: string;

function fileStack(name: string, content: string): string {
  return localFileStack(live, name, content);
}

const CONFIG = `version: 1
stacks:
  - name: app
    path: stacks/app
  - name: web
    path: stacks/web
`;

function applyWithTofu(name: string): void {
  applyStack(repo.dir, name);
}

function runDrift(): Promise<ActionRun> {
  return runScheduledDrift({ repoDir: repo.dir, apiUrl: gh.url, repository: REPO });
}

/** A pull request changing `app`, planned, approved by bob, applied on alice's comment. */
async function applyPullRequest(number: number, content: string): Promise<{ sha: string; run: ActionRun }> {
  repo.write({ 'stacks/app/main.tf': fileStack('app', content) });
  const sha = repo.commit(`app: ${content}`);
  const planned = await runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number,
    headSha: sha,
    baseSha,
    files: ['stacks/app/main.tf'],
  });
  expect(planned.exitCode, planned.stdout).toBe(0);
  gh.addReview(REPO, number, { user: 'bob', state: 'APPROVED', commitId: sha });
  const body = '/stackgate apply';
  const record = gh.addComment(REPO, number, body, 'alice');
  const run = await runAction({
    workspace: repo.dir,
    eventName: 'issue_comment',
    payload: issueCommentPayload({
      owner: OWNER,
      repo: NAME,
      number,
      commentId: record.id,
      body,
      author: 'alice',
    }),
    apiUrl: gh.url,
    repository: REPO,
    sha: baseSha,
    ref: 'refs/heads/main',
    inputs: { command: 'apply' },
  });
  expect(run.exitCode, run.stdout).toBe(0);
  expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual(['app']);
  return { sha, run };
}

function dashboards(): IssueRecord[] {
  return gh.state.issues(REPO, { label: 'stackgate:dashboard' });
}

function dashboardRow(stack: string): string {
  const body = dashboards()[0]?.body ?? '';
  return body.split('\n').find((line) => line.startsWith(`| \`${stack}\``)) ?? '';
}

function driftIssues(): IssueRecord[] {
  return gh.state.issues(REPO, { label: 'stackgate:drift', state: 'open' });
}

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  gh.setCollaborator(REPO, 'alice', 'write');
  gh.setCollaborator(REPO, 'bob', 'write');
  live = mkdtempSync(path.join(os.tmpdir(), 'stackgate-live-'));
  repo = createRepo({
    '.stackgate.yml': CONFIG,
    '.gitignore': '.terraform/\n*.tfstate*\n.terraform.lock.hcl\n',
  });
  repo.write({ 'stacks/app/main.tf': fileStack('app', 'v1'), 'stacks/web/main.tf': fileStack('web', 'w1') });
  baseSha = repo.commit('two stacks');
  gh.setRef(REPO, 'refs/heads/main', baseSha);
  applyWithTofu('web');
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('the status dashboard', () => {
  it("shows the apply's commit, pull request and actor, read back from the deployments by a drift run", async () => {
    const { sha } = await applyPullRequest(4, 'v2');
    expect(readFileSync(path.join(live, 'app.txt'), 'utf8')).toBe('v2');
    // The apply wrote the dashboard itself, with the lock it holds.
    expect(dashboards()).toHaveLength(1);
    expect(dashboardRow('app')).toContain(`\`${sha.slice(0, 7)}\` #4`);
    expect(dashboardRow('app')).toContain('alice');
    expect(dashboardRow('app')).toContain('🔒 #4 (octocat)');

    // Someone edits the body by hand and plants a look-alike state line: it must not be believed.
    const dashboard = dashboards()[0]!;
    const forged = `<!-- stackgate:dashboard-state ${'0'.repeat(32)} {"v":1,"rows":[{"n":"app","a":["deadbeefdead",666,"2026-01-01T00:00Z","mallory"]}]} -->`;
    const edit = await fetch(`${gh.url}/repos/${REPO}/issues/${dashboard.number}`, {
      method: 'PATCH',
      headers: { authorization: 'token ghp_human', 'content-type': 'application/json' },
      body: JSON.stringify({ body: `${(dashboard.body ?? '').trimEnd()}\n\nNote from mallory\n${forged}\n` }),
    });
    expect(edit.status).toBe(200);
    expect(dashboards()[0]?.body).toContain('Note from mallory');

    // The merged code is what the drift run checks.
    const run = await runDrift();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(dashboards()).toHaveLength(1);
    const row = dashboardRow('app');
    expect(row).toContain(`\`${sha.slice(0, 7)}\` #4`);
    expect(row).toContain('alice');
    expect(row).toContain('🔒 #4 (octocat)');
    expect(dashboards()[0]?.body).not.toContain('mallory');
    expect(dashboards()[0]?.body).not.toContain('deadbee');
    // web was applied by hand, never through Stackgate: its deployments say never.
    expect(dashboardRow('web')).toMatch(/\| never \|$/);
  });

  it('an apply after a drift run updates its own row and keeps every other row as the drift run left it', async () => {
    writeFileSync(path.join(live, 'web.txt'), 'edited by hand');
    const drift = await runDrift();
    expect(drift.exitCode, drift.stdout).toBe(0);
    const [issue] = driftIssues();
    expect(issue?.title).toBe('Drift detected: web');
    expect(dashboardRow('web')).toContain(`⚠️ drifted since`);
    expect(dashboardRow('web')).toContain(`#${issue?.number}`);
    expect(dashboardRow('app')).toContain('📝 1 change |  | never |');

    const { sha, run } = await applyPullRequest(6, 'v2');
    // The apply checks no other stack for drift: it only rewrites the table.
    expect(run.stdout).not.toContain('Checking web');
    expect(dashboards()).toHaveLength(1);
    const app = dashboardRow('app');
    expect(app).toContain(`\`${sha.slice(0, 7)}\` #6, `);
    expect(app).toContain('alice');
    expect(app).toContain('🔒 #6 (octocat)');
    const web = dashboardRow('web');
    expect(web).toContain('⚠️ drifted since');
    expect(web).toContain(`#${issue?.number}`);
    expect(web).toMatch(/\| never \|$/);
    expect(dashboards()[0]?.body).toContain('by the apply of #6');
  });

  it('reports a failing drift issue listing clearly and loses nothing: no second issue, the dashboard keeps the link', async () => {
    writeFileSync(path.join(live, 'web.txt'), 'edited by hand');
    expect((await runDrift()).exitCode).toBe(0);
    const [issue] = driftIssues();
    expect(issue).toBeDefined();
    const before = dashboardRow('web');

    const fault = gh.inject({
      route: (req) => req.operationId === 'issues/list-for-repo' && req.query.labels === 'stackgate:drift',
      status: 500,
      times: Infinity,
    });
    const failing = await runDrift();
    fault.cancel();
    expect(fault.hits).toBeGreaterThan(0);
    expect(failing.exitCode, failing.stdout).toBe(0);
    expect(failing.stdout).toMatch(/::warning::Could not list the drift issues: .*No drift issue was opened/);
    expect(failing.summary).toContain('Could not list the drift issues');
    expect(failing.summary).toContain('Stackgate drift: 1 drifted');
    expect(gh.state.issues(REPO, { label: 'stackgate:drift' })).toHaveLength(1);
    expect(dashboards()).toHaveLength(1);
    expect(dashboardRow('web')).toContain(`#${issue?.number}`);
    expect(dashboardRow('web')).toContain('drifted since');

    // Once GitHub answers again, the same issue is updated.
    const after = await runDrift();
    expect(after.exitCode, after.stdout).toBe(0);
    expect(gh.state.issues(REPO, { label: 'stackgate:drift' }).map((i) => i.number)).toEqual([issue?.number]);
    expect(dashboardRow('web')).toBe(before);
  });
});
