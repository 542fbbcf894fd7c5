// Config-loading cases found by mutation testing (issue 17): read errors other than a missing file, exact YAML
// syntax messages and positions (unclosed quotes), empty and null values, keys holding `/` and `~`, and the
// boundaries of "did you mean".
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, suggestion } from '../../src/config/load.js';
import { makeWorkspace, removeWorkspace } from '../stacks/helpers.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeWorkspace));
});

const lines = (...text: string[]): string => text.join('\n') + '\n';

async function problems(config: string): Promise<string[]> {
  const root = await makeWorkspace({ 'infra/app/main.tf': '' });
  folders.push(root);
  await writeFile(path.join(root, '.stackgate.yml'), config);
  const error = await loadConfig(root).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`);
}

describe('loadConfig: reading', () => {
  it('reports a config path that cannot be read, at its first line', async () => {
    const root = await makeWorkspace({});
    folders.push(root);
    await mkdir(path.join(root, '.stackgate.yml'));
    const error = await loadConfig(root).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const [problem, ...rest] = (error as ConfigError).problems;
    expect(rest).toStrictEqual([]);
    expect(problem).toStrictEqual({
      file: '.stackgate.yml',
      line: 1,
      column: 1,
      message: expect.stringMatching(/^cannot read: EISDIR/) as string,
    });
  });
});

describe('loadConfig: YAML syntax', () => {
  it('gives the parser’s message alone, without a code frame', async () => {
    const [problem, ...rest] = await problems(
      lines('version: 1', 'stacks:', '  - name: app', '   path: infra/app'),
    );
    expect(rest).toStrictEqual([]);
    expect(problem).toMatch(/^\.stackgate\.yml:4:\d+ /);
    expect(problem).not.toContain('\n');
  });

  it('points an unclosed double or single quote at the line where it opened', async () => {
    for (const quote of ['"', "'"]) {
      const found = await problems(
        lines('version: 1', 'stacks:', `  - name: ${quote}app`, '    path: infra/app', '    engine: tofu'),
      );
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]).toMatch(/^\.stackgate\.yml:3:11 /);
    }
  });

  it('points an unclosed quote on the first line at that line', async () => {
    const [first] = await problems('version: "1\n');
    expect(first).toMatch(/^\.stackgate\.yml:1:10 /);
  });

  it('points a syntax error that is not a quote where the parser found it', async () => {
    const [first] = await problems(lines('version: 1', 'stacks: [', '  a,'));
    expect(first).not.toMatch(/^\.stackgate\.yml:1:/);
  });
});

describe('loadConfig: positions of values', () => {
  it('points at a null value written as ~, and at the key of an empty one', async () => {
    expect(await problems(lines('version: 1', 'stacks:', '  - name: app', '    path: ~'))).toStrictEqual([
      '.stackgate.yml:4:11 `stacks[0].path` must be a string',
    ]);
    expect(await problems(lines('version: 1', 'stacks:', '  - name: app', '    path:'))).toStrictEqual([
      '.stackgate.yml:4:5 `stacks[0].path` must be a string',
    ]);
  });

  it('follows an alias to the anchored value it names', async () => {
    expect(
      await problems(
        lines(
          'version: 1',
          'x-engine: &e 42',
          'stacks:',
          '  - name: app',
          '    path: infra/app',
          '    engine: *e',
        ),
      ),
    ).toStrictEqual([
      '.stackgate.yml:2:1 unknown key `x-engine` (allowed: `version`, `stacks`, `defaults`, `policies`, `drift`, `secrets`, `apply`)',
      '.stackgate.yml:2:14 `stacks[0].engine` must be one of `terraform`, `tofu`, `ansible`, `terragrunt` (got `42`)',
    ]);
  });

  it('names keys holding / and ~ as they are written', async () => {
    const found = await problems(
      lines(
        'version: 1',
        'stacks:',
        '  - name: app',
        '    path: infra/app',
        '    env:',
        '      "A/B~C": [1]',
      ),
    );
    expect(found.some((p) => p.includes('`stacks[0].env.A/B~C`'))).toBe(true);
    expect(found.some((p) => p.includes('key `A/B~C` in `stacks[0].env`'))).toBe(true);
  });
});

describe('suggestion', () => {
  it('keeps the first of equally close keys', () => {
    expect(suggestion('ab', ['ax', 'ay'])).toBe('; did you mean `ax`?');
  });

  it('compares without case', () => {
    expect(suggestion('ENGIN', ['engine'])).toBe('; did you mean `engine`?');
  });

  it('allows two wrong characters, or a third of a long name', () => {
    expect(suggestion('abcd', ['abxy'])).toBe('; did you mean `abxy`?');
    expect(suggestion('abc', ['xyz'])).toBe(' (allowed: `xyz`)');
    expect(suggestion('abcdefghijkl', ['abcdefghixyz'])).toBe('; did you mean `abcdefghixyz`?');
    expect(suggestion('abcdefghijkl', ['abcdefghwxyz'])).toBe('; did you mean `abcdefghwxyz`?');
    expect(suggestion('abcdefghijkl', ['abcdefgvwxyz'])).toBe(' (allowed: `abcdefgvwxyz`)');
  });

  it('lists every allowed key when none is close, and says nothing without any', () => {
    expect(suggestion('zzzzzz', ['name', 'path'])).toBe(' (allowed: `name`, `path`)');
    expect(suggestion('x', [])).toBe('');
  });
});

// Survivors of load.ts's first recorded run (81.80 %): the Ansible stack's files, var files outside the
// repository and the repository found from `.git` upwards, each reported at the line a user would edit.
async function problemsIn(
  files: Record<string, string>,
  config: string,
  repoRoot?: string,
): Promise<string[]> {
  const root = await makeWorkspace(files);
  folders.push(root);
  await writeFile(path.join(root, '.stackgate.yml'), config);
  const error = await loadConfig(root, '.stackgate.yml', repoRoot === undefined ? undefined : root).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map((p) => `${p.line}:${p.column} ${p.message}`);
}

describe('loadConfig: the files of an Ansible stack', () => {
  const files = { 'ops/site.yml': '', 'ops/hosts.ini': '', 'ops/vars/a.yml': '', '.git/HEAD': '' };
  it('rejects a playbook, inventory or extra vars file outside the stack or absolute, at its value', async () => {
    const config = lines(
      'version: 1',
      'stacks:',
      '  - name: ops',
      '    path: ops',
      '    engine: ansible',
      '    playbook: /etc/site.yml',
      '    inventory: ../../hosts.ini',
      '    extra-vars-files:',
      '      - vars/a.yml',
      '      - ../..',
      '      - vars/b.yml',
    );
    expect(await problemsIn(files, config, '.')).toStrictEqual([
      '6:15 `/etc/site.yml` must be relative to the stack and inside the repository',
      '7:16 `../../hosts.ini` must be relative to the stack and inside the repository',
      '10:9 `../..` must be relative to the stack and inside the repository',
      '11:9 `vars/b.yml` does not exist (looked for ops/vars/b.yml)',
    ]);
  });

  it('takes files beside the stack and above it inside the repository, and a path naming the playbook', async () => {
    const config = lines(
      'version: 1',
      'stacks:',
      '  - name: ops',
      '    path: ops/site.yml',
      '    engine: ansible',
      '    inventory: hosts.ini',
      '    extra-vars-files: [../ops/vars/a.yml, vars/none.yml]',
    );
    expect(await problemsIn(files, config, '.')).toStrictEqual([
      '7:43 `vars/none.yml` does not exist (looked for ops/vars/none.yml)',
    ]);
  });
});

describe('loadConfig: var files must stay inside the repository', () => {
  const files = { 'infra/app/main.tf': '', 'infra/app/a.tfvars': '', '.git/HEAD': '' };
  const config = (...varFiles: string[]): string =>
    lines(
      'version: 1',
      'stacks:',
      '  - name: app',
      '    path: infra/app/',
      '    var-files:',
      ...varFiles.map((file) => `      - ${JSON.stringify(file)}`),
    );

  it('refuses absolute paths of either kind and a home folder, at their item', async () => {
    expect(
      await problemsIn(files, config('a.tfvars', '/etc/x.tfvars', 'C:\\x.tfvars', '~/x.tfvars'), '.'),
    ).toStrictEqual([
      "7:9 var file `/etc/x.tfvars` must be relative to the stack's folder, inside the repository",
      "8:9 var file `C:\\x.tfvars` must be relative to the stack's folder, inside the repository",
      "9:9 var file `~/x.tfvars` must be relative to the stack's folder, inside the repository",
    ]);
  });

  it('refuses a relative path leaving the repository, backslashes read as separators', async () => {
    expect(await problemsIn(files, config('..\\..\\..\\x.tfvars', 'a~b/../a.tfvars'), '.')).toStrictEqual([
      '6:9 var file `..\\..\\..\\x.tfvars` is outside the repository',
    ]);
  });

  it('finds the repository from `.git` upwards when none is given', async () => {
    expect(await problemsIn(files, config('../../../x.tfvars'))).toStrictEqual([
      '6:9 var file `../../../x.tfvars` is outside the repository',
    ]);
  });

  it('refuses a var file that is a symlink out of the repository', async () => {
    const root = await makeWorkspace(files);
    folders.push(root);
    const outside = await makeWorkspace({ 'x.tfvars': '' });
    folders.push(outside);
    await symlink(path.join(outside, 'x.tfvars'), path.join(root, 'infra/app/link.tfvars'));
    await writeFile(path.join(root, '.stackgate.yml'), config('link.tfvars'));
    const error = (await loadConfig(root, '.stackgate.yml', root).catch((e: unknown) => e)) as ConfigError;
    expect(error.problems.map((p) => `${p.line} ${p.message}`)).toStrictEqual([
      `6 var file \`link.tfvars\` resolves through a symlink to ${await realpath(path.join(outside, 'x.tfvars'))}, outside the repository`,
    ]);
  });
});
