// Fan-out over a matrix, end to end: dist/index.js as the runner runs each job, the real tofu, the GitHub
// stand-in with the runner's artifact service (the real `@actions/artifact` talks to it). detect → one plan job
// per matrix entry with `publish: artifact` → report must leave the same sticky comment and check run as one
// plan job over the same change; a job that left nothing is named and fails the gate.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/harness.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const PLANTED = 'planted-matrix-s3cret-71c4';
const RUN = 'run-backend-1001';

/** A stack whose variable is sensitive: its value must reach no comment, log or artifact. */
const secretStack = `variable "password" {
  type      = string
  sensitive = true
  default   = "${PLANTED}"
}

resource "terraform_data" "db" {
  input = {
    user     = "app"
    password = var.password
  }
}
`;

let repo: TestRepo;
let baseSha: string;
let head: string;
const standIns: StandIn[] = [];

async function standIn(): Promise<StandIn> {
  const gh = await startStandIn({ repos: [REPO] });
  standIns.push(gh);
  return gh;
}

const CHANGED = ['stacks/app/main.tf', 'stacks/db/main.tf', 'stacks/dns/main.tf'];

function job(gh: StandIn, name: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: 7,
    headSha: head,
    baseSha,
    files: CHANGED,
    inputs,
    env: { ...gh.artifacts.jobEnv(RUN, `job-${name}`), GITHUB_JOB: name },
  });
}

interface Matrix {
  include: { stack: string; path: string; engine: string }[];
}

function sticky(gh: StandIn) {
  return gh.state.comments(REPO, 7).filter((comment) => comment.body.startsWith('<!-- stackgate:comment'));
}

/** Comments of one run compared across runs: only the links to the run may differ. */
function withoutRunLinks(body: string): string {
  return body.replace(/\(\[workflow run\]\([^)]*\)\)/g, '([workflow run](…))');
}

beforeEach(() => {
  repo = createRepo({
    'stacks/network/main.tf': dataStack('vpc', '10.0.0.0/16'),
    'stacks/app/main.tf': dataStack('app', 'v1'),
    'stacks/dns/main.tf': dataStack('zone', 'example.test'),
    'stacks/db/main.tf': dataStack('db', 'v1'),
  });
  baseSha = repo.commit('four stacks');
  repo.write({
    'stacks/app/main.tf': dataStack('app', 'v2'),
    'stacks/db/main.tf': secretStack,
    'stacks/dns/main.tf': dataStack('zone', 'example.test', '# comment only\n'),
  });
  head = repo.commit('change three stacks');
});

afterEach(async () => {
  for (const gh of standIns.splice(0)) {
    expect(gh.violations).toEqual([]);
    await gh.close();
  }
});

