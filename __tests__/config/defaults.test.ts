// The top-level `defaults:` block: a value for every stack that does not set the key itself.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import type { ConfigProblem } from '../../src/config/types.js';
import { initArguments } from '../../src/engines/terraform.js';
import { discoverStacks } from '../../src/stacks/discover.js';
import { makeWorkspace, removeWorkspace } from '../stacks/helpers.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeWorkspace));
});

const lines = (...text: string[]) => text.join('\n') + '\n';

async function workspaceWith(config: string): Promise<string> {
  const root = await makeWorkspace({
    'infra/app/main.tf': '',
    'infra/web/main.tf': '',
    'infra/web/env/web.tfbackend': '',
    'hosts/site.yml': '',
    'hosts/inventory.ini': '',
  });
  folders.push(root);
  await writeFile(path.join(root, '.stackgate.yml'), config);
  return root;
}

async function problemsOf(config: string): Promise<ConfigProblem[]> {
  const root = await workspaceWith(config);
  // The workspace is the repository: files may not leave it.
  const error = await loadConfig(root, '.stackgate.yml', root).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('defaults', () => {
  it('gives every stack the defaults; a stack that sets a key replaces the default whole, env merges', async () => {
    const root = await workspaceWith(
      lines(
        'version: 1',
        'defaults:',
        '  engine: tofu',
        '  plan-args: [-lock-timeout=60s, -parallelism=20]',
        '  init-args: [-upgrade]',
        '  timeout: 10m',
        '  env: { TF_IN_AUTOMATION: "1", TF_VAR_region: eu-west-1 }',
        'stacks:',
        '  - name: app',
        '    path: infra/app',
        '  - name: web',
        '    path: infra/web',
        '    plan-args: [-compact-warnings]',
        '    backend-config: [env/web.tfbackend]',
        '    env: { TF_VAR_region: us-east-1 }',
      ),
    );
    const [app, web] = (await loadConfig(root))?.stacks ?? [];
    expect(app).toMatchObject({
      engine: 'tofu',
      planArgs: ['-lock-timeout=60s', '-parallelism=20'],
      initArgs: ['-upgrade'],
      timeoutMs: 600_000,
      env: { TF_IN_AUTOMATION: '1', TF_VAR_region: 'eu-west-1' },
    });
    expect(web).toMatchObject({
      engine: 'tofu',
      planArgs: ['-compact-warnings'],
      initArgs: ['-upgrade'],
      timeoutMs: 600_000,
      env: { TF_IN_AUTOMATION: '1', TF_VAR_region: 'us-east-1' },
    });
    expect(initArguments(web!)).toEqual(['-reconfigure', '-backend-config=env/web.tfbackend', '-upgrade']);
  });

  it('gives a key of one engine only to stacks of that engine', async () => {
    const root = await workspaceWith(
      lines(
        'version: 1',
        'defaults:',
        '  plan-args: [-lock-timeout=60s]',
        '  check-args: [--forks=10]',
        '  inventory: inventory.ini',
        'stacks:',
        '  - name: app',
        '    path: infra/app',
        '  - name: hosts',
        '    path: hosts/site.yml',
        '    engine: ansible',
      ),
    );
    const [app, hosts] = (await loadConfig(root))?.stacks ?? [];
    expect(app?.planArgs).toEqual(['-lock-timeout=60s']);
    expect(app?.ansible).toBeUndefined();
    expect(hosts?.planArgs).toBeUndefined();
    expect(hosts?.ansible).toMatchObject({ inventory: 'inventory.ini', checkArgs: ['--forks=10'] });
  });

  it('applies to the stacks discovery finds when the config declares no stacks', async () => {
    const root = await workspaceWith(
      lines('version: 1', 'defaults:', '  plan-args: [-parallelism=4]', '  env: { TF_VAR_x: "1" }'),
    );
    const stacks = await discoverStacks(root, await loadConfig(root));
    expect(stacks.map((stack) => [stack.name, stack.planArgs, stack.env])).toEqual([
      ['infra/app', ['-parallelism=4'], { TF_VAR_x: '1' }],
      ['infra/web', ['-parallelism=4'], { TF_VAR_x: '1' }],
    ]);
  });

  it('reports an unknown key in defaults at its line, with the closest key', async () => {
    const problems = await problemsOf(
      lines('version: 1', 'defaults:', '  engine: tofu', '  plan_args: [-parallelism=4]', 'stacks: []'),
    );
    expect(problems).toEqual([
      {
        file: '.stackgate.yml',
        line: 4,
        column: 3,
        message: 'unknown key `plan_args` in `defaults`; did you mean `plan-args`?',
      },
    ]);
  });

  it('refuses keys only a stack can set, saying why', async () => {
    const problems = await problemsOf(lines('version: 1', 'defaults:', '  path: infra', 'stacks: []'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 3, column: 3 });
    expect(problems[0]?.message).toMatch(
      /^`path` cannot have a default: each stack sets its own `name`, `path`/,
    );
  });

  it('refuses an engine argument in defaults at its line in defaults, once', async () => {
    const problems = await problemsOf(
      lines(
        'version: 1',
        'defaults:',
        '  plan-args:',
        '    - -lock-timeout=60s',
        '    - -out=other.tfplan',
        'stacks:',
        '  - { name: app, path: infra/app }',
        '  - { name: web, path: infra/web }',
      ),
    );
    expect(problems).toEqual([
      {
        file: '.stackgate.yml',
        line: 5,
        column: 7,
        message:
          '`-out` is not allowed in `plan-args`: Stackgate saves the plan itself, to apply exactly what was reviewed',
      },
    ]);
  });

  it('refuses an engine argument in defaults even when no stack uses the default', async () => {
    const problems = await problemsOf(
      lines(
        'version: 1',
        'defaults:',
        '  apply-args: [-auto-approve]',
        'stacks:',
        '  - { name: app, path: infra/app, apply-args: [-parallelism=2] }',
      ),
    );
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([
      [3, '`-auto-approve` is not allowed in `apply-args`'],
    ]);
  });

  it('reports a default file that leaves the repository for one stack at the default, naming the stack', async () => {
    const problems = await problemsOf(
      lines(
        'version: 1',
        'defaults:',
        '  var-files: [../../../common.tfvars]',
        'stacks:',
        '  - { name: app, path: infra/app }',
        '  - { name: deep, path: infra/web/env, var-files: [../../../../x.tfvars] }',
      ),
    );
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [3, 'var file `../../../common.tfvars` is outside the repository (the default, for stack `app`)'],
      [6, 'var file `../../../../x.tfvars` is outside the repository'],
    ]);
  });

  it('rejects a default engine of Ansible when stacks are discovered', async () => {
    const problems = await problemsOf(lines('version: 1', 'defaults:', '  engine: ansible'));
    expect(problems.map((p) => [p.line, p.column])).toEqual([[3, 11]]);
    expect(problems[0]?.message).toMatch(/`engine: ansible` cannot be their default/);
  });
});

describe('engine: terragrunt in the config', () => {
  it('needs a folder with a terragrunt.hcl', async () => {
    const problems = await problemsOf(
      lines('version: 1', 'stacks:', '  - name: app', '    path: infra/app', '    engine: terragrunt'),
    );
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [4, 11, "stack path `infra/app` holds no terragrunt.hcl: a Terragrunt stack is a unit's folder"],
    ]);
  });
});
