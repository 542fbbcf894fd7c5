// Which stacks a pull request plans, end to end: dist/index.js as the runner runs it, the real tofu, the GitHub
// stand-in listing the changed files as its files API does (rename information included). One row per rule of
// the README's "how stacks are found"; each gives the exact selection (the `stacks` output).
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOnPullRequest, type ChangedFile } from '../support/pull-request.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';

const module = (name: string) => `${dataStack(name, 'v1')}`;
const call = (source: string) => `module "m" {\n  source = "${source}"\n}\n`;

interface Row {
  rule: string;
  base: Record<string, string>;
  links?: Record<string, string>;
  /** The pull request: files written, files or folders removed, links made. */
  write?: Record<string, string>;
  remove?: string[];
  headLinks?: Record<string, string>;
  files: Array<string | ChangedFile>;
  inputs?: Record<string, string>;
  labels?: string[];
  /** The files API fails: the changed files come from git. */
  gitFallback?: boolean;
  /** Every stack with its status, sorted by name. */
  stacks: Record<string, string>;
  exitCode?: number;
  /** Text the sticky comment must hold. */
  comment?: string[];
  /** A notice the run must annotate, at `file:line`. */
  notice?: { at: string; text: string };
}

const ROWS: Row[] = [
  {
    rule: 'file() of a file outside the stack folder',
    base: {
      'stacks/app/main.tf': `${dataStack('app', 'v1')}\nlocals {\n  policy = file("../../shared/policy.json")\n}\n`,
      'stacks/db/main.tf': dataStack('db', 'v1'),
      'shared/policy.json': '{}\n',
    },
    write: { 'shared/policy.json': '{"deny": true}\n' },
    files: ['shared/policy.json'],
    stacks: { 'stacks/app': 'planned', 'stacks/db': 'unaffected' },
  },
  {
    rule: 'templatefile() under path.module in a module',
    base: {
      'stacks/app/main.tf': `${dataStack('app', 'v1')}\n${call('../../modules/web')}`,
      'modules/web/main.tf': `${module('web')}\nlocals {\n  t = templatefile("\${path.module}/../templates/x.tftpl", {})\n}\n`,
      'modules/templates/x.tftpl': 'hello\n',
      'stacks/db/main.tf': dataStack('db', 'v1'),
    },
    write: { 'modules/templates/x.tftpl': 'hello again\n' },
    files: ['modules/templates/x.tftpl'],
    stacks: { 'stacks/app': 'planned', 'stacks/db': 'unaffected' },
  },
  {
    rule: 'working-directory: a module outside it',
    base: {
      'infra/app/main.tf': `${dataStack('app', 'v1')}\n${call('../../modules/x')}`,
      'infra/db/main.tf': dataStack('db', 'v1'),
      'modules/x/main.tf': module('x'),
    },
    write: { 'modules/x/main.tf': dataStack('x', 'v2') },
    files: ['modules/x/main.tf'],
    inputs: { 'working-directory': 'infra' },
    stacks: { app: 'planned', db: 'unaffected' },
  },
  {
    rule: 'a read whose path is not static: one notice at its line, naming the stacks',
    base: {
      'stacks/app/main.tf': `${dataStack('app', 'v1')}\n${call('../../modules/web')}`,
      'stacks/db/main.tf': `${dataStack('db', 'v1')}\n${call('../../modules/web')}`,
      'modules/web/main.tf': `${module('web')}\nvariable "env" {\n  default = "prod"\n}\nlocals {\n  c = file("\${path.module}/\${var.env}.json")\n}\n`,
      'modules/web/prod.json': '{}\n',
    },
    write: { 'stacks/db/main.tf': `${dataStack('db', 'v2')}\n${call('../../modules/web')}` },
    files: ['stacks/db/main.tf'],
    stacks: { 'stacks/app': 'unaffected', 'stacks/db': 'planned' },
    notice: { at: 'modules/web/main.tf:16', text: 'when-modified of stacks/app, stacks/db' },
  },
  {
    rule: 'a symlinked .tf file',
    base: { 'stacks/app/main.tf': dataStack('app', 'v1'), 'common/tags.tf': 'locals {\n  tag = "a"\n}\n' },
    links: { 'stacks/app/tags.tf': '../../common/tags.tf' },
    write: { 'common/tags.tf': 'locals {\n  tag = "b"\n}\n' },
    files: ['common/tags.tf'],
    stacks: { 'stacks/app': 'planned' },
  },
  {
    rule: 'a module folder reached through a symlinked folder',
    base: {
      'stacks/app/main.tf': `${dataStack('app', 'v1')}\n${call('./lib/x')}`,
      'shared/x/main.tf': module('x'),
    },
    links: { 'stacks/app/lib': '../../shared' },
    write: { 'shared/x/main.tf': dataStack('x', 'v2') },
    files: ['shared/x/main.tf'],
    stacks: { 'stacks/app': 'planned' },
  },
  {
    rule: '.tf.json module calls, and a folder of .tofu files only',
    base: {
      'stacks/app/main.tf.json': JSON.stringify({ module: { m: { source: '../../modules/x' } } }),
      'stacks/edge/main.tofu': dataStack('edge', 'v1'),
      'modules/x/main.tf': module('x'),
    },
    write: { 'modules/x/main.tf': dataStack('x', 'v2') },
    files: ['modules/x/main.tf'],
    stacks: { 'stacks/app': 'planned', 'stacks/edge': 'unaffected' },
  },
  {
    rule: 'a deleted stack fails the gate, saying what to do',
    base: { 'stacks/app/main.tf': dataStack('app', 'v1'), 'stacks/beta/main.tf': dataStack('beta', 'v1') },
    remove: ['stacks/beta'],
    files: [{ filename: 'stacks/beta/main.tf', status: 'removed' }],
    stacks: { 'stacks/app': 'unaffected' },
    exitCode: 1,
    comment: ['deletes the stack stacks/beta', 'tofu destroy', 'allow-stack-removal'],
  },
  {
    rule: 'a deleted stack, waived by the label',
    base: { 'stacks/app/main.tf': dataStack('app', 'v1'), 'stacks/beta/main.tf': dataStack('beta', 'v1') },
    remove: ['stacks/beta'],
    files: [{ filename: 'stacks/beta/main.tf', status: 'removed' }],
    labels: ['allow-stack-removal'],
    stacks: { 'stacks/app': 'unaffected' },
    comment: ['deletes the stack stacks/beta', 'waived by label'],
  },
  {
    rule: 'a renamed stack: the new name planned, the old one reported removed',
    base: { 'stacks/beta/main.tf': dataStack('beta', 'v1') },
    remove: ['stacks/beta'],
    write: { 'stacks/gamma/main.tf': dataStack('beta', 'v1') },
    files: [
      { filename: 'stacks/gamma/main.tf', status: 'renamed', previous_filename: 'stacks/beta/main.tf' },
    ],
    stacks: { 'stacks/gamma': 'planned' },
    exitCode: 1,
    comment: ['deletes the stack stacks/beta'],
  },
  {
    rule: 'a parent reading a file inside a nested stack: both planned',
    base: {
      'main.tf': `${dataStack('root', 'v1')}\nlocals {\n  p = file("envs/prod/policy.json")\n}\n`,
      'envs/prod/main.tf': dataStack('prod', 'v1'),
      'envs/prod/policy.json': '{}\n',
    },
    write: { 'envs/prod/policy.json': '{"x": 1}\n' },
    files: ['envs/prod/policy.json'],
    stacks: { '.': 'planned', 'envs/prod': 'planned' },
  },
  {
    rule: 'a root folder with a backend, also called as a module, stays a stack',
    base: {
      'stacks/a/main.tf': `${dataStack('a', 'v1')}\n${call('../b')}`,
      'stacks/b/main.tf': `terraform {\n  backend "local" {}\n}\n${dataStack('b', 'v1')}`,
    },
    write: { 'stacks/b/main.tf': `terraform {\n  backend "local" {}\n}\n${dataStack('b', 'v2')}` },
    files: ['stacks/b/main.tf'],
    stacks: { 'stacks/a': 'planned', 'stacks/b': 'planned' },
  },
  {
    rule: 'a new module nothing calls yet is not a failing stack',
    base: { 'stacks/app/main.tf': dataStack('app', 'v1') },
    write: { 'modules/new/main.tf': 'variable "name" {\n  type = string\n}\n' },
    files: [{ filename: 'modules/new/main.tf', status: 'added' }],
    stacks: { 'stacks/app': 'unaffected' },
  },
  {
    rule: 'README and .github changes do not plan a root stack',
    base: { 'main.tf': dataStack('root', 'v1'), 'README.md': '# infra\n' },
    write: { 'README.md': '# infra, documented\n', '.github/workflows/plan.yml': 'on: pull_request\n' },
    files: ['.github/workflows/plan.yml', 'README.md'],
    stacks: { '.': 'unaffected' },
  },
  {
    rule: "a module's examples/ do not plan its callers",
    base: {
      'stacks/app/main.tf': `${dataStack('app', 'v1')}\n${call('../../modules/x')}`,
      'modules/x/main.tf': module('x'),
      'modules/x/examples/basic/main.tf': call('../..'),
    },
    write: { 'modules/x/examples/basic/main.tf': `${call('../..')}\n# more\n` },
    files: ['modules/x/examples/basic/main.tf'],
    stacks: { 'stacks/app': 'unaffected' },
  },
  {
    rule: 'non-ASCII file names through the git fallback',
    base: { 'stacks/café/main.tf': dataStack('cafe', 'v1'), 'stacks/db/main.tf': dataStack('db', 'v1') },
    write: { 'stacks/café/main.tf': dataStack('cafe', 'v2') },
    files: [],
    gitFallback: true,
    stacks: { 'stacks/café': 'planned', 'stacks/db': 'unaffected' },
  },
];

