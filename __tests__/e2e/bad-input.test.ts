// Bad input of every kind, end to end: wrong inputs, a broken .stackgate.yml, missing or misbehaving engines,
// events Stackgate does not run on. Each case checks what a user sees: the exit status, an error naming the
// input, file and line, and nothing half-posted on the pull request.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeEngine, type FakeEngine, type FakeMode } from '../support/fake-engine.js';
import { runAction, TOOLS, type ActionRun, type WorkflowCommand } from '../support/harness.js';
import { pullRequestPayload } from '../support/payloads.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const [OWNER = '', NAME = ''] = REPO.split('/');
const PR = 21;
const COMMENT_LIMIT = 65_536;
const SUMMARY_LIMIT = 1024 * 1024;
/** A PATH with the real tofu and the system tools, but no terraform (the machine has one in /usr/local/bin). */
const TOFU_ONLY_PATH = `${path.join(TOOLS, 'bin')}:/usr/bin:/bin`;

let gh: StandIn;
let cases = 0;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
});
afterEach(async () => {
  cases += 1;
  expect(gh.violations).toEqual([]);
  await gh.close();
});
afterAll(() => {
  console.log(`bad-input cases: ${cases}`);
});

interface RunOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  changed?: string[];
  eventName?: string;
  payload?: Record<string, unknown>;
  fork?: boolean;
  timeoutMs?: number;
  cancelAfterMs?: number;
}

/** Commits the repository and runs the action on a pull request that changes `changed` (default: the config). */
async function run(repo: TestRepo, options: RunOptions = {}): Promise<{ run: ActionRun; head: string }> {
  const head = repo.commit('change');
  gh.addPullRequest(REPO, {
    number: PR,
    headSha: head,
    baseSha: head,
    headRepo: options.fork ? 'someone/infra' : undefined,
    files: (options.changed ?? ['.stackgate.yml']).map((filename) => ({ filename })),
  });
  const payload =
    options.payload ??
    pullRequestPayload({
      owner: OWNER,
      repo: NAME,
      number: PR,
      headSha: head,
      baseSha: head,
      forkFullName: options.fork ? 'someone/infra' : undefined,
    });
  const result = await runAction({
    workspace: repo.dir,
    eventName: options.eventName ?? 'pull_request',
    payload,
    apiUrl: gh.url,
    repository: REPO,
    sha: head,
    ref: `refs/pull/${PR}/merge`,
    inputs: options.inputs,
    env: options.env,
    timeoutMs: options.timeoutMs,
    cancelAfterMs: options.cancelAfterMs,
  });
  return { run: result, head };
}

function errors(result: ActionRun): WorkflowCommand[] {
  return result.commands.filter((command) => command.command === 'error');
}

/** Nothing was written to GitHub: no comment, no check run, no label, nothing. */
function expectNoWrites(): void {
  expect(
    gh.calls.filter((call) => call.method !== 'GET').map((call) => `${call.method} ${call.path}`),
  ).toEqual([]);
}

/** A broken config still replaces the report: one comment naming the problem, a failed check, no plan. */
function expectConfigFailureReport(head: string, line: number): void {
  const comments = gh.state.comments(REPO, PR);
  expect(comments).toHaveLength(1);
  expect(comments[0]!.body).toContain(`.stackgate.yml:${line}`);
  const checks = gh.state.checkRuns(REPO, head);
  expect(checks).toHaveLength(1);
  expect(checks[0]).toMatchObject({ name: 'stackgate/plan', conclusion: 'failure' });
}

/** A temporary folder outside every test repository. */
function outsideFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackgate-outside-'));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------------------

interface InputCase {
  input: string;
  value: string;
  /** Part of the message that says what is wrong. */
  says: RegExp;
  setup?: (repo: TestRepo) => void;
  /** Other inputs of the run. */
  with?: Record<string, string>;
}

const inputCases: InputCase[] = [
  { input: 'command', value: 'destroy', says: /unknown command/ },
  { input: 'publish', value: 'comment', says: /github or artifact/ },
  {
    input: 'publish',
    value: 'artifact',
    says: /artifact is for command: plan and detect \(a matrix\), not validate/,
    with: { command: 'validate' },
  },
  { input: 'matrix-batch-size', value: '0', says: /1 to 10000 or auto/ },
  { input: 'engine', value: 'pulumi', says: /auto, tofu or terraform/ },
  { input: 'parallelism', value: '0', says: /1 to 64/ },
  { input: 'parallelism', value: '-1', says: /1 to 64/ },
  { input: 'parallelism', value: 'abc', says: /1 to 64/ },
  { input: 'parallelism', value: '65', says: /1 to 64/ },
  { input: 'comment', value: 'maybe', says: /true or false/ },
  { input: 'working-directory', value: 'no-such-folder', says: /does not exist/ },
  { input: 'working-directory', value: '../outside', says: /outside the workspace/ },
  { input: 'config', value: 'ops/stackgate.yml', says: /does not exist/ },
  { input: 'config', value: '../stackgate.yml', says: /outside the working directory/ },
  { input: 'config', value: '/etc/hostname', says: /outside the working directory/ },
  {
    input: 'config',
    value: 'linked.yml',
    says: /outside|symlink/,
    setup: (repo) => {
      const outside = outsideFolder({
        'stackgate.yml': 'version: 1\nstacks:\n  - name: app\n    path: app\n',
      });
      symlinkSync(path.join(outside, 'stackgate.yml'), path.join(repo.dir, 'linked.yml'));
    },
  },
];

