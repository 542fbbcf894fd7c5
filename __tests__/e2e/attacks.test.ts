// What an attacker's pull request (or a careless one) tries, end to end: dist/index.js as the runner runs it,
// the real tofu, the GitHub stand-in. Each case was a hole before; SECURITY.md lists them.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentMarker } from '../../src/report/markdown.js';
import { DEEP_VALUE_TEXT } from '../../src/plan/model.js';
import { TOOLS, type ActionRun } from '../support/harness.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const NUMBER = 9;
const MARKER = commentMarker('');

let gh: StandIn;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

function plan(
  repo: TestRepo,
  headSha: string,
  files: string[],
  options: { inputs?: Record<string, string>; env?: Record<string, string> } = {},
): Promise<ActionRun> {
  return runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: NUMBER,
    headSha,
    files,
    ...options,
  });
}

function sticky(): string {
  const comments = gh.state.comments(REPO, NUMBER).filter((comment) => comment.body.startsWith(MARKER));
  expect(comments).toHaveLength(1);
  return comments[0]!.body;
}

/** Everything people read: the log as the runner shows it (registered masks applied), comment, checks. */
function everythingShown(run: ActionRun, sha: string): string {
  let log = run.visibleText;
  const masks = run.commands.filter((command) => command.command === 'add-mask').map((c) => c.message);
  for (const mask of masks.sort((a, b) => b.length - a.length)) log = log.split(mask).join('***');
  const checks = gh.state
    .checkRuns(REPO, sha)
    .flatMap((check) => [
      check.output.title,
      check.output.summary,
      check.output.text,
      ...check.annotations.map((a) => `${a.title ?? ''} ${a.message}`),
    ]);
  const comments = gh.state.comments(REPO, NUMBER).map((comment) => comment.body);
  return [log, ...checks, ...comments].join('\n');
}

function tofu(dir: string, args: string[]): void {
  execFileSync('tofu', args, {
    cwd: dir,
    env: {
      ...process.env,
      PATH: `${path.join(TOOLS, 'bin')}:${process.env.PATH ?? ''}`,
      TF_CLI_CONFIG_FILE: path.join(TOOLS, 'tofurc'),
      TF_IN_AUTOMATION: '1',
    },
    stdio: 'ignore',
  });
}

describe('a change cannot slip past a policy', () => {
  it('judges a moved resource by its previous address: moved out of a protected one and replaced, it fails', async () => {
    const repo = createRepo({
      '.stackgate.yml': [
        'version: 1',
        'policies:',
        '  - name: protect-db',
        '    deny: [delete, replace]',
        "    resources: ['terraform_data.db']",
      ].join('\n'),
      'db/main.tf': 'resource "terraform_data" "db" {\n  triggers_replace = "v1"\n}\n',
    });
    const dir = path.join(repo.dir, 'db');
    tofu(dir, ['init', '-input=false']);
    tofu(dir, ['apply', '-auto-approve', '-input=false']);
    repo.commit('db applied');
    repo.write({
      'db/main.tf': [
        'moved {',
        '  from = terraform_data.db',
        '  to   = terraform_data.renamed',
        '}',
        '',
        'resource "terraform_data" "renamed" {',
        '  triggers_replace = "v2"',
        '}',
        '',
      ].join('\n'),
    });
    const head = repo.commit('rename and replace');

    const run = await plan(repo, head, ['db/main.tf']);

    expect(run.exitCode).toBe(1);
    const body = sticky();
    expect(body).toContain('protect-db');
    expect(body).toContain('terraform\\_data.renamed would be moved from terraform\\_data.db and replaced');
    expect(gh.state.checkRuns(REPO, head)[0]).toMatchObject({ conclusion: 'failure' });
  });
});

