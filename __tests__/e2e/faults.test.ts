// Fault injection through every command: GitHub failing the way it does (5xx bursts, dropped connections,
// secondary rate limits, size refusals, a comment deleted by hand). Whatever happens, no comment is lost, none
// is duplicated, and the exit status follows the gate, not the API.
import { afterAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/harness.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, dataStack } from '../support/repo.js';
import { startStandIn, type Fault, type FaultHandle, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';
const tally = { runs: 0, commentsLost: 0, duplicates: 0 };

interface Scenario {
  name: string;
  command: 'plan' | 'validate';
  faults: Fault[];
  /** Run the action this many times (the second run meets a comment from the first). */
  runs?: number;
  /** Between runs: e.g. delete the comment by hand. */
  between?: (gh: StandIn) => Promise<void>;
  /** The run that is expected to write the check run's annotations. */
  expectNotice?: RegExp;
  /** The change breaks the app stack: the gate must fail, whatever the API does. */
  broken?: boolean;
}

async function deleteStickyByHand(gh: StandIn): Promise<void> {
  const comment = gh.state.comments(REPO, 12).find((c) => c.body.startsWith('<!-- stackgate:comment'));
  const response = await fetch(`${gh.url}/repos/${REPO}/issues/comments/${comment?.id}`, {
    method: 'DELETE',
    headers: { authorization: 'token ghp_human' },
  });
  expect(response.status).toBe(204);
}

const secondaryLimit = {
  status: 403,
  headers: { 'retry-after': '1' },
  body: {
    message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
  },
};

const scenarios: Scenario[] = [
  { name: 'no fault (baseline)', command: 'plan', faults: [] },
  {
    name: 'a failing plan while comments fail with 502s',
    command: 'plan',
    broken: true,
    faults: [{ route: 'issues/create-comment', status: 502, times: 2 }],
  },
  {
    name: 'a burst of 502s on creating the comment',
    command: 'plan',
    faults: [{ route: 'issues/create-comment', status: 502, times: 2 }],
  },
  {
    name: 'the comment is created but the answer is lost (502)',
    command: 'plan',
    faults: [{ route: 'issues/create-comment', status: 502, afterEffect: true }],
  },
  {
    name: 'the comment is created but the connection drops',
    command: 'plan',
    faults: [{ route: 'issues/create-comment', drop: true, afterEffect: true }],
  },
  {
    name: '503s listing comments',
    command: 'plan',
    faults: [{ route: 'issues/list-comments', status: 503, times: 2 }],
  },
  {
    name: 'a dropped connection listing files',
    command: 'plan',
    faults: [{ route: 'pulls/list-files', drop: true }],
  },
  {
    name: 'the file listing fails for good (git diff fallback)',
    command: 'plan',
    faults: [{ route: 'pulls/list-files', status: 500, times: 20 }],
  },
  {
    name: 'a secondary rate limit on editing the comment',
    command: 'plan',
    runs: 2,
    faults: [{ route: 'issues/update-comment', ...secondaryLimit }],
  },
  {
    name: 'the primary rate limit is exhausted once',
    command: 'plan',
    faults: [
      {
        route: 'issues/create-comment',
        status: 403,
        headers: {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1),
        },
        body: { message: 'API rate limit exceeded for installation.' },
      },
    ],
  },
  {
    name: 'GitHub refuses the comment size (422)',
    command: 'plan',
    faults: [
      {
        route: 'issues/create-comment',
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [
            {
              resource: 'IssueComment',
              code: 'custom',
              field: 'body',
              message: 'body is too long (maximum is 65536 characters)',
            },
          ],
        },
      },
    ],
  },
  {
    name: 'the comment vanished before the edit (404)',
    command: 'plan',
    runs: 2,
    faults: [{ route: 'issues/update-comment', status: 404 }],
  },
  {
    name: 'the comment was deleted by hand between runs',
    command: 'plan',
    runs: 2,
    faults: [],
    between: deleteStickyByHand,
  },
  {
    name: 'the check run is created but the answer is lost',
    command: 'plan',
    faults: [{ route: 'checks/create', status: 502, afterEffect: true }],
  },
  {
    name: 'a burst of 502s on the check run',
    command: 'validate',
    faults: [{ route: 'checks/create', status: 502, times: 2 }],
  },
  {
    name: 'a dropped connection creating the check run',
    command: 'validate',
    faults: [{ route: 'checks/create', drop: true, afterEffect: true }],
  },
  {
    name: 'a secondary rate limit on the check run',
    command: 'validate',
    faults: [{ route: 'checks/create', ...secondaryLimit }],
  },
];

