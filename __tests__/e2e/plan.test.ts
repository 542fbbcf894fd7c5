// The reviewer's loop, end to end: dist/index.js as the runner runs it, the real tofu, the GitHub stand-in.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/harness.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';

let gh: StandIn;
let repo: TestRepo;
let baseSha: string;

function threeStacks(): Record<string, string> {
  return {
    'stacks/network/main.tf': dataStack('vpc', '10.0.0.0/16'),
    'stacks/app/main.tf': dataStack('app', 'v1'),
    'stacks/dns/main.tf': dataStack('zone', 'example.test'),
  };
}

function planPullRequest(
  headSha: string,
  files: string[],
  options: { number?: number; fork?: boolean; inputs?: Record<string, string>; token?: string } = {},
): Promise<ActionRun> {
  return runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: options.number ?? 7,
    headSha,
    baseSha,
    files,
    fork: options.fork ? 'someone/infra' : undefined,
    token: options.token,
    inputs: options.inputs,
  });
}

function stickyComments() {
  return gh.state.comments(REPO, 7).filter((comment) => comment.body.startsWith('<!-- stackgate:comment'));
}

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  repo = createRepo(threeStacks());
  baseSha = repo.commit('three stacks');
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('plan on a pull request', () => {
  it('plans only the stack the change touches and reports it in one comment, a check run and outputs', async () => {
    repo.write({ 'stacks/app/main.tf': dataStack('app', 'v2') });
    const head = repo.commit('bump app');

    const run = await planPullRequest(head, ['stacks/app/main.tf']);

    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    // The token is masked by the runner and never printed otherwise.
    expect(run.visibleText).not.toContain('ghs_testtoken');
    const comments = stickyComments();
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    // Only app was planned: its create shows, the others are listed as unchanged.
    expect(body).toContain('terraform_data.app');
    expect(body).toContain('"v2"');
    expect(body).not.toContain('terraform_data.vpc');
    expect(body).toMatch(/^\| stacks\/network \|.*not planned/m);

    const stacks = JSON.parse(run.outputs.stacks ?? '[]') as { name: string; status: string }[];
    expect(stacks.map((stack) => [stack.name, stack.status])).toEqual([
      ['stacks/app', 'planned'],
      ['stacks/dns', 'unaffected'],
      ['stacks/network', 'unaffected'],
    ]);
    expect(run.outputs['has-changes']).toBe('true');
    const summary = JSON.parse(run.outputs.summary ?? '{}') as Record<
      string,
      { add: number; status: string }
    >;
    expect(summary['stacks/app']).toMatchObject({ status: 'planned', add: 1, change: 0, destroy: 0 });
    expect(run.outputs['comment-id']).toBe(String(comments[0]!.id));
    expect(run.outputs['comment-url']).toContain(`/${REPO}/`);

    const checks = gh.state.checkRuns(REPO, head);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'stackgate/plan', status: 'completed', conclusion: 'success' });
    expect(run.outputs['check-run-id']).toBe(String(checks[0]!.id));
    expect(run.summary).toContain('terraform_data.app');
  });

  it('edits the same comment on the next push, showing only the latest plan', async () => {
    repo.write({ 'stacks/app/main.tf': dataStack('app', 'v2') });
    const first = await planPullRequest(repo.commit('v2'), ['stacks/app/main.tf']);
    expect(first.exitCode).toBe(0);
    const [created] = stickyComments();

    repo.write({ 'stacks/app/main.tf': dataStack('app', 'v3') });
    const head = repo.commit('v3');
    const second = await planPullRequest(head, ['stacks/app/main.tf']);
    expect(second.exitCode).toBe(0);

    const comments = stickyComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(created!.id);
    expect(comments[0]!.body).toContain('"v3"');
    expect(comments[0]!.body).not.toContain('"v2"');
    expect(comments[0]!.body).toContain(head);
    expect(gh.callsTo('issues/create-comment')).toHaveLength(1);
    expect(gh.callsTo('issues/update-comment')).toHaveLength(1);
  });

  it('does not write an unchanged comment again', async () => {
    repo.write({ 'stacks/app/main.tf': dataStack('app', 'v2') });
    const head = repo.commit('v2');
    await planPullRequest(head, ['stacks/app/main.tf']);
    const again = await planPullRequest(head, ['stacks/app/main.tf']);
    expect(again.exitCode).toBe(0);
    expect(gh.callsTo('issues/create-comment')).toHaveLength(1);
    expect(gh.callsTo('issues/update-comment')).toHaveLength(0);
  });

  it('fails the check and the job on a syntax error while still reporting the other stacks', async () => {
    repo.write({
      'stacks/app/main.tf': 'resource "terraform_data" "app" {\n  input = "unterminated\n}\n',
      'stacks/dns/main.tf': dataStack('zone', 'example.org'),
    });
    const head = repo.commit('break app, change dns');

    const run = await planPullRequest(head, ['stacks/app/main.tf', 'stacks/dns/main.tf']);

    expect(run.exitCode).toBe(1);
    expect(run.commands.some((command) => command.command === 'error' && /app/.test(command.message))).toBe(
      true,
    );
    const body = stickyComments()[0]!.body;
    expect(body).toContain('"example.org"'); // dns still planned and shown
    expect(body).toMatch(/stacks\/app\/main\.tf:2/);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    expect(check.conclusion).toBe('failure');
    expect(check.annotations).toContainEqual(
      expect.objectContaining({ path: 'stacks/app/main.tf', start_line: 2, annotation_level: 'failure' }),
    );
    const stacks = JSON.parse(run.outputs.stacks ?? '[]') as { name: string; status: string }[];
    expect(stacks.find((stack) => stack.name === 'stacks/app')?.status).toBe('errored');
    expect(stacks.find((stack) => stack.name === 'stacks/dns')?.status).toBe('planned');
  });

  it('in a working-directory, selects by repository paths and annotates them', async () => {
    repo.write({ 'stacks/app/main.tf': 'resource "terraform_data" "app" {\n  input = var.missing\n}\n' });
    const head = repo.commit('break app');

    const run = await planPullRequest(head, ['stacks/app/main.tf'], {
      inputs: { 'working-directory': 'stacks' },
    });

    expect(run.exitCode).toBe(1);
    const stacks = JSON.parse(run.outputs.stacks ?? '[]') as { name: string; status: string }[];
    expect(stacks.map((stack) => [stack.name, stack.status])).toEqual([
      ['app', 'errored'],
      ['dns', 'unaffected'],
      ['network', 'unaffected'],
    ]);
    const annotations = gh.state.checkRuns(REPO, head)[0]?.annotations ?? [];
    expect(annotations.map((annotation) => annotation.path)).toEqual(['stacks/app/main.tf']);
  });

  it('a change to a shared local module plans every stack that calls it', async () => {
    repo.write({
      'modules/tags/main.tf': 'output "tags" {\n  value = { team = "platform" }\n}\n',
      'stacks/app/main.tf': `${dataStack('app', 'v1')}\nmodule "tags" {\n  source = "../../modules/tags"\n}\n`,
    });
    baseSha = repo.commit('module');
    repo.write({ 'modules/tags/main.tf': 'output "tags" {\n  value = { team = "payments" }\n}\n' });
    const head = repo.commit('retag');

    const run = await planPullRequest(head, ['modules/tags/main.tf']);

    expect(run.exitCode).toBe(0);
    const stacks = JSON.parse(run.outputs.stacks ?? '[]') as { name: string; status: string }[];
    expect(stacks.find((stack) => stack.name === 'stacks/app')?.status).toBe('planned');
    expect(stacks.filter((stack) => stack.status === 'unaffected')).toHaveLength(2);
  });

  it('degrades to the job summary for a fork pull request and never writes', async () => {
    gh.addToken({
      token: 'ghs_readonly',
      permissions: { contents: 'read', pull_requests: 'read', issues: 'read' },
    });
    repo.write({ 'stacks/app/main.tf': dataStack('app', 'v2') });
    const head = repo.commit('fork change');

    const run = await planPullRequest(head, ['stacks/app/main.tf'], { fork: true, token: 'ghs_readonly' });

    expect(run.exitCode).toBe(0);
    expect(run.summary).toMatch(/fork/i);
    expect(run.summary).toContain('terraform_data.app');
    expect(gh.calls.filter((call) => call.method !== 'GET')).toEqual([]);
    expect(run.outputs['comment-id']).toBe('');
  });

  it('never shows a sensitive value and masks it in the log', async () => {
    const secret = 'S3cr3t-planted-value-9f8e7d';
    repo.write({
      'stacks/app/main.tf': `${dataStack('app', 'v2')}
variable "db_password" {
  type      = string
  sensitive = true
  default   = "${secret}"
}
resource "terraform_data" "db" {
  input = { password = var.db_password, user = "admin" }
}
output "dsn" {
  value     = "postgres://admin:\${var.db_password}@db"
  sensitive = true
}
`,
    });
    const head = repo.commit('db');

    const run = await planPullRequest(head, ['stacks/app/main.tf']);

    expect(run.exitCode).toBe(0);
    const body = stickyComments()[0]!.body;
    expect(body).toContain('terraform_data.db');
    expect(body).toContain('(sensitive value)');
    const everywhere = [
      body,
      run.visibleText,
      JSON.stringify(run.outputs),
      JSON.stringify(gh.state.checkRuns(REPO, head)),
    ];
    for (const text of everywhere) expect(text).not.toContain(secret);
    expect(run.commands).toContainEqual(expect.objectContaining({ command: 'add-mask', message: secret }));
  });

  it('keeps every stack to its own plan: similar names, one folder with several workspaces', async () => {
    const workspaceStack = 'resource "terraform_data" "env" {\n  input = "ws-${terraform.workspace}"\n}\n';
    repo.write({
      '.stackgate.yml': `version: 1
stacks:
  - { name: "app x", path: a }
  - { name: "app/x", path: b }
  - { name: prod, path: shared, workspace: prod }
  - { name: staging, path: shared, workspace: staging }
  - { name: base, path: shared }
`,
      'a/main.tf': dataStack('alpha', 'from-a'),
      'b/main.tf': dataStack('beta', 'from-b'),
      'shared/main.tf': workspaceStack,
    });
    const head = repo.commit('five stacks');

    const run = await planPullRequest(head, ['.stackgate.yml'], { inputs: { parallelism: '4' } });

    expect(run.exitCode).toBe(0);
    const sections = stickyComments()[0]!.body.split('<details').slice(1);
    const section = (name: string) => sections.find((text) => text.includes(`<b>${name}</b>`)) ?? '';
    expect(section('app x')).toContain('terraform_data.alpha');
    expect(section('app x')).not.toContain('terraform_data.beta');
    expect(section('app/x')).toContain('terraform_data.beta');
    expect(section('app/x')).not.toContain('terraform_data.alpha');
    expect(section('prod')).toContain('"ws-prod"');
    expect(section('staging')).toContain('"ws-staging"');
    expect(section('base')).toContain('"ws-default"');
  });

  it('skips the check and plans nothing when no stack is affected', async () => {
    repo.write({ 'README.md': '# infra\n' });
    const head = repo.commit('docs only');

    const run = await planPullRequest(head, ['README.md']);

    expect(run.exitCode).toBe(0);
    expect(run.outputs['has-changes']).toBe('false');
    const stacks = JSON.parse(run.outputs.stacks ?? '[]') as { status: string }[];
    expect(stacks.map((stack) => stack.status)).toEqual(['unaffected', 'unaffected', 'unaffected']);
    expect(gh.state.checkRuns(REPO, head)[0]).toMatchObject({
      name: 'stackgate/plan',
      conclusion: 'skipped',
    });
    expect(stickyComments()[0]!.body).toContain('— 3 stacks unaffected');
    expect(run.stdout).not.toMatch(/Planning /);
  });

  it('cannot be made to run workflow commands by text in a plan', async () => {
    repo.write({
      'stacks/app/main.tf': `variable "size" {
  default = 3
  validation {
    condition     = var.size < 2
    error_message = "Too big.\\n::warning title=forged::set by the pull request"
  }
}
`,
    });
    const head = repo.commit('forge');

    const run = await planPullRequest(head, ['stacks/app/main.tf']);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('set by the pull request'); // the text is in the log…
    expect(run.commands.filter((command) => command.properties.title === 'forged')).toEqual([]); // …inert
  });

  it('rejects a wrong input with a message naming it', async () => {
    const run = await planPullRequest(repo.commit('nothing'), [], { inputs: { parallelism: 'lots' } });
    expect(run.exitCode).toBe(1);
    expect(run.commands).toContainEqual(
      expect.objectContaining({ command: 'error', message: expect.stringContaining("Input 'parallelism'") }),
    );
    expect(gh.calls.filter((call) => call.method !== 'GET')).toEqual([]);
  });
});
