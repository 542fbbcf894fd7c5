// Config-loading cases found by mutation testing (issue 17): read errors other than a missing file, exact YAML
// syntax messages and positions (unclosed quotes), empty and null values, keys holding `/` and `~`, and the
// boundaries of "did you mean".
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  configuredStack,
  dependencyCycles,
  loadConfig,
  normalizeStackPath,
  suggestion,
  withDefaults,
} from '../../src/config/load.js';
import schema from '../../schema/stackgate.schema.json' with { type: 'json' };
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

// Survivors of load.ts's second recorded run (84.49 %).
async function loaded(files: Record<string, string>, config: string): Promise<unknown> {
  const root = await makeWorkspace({ '.git/HEAD': '', ...files });
  folders.push(root);
  await writeFile(path.join(root, '.stackgate.yml'), config);
  return loadConfig(root, '.stackgate.yml', root);
}

describe('loadConfig: failures outside the file and alias bombs', () => {
  it('turns a failure that is no config problem into one at line 1', async () => {
    const root = await makeWorkspace({ '.stackgate.yml': 'version: 1\n' });
    folders.push(root);
    const file = path.join(root, '.stackgate.yml');
    const error = (await loadConfig(path.join(root, 'gone'), file, root).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toStrictEqual([
      {
        file: file.split(path.sep).join('/'),
        line: 1,
        column: 1,
        message: expect.stringMatching(/^cannot load the config: ENOENT/) as string,
      },
    ]);
  });

  it('points an alias bomb at its first alias', async () => {
    const found = await problems(
      lines(
        'version: 1',
        'x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]',
        'x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'x-d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      ),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\.stackgate\.yml:3:10 cannot load the YAML: /);
  });
});

describe('loadConfig: schema messages', () => {
  it('points an empty quoted name at its value, not its key', async () => {
    expect(
      await problems(lines('version: 1', 'stacks:', '  - name: ""', '    path: infra/app')),
    ).toStrictEqual(['.stackgate.yml:3:11 `stacks[0].name` must not be empty']);
  });

  it('points an unknown empty key at the top at that key', async () => {
    expect(await problems(lines('version: 1', '"": 1'))).toStrictEqual([
      '.stackgate.yml:2:1 unknown key `` (allowed: `version`, `stacks`, `defaults`, `policies`, `drift`, `secrets`, `apply`)',
    ]);
  });

  it('sorts problems of one line by column', async () => {
    const found = await problems(
      lines(
        'version: 1',
        'stacks: [{name: a, path: infra/app}, {name: a, path: infra/app, engine: 1, bogus: 2}]',
      ),
    );
    const columns = found.map((p) => Number(/^[^:]+:2:(\d+) /.exec(p)?.[1]));
    expect(columns).toHaveLength(3);
    expect(columns).toStrictEqual([...columns].sort((a, b) => a - b));
  });

  it('lists the keys each policy lacks, without those of other policies or stacks', async () => {
    expect(
      await problems(
        lines('version: 1', 'stacks:', '  - name: app', 'policies:', '  - name: a', '  - name: b'),
      ),
    ).toStrictEqual([
      '.stackgate.yml:3:5 `stacks[0]` is missing the required key `path`',
      '.stackgate.yml:5:5 `policies[0]` needs at least one of `deny`, `max-changes`, `require-attributes`',
      '.stackgate.yml:6:5 `policies[1]` needs at least one of `deny`, `max-changes`, `require-attributes`',
    ]);
  });

  it('refuses stack-only keys outside `defaults` as unknown keys', async () => {
    const found = await problems(
      lines('version: 1', 'policies:', '  - name: a', '    deny: [create]', '    path: x'),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\.stackgate\.yml:5:5 unknown key `path` in `policies\[0\]`/);
  });

  it('says what an empty list, a repeated item, a negative number and a union type need', async () => {
    expect(
      await problems(
        lines(
          'version: 1',
          'stacks:',
          '  - name: app',
          '    path: infra/app',
          '    env: {A: [1]}',
          'policies:',
          '  - name: a',
          '    deny: []',
          '  - name: b',
          '    max-changes: -1',
          'apply:',
          '  requirements: [approved, approved]',
        ),
      ),
    ).toStrictEqual([
      '.stackgate.yml:5:14 `stacks[0].env.A` must be a string or a number or true or false',
      '.stackgate.yml:8:11 `policies[0].deny` must not be empty',
      '.stackgate.yml:10:18 `policies[1].max-changes` must be at least 0',
      '.stackgate.yml:12:17 `apply.requirements` lists `"approved"` more than once',
    ]);
  });
});

describe('loadConfig: YAML syntax positions', () => {
  it('points a quote opened at the very start at line 1, column 1', async () => {
    const [first] = await problems('"version: 1\n');
    expect(first).toMatch(/^\.stackgate\.yml:1:1 /);
  });

  it('points a missing map value where the parser found it, whatever the text before', async () => {
    const [first] = await problems(lines('x: undefined', 'foo'));
    expect(first).toMatch(/^\.stackgate\.yml:2:/);
  });
});

describe('loadConfig: checks on values of the wrong type', () => {
  it('reports only the type of odd stacks, names, args, files and timeouts', async () => {
    expect(
      await problems(
        lines(
          'version: 1',
          'stacks:',
          '  - 1',
          '  - ~',
          '  - {name: 1, path: infra/app, depends-on: [1, ""]}',
          '  - {name: 1, path: infra/app, timeout: []}',
          '  - {name: b, path: 1, var-files: [a.tfvars], backend-config: [b.hcl]}',
          '  - {name: c, path: infra/app, var-files: [1], backend-config: [1], plan-args: ["", 1]}',
          '  - {name: d, path: 1, engine: ansible, inventory: h}',
        ),
      ),
    ).toStrictEqual([
      '.stackgate.yml:3:5 `stacks[0]` must be a mapping',
      '.stackgate.yml:4:5 `stacks[1]` must be a mapping',
      '.stackgate.yml:5:12 `stacks[2].name` must be a string',
      '.stackgate.yml:5:45 `stacks[2].depends-on[0]` must be a string',
      '.stackgate.yml:5:48 `stacks[2].depends-on[1]` must not be empty',
      '.stackgate.yml:6:12 `stacks[3].name` must be a string',
      '.stackgate.yml:6:41 `stacks[3].timeout` must be a string',
      '.stackgate.yml:7:21 `stacks[4].path` must be a string',
      '.stackgate.yml:8:44 `stacks[5].var-files[0]` must be a string',
      '.stackgate.yml:8:65 `stacks[5].backend-config[0]` must be a string',
      '.stackgate.yml:8:81 `stacks[5].plan-args[0]` must not be empty',
      '.stackgate.yml:8:85 `stacks[5].plan-args[1]` must be a string',
      '.stackgate.yml:9:21 `stacks[6].path` must be a string',
    ]);
  });
});

describe('loadConfig: repository checks', () => {
  const files = { 'infra/app/main.tf': '' };
  it('reports duplicate policy names at the second', async () => {
    await expect(
      loaded(
        files,
        lines('version: 1', 'policies:', '  - {name: p, deny: [create]}', '  - {name: p, deny: [delete]}'),
      ),
    ).rejects.toMatchObject({
      problems: [{ line: 4, column: 12, message: 'duplicate policy name `p` (first used on line 3)' }],
    });
  });

  it('lets declared stacks take `engine: ansible` as their default', async () => {
    const config = (await loaded(
      { 'ops/site.yml': '', 'ops/hosts': '' },
      lines(
        'version: 1',
        'defaults: {engine: ansible, inventory: hosts}',
        'stacks:',
        '  - {name: ops, path: ops/site.yml}',
      ),
    )) as { stacks: { engine?: string }[] };
    expect(config.stacks[0]?.engine).toBe('ansible');
  });

  it('skips backend pairs, takes a missing var file and an option with a double dash inside', async () => {
    const config = (await loaded(
      files,
      lines(
        'version: 1',
        'stacks:',
        '  - name: app',
        '    path: infra/app',
        '    backend-config: ["key=../../../x"]',
        '    var-files: [none.tfvars]',
        '    plan-args: ["-no--color"]',
      ),
    )) as { stacks: { backendConfig?: string[]; varFiles: string[]; planArgs?: string[] }[] };
    expect(config.stacks[0]).toMatchObject({
      backendConfig: ['key=../../../x'],
      varFiles: ['none.tfvars'],
      planArgs: ['-no--color'],
    });
  });

  it('refuses absolute and parent stack paths with their own message', async () => {
    await expect(
      loaded(files, lines('version: 1', 'stacks:', '  - {name: a, path: /}', '  - {name: b, path: ..}')),
    ).rejects.toMatchObject({
      problems: [
        { line: 3, message: 'stack path `/` must be relative to the repository' },
        { line: 4, message: 'stack path `..` is outside the repository' },
      ],
    });
  });

  it('reports an Ansible stack whose path does not exist once', async () => {
    await expect(
      loaded(
        files,
        lines('version: 1', 'stacks:', '  - {name: ops, path: ops, engine: ansible, inventory: h}'),
      ),
    ).rejects.toMatchObject({ problems: [{ line: 3, message: 'stack path `ops` does not exist' }] });
  });

  it('suggests no stack for a typo of the stack’s own name, and keeps the first of two same names', async () => {
    await expect(
      loaded(
        files,
        lines(
          'version: 1',
          'stacks:',
          '  - {name: app, path: infra/app, depends-on: [apq, web]}',
          '  - {name: web, path: infra/app, depends-on: [app]}',
          '  - {name: app, path: infra/app}',
        ),
      ),
    ).rejects.toMatchObject({
      problems: [
        { line: 3, message: expect.stringContaining('`depends-on` forms a cycle: `app` → `web` → `app`') },
        { line: 3, message: '`depends-on` names no stack of this file: `apq` (allowed: `web`)' },
        { line: 5, message: 'duplicate stack name `app` (first used on line 3)' },
      ],
    });
  });

  it('finds the repository above a workspace that has no .git', async () => {
    const root = await makeWorkspace({ '.git/HEAD': '', 'shared.tfvars': '', 'sub/infra/app/main.tf': '' });
    folders.push(root);
    const config = (varFile: string): string =>
      lines('version: 1', 'stacks:', '  - name: app', '    path: infra/app', `    var-files: [${varFile}]`);
    await writeFile(path.join(root, 'sub/.stackgate.yml'), config('../../../shared.tfvars'));
    expect(await loadConfig(path.join(root, 'sub'))).toBeDefined();
    await writeFile(path.join(root, 'sub/.stackgate.yml'), config('../../../../x.tfvars'));
    await expect(loadConfig(path.join(root, 'sub'))).rejects.toMatchObject({
      problems: [{ line: 5, message: 'var file `../../../../x.tfvars` is outside the repository' }],
    });
  });
});

describe('dependencyCycles', () => {
  const cycles = (edges: Record<string, string[]>): string[][] =>
    dependencyCycles(new Map(Object.entries(edges)));
  it('gives the loop alone, led by its stack first in the file, once', () => {
    expect(cycles({ a: ['b'], b: ['c'], c: ['b'] })).toStrictEqual([['b', 'c']]);
    expect(cycles({ x: ['a'], b: ['a'], a: ['b'] })).toStrictEqual([['b', 'a']]);
    expect(cycles({ x: ['a'], y: ['a'], a: ['b'], b: ['a'] })).toStrictEqual([['a', 'b']]);
    expect(cycles({ ab: ['c'], c: ['ab'], a: ['bc'], bc: ['a'] })).toStrictEqual([
      ['ab', 'c'],
      ['a', 'bc'],
    ]);
    expect(cycles({ a: ['b'], b: ['a'] })).toStrictEqual([['a', 'b']]);
  });
});

describe('withDefaults and configuredStack', () => {
  it('gives each engine only its own defaults, and merges nothing but env', () => {
    const defaults = { playbook: 'p.yml', 'var-files': ['x'], workspace: 'ws' };
    expect(withDefaults({ name: 'a', env: { A: '1' } }, defaults)).toStrictEqual({
      name: 'a',
      env: { A: '1' },
      'var-files': ['x'],
      workspace: 'ws',
    });
    expect(withDefaults({ name: 'a', engine: 'ansible' }, defaults)).toStrictEqual({
      name: 'a',
      engine: 'ansible',
      playbook: 'p.yml',
    });
  });

  it('builds an Ansible stack with empty lists and no optional keys, and a stack’s apply', () => {
    expect(
      configuredStack({ name: 'a', path: 'ops', engine: 'ansible', playbook: 'p.yml' } as never),
    ).toStrictEqual({
      name: 'a',
      path: 'ops',
      workspace: 'default',
      varFiles: [],
      env: {},
      whenModified: [],
      engine: 'ansible',
      ansible: { playbook: 'p.yml', inventory: '', tags: [], extraVarsFiles: [], checkArgs: [] },
    });
    expect(
      configuredStack({ name: 'a', path: 'x', apply: { on: 'merge', requirements: ['approved'] } } as never)
        .apply,
    ).toStrictEqual({ on: 'merge', requirements: ['approved'] });
  });

  it('keeps `.` for a path of slashes only', () => {
    expect(normalizeStackPath('//')).toBe('.');
  });
});

describe('loadConfig: the loaded config', () => {
  it('fills in every default, and reads `show-in-pr`', async () => {
    const config = await loaded({}, lines('version: 1', 'drift: {show-in-pr: false}'));
    expect(config).toMatchObject({
      secrets: { allow: [] },
      drift: { labels: [], assignees: [], dashboard: true, showInPr: false },
    });
  });
});

describe('loadConfig: what the messages rely on', () => {
  it('reports an empty file, or one of comments only, at line 1', async () => {
    expect(await problems('')).toStrictEqual(['.stackgate.yml:1:1 the config must be a mapping']);
    expect(await problems('# nothing yet\n')).toStrictEqual([
      '.stackgate.yml:1:1 the config must be a mapping',
    ]);
  });

  it('has a message for every pattern and only required keys in every anyOf of the schema', () => {
    const patterns: unknown[] = [];
    const branches: string[][] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      if ('pattern' in record) patterns.push(record.patternErrorMessage);
      if (Array.isArray(record.anyOf))
        branches.push(...record.anyOf.map((branch: object) => Object.keys(branch)));
      Object.values(record).forEach(walk);
    };
    walk(schema);
    expect(patterns.length).toBeGreaterThan(0);
    expect(patterns.filter((message) => typeof message !== 'string' || message === '')).toStrictEqual([]);
    expect(branches.length).toBeGreaterThan(0);
    expect(branches.filter((keys) => keys.join() !== 'required')).toStrictEqual([]);
  });

  it('reports every loop when a stack with a name that is no string depends on one first', async () => {
    const stack = (name: string, needs: string): string[] => [
      `  - name: ${name}`,
      '    path: infra/app',
      `    depends-on: [${needs}]`,
    ];
    expect(
      await problems(
        lines(
          'version: 1',
          'stacks:',
          ...stack('5', 'c'),
          ...stack('a', 'b'),
          ...stack('b', 'c'),
          ...stack('c', 'a, b'),
        ),
      ),
    ).toStrictEqual([
      '.stackgate.yml:3:11 `stacks[0].name` must be a string',
      '.stackgate.yml:8:5 `depends-on` forms a cycle: `a` → `b` → `c` → `a`; a stack cannot wait for itself',
      '.stackgate.yml:11:5 `depends-on` forms a cycle: `b` → `c` → `b`; a stack cannot wait for itself',
    ]);
  });
});

