// Runs a workflow the way a user's runner would: nektos/act (built by scripts/install-test-tools.sh) in host
// mode, with the action checked out as `uses: ./`, the event payload in a file, the token as a secret and the
// API pointed at the GitHub stand-in. act serves `actions/checkout` of the same repository (no other
// `repository` or `ref`) from the local folder: it copies the folder, less what .gitignore names, into the job's
// fresh workspace instead of cloning, so it runs offline. Other remote actions need the network, so the few
// that cannot run offline are taken out, and the caller is told which.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { PROJECT_ROOT, TOOLS } from './harness.js';

export const ACT = path.join(TOOLS, 'bin/act');

/**
 * Remote actions a workflow may use that cannot run here: they download a release over the network. Each one
 * only puts an engine on PATH, which the test's PATH already does with the real tofu and terraform.
 */
export const OFFLINE_UNAVAILABLE = ['opentofu/setup-opentofu', 'hashicorp/setup-terraform'];

/** Remote actions act runs offline: checkout of the same repository is a copy of the local folder. */
const OFFLINE_AVAILABLE = ['actions/checkout'];

const ACTION = 'stackgate/stackgate';

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
  [key: string]: unknown;
}

interface Workflow {
  jobs: Record<string, { steps?: Step[]; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface PreparedWorkflow {
  /** The workflow as act runs it. */
  text: string;
  /** The `uses:` lines taken out, e.g. `opentofu/setup-opentofu@v1`. */
  removed: string[];
}

/**
 * Makes a user's workflow runnable here: the action becomes `./` (this checkout's action.yml and dist/), the
 * actions in OFFLINE_UNAVAILABLE are taken out and reported; any other remote action is an error, so a new one
 * in an example is decided on, never silently dropped.
 */
export function prepareWorkflow(text: string): PreparedWorkflow {
  const workflow = parseYaml(text) as Workflow;
  const removed: string[] = [];
  for (const job of Object.values(workflow.jobs)) {
    const steps: Step[] = [];
    for (const step of job.steps ?? []) {
      const uses = step.uses;
      if (uses === undefined || uses.startsWith('./')) {
        steps.push(step);
        continue;
      }
      const name = uses.split('@')[0] ?? '';
      if (name === ACTION) steps.push({ ...step, uses: './' });
      else if (OFFLINE_UNAVAILABLE.includes(name)) removed.push(uses);
      else if (OFFLINE_AVAILABLE.includes(name)) steps.push(step);
      else throw new Error(`prepareWorkflow: ${uses} is neither runnable offline nor known to be unneeded`);
    }
    job.steps = steps;
  }
  return { text: stringifyYaml(workflow), removed };
}

/** Copies the action itself (action.yml and the bundle) into a repository, as a checkout of it would hold. */
export function installAction(dir: string): void {
  cpSync(path.join(PROJECT_ROOT, 'action.yml'), path.join(dir, 'action.yml'));
  cpSync(path.join(PROJECT_ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
}

export interface ActOptions {
  /** The repository folder (a git checkout holding the workflow and the action). */
  workdir: string;
  /** Workflow file, relative to workdir. */
  workflow: string;
  eventName: string;
  payload: Record<string, unknown>;
  apiUrl: string;
  repository: string;
  token: string;
  secrets?: Record<string, string>;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface ActRun {
  exitCode: number | null;
  /** act's whole log (stdout and stderr), as a person reading the run would see it. */
  log: string;
}

export async function runAct(options: ActOptions): Promise<ActRun> {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'stackgate-act-'));
  const eventFile = path.join(temp, 'event.json');
  writeFileSync(eventFile, JSON.stringify(options.payload));
  // act keeps action clones and host workspaces under these; a private HOME also keeps any ~/.actrc out.
  const home = path.join(temp, 'home');
  mkdirSync(home);
  const args = [
    options.eventName,
    '--directory',
    options.workdir,
    '--workflows',
    options.workflow,
    '--eventpath',
    eventFile,
    '--platform',
    'ubuntu-latest=-self-hosted',
    '--action-cache-path',
    path.join(temp, 'action-cache'),
    '--cache-server-path',
    path.join(temp, 'cache-server'),
    '--no-cache-server',
    '--secret',
    `GITHUB_TOKEN=${options.token}`,
    '--env',
    `GITHUB_API_URL=${options.apiUrl}`,
    '--env',
    `GITHUB_REPOSITORY=${options.repository}`,
    '--env',
    `GITHUB_REPOSITORY_OWNER=${options.repository.split('/')[0] ?? ''}`,
  ];
  for (const [name, value] of Object.entries(options.secrets ?? {}))
    args.push('--secret', `${name}=${value}`);
  for (const [name, value] of Object.entries(options.env ?? {})) args.push('--env', `${name}=${value}`);

  const child = spawn(ACT, args, {
    cwd: options.workdir,
    env: {
      // Node 24 first: host mode runs `node` from PATH for a node24 action. Then the real engines.
      PATH: `${path.join(TOOLS, 'node24/bin')}:${path.join(TOOLS, 'bin')}:${process.env.PATH ?? ''}`,
      HOME: home,
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_CONFIG_HOME: path.join(home, '.config'),
      TF_CLI_CONFIG_FILE: path.join(TOOLS, 'tofurc'),
      // act reads no terminal: plain lines, no colours.
      NO_COLOR: '1',
      TERM: 'dumb',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a timeout ends act and everything it started (node, tofu), nothing else.
    detached: true,
  });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const timeout = setTimeout(() => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, options.timeoutMs ?? 240_000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timeout);
  return { exitCode, log };
}
