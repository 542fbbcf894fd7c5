// `engine: terragrunt`, discovered: real Terragrunt (v0.58.0, built by the install script) over real tofu, through
// dist. Two units share an include (a root terragrunt.hcl) and one depends on the other; Terragrunt itself says
// what each reads, and the plan comment marks mock outputs of a dependency that has no state yet.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAction, TOOLS } from '../support/harness.js';
import { issueCommentPayload } from '../support/payloads.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';

const ROOT_INCLUDE = (env: string) => `remote_state {
  backend  = "local"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite"
  }
  config = {
    path = "\${get_parent_terragrunt_dir()}/.state/\${path_relative_to_include()}/terraform.tfstate"
  }
}

inputs = {
  env = "${env}"
}
`;

const VPC_UNIT = (cidr: string) => `include "root" {
  path = find_in_parent_folders()
}

terraform {
  source = "../../modules/net"
}

inputs = {
  cidr = "${cidr}"
}
`;

const APP_UNIT = (size: string) => `include "root" {
  path = find_in_parent_folders()
}

terraform {
  source = "../../modules/svc"
}

dependency "vpc" {
  config_path = "../vpc"
  mock_outputs = {
    vpc_id = "mock-vpc-id"
  }
  mock_outputs_allowed_terraform_commands = ["plan", "validate"]
}

inputs = {
  vpc_id = dependency.vpc.outputs.vpc_id
  size   = "${size}"
}
`;

const FILES = {
  'live/terragrunt.hcl': ROOT_INCLUDE('dev'),
  'live/vpc/terragrunt.hcl': VPC_UNIT('10.0.0.0/16'),
  'live/app/terragrunt.hcl': APP_UNIT('small'),
  'modules/net/main.tf': `variable "cidr" {
  type = string
}

variable "env" {
  type = string
}

resource "terraform_data" "vpc" {
  input = "\${var.env}-\${var.cidr}"
}

output "vpc_id" {
  value = "vpc-\${var.env}"
}
`,
  'modules/svc/main.tf': `variable "vpc_id" {
  type = string
}

variable "env" {
  type = string
}

variable "size" {
  type = string
}

resource "terraform_data" "svc" {
  input = "\${var.env}:\${var.vpc_id}:\${var.size}"
}
`,
  '.gitignore': '.terragrunt-cache/\n.state/\n',
};

const ENV = {
  ...process.env,
  PATH: `${path.join(TOOLS, 'bin')}:${process.env.PATH ?? ''}`,
  TF_CLI_CONFIG_FILE: path.join(TOOLS, 'tofurc'),
  TERRAGRUNT_TFPATH: 'tofu',
  TERRAGRUNT_NON_INTERACTIVE: 'true',
};

interface StackRow {
  name: string;
  engine: string;
  status: string;
}

let gh: StandIn;
let repo: TestRepo;
let baseSha: string;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  repo = createRepo(FILES);
  baseSha = repo.commit('two units, a shared include');
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

async function planChange(files: Record<string, string>, number: number) {
  repo.write(files);
  const head = repo.commit('change');
  const run = await runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number,
    headSha: head,
    baseSha,
    files: Object.keys(files),
    env: { TERRAGRUNT_TFPATH: 'tofu' },
  });
  const stacks = JSON.parse(run.outputs.stacks ?? '[]') as StackRow[];
  const comment = gh.state
    .comments(REPO, number)
    .find((c) => c.body.startsWith('<!-- stackgate:comment'))?.body;
  return { run, stacks, comment: comment ?? '' };
}

