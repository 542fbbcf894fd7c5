// The provider plugin cache through the bundled action: every stack of the job with a lock file installs into
// one folder, and a cache service that is missing or refuses connections is a notice, never a failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, type TestRepo } from '../support/repo.js';
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

const fileStack = (name: string) => `terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "2.9.0" }
  }
}

resource "local_file" "${name}" {
  filename = "\${path.module}/${name}.txt"
  content  = "${name}"
}
`;

/** The lock file tofu writes for `fileStack` (from the tools' offline mirror), made once. */
let lockFile: string | undefined;
function lockFileText(): string {
  if (lockFile === undefined) {
    const dir = mkdtempSync(path.join(tmpdir(), 'stackgate-lock-'));
    try {
      writeFileSync(path.join(dir, 'main.tf'), fileStack('lock'));
      execFileSync('tofu', ['init', '-input=false', '-no-color'], { cwd: dir, stdio: 'pipe' });
      lockFile = readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return lockFile;
}

function twoStacks(locked = false): TestRepo {
  const lock = (folder: string) => (locked ? { [`${folder}/.terraform.lock.hcl`]: lockFileText() } : {});
  return createRepo({
    'app/main.tf': fileStack('app'),
    'net/main.tf': fileStack('net'),
    ...lock('app'),
    ...lock('net'),
  });
}

/** A local port nothing listens on. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function plan(repo: TestRepo, env: Record<string, string>) {
  const head = repo.commit('change');
  const run = await runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: 3,
    headSha: head,
    files: ['app/main.tf', 'net/main.tf'],
    env,
  });
  const notices = run.commands.filter((command) => command.command === 'notice').map((c) => c.message);
  const stacks = JSON.parse(run.outputs.stacks ?? '[]') as { name: string; status: string }[];
  return { run, notices, stacks };
}

describe('provider cache', () => {
  it('installs every locked stack’s providers into the one shared folder, with a notice when no cache service is there', async () => {
    const shared = mkdtempSync(path.join(tmpdir(), 'stackgate-plugins-'));
    try {
      const { run, notices, stacks } = await plan(twoStacks(true), { TF_PLUGIN_CACHE_DIR: shared });
      expect(run.exitCode).toBe(0);
      expect(stacks.map((stack) => stack.status)).toEqual(['planned', 'planned']);
      expect(notices).toContainEqual(expect.stringContaining('Actions cache service is not available'));
      expect(existsSync(path.join(shared, 'registry.opentofu.org/hashicorp/local/2.9.0'))).toBe(true);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('keeps stacks without a lock file out of the shared folder (their inits reinstall every time)', async () => {
    const shared = mkdtempSync(path.join(tmpdir(), 'stackgate-plugins-'));
    try {
      const { run, stacks } = await plan(twoStacks(), { TF_PLUGIN_CACHE_DIR: shared });
      expect(run.exitCode).toBe(0);
      expect(stacks.map((stack) => stack.status)).toEqual(['planned', 'planned']);
      expect(readdirSync(shared)).toEqual([]);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('plans as usual when the cache service refuses connections', async () => {
    const port = await refusedPort();
    const { run, notices, stacks } = await plan(twoStacks(), {
      ACTIONS_CACHE_URL: `http://127.0.0.1:${port}/`,
      ACTIONS_RUNTIME_TOKEN: 'runtime-token',
    });
    expect(run.exitCode).toBe(0);
    expect(stacks.map((stack) => stack.status)).toEqual(['planned', 'planned']);
    expect(notices.some((notice) => notice.startsWith('Provider cache:'))).toBe(true);
    expect(run.commands.filter((command) => command.command === 'error')).toEqual([]);
  });
});