describe('wrong input values', () => {
  it.each(inputCases)(
    "$input: '$value' is refused, naming the input",
    async ({ input, value, says, setup, with: others }) => {
      const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
      setup?.(repo);

      const { run: result } = await run(repo, {
        inputs: { ...others, [input]: value },
        changed: ['app/main.tf'],
      });

      expect(result.exitCode).toBe(1);
      const messages = errors(result).map((command) => command.message);
      const named = messages.find((message) => message.includes(`Input '${input}'`));
      expect(named, `no ::error naming Input '${input}' in:\n${messages.join('\n')}`).toBeDefined();
      expect(named).toContain(value);
      expect(named).toMatch(says);
      expect(result.stdout).not.toMatch(/Planning app/);
      expectNoWrites();
    },
  );
});

// ---------------------------------------------------------------------------------------------------------

interface ConfigCase {
  name: string;
  config: string;
  line: number;
  says: RegExp;
  setup?: (repo: TestRepo) => void;
}

const configCases: ConfigCase[] = [
  {
    name: 'YAML syntax error',
    config: 'version: 1\nstacks:\n  - name: app\n    path: app: extra\n',
    line: 4,
    says: /mapping/,
  },
  {
    name: 'YAML with a tab for indentation',
    config: 'version: 1\nstacks:\n  - name: app\n\tpath: app\n',
    line: 4,
    says: /tab/i,
  },
  {
    name: 'wrong type (stacks: 5)',
    config: 'version: 1\nstacks: 5\n',
    line: 2,
    says: /stacks.*list/,
  },
  {
    name: 'version: 2',
    config: 'version: 2\nstacks:\n  - name: app\n    path: app\n',
    line: 1,
    says: /version.*1/,
  },
  {
    name: 'unknown key',
    config: 'version: 1\nstacks:\n  - name: app\n    path: app\nnotifications: slack\n',
    line: 5,
    says: /unknown key `notifications`/,
  },
  {
    name: 'duplicate stack names (at the second)',
    config:
      'version: 1\nstacks:\n  - name: app\n    path: app\n  - name: net\n    path: net\n  - name: app\n    path: net\n',
    line: 7,
    says: /duplicate stack name `app`.*line 3/,
  },
  {
    name: 'path outside through ..',
    config: 'version: 1\nstacks:\n  - name: app\n    path: ../outside\n',
    line: 4,
    says: /outside the repository/,
  },
  {
    name: 'path outside through .. after a folder',
    config:
      'version: 1\nstacks:\n  - name: app\n    path: app\n  - name: sneaky\n    path: app/../../outside\n',
    line: 6,
    says: /outside the repository/,
  },
  {
    name: 'path through a symlink leading outside the workspace',
    config: 'version: 1\nstacks:\n  - name: app\n    path: app\n  - name: linked\n    path: linked\n',
    line: 6,
    says: /symlink.*outside/,
    setup: (repo) => {
      const outside = outsideFolder({ 'main.tf': dataStack('elsewhere', 'x') });
      symlinkSync(outside, path.join(repo.dir, 'linked'));
    },
  },
  {
    name: 'missing path',
    config: 'version: 1\nstacks:\n  - name: app\n    path: app\n  - name: gone\n    path: nowhere\n',
    line: 6,
    says: /does not exist/,
  },
];

describe('malformed .stackgate.yml', () => {
  it.each(configCases)('$name: error at line $line', async ({ config, line, says, setup }) => {
    const repo = createRepo({
      '.stackgate.yml': config,
      'app/main.tf': dataStack('app', 'v1'),
      'net/main.tf': dataStack('net', 'v1'),
    });
    setup?.(repo);

    const { run: result, head } = await run(repo);

    expect(result.exitCode).toBe(1);
    const located = errors(result).filter((command) => command.properties.file === '.stackgate.yml');
    const where = located.map((command) => `${command.properties.line}: ${command.message}`).join('\n');
    const atLine = located.find((command) => command.properties.line === String(line));
    expect(
      atLine,
      `no ::error file=.stackgate.yml,line=${line}; got:\n${where || result.stdout}`,
    ).toBeDefined();
    expect(atLine!.message).toMatch(says);
    expect(result.stdout).not.toMatch(/Planning /);
    expectConfigFailureReport(head, line);
  });
});

