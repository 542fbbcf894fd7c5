// `command: validate` and the same checks in `plan`: real tofu fmt/validate, secrets, config, policies.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAction, TOOLS } from '../support/harness.js';
import { pushPayload } from '../support/payloads.js';
import { runOnPullRequest } from '../support/pull-request.js';
import * as planted from '../support/planted.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
let gh: StandIn;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

async function onPullRequest(
  repo: TestRepo,
  changed: string[],
  inputs: Record<string, string>,
  options: {
    labels?: string[];
    number?: number;
    fork?: string;
    token?: string;
    env?: Record<string, string>;
  } = {},
) {
  const head = repo.commit('change');
  const run = await runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: options.number ?? 5,
    headSha: head,
    files: changed,
    inputs,
    ...options,
  });
  return { run, head };
}

describe('validate', () => {
  it('annotates a missing quote at its line and fails the check', async () => {
    const repo = createRepo({
      'app/main.tf': 'resource "terraform_data" "app" {\n  input = "missing\n}\n',
      'net/main.tf': dataStack('vpc', '10.0.0.0/16'),
    });
    const { run, head } = await onPullRequest(repo, ['app/main.tf'], { command: 'validate' });
    expect(run.exitCode).toBe(1);
    const check = gh.state.checkRuns(REPO, head).find((c) => c.name === 'stackgate/validate');
    expect(check?.conclusion).toBe('failure');
    expect(check?.annotations).toContainEqual(
      expect.objectContaining({ path: 'app/main.tf', start_line: 2, annotation_level: 'failure' }),
    );
    const stacks = JSON.parse(run.outputs.stacks ?? '[]') as { name: string; status: string }[];
    expect(stacks).toEqual([
      expect.objectContaining({ name: 'app', status: 'invalid' }),
      expect.objectContaining({ name: 'net', status: 'valid' }),
    ]);
    // validate writes no pull request comment: its place is the check run and the summary.
    expect(gh.state.comments(REPO, 5)).toHaveLength(0);
  });

  it('annotates each misformatted file and shows the diff in the report', async () => {
    const repo = createRepo({
      'app/main.tf': 'resource "terraform_data" "app" {\n input = "x"\n      triggers_replace = [1]\n}\n',
      'app/vars.tf': 'variable "a" {\ndefault = 1\n}\n',
      'app/ok.tf': 'locals {\n  fine = true\n}\n',
    });
    const { run, head } = await onPullRequest(repo, ['app/main.tf'], { command: 'validate' });
    expect(run.exitCode).toBe(1);
    const annotations = gh.state.checkRuns(REPO, head)[0]?.annotations ?? [];
    const formatting = annotations.filter((a) => /format/i.test(a.title ?? ''));
    expect(formatting.map((a) => [a.path, a.start_line]).sort()).toEqual([
      ['app/main.tf', 2],
      ['app/vars.tf', 2],
    ]);
    expect(run.summary).toContain('+  input            = "…"');
    expect(run.summary).not.toContain('app/ok.tf');
  });

  it('fails the gate on a file fmt cannot read, naming it', async () => {
    const repo = createRepo({
      'app/main.tf': 'resource "terraform_data" "app" {\n input = "x"\n}\n',
      'app/prod.tfvars': 'region = "eu\n',
    });
    const { run, head } = await onPullRequest(repo, ['app/prod.tfvars'], { command: 'validate' });
    expect(run.exitCode).toBe(1);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    expect(check.conclusion).toBe('failure');
    expect(check.annotations).toContainEqual(
      expect.objectContaining({ path: 'app/prod.tfvars', start_line: 1, annotation_level: 'failure' }),
    );
  });

  it('annotates misformatted files of many stacks at once, folders with spaces too, and a file fmt cannot read', async () => {
    const misformatted = (name: string) => `resource "terraform_data" "${name}" {\n input = "x"\n}\n`;
    const repo = createRepo({
      'stacks/app one/main.tf': misformatted('one'),
      'stacks/app two/main.tf': dataStack('two', 'v1'),
      'stacks/-dash/main.tf': misformatted('dash'),
      'stacks/net/main.tf': dataStack('net', 'v1'),
      'stacks/net/vars.tf': 'variable "a" {\ndefault = 1\n}\n',
    });
    const changed = ['stacks/app one/main.tf', 'stacks/-dash/main.tf', 'stacks/net/vars.tf'];
    const { run, head } = await onPullRequest(repo, changed, { command: 'validate' });
    expect(run.exitCode).toBe(1);
    const formatting = (gh.state.checkRuns(REPO, head)[0]?.annotations ?? []).filter((a) =>
      /format/i.test(a.title ?? ''),
    );
    expect(formatting.map((a) => [a.path, a.start_line]).sort()).toEqual([
      ['stacks/-dash/main.tf', 2],
      ['stacks/app one/main.tf', 2],
      ['stacks/net/vars.tf', 2],
    ]);

    // A file fmt cannot read in one stack: the others still get their own findings.
    repo.write({ 'stacks/app two/broken.tfvars': 'region = "eu\n' });
    const again = await onPullRequest(
      repo,
      ['stacks/app two/broken.tfvars'],
      { command: 'validate' },
      { number: 6 },
    );
    const annotations = gh.state.checkRuns(REPO, again.head)[0]?.annotations ?? [];
    expect(annotations).toContainEqual(
      expect.objectContaining({
        path: 'stacks/app two/broken.tfvars',
        start_line: 1,
        annotation_level: 'failure',
      }),
    );
    expect(
      annotations
        .filter((a) => /format/i.test(a.title ?? ''))
        .map((a) => a.path)
        .sort(),
    ).toEqual(['stacks/-dash/main.tf', 'stacks/app one/main.tf', 'stacks/net/vars.tf']);
  });

  it('annotates warnings as warnings and lets them pass', async () => {
    const repo = createRepo({
      'app/main.tf':
        'resource "local_file" "f" {\n  filename          = "x.txt"\n  sensitive_content = "abc"\n  lifecycle {\n    ignore_changes = [id]\n  }\n}\n',
    });
    const { run, head } = await onPullRequest(repo, ['app/main.tf'], { command: 'validate' });
    expect(run.exitCode).toBe(0);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    expect(check.conclusion).toBe('success');
    const warnings = check.annotations.filter((a) => a.annotation_level === 'warning');
    expect(warnings.map((a) => a.start_line).sort()).toEqual([1, 3]);
    expect(check.annotations.filter((a) => a.annotation_level === 'failure')).toEqual([]);
  });

  it('scans only the files a pull request changes', async () => {
    const repo = createRepo({
      'app/main.tf': dataStack('app', 'v1'),
      'old/creds.tfvars': `token = "${planted.githubToken(41)}"\n`,
    });
    repo.commit('an old secret');
    repo.write({ 'app/main.tf': dataStack('app', 'v2') });
    const { run } = await onPullRequest(repo, ['app/main.tf'], { command: 'validate' });
    expect(run.exitCode).toBe(0);
  });

  it('checks the formatting of the local modules a stack calls', async () => {
    const repo = createRepo({
      'app/main.tf': `${dataStack('app', 'v1')}\nmodule "tags" {\n  source = "../modules/tags"\n}\n`,
      'modules/tags/main.tf': 'output "tags" {\nvalue = { team = "platform" }\n}\n',
    });
    const { run, head } = await onPullRequest(repo, ['modules/tags/main.tf'], { command: 'validate' });
    expect(run.exitCode).toBe(1);
    expect(gh.state.checkRuns(REPO, head)[0]?.annotations).toContainEqual(
      expect.objectContaining({ path: 'modules/tags/main.tf', start_line: 2, annotation_level: 'failure' }),
    );
  });

  it('passes a clean repository', async () => {
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
    const { run, head } = await onPullRequest(repo, ['app/main.tf'], { command: 'validate' });
    expect(run.exitCode).toBe(0);
    expect(gh.state.checkRuns(REPO, head)[0]).toMatchObject({
      name: 'stackgate/validate',
      conclusion: 'success',
    });
    expect(JSON.parse(run.outputs.summary ?? '{}')).toMatchObject({ findings: 0, blocking: 0 });
  });

  it('reports an unknown config key and malformed YAML at their lines', async () => {
    const repo = createRepo({
      '.stackgate.yml': 'version: 1\nstacks:\n  - name: app\n    path: app\n    enigne: tofu\n',
      'app/main.tf': dataStack('app', 'v1'),
    });
    const { run, head } = await onPullRequest(repo, ['.stackgate.yml'], { command: 'validate' });
    expect(run.exitCode).toBe(1);
    const annotation = gh.state
      .checkRuns(REPO, head)[0]
      ?.annotations.find((a) => a.path === '.stackgate.yml');
    expect(annotation).toMatchObject({ start_line: 5, start_column: 5, annotation_level: 'failure' });
    expect(annotation?.message).toContain('engine');

    const broken = createRepo({ '.stackgate.yml': 'version: 1\nstacks:\n  - name: "app\n    path: app\n' });
    const second = await onPullRequest(broken, ['.stackgate.yml'], { command: 'validate' }, { number: 6 });
    expect(second.run.exitCode).toBe(1);
    const yamlError = gh.state
      .checkRuns(REPO, second.head)[0]
      ?.annotations.find((a) => a.path === '.stackgate.yml');
    // The line where the quote opened, not where the parser gave up.
    expect(yamlError?.start_line).toBe(3);
    expect(second.run.stdout).toMatch(/\.stackgate\.yml:\d+:\d+/);
  });

  it('finds planted secrets of every kind and never shows one anywhere', async () => {
    const secrets = {
      awsId: planted.awsAccessKeyId(11),
      awsSecret: planted.awsSecretAccessKey(12),
      github: planted.githubToken(13),
      gitlab: planted.gitlabToken(14),
      slack: planted.slackToken(15),
      azure: planted.azureAccountKey(16),
      password: planted.genericPassword(17),
      keyBody: planted.privateKeyBody(18),
    };
    const gcp = JSON.stringify(
      {
        type: 'service_account',
        project_id: 'demo',
        private_key: planted.privateKey(18),
        client_email: 'ci@demo.iam.gserviceaccount.com',
      },
      null,
      2,
    );
    const repo = createRepo({
      'app/main.tf': dataStack('app', 'v1'),
      'app/prod.tfvars': `aws_access_key_id     = "${secrets.awsId}"\naws_secret_access_key = "${secrets.awsSecret}"\ndb_password = "${secrets.password}"\n`,
      'app/ci.yml': `github_token: ${secrets.github}\ngitlab: ${secrets.gitlab}\nslack: ${secrets.slack}\n`,
      'app/storage.ini': `[azure]\nconnection = DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=${secrets.azure};EndpointSuffix=core.windows.net\n`,
      'app/sa.json': gcp,
      'app/id_rsa.pem': planted.privateKey(19),
      'app/allowed.tfvars': `api_token = "${planted.genericPassword(20)}" # stackgate:allow-secret\n`,
    });
    const changed = [
      'app/prod.tfvars',
      'app/ci.yml',
      'app/storage.ini',
      'app/sa.json',
      'app/id_rsa.pem',
      'app/allowed.tfvars',
    ];
    const { run, head } = await onPullRequest(repo, changed, { command: 'validate' });

    expect(run.exitCode).toBe(1);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    const secretAnnotations = check.annotations.filter((a) =>
      /secret|key|token|password/i.test(a.title ?? ''),
    );
    const files = new Set(secretAnnotations.map((a) => a.path));
    expect([...files].sort()).toEqual([
      'app/ci.yml',
      'app/id_rsa.pem',
      'app/prod.tfvars',
      'app/sa.json',
      'app/storage.ini',
    ]);
    expect(secretAnnotations.length).toBeGreaterThanOrEqual(8);
    const everywhere = [
      run.visibleText,
      JSON.stringify(run.outputs),
      JSON.stringify(gh.calls.map((call) => call.requestBody)),
    ].join('\n');
    for (const [kind, secret] of Object.entries(secrets)) {
      for (const piece of secret.split('\n')) {
        const at = everywhere.indexOf(piece);
        expect(at, `${kind} leaked: …${everywhere.slice(Math.max(0, at - 200), at + 60)}…`).toBe(-1);
      }
    }
    // Each value found was masked in the log before anything else could print it.
    const masks = run.commands.filter((c) => c.command === 'add-mask').map((c) => c.message);
    expect(masks).toEqual(expect.arrayContaining([secrets.awsId, secrets.github, secrets.slack]));
  });

  it('sends 120 annotations in three requests', async () => {
    // Names of one width, so the formatter has nothing to say: exactly 120 findings, all distinct keys.
    const keys = Array.from({ length: 120 }, (_, i) => planted.awsAccessKeyId(1000 + 7 * i));
    expect(new Set(keys).size).toBe(120);
    const lines = keys.map((key, i) => `key_${String(i).padStart(3, '0')} = "${key}"`);
    const repo = createRepo({
      'app/main.tf': dataStack('app', 'v1'),
      'app/keys.tfvars': `${lines.join('\n')}\n`,
    });
    const { run, head } = await onPullRequest(repo, ['app/keys.tfvars'], { command: 'validate' });
    expect(run.exitCode).toBe(1);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    expect(check.annotations).toHaveLength(120);
    const writes = [...gh.callsTo('checks/create'), ...gh.callsTo('checks/update')];
    expect(writes).toHaveLength(3);
    expect(
      writes.map(
        (call) => (call.requestBody as { output?: { annotations?: unknown[] } }).output?.annotations?.length,
      ),
    ).toEqual([50, 50, 20]);
  });

  it('reports an engine that is not installed at the stack in the config', async () => {
    const repo = createRepo({
      '.stackgate.yml':
        'version: 1\nstacks:\n  - name: app\n    path: app\n  - name: legacy\n    path: legacy\n    engine: terraform\n',
      'app/main.tf': dataStack('app', 'v1'),
      'legacy/main.tf': dataStack('old', 'v1'),
    });
    const { run, head } = await onPullRequest(
      repo,
      ['legacy/main.tf'],
      { command: 'validate' },
      { env: { PATH: `${TOOLS}/bin:/usr/bin:/bin` } },
    );
    expect(run.exitCode).toBe(1);
    const annotation = gh.state
      .checkRuns(REPO, head)[0]
      ?.annotations.find((a) => a.path === '.stackgate.yml');
    expect(annotation).toMatchObject({ start_line: 5, start_column: 5, annotation_level: 'failure' });
    expect(annotation?.message).toMatch(/terraform.*not on PATH/);
  });

  it('falls back to workflow-command annotations within their caps on a fork', async () => {
    gh.addToken({
      token: 'ghs_fork',
      permissions: { contents: 'read', pull_requests: 'read', issues: 'read' },
    });
    const lines = Array.from(
      { length: 15 },
      (_, i) => `key_${String(i).padStart(2, '0')} = "${planted.awsAccessKeyId(300 + i)}"`,
    );
    const repo = createRepo({
      'app/main.tf': dataStack('app', 'v1'),
      'app/keys.tfvars': `${lines.join('\n')}\n`,
    });
    const { run } = await onPullRequest(
      repo,
      ['app/keys.tfvars'],
      { command: 'validate' },
      { fork: 'someone/infra', token: 'ghs_fork' },
    );
    expect(run.exitCode).toBe(1);
    expect(gh.calls.filter((call) => call.method !== 'GET')).toEqual([]);
    const annotated = run.commands.filter(
      (c) => c.command === 'error' && c.properties.file === 'app/keys.tfvars',
    );
    expect(annotated).toHaveLength(10);
    expect(annotated[0]?.properties.line).toBe('1');
    expect(run.summary).toContain('5 more annotation(s) were left out');
    expect(run.summary).toMatch(/fork/);
  });

  it('scans every file on push', async () => {
    const repo = createRepo({
      'app/main.tf': dataStack('app', 'v1'),
      'old/creds.tfvars': `token = "${planted.githubToken(30)}"\n`,
    });
    const head = repo.commit('push');
    const run = await runAction({
      workspace: repo.dir,
      eventName: 'push',
      payload: pushPayload({ owner: 'octo', repo: 'infra', before: head, after: head }),
      apiUrl: gh.url,
      repository: REPO,
      sha: head,
      inputs: { command: 'validate' },
    });
    expect(run.exitCode).toBe(1);
    expect(gh.state.checkRuns(REPO, head)[0]?.annotations).toContainEqual(
      expect.objectContaining({ path: 'old/creds.tfvars', start_line: 1 }),
    );
  });
});