describe('a matrix: detect, plan per stack, report', () => {
  it('leaves the comment and check run one plan job leaves, and no secret in any artifact', async () => {
    const single = await standIn();
    const one = await job(single, 'plan', { command: 'plan' });
    expect(one.exitCode).toBe(0);
    const [expected] = sticky(single);
    expect(expected?.body).toContain('terraform_data.app');

    const gh = await standIn();
    const detect = await job(gh, 'detect', { command: 'detect', publish: 'artifact' });
    expect(detect.stderr).toBe('');
    expect(detect.exitCode).toBe(0);
    const matrix = JSON.parse(detect.outputs.matrix ?? '') as Matrix;
    expect(matrix.include).toEqual([
      { stack: 'stacks/app', path: 'stacks/app', engine: 'tofu' },
      { stack: 'stacks/db', path: 'stacks/db', engine: 'tofu' },
      { stack: 'stacks/dns', path: 'stacks/dns', engine: 'tofu' },
    ]);
    expect(JSON.parse(detect.outputs.stacks ?? '')).toEqual(['stacks/app', 'stacks/db', 'stacks/dns']);
    expect(detect.outputs.count).toBe('3');
    // detect writes nothing to the pull request.
    expect(gh.calls.filter((call) => call.method !== 'GET' && call.operationId)).toEqual([]);

    for (const [i, entry] of matrix.include.entries()) {
      const plan = await job(gh, `plan-${i}`, { command: 'plan', publish: 'artifact', stacks: entry.stack });
      expect(plan.exitCode, plan.stdout).toBe(0);
      expect(plan.summary).toContain(entry.stack);
      expect(plan.visibleText).not.toContain(PLANTED);
    }
    // The matrix jobs wrote no comment and no check run of their own.
    expect(sticky(gh)).toEqual([]);
    expect(gh.state.checkRuns(REPO, head)).toEqual([]);
    const artifacts = gh.artifacts.finalized(RUN);
    expect(artifacts).toHaveLength(4);
    for (const artifact of artifacts) {
      const text = artifact.content?.toString('utf8') ?? '';
      expect(JSON.parse(text)).toMatchObject({ version: 1 });
      expect(text).not.toContain(PLANTED);
    }

    const report = await job(gh, 'report', { command: 'report' });
    expect(report.stderr).toBe('');
    expect(report.exitCode).toBe(0);
    expect(report.visibleText).not.toContain(PLANTED);
    const comments = sticky(gh);
    expect(comments).toHaveLength(1);
    expect(withoutRunLinks(comments[0]!.body)).toBe(withoutRunLinks(expected!.body));
    expect(comments[0]!.body).toContain('(sensitive value)');

    const [check] = gh.state.checkRuns(REPO, head);
    const [singleCheck] = single.state.checkRuns(REPO, head);
    expect(check).toMatchObject({ name: 'stackgate/plan', conclusion: 'success' });
    expect(check?.output?.title).toBe(singleCheck?.output?.title);
    expect(report.outputs.stacks).toBe(one.outputs.stacks);
    expect(report.outputs.summary).toBe(one.outputs.summary);
    expect(report.outputs['has-changes']).toBe('true');
  });

  it('with a stack that fails to plan and a formatting finding: the same comment and the same failure', async () => {
    repo.write({
      // Not formatted: a blocking finding of the checks.
      'stacks/app/main.tf': dataStack('app', 'v2').replace('  input = {', 'input   =   {'),
      // Plans into an error: the variable has no value.
      'stacks/dns/main.tf':
        'variable "zone" {\n  type = string\n}\n\nresource "terraform_data" "zone" {\n  input = var.zone\n}\n',
    });
    head = repo.commit('break two stacks');
    const single = await standIn();
    const one = await job(single, 'plan', { command: 'plan' });
    expect(one.exitCode).toBe(1);
    const [expected] = sticky(single);
    expect(expected?.body).toContain('Formatting');

    const gh = await standIn();
    const detect = await job(gh, 'detect', { command: 'detect', publish: 'artifact' });
    const matrix = JSON.parse(detect.outputs.matrix ?? '') as Matrix;
    const exits: (number | null)[] = [];
    for (const [i, entry] of matrix.include.entries()) {
      const plan = await job(gh, `plan-${i}`, { command: 'plan', publish: 'artifact', stacks: entry.stack });
      exits.push(plan.exitCode);
    }
    // app (formatting) and dns (plan error) fail their own jobs; db passes.
    expect(exits).toEqual([1, 0, 1]);
    const report = await job(gh, 'report', { command: 'report' });
    expect(report.exitCode).toBe(1);
    const [comment] = sticky(gh);
    expect(withoutRunLinks(comment!.body)).toBe(withoutRunLinks(expected!.body));
    const failure = (run: ActionRun) => run.commands.find((command) => command.command === 'error')?.message;
    expect(failure(one)).toContain('Plan failed for 1 stack(s): stacks/dns');
    expect(failure(report)).toBe(failure(one));
    expect(gh.state.checkRuns(REPO, head)[0]?.output?.title).toBe(
      single.state.checkRuns(REPO, head)[0]?.output?.title,
    );
  });

  it('names a matrix job that left no plan and fails the gate', async () => {
    const gh = await standIn();
    const detect = await job(gh, 'detect', { command: 'detect', publish: 'artifact' });
    const matrix = JSON.parse(detect.outputs.matrix ?? '') as Matrix;
    // Only the first entry ran; the others were cancelled before they uploaded anything.
    const first = await job(gh, 'plan-0', {
      command: 'plan',
      publish: 'artifact',
      stacks: matrix.include[0]!.stack,
    });
    expect(first.exitCode).toBe(0);

    const report = await job(gh, 'report', { command: 'report' });
    expect(report.exitCode).toBe(1);
    const failure = report.commands.find((command) => command.command === 'error')?.message ?? '';
    expect(failure).toContain('Plan failed for 2 stack(s)');
    expect(failure).toContain('stacks/db (no plan: the matrix job for stacks/db left no result');
    expect(failure).toContain('stacks/dns (no plan: the matrix job for stacks/dns left no result');
    const [comment] = sticky(gh);
    expect(comment?.body).toContain('terraform_data.app');
    expect(comment?.body).toContain('the matrix job for stacks/db left no result');
    expect(gh.state.checkRuns(REPO, head)[0]).toMatchObject({ conclusion: 'failure' });
  });

  it('without the selection from detect, report says what to run', async () => {
    const gh = await standIn();
    const report = await job(gh, 'report', { command: 'report' });
    expect(report.exitCode).toBe(1);
    expect(report.stdout).toContain('No selection from command: detect in this workflow run');
    expect(sticky(gh)).toEqual([]);
  });
});

describe('detect at the matrix limit', () => {
  it('refuses more than 256 entries with the batch size to set, and packs them with matrix-batch-size', async () => {
    const stacks: Record<string, string> = {};
    for (let i = 0; i < 257; i++)
      stacks[`stacks/s${String(i).padStart(3, '0')}/main.tf`] = dataStack('d', 'v1');
    repo = createRepo(stacks);
    baseSha = repo.commit('257 stacks');
    head = baseSha;
    const gh = await standIn();
    const run = (inputs: Record<string, string>) =>
      runOnPullRequest({
        gh,
        repository: REPO,
        workspace: repo.dir,
        number: 8,
        headSha: head,
        baseSha,
        files: Object.keys(stacks),
        inputs: { command: 'detect', ...inputs },
      });

    const refused = await run({});
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain(
      '257 stacks are affected, which makes 257 matrix jobs at 1 stack(s) per job: GitHub runs at most 256 jobs from one matrix. Set matrix-batch-size to 2 or more (or auto)',
    );
    expect(refused.outputs.matrix).toBeUndefined();

    const packed = await run({ 'matrix-batch-size': 'auto' });
    expect(packed.exitCode).toBe(0);
    const matrix = JSON.parse(packed.outputs.matrix ?? '') as Matrix;
    expect(matrix.include).toHaveLength(129);
    expect(matrix.include[0]?.stack).toBe('stacks/s000, stacks/s001');
    expect(packed.outputs.count).toBe('257');
  });
});
