// The workflows users copy, run by a real Actions runner: nektos/act in host mode runs examples/workflows/ with
// the action as `uses: ./`, the real tofu, and the GitHub stand-in as the API. What the stand-in received, what
// the next step read from the outputs, and what act's log shows are the assertions.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installAction, prepareWorkflow, runAct } from '../support/act.js';
import { PROJECT_ROOT, TOOLS } from '../support/harness.js';
import { pullRequestPayload, pushPayload } from '../support/payloads.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { awsAccessKeyId, awsSecretAccessKey, genericPassword } from '../support/planted.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const TOKEN = 'ghs_acttoken1234567890abcdefghijklmnopqr';
const DB_PASSWORD = genericPassword(1313);
const NUMBER = 7;

let gh: StandIn;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

/** A stack whose plan carries a sensitive value from its terraform.tfvars: it must be masked in the log. */
function appStack(version: string): string {
  return `${dataStack('app', version)}
variable "db_password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "db" {
  input = var.db_password
}
`;
}

function exampleWorkflow(file: string): { text: string; removed: string[] } {
  return prepareWorkflow(readFileSync(path.join(PROJECT_ROOT, 'examples/workflows', file), 'utf8'));
}

/** The README's quick-start workflow: the first yaml block under "## Quick start". */
function readmeWorkflow(): { text: string; removed: string[] } {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Quick start'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md: no yaml block under "## Quick start"');
  return prepareWorkflow(block);
}

/** A config repository holding the workflow and the action, as a user's checkout would on the runner. */
function configRepository(workflow: string, files: Record<string, string>): TestRepo {
  const repo = createRepo({ ...files, '.github/workflows/stackgate.yml': workflow });
  installAction(repo.dir);
  execFileSync('git', ['remote', 'add', 'origin', `https://github.com/${REPO}.git`], { cwd: repo.dir });
  return repo;
}

async function actOnPullRequest(
  repo: TestRepo,
  baseSha: string,
  headSha: string,
  files: string[],
  env?: Record<string, string>,
) {
  gh.addPullRequest(REPO, {
    number: NUMBER,
    headSha,
    baseSha,
    files: files.map((filename) => ({ filename })),
  });
  const [owner = '', name = ''] = REPO.split('/');
  return runAct({
    workdir: repo.dir,
    workflow: '.github/workflows/stackgate.yml',
    eventName: 'pull_request',
    payload: pullRequestPayload({ owner, repo: name, number: NUMBER, headSha, baseSha }),
    apiUrl: gh.url,
    repository: REPO,
    token: TOKEN,
    env,
  });
}

function stickyComments() {
  return gh.state.comments(REPO, NUMBER).filter((comment) => comment.body.startsWith('<!-- stackgate:'));
}