describe('engine: terragrunt', () => {
  it('runs the pinned Terragrunt', () => {
    expect(execFileSync('terragrunt', ['--version'], { env: ENV, encoding: 'utf8' })).toMatch(/v0\.58\.0/);
  });

  it('a change to the shared include plans both units; the include and the modules are no stacks', async () => {
    const { run, stacks, comment } = await planChange({ 'live/terragrunt.hcl': ROOT_INCLUDE('prod') }, 7);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(stacks.map((stack) => [stack.name, stack.engine, stack.status])).toEqual([
      ['live/app', 'terragrunt', 'planned'],
      ['live/vpc', 'terragrunt', 'planned'],
    ]);
    expect(comment).toMatch(/^\| live\/app \|/m);
    expect(comment).toMatch(/^\| live\/vpc \|/m);
    // vpc has no state: app's plan runs on its mock outputs, and the comment says so.
    expect(comment).toContain('Mock outputs of live/vpc: placeholders, not real values');
    expect(comment).toContain('prod:mock-vpc-id:small');
    expect(comment).toContain('prod-10.0.0.0/16');
  });

  it('units with providers keep out of the runner’s shared plugin cache, and plan side by side', async () => {
    // Terragrunt inits inside plan, and a unit seldom has a lock file: such an init reinstalls into a shared
    // cache under the feet of the other unit's plan. Each unit keeps to a plugin folder of its own.
    const shared = mkdtempSync(path.join(tmpdir(), 'stackgate-shared-plugins-'));
    const files = {
      'modules/files/main.tf': `terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "2.9.0" }
  }
}

variable "env" {
  type = string
}

resource "local_file" "note" {
  filename = "\${path.module}/\${var.env}.txt"
  content  = var.env
}
`,
      'live/files-a/terragrunt.hcl':
        'include "root" {\n  path = find_in_parent_folders()\n}\n\nterraform {\n  source = "../../modules/files"\n}\n',
      'live/files-b/terragrunt.hcl':
        'include "root" {\n  path = find_in_parent_folders()\n}\n\nterraform {\n  source = "../../modules/files"\n}\n',
    };
    repo.write(files);
    const head = repo.commit('two units with a provider');
    try {
      const run = await runOnPullRequest({
        gh,
        repository: REPO,
        workspace: repo.dir,
        number: 12,
        headSha: head,
        baseSha,
        files: Object.keys(files),
        inputs: { parallelism: '2' },
        env: { TERRAGRUNT_TFPATH: 'tofu', TF_PLUGIN_CACHE_DIR: shared },
      });
      expect(run.exitCode, run.stdout).toBe(0);
      const stacks = JSON.parse(run.outputs.stacks ?? '[]') as StackRow[];
      expect(
        stacks.filter((stack) => stack.status !== 'unaffected').map((stack) => [stack.name, stack.status]),
      ).toEqual([
        ['live/files-a', 'planned'],
        ['live/files-b', 'planned'],
      ]);
      expect(readdirSync(shared)).toEqual([]);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('a change to one unit plans it and its dependants, not the units it depends on', async () => {
    const vpc = await planChange({ 'live/vpc/terragrunt.hcl': VPC_UNIT('10.1.0.0/16') }, 8);
    expect(vpc.run.exitCode).toBe(0);
    expect(vpc.stacks.map((stack) => [stack.name, stack.status])).toEqual([
      ['live/app', 'planned'],
      ['live/vpc', 'planned'],
    ]);

    const app = await planChange({ 'live/app/terragrunt.hcl': APP_UNIT('large') }, 9);
    expect(app.run.exitCode).toBe(0);
    expect(app.stacks.map((stack) => [stack.name, stack.status])).toEqual([
      ['live/app', 'planned'],
      ['live/vpc', 'unaffected'],
    ]);
  });

  it('a dependency with state gives real outputs: no mock note, the real value in the plan', async () => {
    execFileSync('terragrunt', ['apply', '-auto-approve', '-input=false', '-no-color'], {
      cwd: path.join(repo.dir, 'live/vpc'),
      env: ENV,
      stdio: 'pipe',
    });
    const { run, stacks, comment } = await planChange({ 'live/app/terragrunt.hcl': APP_UNIT('large') }, 10);
    expect(run.exitCode).toBe(0);
    expect(stacks.map((stack) => [stack.name, stack.status])).toEqual([
      ['live/app', 'planned'],
      ['live/vpc', 'unaffected'],
    ]);
    expect(comment).not.toContain('Mock outputs');
    expect(comment).toContain('dev:vpc-dev:large');
  });

  it('a change to the module a unit sources plans that unit and its dependants', async () => {
    const { run, stacks } = await planChange(
      { 'modules/net/main.tf': FILES['modules/net/main.tf'].replace('vpc-', 'net-') },
      11,
    );
    expect(run.exitCode).toBe(0);
    expect(stacks.map((stack) => [stack.name, stack.status])).toEqual([
      ['live/app', 'planned'],
      ['live/vpc', 'planned'],
    ]);
  });

  it('applies in dependency order, and refuses a plan made on mock outputs once the dependency is real', async () => {
    gh.setCollaborator(REPO, 'alice', 'write');
    gh.setRef(REPO, 'refs/heads/main', baseSha);
    const { run: planned, stacks } = await planChange({ 'live/terragrunt.hcl': ROOT_INCLUDE('prod') }, 12);
    expect(planned.exitCode).toBe(0);
    expect(stacks.map((stack) => stack.status)).toEqual(['planned', 'planned']);
    const head = gh.state.pullRequest(REPO, 12)!.headSha;
    gh.addReview(REPO, 12, { user: 'bob', state: 'APPROVED', commitId: head });
    const body = '/stackgate apply';
    const record = gh.addComment(REPO, 12, body, 'alice');
    const run = await runAction({
      workspace: repo.dir,
      eventName: 'issue_comment',
      payload: issueCommentPayload({
        owner: 'octo',
        repo: 'infra',
        number: 12,
        commentId: record.id,
        body,
        author: 'alice',
      }),
      apiUrl: gh.url,
      repository: REPO,
      sha: baseSha,
      ref: 'refs/heads/main',
      inputs: { command: 'apply' },
      env: { TERRAGRUNT_TFPATH: 'tofu' },
    });
    // vpc first (app depends on it); app's reviewed plan holds the mock vpc_id, which vpc's real output replaced.
    expect(run.exitCode, run.stdout).toBe(1);
    expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual(['live/vpc']);
    expect(run.stdout.indexOf('Applying live/app')).toBeGreaterThan(run.stdout.indexOf('live/vpc: applied'));
    const sticky = gh.state.comments(REPO, 12).find((c) => c.body.startsWith('<!-- stackgate:comment'))!.body;
    expect(sticky).toContain(
      'the reviewed plan of live/app was made with other values of vpc\\_id than Terragrunt gives now',
    );
    expect(sticky).toContain('Mock outputs of live/vpc: placeholders, not real values');
    const state = JSON.parse(
      execFileSync('tofu', ['show', '-json', path.join(repo.dir, 'live/.state/vpc/terraform.tfstate')], {
        env: ENV,
        encoding: 'utf8',
      }),
    ) as { values?: { outputs?: Record<string, { value: unknown }> } };
    expect(state.values?.outputs?.vpc_id?.value).toBe('vpc-prod');
  });
});