async function runScenario(
  scenario: Scenario,
): Promise<{ gh: StandIn; last: ActionRun; head: string; hits: () => number[] }> {
  const gh = await startStandIn({ repos: [REPO] });
  const repo = createRepo({
    'app/main.tf': dataStack('app', 'v1'),
    'net/main.tf': dataStack('vpc', '10.0.0.0/16'),
  });
  const base = repo.commit('base');
  let last: ActionRun | undefined;
  let head = base;
  const handles: FaultHandle[] = [];
  for (let run = 1; run <= (scenario.runs ?? 1); run++) {
    repo.write({
      'app/main.tf': scenario.broken
        ? 'resource "terraform_data" "app" {\n  input = var.missing\n}\n'
        : dataStack('app', `v${run + 1}`),
    });
    head = repo.commit(`run ${run}`);
    if (run === (scenario.runs ?? 1)) for (const fault of scenario.faults) handles.push(gh.inject(fault));
    if (run > 1 && scenario.between) await scenario.between(gh);
    last = await runOnPullRequest({
      gh,
      repository: REPO,
      workspace: repo.dir,
      number: 12,
      headSha: head,
      baseSha: base,
      files: ['app/main.tf'],
      inputs: { command: scenario.command },
    });
    tally.runs++;
  }
  return { gh, last: last!, head, hits: () => handles.map((handle) => handle.hits) };
}

describe.each(scenarios)('$command: $name', (scenario) => {
  it('loses nothing, duplicates nothing, and the exit status follows the gate', async () => {
    const { gh, last, head, hits } = await runScenario(scenario);
    try {
      // Every injected fault was really met.
      expect(hits().every((count) => count > 0)).toBe(true);
      // The exit status is the gate's: the API's trouble neither fails a good plan nor passes a bad one.
      expect(last.exitCode, last.stdout).toBe(scenario.broken ? 1 : 0);
      expect(gh.violations).toEqual([]);

      const checkRuns = gh.state
        .checkRuns(REPO, head)
        .filter((check) => check.name === `stackgate/${scenario.command}`);
      if (checkRuns.length > 1) tally.duplicates += checkRuns.length - 1;
      expect(checkRuns).toHaveLength(1);
      expect(checkRuns[0]?.conclusion).toBe(scenario.broken ? 'failure' : 'success');

      if (scenario.command === 'plan') {
        const sticky = gh.state.comments(REPO, 12).filter((c) => c.body.startsWith('<!-- stackgate:comment'));
        if (sticky.length === 0) tally.commentsLost++;
        if (sticky.length > 1) tally.duplicates += sticky.length - 1;
        expect(sticky).toHaveLength(1);
        expect(sticky[0]?.body).toContain(head);
        expect(sticky[0]?.body).toContain(
          scenario.broken ? 'undeclared input variable' : 'terraform_data.app',
        );
        expect(last.outputs['comment-id']).toBe(String(sticky[0]?.id));
      }
      expect(last.outputs['check-run-id']).toBe(String(checkRuns[0]?.id));
    } finally {
      await gh.close();
    }
  });
});

describe('a token that cannot write', () => {
  it('names the missing permission once, keeps the report in the summary, and exits by the gate', async () => {
    const gh = await startStandIn({
      repos: [REPO],
      tokens: [
        {
          token: 'ghs_nowrite',
          permissions: { contents: 'read', pull_requests: 'read', issues: 'read', checks: 'read' },
        },
      ],
    });
    try {
      const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });
      const head = repo.commit('x');
      const run = await runOnPullRequest({
        gh,
        repository: REPO,
        workspace: repo.dir,
        number: 12,
        headSha: head,
        files: ['app/main.tf'],
        token: 'ghs_nowrite',
      });
      tally.runs++;
      expect(run.exitCode).toBe(0);
      expect(run.summary).toContain('terraform_data.app');
      expect(run.summary).toContain('pull-requests: write');
      expect(run.summary).toContain('checks: write');
      const warnings = run.commands.filter(
        (c) => c.command === 'warning' && /pull-requests: write/.test(c.message),
      );
      expect(warnings).toHaveLength(1);
      expect(gh.violations).toEqual([]);
    } finally {
      await gh.close();
    }
  });
});

afterAll(() => {
  console.log(
    `fault-injection: ${tally.runs} runs, ${tally.commentsLost} comments lost, ${tally.duplicates} duplicates`,
  );
  expect(tally.commentsLost).toBe(0);
  expect(tally.duplicates).toBe(0);
});