describe('the workflows users copy, in a real runner (act, host mode)', () => {
  it('plan.yml: comments, gates with a check run, and hands its outputs to the next step; secrets masked', async () => {
    const workflow = exampleWorkflow('plan.yml');
    // setup-opentofu downloads a release; the real tofu is already on PATH.
    expect(workflow.removed).toEqual(['opentofu/setup-opentofu@v1']);
    const repo = configRepository(workflow.text, {
      'stacks/network/main.tf': dataStack('vpc', '10.0.0.0/16'),
      'stacks/app/main.tf': appStack('v1'),
      'stacks/app/terraform.tfvars': `db_password = "${DB_PASSWORD}"\n`,
    });
    const base = repo.commit('two stacks');
    repo.write({ 'stacks/app/main.tf': appStack('v2') });
    const head = repo.commit('bump app');

    const run = await actOnPullRequest(repo, base, head, ['stacks/app/main.tf']);

    expect(run.log).toContain('Job succeeded');
    expect(run.exitCode).toBe(0);
    const comments = stickyComments();
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body).toContain('terraform_data.app');
    expect(body).toContain('"v2"');
    expect(body).toMatch(/^\| stacks\/network \|.*not planned/m);
    const checks = gh.state.checkRuns(REPO, head);
    expect(checks.map((check) => [check.name, check.conclusion])).toEqual([['stackgate/plan', 'success']]);
    // The step after the action read has-changes and comment-url from the outputs.
    expect(run.log).toContain(
      `Stacks to change → https://github.com/${REPO}/pull/${NUMBER}#issuecomment-${comments[0]!.id}`,
    );
    // The runner masks the token (a secret) and the sensitive value (Stackgate registers it): neither shows.
    expect(run.log).not.toContain(TOKEN);
    expect(run.log).not.toContain(DB_PASSWORD);
    expect(body).not.toContain(DB_PASSWORD);
    // Both reached the runner as masks: the token as a secret, the sensitive value through ::add-mask::.
    expect(run.log).toMatch(/⚙ {2}\*\*\*/);
  });

  it('plan-per-environment.yml: each matrix job writes its own comment and check run', async () => {
    const workflow = exampleWorkflow('plan-per-environment.yml');
    expect(workflow.removed).toEqual(['opentofu/setup-opentofu@v1']);
    const repo = configRepository(workflow.text, {
      '.stackgate.yml': [
        'version: 1',
        'stacks:',
        '  - { name: staging-app, path: envs/staging/app }',
        '  - { name: production-app, path: envs/production/app }',
        '',
      ].join('\n'),
      'envs/staging/app/main.tf': dataStack('app', 'staging-v1'),
      'envs/production/app/main.tf': dataStack('app', 'production-v1'),
    });
    const base = repo.commit('two environments');
    repo.write({
      'envs/staging/app/main.tf': dataStack('app', 'staging-v2'),
      'envs/production/app/main.tf': dataStack('app', 'production-v2'),
    });
    const head = repo.commit('bump both');

    const run = await actOnPullRequest(repo, base, head, [
      'envs/staging/app/main.tf',
      'envs/production/app/main.tf',
    ]);

    expect(run.exitCode).toBe(0);
    expect(run.log.match(/Job succeeded/g)).toHaveLength(2);
    const comments = stickyComments();
    expect(comments).toHaveLength(2);
    const staging = comments.find((comment) => comment.body.includes('"staging-v2"'));
    const production = comments.find((comment) => comment.body.includes('"production-v2"'));
    // Each job planned only its environment's stacks.
    expect(staging?.body).not.toContain('"production-v2"');
    expect(production?.body).not.toContain('"staging-v2"');
    const checks = gh.state.checkRuns(REPO, head).map((check) => [check.name, check.conclusion]);
    expect(checks.sort()).toEqual([
      ['stackgate/plan (production)', 'success'],
      ['stackgate/plan (staging)', 'success'],
    ]);
    expect(run.log).not.toContain(TOKEN);
  });

  it('monorepo-matrix.yml: detect, a plan job per stack, and one report with the comment and check run', async () => {
    const workflow = exampleWorkflow('monorepo-matrix.yml');
    expect(workflow.removed).toEqual(['opentofu/setup-opentofu@v1']);
    const repo = configRepository(workflow.text, {
      'stacks/network/main.tf': dataStack('vpc', '10.0.0.0/16'),
      'stacks/app/main.tf': dataStack('app', 'v1'),
      'stacks/dns/main.tf': dataStack('zone', 'example.test'),
    });
    const base = repo.commit('three stacks');
    repo.write({
      'stacks/app/main.tf': dataStack('app', 'v2'),
      'stacks/dns/main.tf': dataStack('zone', 'example.org'),
    });
    const head = repo.commit('bump app and dns');

    // The run's artifact service is the stand-in's (act's own one is not started).
    const run = await actOnPullRequest(
      repo,
      base,
      head,
      ['stacks/app/main.tf', 'stacks/dns/main.tf'],
      gh.artifacts.jobEnv('act-run', 'act-job'),
    );

    expect(run.exitCode, run.log).toBe(0);
    // detect, two plan jobs (one per affected stack), report.
    expect(run.log.match(/Job succeeded/g)).toHaveLength(4);
    expect(gh.artifacts.finalized('act-run').map((artifact) => artifact.name)).toHaveLength(3);
    const comments = stickyComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('"v2"');
    expect(comments[0]!.body).toContain('"example.org"');
    expect(comments[0]!.body).toMatch(/^\| stacks\/network \|.*not planned/m);
    const checks = gh.state.checkRuns(REPO, head).map((check) => [check.name, check.conclusion]);
    expect(checks).toEqual([['stackgate/plan', 'success']]);
    expect(run.log).not.toContain(TOKEN);
  });

  it('drift.yml: on schedule, one issue for the drifted stack and the dashboard; the next step reads the outputs', async () => {
    const workflow = exampleWorkflow('drift.yml');
    expect(workflow.removed).toEqual(['opentofu/setup-opentofu@v1']);
    // Live infrastructure and state outside the checkout, as a real backend keeps them.
    const live = mkdtempSync(path.join(os.tmpdir(), 'stackgate-act-live-'));
    const stack = (content: string) => `terraform {
  backend "local" {
    path = "${path.join(live, 'app.tfstate')}"
  }
}

resource "local_file" "app" {
  filename = "${path.join(live, 'app.txt')}"
  content  = "${content}"
}
`;
    const repo = configRepository(workflow.text, {
      'stacks/app/main.tf': stack('v1'),
      '.gitignore': '.terraform/\n.terraform.lock.hcl\n',
    });
    repo.commit('one stack');
    const env = { ...process.env, TF_CLI_CONFIG_FILE: path.join(TOOLS, 'tofurc') };
    const cwd = path.join(repo.dir, 'stacks/app');
    const tofu = path.join(TOOLS, 'bin/tofu');
    execFileSync(tofu, ['init', '-input=false', '-no-color'], { cwd, env, stdio: 'pipe' });
    execFileSync(tofu, ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd, env, stdio: 'pipe' });
    writeFileSync(path.join(live, 'app.txt'), 'changed by hand');

    const run = await runAct({
      workdir: repo.dir,
      workflow: '.github/workflows/stackgate.yml',
      eventName: 'schedule',
      payload: { schedule: '17 6 * * 1-5', repository: { full_name: REPO, default_branch: 'main' } },
      apiUrl: gh.url,
      repository: REPO,
      token: TOKEN,
    });

    expect(run.log).toContain('Job succeeded');
    expect(run.exitCode).toBe(0);
    const issues = gh.state.issues(REPO, { label: 'stackgate:drift' });
    expect(issues.map((issue) => issue.title)).toEqual(['Drift detected: stacks/app']);
    expect(issues[0]?.body).toContain('local_file.app');
    const [dashboard, ...more] = gh.state.issues(REPO, { label: 'stackgate:dashboard' });
    expect(more).toEqual([]);
    expect(dashboard?.body).toMatch(/\| `stacks\/app` \| OpenTofu \| ⚠️ drifted since/);
    expect(run.log).toContain(`Drifted stacks → ["stacks/app"] (see https://github.com/${REPO}/issues/`);
    expect(run.log).not.toContain(TOKEN);
  });

  it("the README's quick start: a planted credential fails the job and the check, shown masked only", async () => {
    const workflow = readmeWorkflow();
    expect(workflow.removed).toEqual(['opentofu/setup-opentofu@v1']);
    const keyId = awsAccessKeyId(1313);
    const secretKey = awsSecretAccessKey(1313);
    const repo = configRepository(workflow.text, { 'stacks/app/main.tf': dataStack('app', 'v1') });
    const base = repo.commit('one stack');
    repo.write({
      'stacks/app/main.tf': dataStack('app', 'v2'),
      'stacks/app/provider.tf': `locals {\n  access_key = "${keyId}"\n  secret_key = "${secretKey}"\n}\n`,
    });
    const head = repo.commit('hard-coded credentials');

    const run = await actOnPullRequest(repo, base, head, ['stacks/app/main.tf', 'stacks/app/provider.tf']);

    expect(run.exitCode).not.toBe(0);
    expect(run.log).toContain('Job failed');
    const [check] = gh.state.checkRuns(REPO, head);
    expect(check).toMatchObject({ name: 'stackgate/plan', conclusion: 'failure' });
    expect(check!.annotations).toContainEqual(
      expect.objectContaining({ path: 'stacks/app/provider.tf', start_line: 2, annotation_level: 'failure' }),
    );
    const body = stickyComments()[0]!.body;
    expect(body).toContain(`${keyId.slice(0, 4)}…`);
    // Neither the credentials nor the token reach the comment, the check run or act's log.
    for (const secret of [keyId, secretKey, TOKEN]) {
      expect(run.log).not.toContain(secret);
      expect(body).not.toContain(secret);
      expect(JSON.stringify(check)).not.toContain(secret);
    }
  });

  it('plan-terraform.yml: plans with the real terraform', async () => {
    const workflow = exampleWorkflow('plan-terraform.yml');
    // setup-terraform downloads a release; the real terraform is already on PATH.
    expect(workflow.removed).toEqual(['hashicorp/setup-terraform@v3']);
    // hashicorp/local comes from the mirror's registry.terraform.io entry, as terraform resolves it.
    const stack = (version: string): string => `${dataStack('app', version)}
resource "local_file" "motd" {
  filename = "\${path.module}/motd.txt"
  content  = "hello"
}
`;
    const repo = configRepository(workflow.text, { 'stacks/app/main.tf': stack('v1') });
    const base = repo.commit('one stack');
    repo.write({ 'stacks/app/main.tf': stack('v2') });
    const head = repo.commit('bump app');

    const run = await actOnPullRequest(repo, base, head, ['stacks/app/main.tf']);

    expect(run.exitCode).toBe(0);
    expect(run.log).toContain('Planning stacks/app (stacks/app) with terraform');
    const body = stickyComments()[0]!.body;
    expect(body).toMatch(/^\| stacks\/app \| terraform \| 2 \|/m);
    expect(body).toContain('local_file.motd');
    expect(run.log).toContain(`Stacks to change → https://github.com/${REPO}/pull/${NUMBER}#issuecomment-`);
    expect(run.log).not.toContain(TOKEN);
  });

  it('apply-on-merge.yml: the push of the merge applies the reviewed plan and reports to the merged pull request', async () => {
    const workflow = exampleWorkflow('apply-on-merge.yml');
    expect(workflow.removed).toEqual(['opentofu/setup-opentofu@v1']);
    const live = mkdtempSync(path.join(os.tmpdir(), 'stackgate-act-merge-'));
    const target = path.join(live, 'app.txt');
    const stack = `resource "local_file" "app" {
  filename = "${target}"
  content  = "merged"
}
`;
    const repo = configRepository(workflow.text, {
      '.stackgate.yml': 'version: 1\napply:\n  on: merge\nstacks:\n  - { name: app, path: stacks/app }\n',
      '.gitignore': '.terraform/\n.terraform.lock.hcl\nterraform.tfstate*\n',
    });
    const base = repo.commit('config');
    gh.setRef(REPO, 'refs/heads/main', base);
    repo.write({ 'stacks/app/main.tf': stack });
    const head = repo.commit('add app');
    const planned = await runOnPullRequest({
      gh,
      repository: REPO,
      workspace: repo.dir,
      number: NUMBER,
      headSha: head,
      baseSha: base,
      files: ['stacks/app/main.tf'],
      token: TOKEN,
    });
    expect(planned.exitCode, planned.stdout).toBe(0);
    expect(existsSync(target)).toBe(false);
    gh.addReview(REPO, NUMBER, { user: 'bob', state: 'APPROVED', commitId: head });
    const merge = repo.commit(`Merge pull request #${NUMBER}`);
    gh.mergePullRequest(REPO, NUMBER, merge);
    const [owner = '', name = ''] = REPO.split('/');

    const run = await runAct({
      workdir: repo.dir,
      workflow: '.github/workflows/stackgate.yml',
      eventName: 'push',
      payload: pushPayload({ owner, repo: name, before: base, after: merge }),
      apiUrl: gh.url,
      repository: REPO,
      token: TOKEN,
    });

    expect(run.log).toContain('Job succeeded');
    expect(run.exitCode).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('merged');
    const body = stickyComments()[0]!.body;
    expect(body).toContain(`at \`${merge.slice(0, 12)}\`: \`app\``);
    expect(gh.state.checkRuns(REPO, merge).map((check) => [check.name, check.conclusion])).toEqual([
      ['stackgate/apply', 'success'],
    ]);
    expect(gh.state.deployments(REPO).map((d) => d.statuses.at(-1)?.state)).toEqual(['success']);
    expect(run.log).not.toContain(TOKEN);
  });
});
