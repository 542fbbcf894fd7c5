// Config-loading cases found by mutation testing (issue 17): read errors other than a missing file, exact YAML
// syntax messages and positions (unclosed quotes), empty and null values, keys holding `/` and `~`, and the
// boundaries of "did you mean".
import { mkdir, writeFile } from 'node:fs/promises';
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
