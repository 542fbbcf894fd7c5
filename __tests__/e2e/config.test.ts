// A broken .stackgate.yml: the user sees where, the job fails, nothing is half-posted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, dataStack } from '../support/repo.js';
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

function planWith(files: Record<string, string>, inputs: Record<string, string> = {}) {
  const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1'), ...files });
  return runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: 3,
    headSha: repo.commit('change'),
    files: ['.stackgate.yml'],
    inputs,
  });
}

describe('config errors', () => {
  it('points at the line of a YAML syntax error', async () => {
    const run = await planWith({ '.stackgate.yml': 'version: 1\nstacks:\n  - name: app\n    path: [app\n' });
    expect(run.exitCode).toBe(1);
    const error = run.commands.find((command) => command.command === 'error' && command.properties.file);
    expect(error?.properties.file).toBe('.stackgate.yml');
    expect(Number(error?.properties.line)).toBeGreaterThanOrEqual(4);
    // The sticky comment and the check run say so too, instead of keeping an older green plan.
    const [comment] = gh.state.comments(REPO, 3);
    expect(comment?.body).toMatch(/Invalid Stackgate config|\.stackgate\.yml:\d/);
    expect(gh.state.checkRuns(REPO, gh.state.pullRequest(REPO, 3)!.headSha)[0]).toMatchObject({
      conclusion: 'failure',
    });
  });

  it('names an unknown key with a suggestion at its line and column', async () => {
    const run = await planWith({
      '.stackgate.yml': 'version: 1\nstacks:\n  - name: app\n    path: app\n    varfiles: [prod.tfvars]\n',
    });
    expect(run.exitCode).toBe(1);
    const error = run.commands.find((command) => command.command === 'error' && command.properties.file);
    expect(error).toMatchObject({ properties: { file: '.stackgate.yml', line: '5', col: '5' } });
    expect(error?.message).toContain('var-files');
  });

  it('rejects a config input that names a missing file', async () => {
    const run = await planWith({}, { config: 'ops/stackgate.yml' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("Input 'config'");
  });

  it('keeps separate sticky comments per comment-header', async () => {
    const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
    const head = repo.commit('app');
    for (const header of ['staging', 'production', 'staging']) {
      const run = await runOnPullRequest({
        gh,
        repository: REPO,
        workspace: repo.dir,
        number: 4,
        headSha: head,
        files: ['app/main.tf'],
        inputs: { 'comment-header': header },
      });
      expect(run.exitCode).toBe(0);
    }
    const comments = gh.state.comments(REPO, 4);
    expect(comments).toHaveLength(2);
    expect(comments[0]!.body).toContain('staging');
    expect(comments[1]!.body).toContain('production');
    // Each header gates on its own check, so one job cannot overwrite another's verdict.
    expect(
      gh.state
        .checkRuns(REPO, head)
        .map((check) => check.name)
        .sort(),
    ).toEqual(['stackgate/plan (production)', 'stackgate/plan (staging)']);
  });
});