describe('loadConfig: the tables behind the messages', () => {
  it('names every type the schema asks for', async () => {
    expect(
      await problems(
        lines(
          'version: 1',
          'drift: {dashboard: 1, labels: x}',
          'defaults: {env: {A: [1]}}',
          'policies: [{name: p, max-changes: 1.5}]',
          'secrets: []',
        ),
      ),
    ).toStrictEqual([
      '.stackgate.yml:2:20 `drift.dashboard` must be true or false',
      '.stackgate.yml:2:31 `drift.labels` must be a list',
      '.stackgate.yml:3:21 `defaults.env.A` must be a string or a number or true or false',
      '.stackgate.yml:4:35 `policies[0].max-changes` must be a whole number',
      '.stackgate.yml:5:10 `secrets` must be a mapping',
    ]);
  });

  it('refuses each option Stackgate sets or that breaks its flow, in the steps it breaks, with the reason', async () => {
    const options = [
      '-input',
      '-json',
      '-no-color',
      '-chdir',
      '-out',
      '-detailed-exitcode',
      '-refresh-only',
      '-destroy',
      '-auto-approve',
      '-var-file',
      '-backend-config',
      '-backend',
      '-migrate-state',
      '-force-copy',
      '-var',
      '-target',
      '-replace',
      '-lock',
    ];
    const list = `[${options.join(', ')}]`;
    const found = await problems(
      lines(
        'version: 1',
        'defaults:',
        `  init-args: ${list}`,
        `  plan-args: ${list}`,
        `  apply-args: ${list}`,
      ),
    );
    expect(found.map((line) => line.replace(/^[^ ]+ /, ''))).toMatchInlineSnapshot(`
      [
        "\`-input\` is not allowed in \`init-args\`: Stackgate never prompts (it sets -input=false)",
        "\`-json\` is not allowed in \`init-args\`: Stackgate reads the machine-readable output itself (it sets -json)",
        "\`-no-color\` is not allowed in \`init-args\`: Stackgate sets it already",
        "\`-chdir\` is not allowed in \`init-args\`: the stack runs in its \`path\`; set \`path\` instead",
        "\`-backend-config\` is not allowed in \`init-args\`: use the stack key \`backend-config\`, which also counts the file as an input of the stack",
        "\`-backend\` is not allowed in \`init-args\`: plan and apply need the backend",
        "\`-migrate-state\` is not allowed in \`init-args\`: Stackgate never moves state",
        "\`-force-copy\` is not allowed in \`init-args\`: Stackgate never moves state",
        "\`-input\` is not allowed in \`plan-args\`: Stackgate never prompts (it sets -input=false)",
        "\`-json\` is not allowed in \`plan-args\`: Stackgate reads the machine-readable output itself (it sets -json)",
        "\`-no-color\` is not allowed in \`plan-args\`: Stackgate sets it already",
        "\`-chdir\` is not allowed in \`plan-args\`: the stack runs in its \`path\`; set \`path\` instead",
        "\`-out\` is not allowed in \`plan-args\`: Stackgate saves the plan itself, to apply exactly what was reviewed",
        "\`-detailed-exitcode\` is not allowed in \`plan-args\`: Stackgate reads the exit status itself (it sets -detailed-exitcode)",
        "\`-refresh-only\` is not allowed in \`plan-args\`: drift runs plan with -refresh-only themselves; a pull request plans the configuration",
        "\`-destroy\` is not allowed in \`plan-args\`: a destroy plan would hide the changes under review; remove the resources from the configuration instead",
        "\`-var-file\` is not allowed in \`plan-args\`: use the stack key \`var-files\`, which also counts the file as an input of the stack",
        "\`-input\` is not allowed in \`apply-args\`: Stackgate never prompts (it sets -input=false)",
        "\`-json\` is not allowed in \`apply-args\`: Stackgate reads the machine-readable output itself (it sets -json)",
        "\`-no-color\` is not allowed in \`apply-args\`: Stackgate sets it already",
        "\`-chdir\` is not allowed in \`apply-args\`: the stack runs in its \`path\`; set \`path\` instead",
        "\`-refresh-only\` is not allowed in \`apply-args\`: drift runs plan with -refresh-only themselves; a pull request plans the configuration",
        "\`-destroy\` is not allowed in \`apply-args\`: a destroy plan would hide the changes under review; remove the resources from the configuration instead",
        "\`-auto-approve\` is not allowed in \`apply-args\`: apply runs the reviewed saved plan, which needs no approval",
        "\`-var-file\` is not allowed in \`apply-args\`: use the stack key \`var-files\`, which also counts the file as an input of the stack",
        "\`-var\` is not allowed in \`apply-args\`: apply runs the saved plan, which holds the variables; put -var in \`plan-args\`",
        "\`-target\` is not allowed in \`apply-args\`: apply runs the saved plan exactly; put -target in \`plan-args\`",
        "\`-replace\` is not allowed in \`apply-args\`: apply runs the saved plan exactly; put -replace in \`plan-args\`",
      ]
    `);
  });

  it('refuses `name`, `path`, `depends-on` and `apply` in `defaults`, saying why', async () => {
    const found = await problems(
      lines(
        'version: 1',
        'defaults:',
        '  name: a',
        '  path: b',
        '  depends-on: [c]',
        '  apply: {on: merge}',
        '  env: {}',
      ),
    );
    const reason =
      'each stack sets its own `name`, `path` and `depends-on`; apply settings for every stack are the top-level `apply`';
    expect(found).toStrictEqual([
      `.stackgate.yml:3:3 \`name\` cannot have a default: ${reason}`,
      `.stackgate.yml:4:3 \`path\` cannot have a default: ${reason}`,
      `.stackgate.yml:5:3 \`depends-on\` cannot have a default: ${reason}`,
      `.stackgate.yml:6:3 \`apply\` cannot have a default: ${reason}`,
    ]);
  });
});

