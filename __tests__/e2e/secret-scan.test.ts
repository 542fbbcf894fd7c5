// The secret scan beyond the files: the SARIF file for code scanning, and what each commit of a pull request or
// push adds (a secret added in one commit and removed in the next). Real git repositories, dist/index.js.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Log } from 'sarif';
import { scannerRules } from '../../src/report/sarif.js';
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
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
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
