// `depends-on` end to end: one `/stackgate apply` of two stacks, real tofu with the `local` provider. The
// dependency applies first; when its apply fails, the dependant is skipped (said so in the comment) and its
// file is never written.
import { chmodSync, mkdtempSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAction, TOOLS } from '../support/harness.js';
import { issueCommentPayload } from '../support/payloads.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';

const stackFile = (name: string) => `terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "2.9.0" }
  }
}

variable "target_${name}" {
  type = string
}

resource "local_file" "${name}" {
  filename = var.target_${name}
  content  = "${name}\\n"
}
`;

const CONFIG = `version: 1
stacks:
  - name: app
    path: stacks/app
    depends-on: [network]
  - name: network
    path: stacks/network
`;

let gh: StandIn;
let repo: TestRepo;
let baseSha: string;
let dir: string;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  gh.setCollaborator(REPO, 'alice', 'write');
  repo = createRepo({ '.stackgate.yml': CONFIG, 'README.md': 'infra\n' });
  baseSha = repo.commit('base');
  gh.setRef(REPO, 'refs/heads/main', baseSha);
  dir = mkdtempSync(path.join(os.tmpdir(), 'stackgate-order-'));
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

async function planAndApply(env: Record<string, string>) {
  repo.write({ 'stacks/app/main.tf': stackFile('app'), 'stacks/network/main.tf': stackFile('network') });
  const head = repo.commit('two stacks');
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
  gh.addReview(REPO, 1, { user: 'bob', state: 'APPROVED', commitId: head });
  const body = '/stackgate apply';
  const record = gh.addComment(REPO, 1, body, 'alice');
  return runAction({
    workspace: repo.dir,
    eventName: 'issue_comment',
    payload: issueCommentPayload({
      owner: 'octo',
      repo: 'infra',
      number: 1,
      commentId: record.id,
      body,
      author: 'alice',
    }),
    apiUrl: gh.url,
    repository: REPO,
    sha: baseSha,
    ref: 'refs/heads/main',
    inputs: { command: 'apply' },
    env,
  });
}

function sticky(): string {
  return gh.state.comments(REPO, 1).find((c) => c.body.startsWith('<!-- stackgate:comment'))!.body;
}

describe('depends-on in an apply', () => {
  it('applies the dependency first, then its dependant', async () => {
    const env = {
      TF_VAR_target_app: path.join(dir, 'app.txt'),
      TF_VAR_target_network: path.join(dir, 'net.txt'),
    };
    const run = await planAndApply(env);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual(['app', 'network']);
    expect(readFileSync(env.TF_VAR_target_app, 'utf8')).toBe('app\n');
    const [network, app] = gh.state.deployments(REPO);
    expect(network?.environment).toBe('stackgate/network');
    expect(app?.environment).toBe('stackgate/app');
    // The dependant's deployment starts only after the dependency's finished.
    expect(run.stdout.indexOf('Applying app')).toBeGreaterThan(run.stdout.indexOf('network: applied'));
  });

  it('gives the engines of an apply run their Go runtime settings for its lanes', async () => {
    // A wrapper named `tofu` first on PATH records what each engine process got.
    const log = path.join(dir, 'engine.log');
    writeFileSync(log, '');
    const script = `#!/bin/sh\necho "\${GOMAXPROCS-unset} \${GOGC-unset} $1" >> '${log}'\nexec '${path.join(TOOLS, 'bin', 'tofu')}' "$@"\n`;
    writeFileSync(path.join(dir, 'tofu'), script);
    chmodSync(path.join(dir, 'tofu'), 0o755);
    const run = await planAndApply({
      TF_VAR_target_app: path.join(dir, 'app.txt'),
      TF_VAR_target_network: path.join(dir, 'net.txt'),
      PATH: `${dir}:${path.join(TOOLS, 'bin')}:${process.env.PATH ?? ''}`,
    });
    expect(run.exitCode, run.stdout).toBe(0);
    const applies = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter((line) => line.endsWith(' apply'));
    expect(applies).toHaveLength(2);
    // Two stacks, `parallelism` defaulting to the CPU count: two lanes (on one CPU, one lane and every core).
    const lanes = Math.min(2, os.availableParallelism());
    const cores = lanes > 1 ? String(Math.max(1, Math.floor(os.availableParallelism() / lanes))) : 'unset';
    expect(new Set(applies)).toStrictEqual(new Set([`${cores} 400 apply`]));
  });

  it('skips the dependant when the dependency fails to apply, and says so', async () => {
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder\n');
    // The network's file goes below a plain file: the plan passes, the apply cannot create the folder.
    const env = {
      TF_VAR_target_app: path.join(dir, 'app.txt'),
      TF_VAR_target_network: path.join(blocker, 'x', 'net.txt'),
    };
    const run = await planAndApply(env);
    expect(run.exitCode).toBe(1);
    expect(run.outputs['failure-reason']).toBe('apply-failed');
    expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual([]);
    expect(existsSync(env.TF_VAR_target_app)).toBe(false);
    const body = sticky();
    expect(body).toContain('failed for `network`');
    expect(body).toContain('Skipped, not applied: `app`');
    expect(body).toContain('this stack depends on network, whose apply failed');
    expect(gh.state.deployments(REPO).map((d) => d.environment)).toEqual(['stackgate/network']);
  });
});
