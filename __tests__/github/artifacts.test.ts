// The artifact transport is `@actions/artifact` itself, talking to the stand-in's results service and blob
// storage: what one job uploads another job of the same run lists and downloads, byte for byte.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsArtifacts } from '../../src/github/artifacts.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

let gh: StandIn;
const saved = { ...process.env };

function asJob(job: string): void {
  Object.assign(process.env, gh.artifacts.jobEnv('run-1', job), {
    GITHUB_WORKSPACE: os.tmpdir(),
    ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY: '1',
  });
}

beforeEach(async () => {
  gh = await startStandIn({ repos: ['octo/infra'] });
});

afterEach(async () => {
  process.env = { ...saved };
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('artifacts of a run through @actions/artifact', () => {
  it('uploads a JSON document in one job and reads it back in another', async () => {
    const temp = mkdtempSync(path.join(os.tmpdir(), 'stackgate-artifacts-'));
    asJob('job-a');
    const body = JSON.stringify({ hello: 'wörld', list: [1, 2, 3] });
    await actionsArtifacts(path.join(temp, 'a')).upload('stackgate-plan-test-a1.json', body);

    asJob('job-b');
    const transport = actionsArtifacts(path.join(temp, 'b'));
    const listed = await transport.list();
    expect(listed.map((artifact) => artifact.name)).toEqual(['stackgate-plan-test-a1.json']);
    expect(await transport.download(listed[0]!)).toBe(body);
    expect(gh.artifacts.finalized('run-1')).toHaveLength(1);
  });

  it('refuses a second artifact of the same name in one run (the name carries the run attempt for this)', async () => {
    const temp = mkdtempSync(path.join(os.tmpdir(), 'stackgate-artifacts-'));
    asJob('job-a');
    await actionsArtifacts(temp).upload('same.json', '{}');
    asJob('job-b');
    await expect(actionsArtifacts(temp).upload('same.json', '{}')).rejects.toThrow(/already exists/);
    gh.violations.length = 0;
  });
});
