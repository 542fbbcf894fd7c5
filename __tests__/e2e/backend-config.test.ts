// One root module, two stacks with their own backend settings: each plan reads its own state. Real tofu and real
// terraform (the one on PATH, else the one the install script built), through dist; the engine comes from the
// config's `defaults`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/infra';

const module = (value: string) => `terraform {
  backend "local" {}
}

resource "terraform_data" "x" {
  input = "${value}"
}
`;

/** A state holding `terraform_data.x` with input `v1`, as tofu would have written it. */
const SEEDED_STATE = JSON.stringify({
  version: 4,
  terraform_version: '1.6.0',
  serial: 1,
  lineage: '5e1a3b7c-0000-4000-8000-000000000001',
  outputs: {},
  resources: [
    {
      mode: 'managed',
      type: 'terraform_data',
      name: 'x',
      provider: 'provider["terraform.io/builtin/terraform"]',
      instances: [
        {
          schema_version: 0,
          attributes: {
            id: 'seeded-1',
            input: { value: 'v1', type: 'string' },
            output: { value: 'v1', type: 'string' },
            triggers_replace: null,
          },
          sensitive_attributes: [],
        },
      ],
    },
  ],
  check_results: null,
});

const ENGINES = ['tofu', 'terraform'] as const;

const config = (engine: string) => `version: 1
defaults:
  engine: ${engine}
  plan-args: [-lock-timeout=5s]
stacks:
  - name: a
    path: app
    backend-config: [path=a.tfstate]
  - name: b
    path: app
    backend-config: [path=b.tfstate]
    plan-args: [-parallelism=2]
`;

describe.each(ENGINES)('backend-config with engine %s', (engine) => {
  let gh: StandIn;
  let repo: TestRepo;
  let baseSha: string;

  beforeEach(async () => {
    gh = await startStandIn({ repos: [REPO] });
    // Only a's state file exists: b's backend starts empty.
    repo = createRepo({
      '.stackgate.yml': config(engine),
      'app/main.tf': module('v1'),
      'app/a.tfstate': SEEDED_STATE,
    });
    baseSha = repo.commit('one module, two backends');
  });

  afterEach(async () => {
    expect(gh.violations).toEqual([]);
    await gh.close();
  });

  it('plans one root module as two stacks, each against its own state', async () => {
    repo.write({ 'app/main.tf': module('v2') });
    const head = repo.commit('v2');

    const run = await runOnPullRequest({
      gh,
      repository: REPO,
      workspace: repo.dir,
      number: 7,
      headSha: head,
      baseSha,
      files: ['app/main.tf'],
    });

    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const stacks = JSON.parse(run.outputs.stacks ?? '[]') as { name: string; engine: string }[];
    expect(stacks.map((stack) => [stack.name, stack.engine])).toEqual([
      ['a', engine],
      ['b', engine],
    ]);
    const summary = JSON.parse(run.outputs.summary ?? '{}') as Record<string, Record<string, unknown>>;
    // a's state holds the resource at v1: an update. b's state is empty: a create.
    expect(summary.a).toMatchObject({ status: 'planned', add: 0, change: 1, destroy: 0 });
    expect(summary.b).toMatchObject({ status: 'planned', add: 1, change: 0, destroy: 0 });
    const comment = gh.state.comments(REPO, 7).find((c) => c.body.startsWith('<!-- stackgate:comment'))?.body;
    expect(comment).toMatch(/^\| a \|/m);
    expect(comment).toMatch(/^\| b \|/m);
  });
});
