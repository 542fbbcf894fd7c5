// Engines side by side share the cores: through the bundled action and real tofu, each engine process of a
// two-lane plan gets half of the cores as GOMAXPROCS, a lone stack keeps every core, and a GOMAXPROCS
// the workflow sets is passed on as it is. A wrapper named `tofu` first on PATH records what each process got.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOOLS } from '../support/harness.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
let gh: StandIn;
let wrapper: string;
let log: string;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  wrapper = mkdtempSync(path.join(tmpdir(), 'stackgate-wrapper-'));
  log = path.join(wrapper, 'engine.log');
  writeFileSync(log, '');
  const script = `#!/bin/sh\necho "\${GOMAXPROCS-unset} $1" >> '${log}'\nexec '${path.join(TOOLS, 'bin', 'tofu')}' "$@"\n`;
  writeFileSync(path.join(wrapper, 'tofu'), script);
  chmodSync(path.join(wrapper, 'tofu'), 0o755);
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
  rmSync(wrapper, { recursive: true, force: true });
});

const stack = (name: string) => `resource "terraform_data" "${name}" {\n  input = "${name}"\n}\n`;

async function plan(stacks: string[], inputs: Record<string, string>, env: Record<string, string> = {}) {
  const repo = createRepo(Object.fromEntries(stacks.map((name) => [`${name}/main.tf`, stack(name)])));
  const head = repo.commit('change');
  const run = await runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: 5,
    headSha: head,
    files: stacks.map((name) => `${name}/main.tf`),
    inputs,
    env: { PATH: `${wrapper}:${path.join(TOOLS, 'bin')}:${process.env.PATH ?? ''}`, ...env },
  });
  expect(run.exitCode, run.stdout).toBe(0);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  // The engine processes of the stacks (`version` and `fmt` of the door checks are not per stack).
  return lines.filter((line) => / (init|plan|show)$/.test(line)).map((line) => line.split(' ')[0]);
}

describe('engines share the cores', () => {
  it('gives each of two engines side by side half of the cores', async () => {
    const seen = await plan(['app', 'net'], { parallelism: '2' });
    expect(seen).toHaveLength(6);
    expect(new Set(seen)).toStrictEqual(
      new Set([String(Math.max(1, Math.floor(availableParallelism() / 2)))]),
    );
  });

  it('leaves a lone stack every core, and a workflow’s own GOMAXPROCS as it is', async () => {
    expect(new Set(await plan(['app'], { parallelism: '2' }))).toStrictEqual(new Set(['unset']));
    writeFileSync(log, '');
    expect(new Set(await plan(['app', 'net'], { parallelism: '2' }, { GOMAXPROCS: '3' }))).toStrictEqual(
      new Set(['3']),
    );
  });
});
