// The engines' Go runtime settings, through the bundled action and real tofu: each engine process of a two-lane
// plan gets half of the cores as GOMAXPROCS and half the memory a lone stack's collector may use, a lone stack
// keeps every core, and the workflow's own GOMAXPROCS and GOGC are passed on as they are. A wrapper named
// `tofu` first on PATH records what each process got.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
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
  const script = `#!/bin/sh\necho "\${GOMAXPROCS-unset} \${GOGC-unset} \${GOMEMLIMIT-unset} $1" >> '${log}'\nexec '${path.join(TOOLS, 'bin', 'tofu')}' "$@"\n`;
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
  return lines
    .filter((line) => / (init|plan|show|validate)$/.test(line))
    .map((line) => line.split(' ').slice(0, 3).join(' '));
}

/**
 * The collector settings each engine process of a lane gets: GOGC=400 and an eighth of the machine's memory split
 * between lanes, or Go's defaults (both unset) on a machine where that would be under 256 MiB.
 */
function collector(lanes: number): string {
  const limit = process.constrainedMemory();
  const memory = limit > 0 ? Math.min(limit, totalmem()) : totalmem();
  const mib = Math.floor(memory / 8 / lanes / 2 ** 20);
  return mib >= 256 ? `400 ${mib}MiB` : 'unset unset';
}

describe('engines’ Go runtime', () => {
  it('gives each of two engines side by side half of the cores and of the memory', async () => {
    const seen = await plan(['app', 'net'], { parallelism: '2' });
    expect(seen).toHaveLength(6);
    const cores = String(Math.max(1, Math.floor(availableParallelism() / 2)));
    expect(new Set(seen)).toStrictEqual(new Set([`${cores} ${collector(2)}`]));
  });

  it('sizes command: validate’s engines to its lanes too', async () => {
    const seen = await plan(['app', 'net'], { command: 'validate', parallelism: '2' });
    expect(seen).toHaveLength(4); // init -backend=false and validate, per stack
    const cores = String(Math.max(1, Math.floor(availableParallelism() / 2)));
    expect(new Set(seen)).toStrictEqual(new Set([`${cores} ${collector(2)}`]));
  });

  it('leaves a lone stack every core, and a workflow’s own GOMAXPROCS and GOGC as they are', async () => {
    expect(new Set(await plan(['app'], { parallelism: '2' }))).toStrictEqual(
      new Set([`unset ${collector(1)}`]),
    );
    writeFileSync(log, '');
    const own = await plan(['app', 'net'], { parallelism: '2' }, { GOMAXPROCS: '3', GOGC: '150' });
    expect(new Set(own)).toStrictEqual(new Set(['3 150 unset']));
  });
});