describe('the same checks at the start of plan', () => {
  it('fails the plan on formatting and secrets, never showing a secret', async () => {
    const password = planted.genericPassword(51);
    const token = planted.githubToken(52);
    const repo = createRepo({
      'app/main.tf': `${dataStack('app', 'v1')}
variable "db_password" {
  type = string
  sensitive = true
  default = "${password}"
}
`,
      'app/ci.yml': `deploy_token: ${token}\n`,
    });
    const { run, head } = await onPullRequest(repo, ['app/main.tf', 'app/ci.yml'], {});
    expect(run.exitCode).toBe(1);
    const check = gh.state.checkRuns(REPO, head).find((c) => c.name === 'stackgate/plan')!;
    expect(check.conclusion).toBe('failure');
    const titles = check.annotations.map((a) => `${a.path}:${a.title}`);
    expect(titles).toContainEqual(expect.stringMatching(/^app\/main\.tf:Formatting/));
    expect(titles).toContainEqual(expect.stringMatching(/^app\/ci\.yml:Secret/));
    const body = gh.state.comments(REPO, 5)[0]?.body ?? '';
    expect(body).toContain('terraform_data.app'); // the plan still ran and is shown
    const everywhere = [body, run.visibleText, JSON.stringify(gh.calls.map((call) => call.requestBody))].join(
      '\n',
    );
    expect(everywhere).not.toContain(password);
    expect(everywhere).not.toContain(token);
  });
});

