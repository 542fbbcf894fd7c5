// The stack keys that shape the engine's command lines: backend settings and extra options for each step.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import type { ConfigProblem } from '../../src/config/types.js';
import { initArguments } from '../../src/engines/terraform.js';
import { makeWorkspace, removeWorkspace } from '../stacks/helpers.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeWorkspace));
});

const lines = (...text: string[]) => text.join('\n') + '\n';

async function workspaceWith(config: string): Promise<string> {
  const root = await makeWorkspace({ 'infra/app/main.tf': '', 'infra/app/env/prod.s3.tfbackend': '' });
  folders.push(root);
  await writeFile(path.join(root, '.stackgate.yml'), config);
  return root;
}

async function problemsOf(config: string): Promise<ConfigProblem[]> {
  const error = await loadConfig(await workspaceWith(config)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

const stack = (...keys: string[]) =>
  lines('version: 1', 'stacks:', '  - name: app', '    path: infra/app', ...keys.map((key) => `    ${key}`));

describe('backend-config and engine arguments', () => {
  it('loads the four keys as given', async () => {
    const root = await workspaceWith(
      stack(
        'backend-config: [env/prod.s3.tfbackend, key=prod/terraform.tfstate]',
        'init-args: [-upgrade]',
        'plan-args: [-parallelism=20, -lock-timeout=60s]',
        'apply-args: [-parallelism=5]',
      ),
    );
    const [app] = (await loadConfig(root))?.stacks ?? [];
    expect(app).toMatchObject({
      backendConfig: ['env/prod.s3.tfbackend', 'key=prod/terraform.tfstate'],
      initArgs: ['-upgrade'],
      planArgs: ['-parallelism=20', '-lock-timeout=60s'],
      applyArgs: ['-parallelism=5'],
    });
    expect(initArguments(app!)).toEqual([
      '-reconfigure',
      '-backend-config=env/prod.s3.tfbackend',
      '-backend-config=key=prod/terraform.tfstate',
      '-upgrade',
    ]);
  });

  it('adds nothing to init for a stack without backend settings or init options', () => {
    expect(initArguments({})).toEqual([]);
  });

  it('refuses options that break the flow, at their line and column, with the reason', async () => {
    const problems = await problemsOf(
      stack(
        'plan-args:',
        '      - -lock-timeout=60s',
        '      - -out=other.tfplan',
        '      - --detailed-exitcode',
        '      - -refresh-only',
        '      - -var-file=prod.tfvars',
        'init-args: [-upgrade, "-backend-config=key=x", -input=true]',
        'apply-args: [-auto-approve, "-chdir=..", -target=aws_s3_bucket.a]',
      ),
    );
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [
        7,
        13,
        '`-out` is not allowed in `plan-args`: Stackgate saves the plan itself, to apply exactly what was reviewed',
      ],
      [
        8,
        13,
        '`-detailed-exitcode` is not allowed in `plan-args`: Stackgate reads the exit status itself (it sets -detailed-exitcode)',
      ],
      [
        9,
        13,
        '`-refresh-only` is not allowed in `plan-args`: drift runs plan with -refresh-only themselves; a pull request plans the configuration',
      ],
      [
        10,
        13,
        '`-var-file` is not allowed in `plan-args`: use the stack key `var-files`, which also counts the file as an input of the stack',
      ],
      [
        11,
        27,
        '`-backend-config` is not allowed in `init-args`: use the stack key `backend-config`, which also counts the file as an input of the stack',
      ],
      [11, 52, '`-input` is not allowed in `init-args`: Stackgate never prompts (it sets -input=false)'],
      [
        12,
        18,
        '`-auto-approve` is not allowed in `apply-args`: apply runs the reviewed saved plan, which needs no approval',
      ],
      [12, 33, '`-chdir` is not allowed in `apply-args`: the stack runs in its `path`; set `path` instead'],
      [
        12,
        46,
        '`-target` is not allowed in `apply-args`: apply runs the saved plan exactly; put -target in `plan-args`',
      ],
    ]);
    expect(problems.every((p) => p.file === '.stackgate.yml')).toBe(true);
  });

  it('refuses a value that is not an option (it would name a folder or plan file)', async () => {
    const problems = await problemsOf(stack('apply-args: [other.tfplan]'));
    expect(problems).toEqual([
      {
        file: '.stackgate.yml',
        line: 5,
        column: 18,
        message:
          "`apply-args` takes options starting with - (got `other.tfplan`); the stack's folder and plan file are Stackgate's",
      },
    ]);
  });

  it('refuses a backend config file outside the repository, but not a key=value pair', async () => {
    const problems = await problemsOf(
      stack('backend-config: [path=../../state.tfstate, /etc/prod.tfbackend]'),
    );
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [
        5,
        48,
        "backend config file `/etc/prod.tfbackend` must be relative to the stack's folder, inside the repository",
      ],
    ]);
  });

  it('reports wrong types and empty entries at the value', async () => {
    const root = lines(
      'version: 1',
      'stacks:',
      '  - name: app',
      '    path: infra/app',
      '    plan-args: -parallelism=2',
      '    backend-config: [""]',
    );
    const problems = await problemsOf(root);
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [5, 16, '`stacks[0].plan-args` must be a list'],
      [6, 22, '`stacks[0].backend-config[0]` must not be empty'],
    ]);
  });
});
