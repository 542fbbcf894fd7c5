import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, levenshtein, loadConfig, parseDuration, suggestion } from '../../src/config/load.js';
import type { ConfigProblem } from '../../src/config/types.js';
import { makeWorkspace, removeWorkspace } from '../stacks/helpers.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeWorkspace));
});

/** A workspace with `infra/app` and `infra/db` folders and the given config text. */
async function workspaceWith(config: string, extra: Record<string, string> = {}): Promise<string> {
  const root = await makeWorkspace({ 'infra/app/main.tf': '', 'infra/db/main.tf': '', ...extra });
  folders.push(root);
  await writeFile(path.join(root, '.stackgate.yml'), config);
  return root;
}

/** The problems `loadConfig` throws for this config. */
async function problemsOf(config: string, extra: Record<string, string> = {}): Promise<ConfigProblem[]> {
  const root = await workspaceWith(config, extra);
  const error = await loadConfig(root).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

const lines = (...text: string[]) => text.join('\n') + '\n';

describe('loadConfig', () => {
  it('returns undefined when there is no config file', async () => {
    const root = await makeWorkspace({});
    folders.push(root);
    expect(await loadConfig(root)).toBeUndefined();
  });

  it('loads a valid config, camelCased with defaults', async () => {
    const root = await workspaceWith(
      lines(
        'version: 1',
        'stacks:',
        '  - name: app',
        '    path: ./infra/app/',
        '    engine: tofu',
        '    workspace: prod',
        '    var-files: [prod.tfvars]',
        '    env: { TF_VAR_region: eu-west-1, TF_VAR_count: 3 }',
        '    when-modified: ["../modules/**"]',
        '    timeout: 1h30m',
        '  - name: db',
        '    path: infra/db',
        'policies:',
        '  - name: protect-databases',
        '    deny: [delete, replace]',
        '    resources: ["aws_db_instance.*"]',
        '    unless-label: allow-destroy',
        '  - name: tagged',
        '    level: warning',
        '    max-changes: 50',
        '    require-attributes: { tags: [owner, cost-center] }',
        'secrets:',
        '  allow: ["test/**"]',
      ),
    );
    const config = await loadConfig(root);
    expect(config).toStrictEqual({
      file: '.stackgate.yml',
      absolutePath: path.join(root, '.stackgate.yml'),
      version: 1,
      stacks: [
        {
          name: 'app',
          path: 'infra/app',
          engine: 'tofu',
          workspace: 'prod',
          varFiles: ['prod.tfvars'],
          env: { TF_VAR_region: 'eu-west-1', TF_VAR_count: '3' },
          whenModified: ['../modules/**'],
          timeoutMs: 90 * 60 * 1000,
        },
        { name: 'db', path: 'infra/db', workspace: 'default', varFiles: [], env: {}, whenModified: [] },
      ],
      policies: [
        {
          name: 'protect-databases',
          deny: ['delete', 'replace'],
          resources: ['aws_db_instance.*'],
          unlessLabel: 'allow-destroy',
          level: 'error',
          requireAttributes: {},
        },
        {
          name: 'tagged',
          deny: [],
          level: 'warning',
          maxChanges: 50,
          requireAttributes: { tags: ['owner', 'cost-center'] },
        },
      ],
      secrets: { allow: ['test/**'] },
      apply: { on: 'comment', requirements: ['approved', 'mergeable', 'undiverged', 'plan-passed'] },
      drift: { labels: [], assignees: [], dashboard: true, showInPr: true },
    });
  });

  it('leaves stacks undefined when the config declares none, so they are discovered', async () => {
    const root = await workspaceWith(lines('version: 1', 'secrets:', '  allow: []'));
    const config = await loadConfig(root);
    expect(config?.stacks).toBeUndefined();
    expect(config?.policies).toStrictEqual([]);
  });

  it('reads a config at another path', async () => {
    const root = await makeWorkspace({ 'ci/stackgate.yaml': 'version: 1\nstacks: []\n' });
    folders.push(root);
    const config = await loadConfig(root, 'ci/stackgate.yaml');
    expect(config?.file).toBe('ci/stackgate.yaml');
    expect(config?.stacks).toStrictEqual([]);
  });

  it('reports a YAML syntax error at its line', async () => {
    const problems = await problemsOf(lines('version: 1', 'stacks:', '  - name: app', '   path: infra/app'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: '.stackgate.yml', line: 4 });
    expect(problems[0]?.message).toMatch(/sequence item/i);
  });

  it('reports a duplicate YAML key at the second key', async () => {
    const problems = await problemsOf(
      lines('version: 1', 'stacks:', '  - name: app', '    path: infra/app', '    path: infra/db'),
    );
    expect(problems).toStrictEqual([
      { file: '.stackgate.yml', line: 5, column: 5, message: expect.stringMatching(/unique/) as string },
    ]);
  });

  it('reports an unknown key at its line and column with a suggestion', async () => {
    const problems = await problemsOf(
      lines('version: 1', 'stacks:', '  - name: app', '    path: infra/app', '    var_files: [prod.tfvars]'),
    );
    expect(problems).toStrictEqual([
      {
        file: '.stackgate.yml',
        line: 5,
        column: 5,
        message: 'unknown key `var_files` in `stacks[0]`; did you mean `var-files`?',
      },
    ]);
  });

  it('lists the allowed keys when no key is close', async () => {
    const problems = await problemsOf(lines('version: 1', 'colour: blue'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 2, column: 1 });
    expect(problems[0]?.message).toBe(
      'unknown key `colour` (allowed: `version`, `stacks`, `defaults`, `policies`, `drift`, `secrets`, `apply`)',
    );
  });

  it('reports a wrong type at the value', async () => {
    const problems = await problemsOf(
      lines('version: 1', 'stacks:', '  - name: app', '    path: infra/app', '    var-files: prod.tfvars'),
    );
    expect(problems).toStrictEqual([
      { file: '.stackgate.yml', line: 5, column: 16, message: '`stacks[0].var-files` must be a list' },
    ]);
  });

  it('reports bad values: engine, timeout, env names and version', async () => {
    const problems = await problemsOf(
      lines(
        'version: 2',
        'stacks:',
        '  - name: app',
        '    path: infra/app',
        '    engine: tf',
        '    timeout: 30 minutes',
        '    env: { bad-name: x }',
      ),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toStrictEqual([
      '1:10 `version` must be 1 (got `2`)',
      '5:13 `stacks[0].engine` must be one of `terraform`, `tofu`, `ansible`, `terragrunt` (got `"tf"`)',
      '6:14 `stacks[0].timeout` must be a duration such as 90s, 30m, 1h or 1h30m',
      '7:12 key `bad-name` in `stacks[0].env` must be a valid environment variable name (letters, digits and _, not starting with a digit)',
    ]);
  });

  it('takes apply.on merge at the top and per stack, and rejects any other mode at its line', async () => {
    const root = await workspaceWith(
      lines(
        'version: 1',
        'apply: { on: merge }',
        'stacks:',
        '  - { name: app, path: infra/app }',
        '  - { name: db, path: infra/db, apply: { on: comment } }',
      ),
    );
    const config = await loadConfig(root);
    expect(config?.apply.on).toBe('merge');
    expect(config?.stacks?.map((stack) => stack.apply?.on)).toEqual([undefined, 'comment']);
    const problems = await problemsOf(lines('version: 1', 'apply:', '  on: push'));
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toStrictEqual([
      '3:7 `apply.on` must be one of `comment`, `merge` (got `"push"`)',
    ]);
  });

  it('reports a missing required key at the stack', async () => {
    const problems = await problemsOf(lines('version: 1', 'stacks:', '  - name: app'));
    expect(problems).toStrictEqual([
      {
        file: '.stackgate.yml',
        line: 3,
        column: 5,
        message: '`stacks[0]` is missing the required key `path`',
      },
    ]);
  });

  it('reports a policy without any rule once, naming the choices', async () => {
    const problems = await problemsOf(
      lines('version: 1', 'policies:', '  - name: empty', '    level: error'),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toStrictEqual([
      '3:5 `policies[0]` needs at least one of `deny`, `max-changes`, `require-attributes`',
    ]);
  });

  it('reports a duplicate stack name at the second one', async () => {
    const problems = await problemsOf(
      lines(
        'version: 1',
        'stacks:',
        '  - name: app',
        '    path: infra/app',
        '  - name: app',
        '    path: infra/db',
      ),
    );
    expect(problems).toStrictEqual([
      {
        file: '.stackgate.yml',
        line: 5,
        column: 11,
        message: 'duplicate stack name `app` (first used on line 3)',
      },
    ]);
  });

  it('rejects a stack path escaping the workspace through ..', async () => {
    const problems = await problemsOf(
      lines('version: 1', 'stacks:', '  - name: app', '    path: infra/../../x'),
    );
    expect(problems).toStrictEqual([
      {
        file: '.stackgate.yml',
        line: 4,
        column: 11,
        message: 'stack path `infra/../../x` is outside the repository',
      },
    ]);
  });

  it('rejects an absolute stack path', async () => {
    const problems = await problemsOf(lines('version: 1', 'stacks:', '  - name: app', '    path: /etc'));
    expect(problems.map((p) => p.message)).toStrictEqual([
      'stack path `/etc` must be relative to the repository',
    ]);
  });

  it('rejects a stack path that resolves through a symlink outside the workspace', async () => {
    const outside = await makeWorkspace({ 'main.tf': '' });
    folders.push(outside);
    const root = await workspaceWith(lines('version: 1', 'stacks:', '  - name: app', '    path: infra/link'));
    await symlink(outside, path.join(root, 'infra/link'));
    const error = (await loadConfig(root).catch((thrown: unknown) => thrown)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ line: 4, column: 11 });
    expect(error.problems[0]?.message).toMatch(
      /^stack path `infra\/link` resolves through a symlink to .*outside/,
    );
  });

  it('accepts a symlink that stays inside the workspace', async () => {
    const root = await workspaceWith(
      lines('version: 1', 'stacks:', '  - name: app', '    path: infra/alias'),
    );
    await symlink(path.join(root, 'infra/app'), path.join(root, 'infra/alias'));
    const config = await loadConfig(root);
    expect(config?.stacks?.[0]?.path).toBe('infra/alias');
  });

  it('rejects a stack path that does not exist, or is a file', async () => {
    const problems = await problemsOf(
      lines(
        'version: 1',
        'stacks:',
        '  - name: app',
        '    path: infra/ap',
        '  - name: file',
        '    path: infra/app/main.tf',
      ),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toStrictEqual([
      '4:11 stack path `infra/ap` does not exist',
      '6:11 stack path `infra/app/main.tf` is not a folder',
    ]);
  });

  it('reports every problem at once, sorted, in the error message', async () => {
    const root = await workspaceWith(
      lines('version: 1', 'stacks:', '  - name: app', '    path: nowhere', '    engin: tofu'),
    );
    const error = (await loadConfig(root).catch((thrown: unknown) => thrown)) as ConfigError;
    expect(error.message).toBe(
      [
        '.stackgate.yml:4:11: stack path `nowhere` does not exist',
        '.stackgate.yml:5:5: unknown key `engin` in `stacks[0]`; did you mean `engine`?',
      ].join('\n'),
    );
  });

  it('points at the key when a value is empty', async () => {
    const problems = await problemsOf(lines('version: 1', 'stacks:', '  - name: app', '    path:'));
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toStrictEqual([
      '4:5 `stacks[0].path` must be a string',
    ]);
  });

  it('says a config that is empty must be a mapping', async () => {
    const problems = await problemsOf('');
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toStrictEqual([
      '1:1 the config must be a mapping',
    ]);
  });

  it('rejects a zero timeout', async () => {
    const problems = await problemsOf(
      lines('version: 1', 'stacks:', '  - name: app', '    path: infra/app', '    timeout: 0s'),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toStrictEqual([
      '5:14 timeout must be longer than zero',
    ]);
  });
});

describe('Ansible stacks', () => {
  const ansibleFiles = {
    'ansible/site.yml': '- hosts: all\n  tasks: []\n',
    'ansible/inventory.ini': 'localhost\n',
    'ansible/vars/prod.yml': 'x: 1\n',
  };

  it('loads the Ansible keys, camelCased', async () => {
    const root = await workspaceWith(
      lines(
        'version: 1',
        'stacks:',
        '  - name: hosts',
        '    path: ansible',
        '    engine: ansible',
        '    playbook: site.yml',
        '    inventory: inventory.ini',
        '    limit: web',
        '    tags: [config, users]',
        '    extra-vars-files: [vars/prod.yml]',
        '    check-args: [--forks=5]',
        '    vault-password-env: ANSIBLE_VAULT_PASSWORD',
        '  - name: by-file',
        '    path: ansible/site.yml',
        '    engine: ansible',
        '    inventory: inventory.ini',
        '    vault-password-file: /run/secrets/vault',
      ),
      ansibleFiles,
    );
    const config = await loadConfig(root);
    expect(config?.stacks?.[0]).toMatchObject({
      name: 'hosts',
      path: 'ansible',
      engine: 'ansible',
      ansible: {
        playbook: 'site.yml',
        inventory: 'inventory.ini',
        limit: 'web',
        tags: ['config', 'users'],
        extraVarsFiles: ['vars/prod.yml'],
        checkArgs: ['--forks=5'],
        vaultPasswordEnv: 'ANSIBLE_VAULT_PASSWORD',
      },
    });
    // A path naming the playbook: the stack is the playbook's folder.
    expect(config?.stacks?.[1]).toMatchObject({
      path: 'ansible',
      ansible: { playbook: 'site.yml', inventory: 'inventory.ini', vaultPasswordFile: '/run/secrets/vault' },
    });
  });

  it('reports misspelt keys, keys of the other engine, missing and absent files at their lines', async () => {
    const problems = await problemsOf(
      lines(
        'version: 1',
        'stacks:',
        '  - name: hosts',
        '    path: ansible',
        '    engine: ansible',
        '    playbok: site.yml',
        '  - name: other',
        '    path: ansible',
        '    engine: ansible',
        '    playbook: missing.yml',
        '    inventory: inventory.ini',
        '    var-files: [a.tfvars]',
        '    extra-vars-files: [vars/none.yml]',
        '  - name: app',
        '    path: infra/app',
        '    playbook: site.yml',
      ),
      ansibleFiles,
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '3:5 Ansible stack `hosts` is missing the required key `playbook`',
      '3:5 Ansible stack `hosts` is missing the required key `inventory`',
      '6:5 unknown key `playbok` in `stacks[0]`; did you mean `playbook`?',
      '10:15 `missing.yml` does not exist (looked for ansible/missing.yml)',
      '12:5 `var-files` is for Terraform/OpenTofu stacks; an Ansible stack takes `playbook`, `inventory`, `limit`, `tags`, `extra-vars-files`, `check-args`',
      '13:24 `vars/none.yml` does not exist (looked for ansible/vars/none.yml)',
      '16:5 `playbook` is for Ansible stacks only (add `engine: ansible`)',
    ]);
  });
});

describe('helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h2m3s')).toBe(3_723_000);
    expect(() => parseDuration('1d')).toThrow(/not a duration/);
  });

  it('computes edit distances and suggestions', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(suggestion('when_modifed', ['when-modified', 'workspace'])).toBe(
      '; did you mean `when-modified`?',
    );
    expect(suggestion('zzz', ['name'])).toBe(' (allowed: `name`)');
  });
});