// Survivors of the 97.70 % run: keys the data names differently from the YAML (merged, repeated, null), the
// validator's options (now compiled ahead of time), keys of the other engine, `depends-on` beside stacks that are
// no mapping, loops sharing a stack, and Windows paths.
describe('loadConfig: keys the data names differently from the YAML', () => {
  it('points a problem in a mapping merged in by `<<` (YAML 1.1) at the mapping that merges it', async () => {
    expect(
      await problems(
        lines(
          '%YAML 1.1',
          '---',
          'version: 1',
          'stacks:',
          '  - &app',
          '    name: app',
          '    path: infra/app',
          '    env: {A: [1]}',
          '  - <<: *app',
          '    name: web',
        ),
      ),
    ).toStrictEqual([
      '.stackgate.yml:8:14 `stacks[0].env.A` must be a string or a number or true or false',
      '.stackgate.yml:9:5 `stacks[1].env.A` must be a string or a number or true or false',
    ]);
  });

  it('points at the later of two keys YAML tells apart and the data does not (`1` and `"1"`)', async () => {
    expect(
      await problems(
        lines(
          'version: 1',
          'policies:',
          '  - name: p',
          '    deny: [delete]',
          '    require-attributes:',
          '      1: x',
          '      "1": [2]',
        ),
      ),
    ).toStrictEqual(['.stackgate.yml:7:13 `policies[0].require-attributes.1[0]` must be a string']);
  });

  it('points an unknown null key at that key', async () => {
    expect(await problems(lines('version: 1', '~: 1'))).toStrictEqual([
      '.stackgate.yml:2:1 unknown key `` (allowed: `version`, `stacks`, `defaults`, `policies`, `drift`, `secrets`, `apply`)',
    ]);
  });
});

