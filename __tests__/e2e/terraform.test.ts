// `engine: terraform` with the real terraform binary (the one on PATH, else the one the install script built),
// beside OpenTofu: the same pull request, planned by each engine from the same applied state, must give the
// same comment apart from the engine's name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLS, type ActionRun } from '../support/harness.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, dataStack } from '../support/repo.js';
import { startStandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const ENGINES = ['tofu', 'terraform'] as const;
type Engine = (typeof ENGINES)[number];

const ENV = {
  ...process.env,
  PATH: `${path.join(TOOLS, 'bin')}:${process.env.PATH ?? ''}`,
  TF_CLI_CONFIG_FILE: path.join(TOOLS, 'tofurc'),
  TF_IN_AUTOMATION: '1',
};

function engineVersion(engine: Engine): string {
  return execFileSync(engine, ['version'], { env: ENV, encoding: 'utf8' }).split('\n')[0] ?? '';
}

function run(engine: Engine, cwd: string, args: string[]): void {
  execFileSync(engine, args, { cwd, env: ENV, stdio: 'pipe' });
}

function filesStack(motd: string, config: string, extra: string): string {
  return `terraform {
  required_providers {
    local = { source = "hashicorp/local" }
  }
}

variable "api_key" {
  type      = string
  sensitive = true
  default   = "k-0123456789abcdef"
}

resource "local_file" "motd" {
  filename = "\${path.module}/out/motd.txt"
  content  = "${motd}"
}

resource "terraform_data" "config" {
  input = { level = "${config}" }
}

output "motd_path" {
  value = local_file.motd.filename
}
${extra}`;
}

const BASE = {
  'stacks/files/main.tf': filesStack(
    'hello',
    'info',
    `resource "local_file" "readme" {
  filename = "\${path.module}/out/readme.txt"
  content  = "read me"
}

resource "terraform_data" "old_name" {
  input = "kept"
}
`,
  ),
  'stacks/drift/main.tf': `resource "local_file" "watched" {
  filename = "\${path.module}/out/watched.txt"
  content  = "as planned"
}
`,
  'stacks/data/main.tf': dataStack('app', 'v1'),
};

const HEAD = {
  // Replace (local_file content forces it), update in place, delete, move, output change.
  'stacks/files/main.tf': filesStack(
    'hello, world',
    'debug',
    `moved {
  from = terraform_data.old_name
  to   = terraform_data.new_name
}

resource "terraform_data" "new_name" {
  input = "kept"
}

output "level" {
  value = terraform_data.config.input.level
}

resource "local_file" "key" {
  filename = "\${path.module}/out/key.txt"
  content  = var.api_key
}
`,
  ),
  'stacks/data/main.tf': dataStack('app', 'v2'),
  'stacks/broken/main.tf': 'resource "terraform_data" "x" {\n  input = var.not_declared\n}\n',
};

const CHANGED = [
  'stacks/files/main.tf',
  'stacks/data/main.tf',
  'stacks/broken/main.tf',
  'stacks/drift/main.tf',
];

const runs = new Map<Engine, ActionRun & { comment: string; checks: [string, string | null][] }>();
const folders: string[] = [];

beforeAll(async () => {
  const source = createRepo(BASE);
  const base = source.commit('base');
  source.write(HEAD);
  const head = source.commit('head');
  folders.push(source.dir);
  for (const engine of ENGINES) {
    // Each engine gets its own checkout and state, applied from the base commit by that engine.
    const dir = mkdtempSync(path.join(os.tmpdir(), `stackgate-${engine}-`));
    folders.push(dir);
    execFileSync('git', ['clone', '--quiet', source.dir, dir]);
    execFileSync('git', ['checkout', '--quiet', base], { cwd: dir });
    for (const stack of ['stacks/files', 'stacks/drift', 'stacks/data']) {
      const cwd = path.join(dir, stack);
      run(engine, cwd, ['init', '-input=false', '-no-color']);
      run(engine, cwd, ['apply', '-auto-approve', '-input=false', '-no-color']);
    }
    // Drift: the watched file is gone behind the engine's back.
    rmSync(path.join(dir, 'stacks/drift/out/watched.txt'));
    execFileSync('git', ['checkout', '--quiet', head], { cwd: dir });

    const gh = await startStandIn({ repos: [REPO] });
    try {
      const result = await runOnPullRequest({
        gh,
        repository: REPO,
        workspace: dir,
        number: 7,
        headSha: head,
        baseSha: base,
        files: CHANGED,
        inputs: { engine },
      });
      const comment = gh.state.comments(REPO, 7)[0]?.body ?? '';
      const checks = gh.state
        .checkRuns(REPO, head)
        .map((check): [string, string | null] => [check.name, check.conclusion]);
      expect(gh.violations).toEqual([]);
      runs.set(engine, { ...result, comment, checks });
    } finally {
      await gh.close();
    }
  }
}, 300_000);

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/**
 * The comment with what must differ taken out: the engine's name (`terraform_data` and the like are resource
 * types, kept), and the ids the two separate applies generated (random UUIDs of terraform_data) together with
 * the plan fingerprints that hash them.
 */
function normalised(comment: string, engine: Engine): string {
  const product = engine === 'tofu' ? 'OpenTofu' : 'Terraform';
  return comment
    .replace(new RegExp(`\\b${engine}\\b`, 'g'), 'ENGINE')
    .replace(new RegExp(`\\b${product}\\b`, 'g'), 'ENGINE')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID')
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:FINGERPRINT');
}

describe('engine: terraform beside engine: tofu', () => {
  it('runs the real binaries', () => {
    expect(engineVersion('terraform')).toMatch(/^Terraform v1\.\d+\.\d+/);
    expect(engineVersion('tofu')).toMatch(/^OpenTofu v1\.\d+\.\d+/);
  });

  it.each(ENGINES)('%s plans every kind of change, drift and an error, and gates on the error', (engine) => {
    const result = runs.get(engine)!;
    expect(result.exitCode).toBe(1);
    const stacks = JSON.parse(result.outputs.stacks ?? '[]') as {
      name: string;
      engine: string;
      status: string;
    }[];
    expect(stacks.map((stack) => [stack.name, stack.engine, stack.status])).toEqual([
      ['stacks/broken', engine, 'errored'],
      ['stacks/data', engine, 'planned'],
      ['stacks/drift', engine, 'planned'],
      ['stacks/files', engine, 'planned'],
    ]);
    const summary = JSON.parse(result.outputs.summary ?? '{}') as Record<string, Record<string, number>>;
    expect(summary['stacks/files']).toMatchObject({ add: 2, change: 1, destroy: 2, replace: 1, move: 1 });
    expect(summary['stacks/drift']).toMatchObject({ add: 1, drift: 1 });
    expect(result.checks).toEqual([['stackgate/plan', 'failure']]);
    const comment = result.comment;
    expect(comment).toContain(`| stacks/files | ${engine} |`);
    expect(comment).toContain('local_file.motd');
    expect(comment).toContain('terraform_data.new_name');
    expect(comment).toContain('"hello, world"');
    expect(comment).toMatch(/stacks\/broken\/main\.tf:2/);
    expect(comment).toMatch(/content += \(sensitive value\)/);
    expect(comment).not.toContain('k-0123456789abcdef');
    expect(result.visibleText).not.toContain('k-0123456789abcdef');
  });

  it('gives the same comment from both engines except for the engine name', () => {
    const tofu = normalised(runs.get('tofu')!.comment, 'tofu');
    const terraform = normalised(runs.get('terraform')!.comment, 'terraform');
    // Nothing else was taken out: the drift heading names the product, the rest is engine-neutral.
    expect(tofu).toContain('changed outside of ENGINE');
    expect(tofu.match(/UUID/g)?.length).toBeGreaterThanOrEqual(3);
    expect(tofu.length).toBeGreaterThan(1000);
    expect(terraform).toBe(tofu);
  });

  it('gives the same outputs from both engines except for the engine name', () => {
    for (const output of ['stacks', 'summary', 'has-changes'] as const) {
      expect(runs.get('terraform')!.outputs[output]?.replace(/"terraform"/g, '"ENGINE"')).toBe(
        runs.get('tofu')!.outputs[output]?.replace(/"tofu"/g, '"ENGINE"'),
      );
    }
  });
});