describe('policies on plans', () => {
  const config = `version: 1
stacks:
  - name: app
    path: app
policies:
  - name: protect-data
    deny: [delete, replace]
    resources: ["terraform_data.db*"]
    unless-label: allow-destroy
  - name: small-changes
    max-changes: 50
    level: warning
`;
  const withDb = `resource "terraform_data" "db" {\n  input = "v1"\n}\n`;
  const replaced = `resource "terraform_data" "db" {\n  input            = "v1"\n  triggers_replace = ["v2"]\n}\n`;

  async function replaceDb(labels: string[], number: number) {
    // The state says db exists; the change replaces it.
    const repo = createRepo({ '.stackgate.yml': config, 'app/main.tf': withDb });
    const { execFileSync } = await import('node:child_process');
    const { TOOLS } = await import('../support/harness.js');
    const env = { ...process.env, TF_CLI_CONFIG_FILE: `${TOOLS}/tofurc` };
    execFileSync(`${TOOLS}/bin/tofu`, ['init', '-input=false'], {
      cwd: `${repo.dir}/app`,
      env,
      stdio: 'ignore',
    });
    execFileSync(`${TOOLS}/bin/tofu`, ['apply', '-auto-approve', '-input=false'], {
      cwd: `${repo.dir}/app`,
      env,
      stdio: 'ignore',
    });
    repo.write({ 'app/main.tf': replaced });
    return onPullRequest(repo, ['app/main.tf'], {}, { labels, number });
  }

  it('blocks a denied replacement and annotates the resource block', async () => {
    const { run, head } = await replaceDb([], 8);
    expect(run.exitCode).toBe(1);
    const body = gh.state.comments(REPO, 8)[0]?.body ?? '';
    expect(body).toMatch(/protect-data/);
    expect(body).toMatch(/terraform_data\.db/);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    expect(check.conclusion).toBe('failure');
    expect(check.annotations).toContainEqual(
      expect.objectContaining({ path: 'app/main.tf', start_line: 1, annotation_level: 'failure' }),
    );
  });

  it('lets a label waive it, still showing the waiver', async () => {
    const { run, head } = await replaceDb(['allow-destroy'], 9);
    expect(run.exitCode).toBe(0);
    const body = gh.state.comments(REPO, 9)[0]?.body ?? '';
    expect(body).toMatch(/waived/i);
    expect(body).toContain('allow-destroy');
    expect(gh.state.checkRuns(REPO, head)[0]?.conclusion).toBe('success');
  });
});
