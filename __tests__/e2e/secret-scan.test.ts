// The secret scan beyond the files: the SARIF file for code scanning, and what each commit of a pull request or
// push adds (a secret added in one commit and removed in the next). Real git repositories, dist/index.js.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scannerRules, type Log } from '../../src/report/sarif.js';
import { runAction, type ActionRun } from '../support/harness.js';
import { pushPayload } from '../support/payloads.js';
import { runOnPullRequest } from '../support/pull-request.js';
import * as planted from '../support/planted.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { sarifValidator } from '../support/sarif.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const validate = sarifValidator();
let gh: StandIn;

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
});
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

function git(dir: string, args: string[]): string {
  const who = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.test' };
  const env = { ...process.env, ...who, GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.test' };
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env }).trim();
}

/** Writes files into a clone and commits them there; returns the commit. */
function commitIn(dir: string, files: Record<string, string>, message: string): string {
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '--quiet', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** The summary as read: Markdown escapes (`db\_password`, \`x\`) undone. */
function plain(markdown: string): string {
  return markdown.replace(/\\(.)/g, '$1');
}

/** Everything a person or the API sees of a run, to look for a leaked secret in. */
function everything(run: ActionRun, ...more: string[]): string {
  return [
    run.visibleText,
    JSON.stringify(run.outputs),
    JSON.stringify(gh.calls.map((call) => call.requestBody)),
    ...more,
  ].join('\n');
}

function expectNoLeak(text: string, secrets: Record<string, string>): void {
  for (const [kind, secret] of Object.entries(secrets)) {
    for (const piece of secret.split('\n')) {
      const at = text.indexOf(piece);
      expect(at, `${kind} leaked: …${text.slice(Math.max(0, at - 200), at + 60)}…`).toBe(-1);
    }
  }
}

function pullRequest(
  repo: TestRepo,
  base: string,
  head: string,
  files: string[],
  inputs: Record<string, string> = { command: 'validate' },
) {
  return runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: 7,
    baseSha: base,
    headSha: head,
    files,
    inputs,
  });
}

function readSarif(file: string): Log {
  expect(existsSync(file), `${file} was not written`).toBe(true);
  return JSON.parse(readFileSync(file, 'utf8')) as Log;
}

function resultPlaces(log: Log): string[] {
  return (log.runs[0]?.results ?? [])
    .map((result) => {
      const where = result.locations?.[0]?.physicalLocation;
      return `${result.ruleId} ${where?.artifactLocation?.uri}:${where?.region?.startLine}`;
    })
    .sort();
}

describe('sarif-file', () => {
  it('writes the findings as valid SARIF 2.1.0 at their lines, masked only', async () => {
    const secrets = {
      awsId: planted.awsAccessKeyId(61),
      github: planted.githubToken(62),
      password: planted.genericPassword(63),
      key: planted.privateKey(64),
    };
    const repo = createRepo({ 'infra/app/main.tf': dataStack('app', 'v1') });
    const base = repo.commit('base');
    repo.write({
      'infra/app/prod.tfvars': `region = "eu-west-1"\naws_access_key_id = "${secrets.awsId}"\n`,
      'infra/app/ci.yml': `name: ci\nenv:\n  token: ${secrets.github}\n  db_password: "${secrets.password}"\n`,
      'infra/keys/deploy key': `${secrets.key}\n`,
    });
    const head = repo.commit('secrets');
    const run = await pullRequest(
      repo,
      base,
      head,
      ['infra/app/prod.tfvars', 'infra/app/ci.yml', 'infra/keys/deploy key'],
      { command: 'validate', 'working-directory': 'infra', 'sarif-file': 'reports/stackgate.sarif' },
    );
    expect(run.exitCode).toBe(1);
    const file = path.join(repo.dir, 'reports/stackgate.sarif');
    const text = readFileSync(file, 'utf8');
    const log = readSarif(file);
    expect(validate(log)).toEqual([]);
    // Paths relative to the repository root, not to working-directory; spaces encoded.
    expect(resultPlaces(log)).toEqual([
      'aws-access-key-id infra/app/prod.tfvars:2',
      'generic-secret infra/app/ci.yml:4',
      'github-token infra/app/ci.yml:3',
      'private-key infra/keys/deploy%20key:1',
    ]);
    const results = log.runs[0]!.results!;
    expect(new Set(results.map((result) => result.partialFingerprints?.['stackgate/v1'])).size).toBe(4);
    const github = results.find((result) => result.ruleId === 'github-token')!;
    expect(github.message.text).toContain(`${secrets.github.slice(0, 4)}…${secrets.github.slice(-3)}`);
    expect(github.locations?.[0]?.physicalLocation?.region?.startColumn).toBe(10);
    expectNoLeak(everything(run, text), secrets);
  });

  it('is written by plan too, and empty but valid when nothing is found', async () => {
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
    const base = repo.commit('base');
    repo.write({ 'app/main.tf': dataStack('app', 'v2') });
    const head = repo.commit('change');
    const sarif = path.join(mkdtempSync(path.join(os.tmpdir(), 'stackgate-sarif-')), 'out/plan.sarif');
    const run = await pullRequest(repo, base, head, ['app/main.tf'], {
      command: 'plan',
      'sarif-file': sarif,
    });
    expect(run.exitCode).toBe(0);
    const log = readSarif(sarif);
    expect(validate(log)).toEqual([]);
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.tool.driver.rules!.map((rule) => rule.id)).toEqual(
      scannerRules().map((rule) => rule.id),
    );
  });
});

describe('history', () => {
  it('finds a secret one commit of a pull request adds and the next removes, naming the commit', async () => {
    const token = planted.githubToken(71);
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1'), 'app/ci.yml': 'name: ci\n' });
    const base = repo.commit('base');
    repo.write({ 'app/ci.yml': `name: ci\ngithub_token: "${token}"\n` });
    const added = repo.commit('add a token');
    repo.write({ 'app/ci.yml': 'name: ci\ngithub_token: ${{ secrets.TOKEN }}\n' });
    const head = repo.commit('use a variable');
    const sarif = path.join(repo.dir, 'stackgate.sarif');
    const run = await pullRequest(repo, base, head, ['app/ci.yml'], {
      command: 'validate',
      'sarif-file': sarif,
    });

    expect(run.exitCode).toBe(1);
    const masked = `${token.slice(0, 4)}…${token.slice(-3)}`;
    expect(plain(run.summary)).toContain(
      `Commit ${added.slice(0, 7)} adds a possible GitHub personal access token (${masked}) at app/ci.yml:2`,
    );
    expect(run.stderr + run.stdout).toContain(`Commit ${added.slice(0, 7)} adds`);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    expect(check.conclusion).toBe('failure');
    // Not an annotation: line 2 of the file at the head is another line now.
    expect(check.annotations.filter((a) => a.path === 'app/ci.yml')).toEqual([]);
    const log = readSarif(sarif);
    expect(validate(log)).toEqual([]);
    expect(resultPlaces(log)).toEqual(['github-token app/ci.yml:2']);
    expect(log.runs[0]!.results![0]!.properties).toEqual({ commit: added });
    expectNoLeak(everything(run, readFileSync(sarif, 'utf8')), { token });
    // Masked in the log before anything could print it.
    expect(run.commands.filter((c) => c.command === 'add-mask').map((c) => c.message)).toContain(token);
  });

  it('reports a secret still in the files once, at its place in the files', async () => {
    const token = planted.githubToken(72);
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
    const base = repo.commit('base');
    repo.write({ 'app/ci.yml': `name: ci\ntoken: ${token}\n` });
    repo.commit('add a token');
    repo.write({ 'app/ci.yml': `# the pipeline\nname: ci\ntoken: ${token}\n` });
    const head = repo.commit('a comment above');
    const run = await pullRequest(repo, base, head, ['app/ci.yml']);

    expect(run.exitCode).toBe(1);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    const secrets = check.annotations.filter((a) => /token/i.test(a.title ?? ''));
    expect(secrets.map((a) => [a.path, a.start_line])).toEqual([['app/ci.yml', 3]]);
    expect(run.summary).not.toMatch(/Commit [0-9a-f]{7} adds/);
    expect(JSON.parse(run.outputs.summary ?? '{}')).toMatchObject({ byKind: { secret: 1 } });
  });

  it('keeps the allow-list and the inline marker in the history too', async () => {
    const repo = createRepo({
      'app/main.tf': dataStack('app', 'v1'),
      '.stackgate.yml': "version: 1\nsecrets:\n  allow: ['fixtures/**']\n",
    });
    const base = repo.commit('base');
    repo.write({
      'fixtures/sample.tfvars': `api_token = "${planted.genericPassword(73)}"\n`,
      'app/ci.yml': `# stackgate:allow-secret\ntoken: ${planted.githubToken(74)}\n`,
    });
    repo.commit('samples');
    repo.remove('fixtures/sample.tfvars');
    repo.write({ 'app/ci.yml': 'token: ${{ secrets.TOKEN }}\n' });
    const head = repo.commit('drop them');
    const run = await pullRequest(repo, base, head, ['app/ci.yml']);
    expect(run.summary).not.toMatch(/Commit [0-9a-f]{7} adds/);
    expect(run.exitCode).toBe(0);
  });

  it('says to set fetch-depth: 0 on a shallow checkout, and passes', async () => {
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
    const base = repo.commit('base');
    repo.write({ 'app/ci.yml': `token: ${planted.githubToken(75)}\n` });
    repo.commit('add a token');
    repo.write({ 'app/ci.yml': 'token: none\n' });
    const head = repo.commit('remove it');
    const shallow = mkdtempSync(path.join(os.tmpdir(), 'stackgate-shallow-'));
    git(shallow, ['clone', '--quiet', '--depth=1', `file://${repo.dir}`, '.']);
    const run = await pullRequest({ ...repo, dir: shallow }, base, head, ['app/ci.yml']);

    expect(run.exitCode).toBe(0);
    expect(plain(run.summary)).toContain('History not scanned for secrets');
    expect(plain(run.summary)).toContain('`fetch-depth: 0`');
    expect(plain(run.summary)).toContain(`${base.slice(0, 7)}..${head.slice(0, 7)}`);
  });

  it('says so when the workspace is no Git checkout at all, and passes', async () => {
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
    const base = repo.commit('base');
    repo.write({ 'app/main.tf': dataStack('app', 'v2') });
    const head = repo.commit('change');
    rmSync(path.join(repo.dir, '.git'), { recursive: true, force: true });
    const run = await pullRequest(repo, base, head, ['app/main.tf']);
    expect(run.exitCode).toBe(0);
    expect(plain(run.summary)).toContain(
      'History not scanned for secrets: the workspace is not a Git checkout.',
    );
  });

  it('on a push, scans the pushed commits', async () => {
    const password = planted.genericPassword(76);
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
    const before = repo.commit('base');
    repo.write({ 'app/prod.tfvars': `db_password = "${password}"\n` });
    const added = repo.commit('oops');
    repo.remove('app/prod.tfvars');
    const after = repo.commit('remove it');
    const run = await runAction({
      workspace: repo.dir,
      eventName: 'push',
      payload: pushPayload({ owner: 'octo', repo: 'infra', before, after }),
      apiUrl: gh.url,
      repository: REPO,
      sha: after,
      inputs: { command: 'validate' },
    });
    expect(run.exitCode).toBe(1);
    expect(plain(run.summary)).toContain(
      `Commit ${added.slice(0, 7)} adds a possible secret assigned to db_password`,
    );
    expect(plain(run.summary)).toContain('app/prod.tfvars:1');
    expectNoLeak(everything(run), { password });
  });

  it('on the push of a new branch, scans the commits the default branch lacks', async () => {
    const old = planted.githubToken(77);
    const fresh = planted.githubToken(78);
    const origin = createRepo({ 'app/main.tf': dataStack('app', 'v1'), 'app/ci.yml': `token: ${old}\n` });
    origin.commit('main, with an old token');
    origin.write({ 'app/ci.yml': 'token: none\n' });
    origin.commit('main drops it');
    const clone = mkdtempSync(path.join(os.tmpdir(), 'stackgate-clone-'));
    git(clone, ['clone', '--quiet', `file://${origin.dir}`, '.']);
    git(clone, ['checkout', '--quiet', '-b', 'feature']);
    const added = commitIn(clone, { 'app/ci.yml': `token: ${fresh}\n` }, 'a new token');
    const after = commitIn(clone, { 'app/ci.yml': 'token: none\n' }, 'gone again');
    const run = await runAction({
      workspace: clone,
      eventName: 'push',
      payload: pushPayload({
        owner: 'octo',
        repo: 'infra',
        before: '0'.repeat(40),
        after,
        ref: 'refs/heads/feature',
      }),
      apiUrl: gh.url,
      repository: REPO,
      sha: after,
      ref: 'refs/heads/feature',
      inputs: { command: 'validate' },
    });
    expect(run.exitCode).toBe(1);
    expect(plain(run.summary)).toContain(
      `Commit ${added.slice(0, 7)} adds a possible GitHub personal access token`,
    );
    // The default branch's own history is not this push's.
    expect(run.summary.match(/Commit [0-9a-f]{7} adds/g)).toHaveLength(1);
    expectNoLeak(everything(run), { old, fresh });
  });
});