let gh: StandIn;
let repo: TestRepo | undefined;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
  if (repo) rmSync(repo.dir, { recursive: true, force: true });
  repo = undefined;
});

function link(dir: string, links: Record<string, string>): void {
  for (const [from, to] of Object.entries(links)) symlinkSync(to, path.join(dir, from));
}

describe('how stacks are found, end to end', () => {
  it.each(ROWS.map((row) => [row.rule, row] as const))('%s', async (_rule, row) => {
    repo = createRepo(row.base);
    link(repo.dir, row.links ?? {});
    const baseSha = repo.commit('base');
    for (const gone of row.remove ?? []) rmSync(path.join(repo.dir, gone), { recursive: true, force: true });
    repo.write(row.write ?? {});
    link(repo.dir, row.headLinks ?? {});
    const headSha = repo.commit('change');
    if (row.gitFallback) gh.inject({ route: 'pulls/list-files', status: 404, times: Infinity });

    const run = await runOnPullRequest({
      gh,
      repository: REPO,
      workspace: repo.dir,
      number: 3,
      headSha,
      baseSha,
      files: row.files,
      labels: row.labels,
      inputs: row.inputs,
    });

    const stacks = JSON.parse(run.outputs.stacks ?? '[]') as { name: string; status: string }[];
    expect(Object.fromEntries(stacks.map((stack) => [stack.name, stack.status]))).toEqual(row.stacks);
    expect(run.exitCode, run.stderr + run.stdout.slice(-3000)).toBe(row.exitCode ?? 0);
    const comment = gh.state.comments(REPO, 3).find((c) => c.body.startsWith('<!-- stackgate:comment'));
    for (const text of row.comment ?? []) expect(comment?.body).toContain(text);
    if (row.notice) {
      const notices = run.commands.filter(
        (command) =>
          command.command === 'notice' &&
          `${command.properties.file}:${command.properties.line}` === row.notice?.at,
      );
      expect(notices).toHaveLength(1);
      expect(notices[0]?.message).toContain(row.notice.text);
    }
  });

  it('rejects a ! negation in when-modified at its line', async () => {
    repo = createRepo({
      'stacks/app/main.tf': dataStack('app', 'v1'),
      '.stackgate.yml':
        "version: 1\nstacks:\n  - name: app\n    path: stacks/app\n    when-modified: ['!docs/**']\n",
    });
    const sha = repo.commit('base');
    const run = await runOnPullRequest({
      gh,
      repository: REPO,
      workspace: repo.dir,
      number: 3,
      headSha: sha,
      files: ['stacks/app/main.tf'],
    });
    expect(run.exitCode).toBe(1);
    const error = run.commands.find((command) => command.command === 'error');
    expect(error?.message).toMatch(/negations are not supported/);
    expect(error?.properties).toMatchObject({ file: '.stackgate.yml', line: '5' });
  });
});
