// The last apply of every stack, read back from the deployments apply records, against the GitHub stand-in
// (requests checked against GitHub's OpenAPI description): newest success wins, failures and other accounts'
// deployments are passed over, pages are followed, and a stack never applied is absent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/github/client.js';
import { latestApplies, setDeploymentState, startDeployment } from '../../src/github/deployments.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = { owner: 'octo', repo: 'infra' };
let gh: StandIn;

beforeEach(async () => {
  gh = await startStandIn({ repos: ['octo/infra'] });
  gh.addToken({ token: 'ghp_mallory', login: 'mallory' });
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

async function deploy(
  token: string,
  stack: string,
  sha: string,
  pullNumber: number,
  state: 'success' | 'failure' | undefined,
) {
  const octokit = createClient(token, gh.url);
  const id = await startDeployment(octokit, REPO, {
    stack,
    sha,
    pullNumber,
    fingerprint: 'f',
    actor: `actor-${pullNumber}`,
  });
  if (state) await setDeploymentState(octokit, REPO, id, state, state);
}

describe('latestApplies', () => {
  it(
    'takes each stack’s newest successful deployment by Stackgate, across pages',
    { timeout: 90_000 },
    async () => {
      const sha = (n: number) => n.toString(16).padStart(40, 'a');
      await deploy('t', 'app', sha(1), 1, 'success');
      await deploy('t', 'app', sha(2), 2, 'success');
      await deploy('t', 'app', sha(3), 3, 'failure'); // newer, but failed
      await deploy('t', 'app', sha(4), 4, undefined); // still in progress
      await deploy('ghp_mallory', 'app', sha(5), 5, 'success'); // not Stackgate's
      await deploy('t', 'old', sha(6), 6, 'success');
      // More than a page of other stacks' deployments above `old`'s (written straight into the stand-in: through
      // the API the client paces its writes, which would take minutes).
      const data = gh.state.raw.mustRepo('octo/infra');
      const bot = { login: 'github-actions[bot]', type: 'Bot' as const };
      for (let i = 0; i < 120; i++) {
        const id = gh.state.raw.id();
        const now = gh.state.raw.now();
        data.deployments.set(id, {
          id,
          sha: sha(100 + i),
          ref: sha(100 + i),
          task: 'deploy',
          environment: `stackgate/s${i}`,
          description: null,
          payload: { pull_request: 100 + i, actor: 'x' },
          transientEnvironment: false,
          productionEnvironment: false,
          creator: bot,
          createdAt: now,
          updatedAt: now,
          statuses: [],
        });
      }

      const { applies, complete } = await latestApplies(createClient('t', gh.url), REPO, [
        'app',
        'old',
        'never',
      ]);
      expect(complete).toBe(true);
      expect(applies.get('app')).toMatchObject({ sha: sha(2), pullNumber: 2, by: 'actor-2' });
      expect(applies.get('app')?.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(applies.get('old')).toMatchObject({ sha: sha(6), pullNumber: 6, by: 'actor-6' });
      expect(applies.has('never')).toBe(false);
      expect(gh.callsTo('repos/list-deployments').length).toBeGreaterThanOrEqual(2);
    },
  );

  it('says the answer is partial when it stops at its page cap', { timeout: 60_000 }, async () => {
    for (let i = 0; i < 2; i++) await deploy('t', `s${i}`, 'b'.repeat(40), 10 + i, 'success');
    const { applies, complete } = await latestApplies(createClient('t', gh.url), REPO, ['s0', 'never'], {
      maxPages: 1,
    });
    expect(complete).toBe(false);
    expect(applies.get('s0')?.pullNumber).toBe(10);
  });
});