describe('loadConfig: the validator, on the first load in a process', () => {
  // A module loaded afresh, outside the test: the validator compiled ahead of time (schema-validator.js) keeps
  // ajv's options, every error (allErrors) with its value and schema (verbose), and logs nothing.
  let fresh: { loadConfig: typeof loadConfig };
  beforeAll(async () => {
    vi.resetModules();
    fresh = await import('../../src/config/load.js');
  });

  it('reports every problem with its value and the pattern’s rule, and logs nothing', async () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    try {
      const root = await makeWorkspace({ 'infra/app/main.tf': '' });
      folders.push(root);
      await writeFile(
        path.join(root, '.stackgate.yml'),
        lines('version: 1', 'stacks:', '  - {name: a, path: infra/app, engine: tf, env: {"A B": x}}'),
      );
      const error = (await fresh.loadConfig(root).catch((e: unknown) => e)) as ConfigError;
      expect(error.problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toStrictEqual([
        '3:40 `stacks[0].engine` must be one of `terraform`, `tofu`, `ansible`, `terragrunt` (got `"tf"`)',
        '3:50 key `A B` in `stacks[0].env` must be a valid environment variable name (letters, digits and _, not starting with a digit)',
      ]);
      expect([...warn.mock.calls, ...log.mock.calls]).toStrictEqual([]);
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });
});

describe('loadConfig: more repository checks', () => {
  it('checks no var or backend config file of a stack whose path is no string', async () => {
    expect(
      await problemsIn(
        { '.git/HEAD': '' },
        lines(
          'version: 1',
          'stacks:',
          '  - {name: b, path: 1, var-files: [a.tfvars], backend-config: [b.hcl]}',
        ),
        'repo',
      ),
    ).toStrictEqual(['3:21 `stacks[0].path` must be a string']);
  });

  it('refuses the keys of the other engine in a stack, each at its key', async () => {
    expect(
      await problemsIn(
        { 'infra/app/main.tf': '', 'ops/site.yml': '', 'ops/hosts': '' },
        lines(
          'version: 1',
          'stacks:',
          '  - name: app',
          '    path: infra/app',
          '    vault-password-env: V',
          '    vault-password-file: v.txt',
          '  - name: ops',
          '    path: ops/site.yml',
          '    engine: ansible',
          '    inventory: hosts',
          '    backend-config: [b.hcl]',
          '    init-args: [-upgrade]',
          '    apply-args: [-parallelism=2]',
        ),
      ),
    ).toStrictEqual([
      '5:5 `vault-password-env` is for Ansible stacks only (add `engine: ansible`)',
      '6:5 `vault-password-file` is for Ansible stacks only (add `engine: ansible`)',
      ...['backend-config', 'init-args', 'apply-args'].map(
        (key, i) =>
          `${11 + i}:5 \`${key}\` is for Terraform/OpenTofu stacks; an Ansible stack takes \`playbook\`, \`inventory\`, \`limit\`, \`tags\`, \`extra-vars-files\`, \`check-args\``,
      ),
    ]);
  });

  it('gives the Ansible defaults only to Ansible stacks, and the Terraform ones only to the others', () => {
    const defaults = {
      'vault-password-env': 'V',
      'vault-password-file': 'v.txt',
      'backend-config': ['b.hcl'],
      'init-args': ['-upgrade'],
      'apply-args': ['-parallelism=2'],
    };
    expect(withDefaults({ name: 'a' }, defaults)).toStrictEqual({
      name: 'a',
      'backend-config': ['b.hcl'],
      'init-args': ['-upgrade'],
      'apply-args': ['-parallelism=2'],
    });
    expect(withDefaults({ name: 'a', engine: 'ansible' }, defaults)).toStrictEqual({
      name: 'a',
      engine: 'ansible',
      'vault-password-env': 'V',
      'vault-password-file': 'v.txt',
    });
  });

  it('merges a mapping default other than env into nothing', () => {
    expect(withDefaults({ env: { A: '1' } }, { extra: { B: '2' } })).toStrictEqual({
      env: { A: '1' },
      extra: { B: '2' },
    });
  });

  it('names no stack for `depends-on` from entries that are no named stack', async () => {
    expect(
      await problems(
        lines(
          'version: 1',
          'stacks:',
          '  - oops',
          '  - {path: infra/app}',
          '  - {name: a, path: infra/app, depends-on: [b]}',
        ),
      ),
    ).toStrictEqual([
      '.stackgate.yml:3:5 `stacks[0]` must be a mapping',
      '.stackgate.yml:4:5 `stacks[1]` is missing the required key `name`',
      '.stackgate.yml:5:45 `depends-on` names no stack of this file: `b`',
    ]);
  });

  it('reports each of two loops through one stack once', async () => {
    expect(
      await problems(
        lines(
          'version: 1',
          'stacks:',
          '  - {name: a, path: infra/app, depends-on: [b, c]}',
          '  - {name: b, path: infra/app, depends-on: [a]}',
          '  - {name: c, path: infra/app, depends-on: [a]}',
        ),
      ),
    ).toStrictEqual([
      '.stackgate.yml:3:32 `depends-on` forms a cycle: `a` → `b` → `a`; a stack cannot wait for itself',
      '.stackgate.yml:3:32 `depends-on` forms a cycle: `a` → `c` → `a`; a stack cannot wait for itself',
    ]);
  });

  it('refuses a Windows absolute stack path as not relative', async () => {
    expect(
      await problems(
        lines(
          'version: 1',
          'stacks:',
          '  - {name: a, path: "C:\\\\infra"}',
          '  - {name: b, path: "C:/infra"}',
        ),
      ),
    ).toStrictEqual([
      '.stackgate.yml:3:21 stack path `C:\\infra` must be relative to the repository',
      '.stackgate.yml:4:21 stack path `C:/infra` must be relative to the repository',
    ]);
  });
});