describe('markers cannot be forged from plan data', () => {
  it('shows a user object holding "$sensitive" or "$unknown", in HCL or inside jsonencode', async () => {
    const repo = createRepo({
      'fw/main.tf': [
        'resource "terraform_data" "rule" {',
        '  input = {',
        '    ingress = { "$sensitive" = true, cidr = "0.0.0.0/0" }',
        '    admins  = jsonencode({ "$unknown" = true, extra = "mallory-admin" })',
        '    plain   = jsonencode([{ "$sensitive" = true, port = 22 }])',
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    const head = repo.commit('open the firewall');

    const run = await plan(repo, head, ['fw/main.tf']);

    expect(run.exitCode).toBe(0);
    const body = sticky();
    expect(body).toContain('"0.0.0.0/0"');
    expect(body).toContain('"mallory-admin"');
    expect(body).toMatch(/"\$sensitive" = true\n.*cidr +?= "0\.0\.0\.0\/0"/);
    expect(body).toMatch(/"\$unknown" = true\n.*extra +?= "mallory-admin"/);
    expect(body).toMatch(/port +?= 22/);
    expect(body).not.toContain('(sensitive value)');
    // Only what tofu itself does not know yet (the id and output of a new resource).
    expect(body.match(/\(known after apply\)/g)).toHaveLength(2);
  });
});

describe('secrets do not leak', () => {
  it('masks a secret-named env value before the engine starts and hides it in the error it causes', async () => {
    const secret = 'hunter2-db-secret-value';
    const repo = createRepo({
      '.stackgate.yml': [
        'version: 1',
        'stacks:',
        '  - name: db',
        '    path: db',
        '    env:',
        `      TF_VAR_db_password: ${secret}`,
      ].join('\n'),
      'db/main.tf': [
        'variable "db_password" {',
        '  type = string',
        '}',
        '',
        'locals {',
        '  port = tonumber(var.db_password)',
        '}',
        '',
        'resource "terraform_data" "db" {',
        '  input = local.port',
        '}',
        '',
      ].join('\n'),
    });
    const head = repo.commit('bad port');
    const runnerSecret = 'runner-api-token-value-42';

    const run = await plan(repo, head, ['db/main.tf'], { env: { TF_VAR_api_token: runnerSecret } });

    expect(run.exitCode).toBe(1);
    const masks = run.commands.filter((command) => command.command === 'add-mask').map((c) => c.message);
    expect(masks).toEqual(expect.arrayContaining([secret, runnerSecret]));
    // Masked before any engine ran: the mask comes before the first progress line.
    expect(run.stdout.indexOf(`::add-mask::${secret}`)).toBeLessThan(run.stdout.indexOf('Planning db'));
    const body = sticky();
    expect(body).toContain('cannot convert');
    expect(body).toContain('(sensitive value)');
    const shown = everythingShown(run, head);
    expect(shown).not.toContain(secret);
    expect(run.summary).not.toContain(secret);
    for (const check of gh.state.checkRuns(REPO, head)) {
      expect(JSON.stringify(check)).not.toContain(secret);
    }
  });

  it('hides values under names the redaction did not know, pairs, YAML, heredocs and URL passwords', async () => {
    const values = {
      pgpassword: 'pg-value-0001',
      db_pass: 'dbpass-value-0002',
      tokens: 'tokens-value-0003',
      auth_key: 'authkey-value-0004',
      signing_key: 'signing-value-0005',
      Authorization: 'Bearer authz-value-0006',
      pair: 'pair-value-0007',
      yaml: 'yaml-value-0008',
      heredoc: 'heredoc-value-0009',
      url: 'url-value-0010',
    };
    const repo = createRepo({
      '.stackgate.yml': 'version: 1\nsecrets:\n  allow: ["**"]\n',
      'app/main.tf': [
        'resource "terraform_data" "app" {',
        '  input = {',
        `    pgpassword    = "${values.pgpassword}"`,
        `    db_pass       = "${values.db_pass}"`,
        `    tokens        = ["${values.tokens}"]`,
        `    auth_key      = "${values.auth_key}"`,
        `    signing_key   = "${values.signing_key}"`,
        `    headers       = { Authorization = "${values.Authorization}" }`,
        `    environment   = [{ name = "DB_PASSWORD", value = "${values.pair}" }, { name = "REGION", value = "eu-west-1" }]`,
        `    cloud_init    = yamlencode({ users = [{ name = "ops", password = "${values.yaml}" }] })`,
        '    script        = <<-EOT',
        '      #!/bin/sh',
        `      export DB_PASSWORD=${values.heredoc}`,
        '    EOT',
        `    database_url  = "postgres://app:${values.url}@db.internal:5432/app"`,
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    tofu(path.join(repo.dir, 'app'), ['fmt']);
    const head = repo.commit('app with secrets');

    const run = await plan(repo, head, ['app/main.tf']);

    expect(run.exitCode).toBe(0);
    const body = sticky();
    for (const value of Object.values(values)) expect(body).not.toContain(value);
    // What is not secret stays readable.
    expect(body).toContain('"eu-west-1"');
    expect(body).toContain('REGION');
    expect(body).toContain('db.internal:5432');
    expect(body).toContain('#!/bin/sh');
    const shown = everythingShown(run, head);
    for (const value of Object.values(values)) expect(shown).not.toContain(value);
  });

  it('shows no string literal of an interpolation and no comment text in a formatter diff', async () => {
    const repo = createRepo({
      'app/main.tf': [
        'resource "terraform_data" "app" {',
        '  input    = "${lookup({ a = "interp-literal-s3cr3t" }, "a")}-x"',
        '    # the admin password is comment-hunter2',
        '  /* block-comment-hunter3',
        '     still-in-the-block */',
        '}',
        '',
      ].join('\n'),
    });
    const head = repo.commit('misformatted');

    const run = await plan(repo, head, ['app/main.tf'], { inputs: { command: 'validate' } });

    expect(run.exitCode).toBe(1);
    const shown = everythingShown(run, head);
    expect(shown).toContain('is not formatted');
    for (const value of [
      'interp-literal-s3cr3t',
      'comment-hunter2',
      'block-comment-hunter3',
      'still-in-the',
    ]) {
      expect(shown).not.toContain(value);
    }
    expect(run.summary).toContain('# …');
  });
});

describe('the log and the comment cannot be forged', () => {
  it('neutralises workflow commands, control characters and links in stack names and folders', async () => {
    const folder = 'www.evil.example';
    const name =
      'app\n::error title=Forged::forged by a stack name\n::add-mask::Planning\n##[set-output name=x]y';
    const repo = createRepo({
      '.stackgate.yml': [
        'version: 1',
        'stacks:',
        `  - name: ${JSON.stringify(name)}`,
        `    path: ${folder}`,
        `  - name: "red\\u001b[31m-text\\u0007 https://evil.example/x"`,
        '    path: other',
      ].join('\n'),
      [`${folder}/main.tf`]: dataStack('app', 'v1'),
      'other/main.tf': dataStack('other', 'v1'),
    });
    const head = repo.commit('hostile names');

    const run = await plan(repo, head, [`${folder}/main.tf`, 'other/main.tf']);

    expect(run.exitCode).toBe(0);
    expect(run.commands.filter((command) => command.command === 'error')).toEqual([]);
    expect(
      run.commands.filter((command) => command.command === 'add-mask').map((c) => c.message),
    ).not.toContain('Planning');
    expect(run.stdout).not.toMatch(/^\s*::(?:error|add-mask::Planning|set-output)/m);
    expect(run.stdout).not.toContain('##[');
    // eslint-disable-next-line no-control-regex
    const controls = /[\u0000-\u0008\u000b-\u001f\u007f]/;
    expect(run.stdout).not.toMatch(controls);
    const body = sticky();
    expect(body).not.toMatch(controls);
    const table = body.split('\n').filter((line) => line.startsWith('| '));
    expect(table.join('\n')).not.toMatch(/https:\/\/|\bwww\.evil/);
  });
});

describe('failures turn the report red and never mislead', () => {
  it('a YAML alias bomb replaces a green report with a red one at its file and line', async () => {
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
    const first = await plan(repo, repo.commit('app'), ['app/main.tf']);
    expect(first.exitCode).toBe(0);
    const green = sticky();
    const bomb = [
      'version: 1',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      '',
    ].join('\n');
    repo.write({ '.stackgate.yml': bomb });
    const head = repo.commit('bomb');

    const run = await plan(repo, head, ['.stackgate.yml']);

    expect(run.exitCode).toBe(1);
    const error = run.commands.find((command) => command.command === 'error' && command.properties.file);
    expect(error?.properties.file).toBe('.stackgate.yml');
    expect(Number(error?.properties.line)).toBe(3);
    // The same comment, replaced: the green plan is gone.
    expect(sticky()).not.toBe(green);
    expect(sticky()).toContain('`.stackgate.yml:3` cannot load the YAML');
    expect(sticky()).not.toContain('terraform_data.app');
    expect(gh.callsTo('issues/update-comment')).toHaveLength(1);
    expect(gh.state.checkRuns(REPO, head)[0]).toMatchObject({ conclusion: 'failure' });
  });

  it('adopts only a comment by the account the token acts as, not any bot', async () => {
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
    const planted = gh.addComment(REPO, NUMBER, `${MARKER}\nplanted by another app`, 'other-app[bot]');

    const run = await plan(repo, repo.commit('app'), ['app/main.tf']);

    expect(run.exitCode).toBe(0);
    expect(gh.state.comment(REPO, planted.id)?.body).toBe(`${MARKER}\nplanted by another app`);
    const own = gh.state
      .comments(REPO, NUMBER)
      .filter((comment) => comment.id !== planted.id && comment.body.startsWith(MARKER));
    expect(own).toHaveLength(1);
    expect(own[0]!.user.login).toBe('github-actions[bot]');
    expect(gh.callsTo('issues/delete-comment')).toHaveLength(0);
    expect(gh.callsTo('issues/update-comment')).toHaveLength(0);
  });

  it('rejects var files leaving the repository and workspaces the engine would read as flags, at file:line', async () => {
    const repo = createRepo({
      '.stackgate.yml': [
        'version: 1',
        'stacks:',
        '  - name: app',
        '    path: app',
        '    workspace: "-help"',
        '    var-files: [/etc/passwd, ../../outside.tfvars, ../shared.tfvars]',
      ].join('\n'),
      'app/main.tf': dataStack('app', 'v1'),
      'shared.tfvars': '',
    });
    const head = repo.commit('escapes');

    const run = await plan(repo, head, ['.stackgate.yml']);

    expect(run.exitCode).toBe(1);
    const errors = run.commands.filter((command) => command.command === 'error' && command.properties.file);
    const lines = errors.map((error) => `${error.properties.line}: ${error.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^5: .*workspace.*flag/),
        expect.stringMatching(/^6: var file `\/etc\/passwd` must be relative/),
        expect.stringMatching(/^6: var file `\.\.\/\.\.\/outside\.tfvars` is outside the repository/),
      ]),
    );
    expect(lines.join('\n')).not.toContain('shared.tfvars');
    expect(gh.state.checkRuns(REPO, head)[0]).toMatchObject({ conclusion: 'failure' });
  });

  it('renders a string holding JSON nested thousands of levels deep, cut with a placeholder', async () => {
    const depth = 20_000;
    const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const repo = createRepo({
      'deep/main.tf': `resource "terraform_data" "deep" {\n  input = ${JSON.stringify(deep)}\n}\n`,
    });
    const head = repo.commit('deep');

    const run = await plan(repo, head, ['deep/main.tf']);

    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const body = sticky();
    expect(body).toContain('terraform_data.deep');
    expect(body).toContain(DEEP_VALUE_TEXT);
  });
});