// ---------------------------------------------------------------------------------------------------------

/** Markdown escapes removed, so patterns can match the text a reader sees. */
function readable(markdown: string): string {
  return markdown.replace(/\\([\\`*_[\]|~!])/g, '$1');
}

interface StackOutput {
  name: string;
  status: string;
}

/** The checks every engine failure shares: the broken stack errored, the real one planned, one comment, a failed check. */
function expectReportedFailure(
  result: ActionRun,
  head: string,
  broken: string,
  says: RegExp,
  shows: RegExp = says,
): string {
  expect(result.exitCode).toBe(1);
  const stacks = JSON.parse(result.outputs.stacks ?? '[]') as StackOutput[];
  expect(stacks.map((stack) => [stack.name, stack.status])).toEqual([
    ['app', 'planned'],
    [broken, 'errored'],
  ]);
  const failure = errors(result).find((command) => command.message.includes(broken));
  expect(failure, `no ::error naming ${broken}`).toBeDefined();
  expect(failure!.message).toMatch(says);

  const comments = gh.state.comments(REPO, PR);
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body;
  expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
  expect(body).toContain('terraform_data.app'); // the real stack was planned and is shown
  expect(readable(body)).toMatch(says);
  expect(readable(body)).toMatch(shows);
  expect(result.outputs['comment-id']).toBe(String(comments[0]!.id));

  const checks = gh.state.checkRuns(REPO, head);
  expect(checks).toHaveLength(1);
  expect(checks[0]).toMatchObject({ name: 'stackgate/plan', status: 'completed', conclusion: 'failure' });
  expect(Buffer.byteLength(result.summary)).toBeLessThanOrEqual(SUMMARY_LIMIT);
  return body;
}

function engineRepo(broken: string): TestRepo {
  return createRepo({
    '.stackgate.yml': `version: 1\nstacks:\n  - name: app\n    path: app\n${broken}`,
    'app/main.tf': dataStack('app', 'v1'),
    'broken/main.tf': dataStack('broken', 'v1'),
  });
}

/** Processes whose command line carries the marker (pgrep exits 1 when there are none). */
function processesWith(marker: string): number[] {
  const found = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' });
  return found.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

describe('engines', () => {
  it('a stack naming terraform when only tofu is installed', async () => {
    for (const dir of TOFU_ONLY_PATH.split(':')) expect(existsSync(path.join(dir, 'terraform'))).toBe(false);
    const repo = engineRepo('  - name: broken\n    path: broken\n    engine: terraform\n');

    const { run: result, head } = await run(repo, { env: { PATH: TOFU_ONLY_PATH } });

    expectReportedFailure(
      result,
      head,
      'broken',
      /terraform.*not (installed|found)|not (installed|found).*terraform/i,
    );
    // The check run points at the stack in the config (its declaration or its engine line).
    const annotation = gh.state
      .checkRuns(REPO, head)[0]!
      .annotations.find((a) => a.path === '.stackgate.yml' && /terraform/.test(`${a.title} ${a.message}`));
    expect(annotation, 'no annotation on .stackgate.yml about terraform').toBeDefined();
    expect([5, 7]).toContain(annotation!.start_line);
  });

  interface FakeCase {
    mode: FakeMode;
    label: string;
    /** In the failure message (the ::error line) and the comment. */
    says: RegExp;
    /** In the comment: what the engine itself said. */
    shows?: RegExp;
    timeout?: string;
  }
  const fakeCases: FakeCase[] = [
    { mode: 'segv', label: 'crashes (SIGSEGV during plan)', says: /killed by SIGSEGV/ },
    {
      mode: 'hang',
      label: 'hangs on plan past the stack timeout',
      says: /timed out after 3s/,
      timeout: '3s',
    },
    {
      mode: 'hang-stubborn',
      label: 'hangs on plan with a child that ignores SIGTERM',
      says: /timed out after 3s/,
      timeout: '3s',
    },
    {
      mode: 'flood',
      label: 'prints 10 MB of output, then fails',
      says: /plan failed \(exit code 1\)/,
      shows: /gave up/,
    },
    {
      mode: 'bad-bytes',
      label: 'prints bytes that are not UTF-8, then fails',
      says: /plan failed \(exit code 1\)/,
      shows: /bad bytes/,
    },
    {
      mode: 'format-version',
      label: 'answers show -json with format version 9.0',
      says: /format.?version.*9\.0/,
    },
    { mode: 'not-json', label: 'answers show -json with text that is not JSON', says: /not JSON/ },
    {
      mode: 'odd-shape',
      label: 'answers show -json with a plan of an unexpected shape',
      says: /resource_changes/,
    },
  ];

  describe.each(fakeCases)('an engine that $label', ({ mode, says, shows, timeout }) => {
    let fake: FakeEngine;
    beforeEach(() => {
      fake = createFakeEngine(path.join(TOOLS, 'bin', 'tofu'));
    });
    afterEach(() => {
      // Clean up whatever the action left running (only the fake's own processes carry the marker).
      for (const pid of processesWith(fake.marker)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      fake.remove();
    });

    it('errors that stack clearly and still reports the others', async () => {
      const repo = engineRepo(
        `  - name: broken\n    path: broken\n${timeout ? `    timeout: ${timeout}\n` : ''}    env:\n      STACKGATE_FAKE: ${mode}\n`,
      );
      const started = Date.now();

      const { run: result, head } = await run(repo, {
        env: { PATH: `${fake.bin}:${TOFU_ONLY_PATH}` },
        timeoutMs: 90_000,
      });
      const elapsed = Date.now() - started;

      const body = expectReportedFailure(result, head, 'broken', says, shows);
      if (timeout) {
        expect(elapsed).toBeLessThan(30_000);
        // Nothing the engine started may outlive the run.
        expect(processesWith(fake.marker)).toEqual([]);
      }
      if (mode === 'flood') {
        // The report carries the end of the output, not all of it, and the log is not flooded either.
        expect(result.stdout.length).toBeLessThan(1024 * 1024);
        expect(body).not.toContain('to flood the log\n'.repeat(1000));
      }
      if (mode === 'bad-bytes') {
        // Text the comment carries is well-formed: no NUL, no lone surrogate halves.
        expect(body).not.toContain('\u0000');
        expect(Buffer.from(body, 'utf8').toString('utf8')).toBe(body);
      }
    });
  });
});

describe('a cancelled run', () => {
  it('stops the engines it started instead of leaving them behind', async () => {
    const fake = createFakeEngine(path.join(TOOLS, 'bin', 'tofu'));
    try {
      const repo = engineRepo('  - name: broken\n    path: broken\n    env:\n      STACKGATE_FAKE: hang\n');
      const started = Date.now();
      const { run: result } = await run(repo, {
        env: { PATH: `${fake.bin}:${TOFU_ONLY_PATH}` },
        timeoutMs: 60_000,
        cancelAfterMs: 4_000,
      });
      expect(result.exitCode).toBe(130);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.stderr).toMatch(/Received SIGINT: stopping/);
      expect(processesWith(fake.marker)).toEqual([]);
    } finally {
      for (const pid of processesWith(fake.marker)) process.kill(pid, 'SIGKILL');
      fake.remove();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

interface WebhookEntry {
  name: string;
  examples: Record<string, unknown>[];
}

function webhookExample(event: string, action: string): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const all = JSON.parse(
    readFileSync(require.resolve('@octokit/webhooks-examples'), 'utf8'),
  ) as WebhookEntry[];
  const example = all.find((entry) => entry.name === event)?.examples.find((e) => e.action === action);
  if (!example) throw new Error(`no ${event}.${action} example`);
  const payload = structuredClone(example);
  Object.assign(payload.repository as Record<string, unknown>, { name: NAME, full_name: REPO });
  return payload;
}

describe('unsupported events', () => {
  it.each([
    { event: 'issues', action: 'opened' },
    { event: 'release', action: 'published' },
  ])('$event: refused, naming the event', async ({ event, action }) => {
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });

    const { run: result } = await run(repo, { eventName: event, payload: webhookExample(event, action) });

    expect(result.exitCode).toBe(1);
    const messages = errors(result).map((command) => command.message);
    expect(messages.some((message) => message.includes(`'${event}'`))).toBe(true);
    expect(result.stdout).not.toMatch(/Planning /);
    expectNoWrites();
  });

  it('a fork pull request on pull_request_target: refused, nothing written', async () => {
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });

    const { run: result } = await run(repo, {
      eventName: 'pull_request_target',
      fork: true,
      changed: ['app/main.tf'],
    });

    expect(result.exitCode).toBe(1);
    const refusal = errors(result).find((command) => /fork/i.test(command.message));
    expect(refusal, 'no ::error about the fork').toBeDefined();
    expect(refusal!.message).toContain('pull_request_target');
    expect(result.stdout).not.toMatch(/Planning /);
    expect(gh.calls).toEqual([]);
  });
});
