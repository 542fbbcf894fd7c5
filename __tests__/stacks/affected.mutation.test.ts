// Affected-stack cases found by mutation testing (issue 17). Every test builds its own Stack objects: the
// `when-modified` matchers are cached per Stack, and a cache shared between tests would hide the matcher's
// construction from all but the first test that reached it.
import { describe, expect, it } from 'vitest';
import { filterStacks, selectAffected, StackFilterError } from '../../src/stacks/affected.js';
import type { Stack } from '../../src/stacks/discover.js';

function stack(name: string, path: string, extra: Partial<Stack> = {}): Stack {
  return { name, path, workspace: 'default', varFiles: [], env: {}, whenModified: [], ...extra };
}

function affectedBy(stacks: Stack[], files: string[], moduleDeps = new Map<string, Set<string>>()): string[] {
  const { affected, unaffected } = selectAffected(stacks, files, {
    configPath: '.stackgate.yml',
    moduleDeps,
  });
  expect([...affected, ...unaffected].map((s) => s.name).sort()).toStrictEqual(
    stacks.map((s) => s.name).sort(),
  );
  return affected.map((s) => s.name);
}

describe('selectAffected: nested stack folders', () => {
  const nested = (): Stack[] => [
    stack('leaf', 'a/b/c'),
    stack('mid', 'a/b'),
    stack('top', 'a'),
    stack('root', '.'),
  ];

  it('gives a file to the deepest stack holding it, whatever the config order', () => {
    for (const order of [
      nested(),
      nested().reverse(),
      [nested()[1]!, nested()[3]!, nested()[0]!, nested()[2]!],
    ]) {
      expect(affectedBy(order, ['a/b/c/main.tf'])).toStrictEqual(['leaf']);
      expect(affectedBy(order, ['a/b/main.tf'])).toStrictEqual(['mid']);
      expect(affectedBy(order, ['a/main.tf'])).toStrictEqual(['top']);
      expect(affectedBy(order, ['main.tf'])).toStrictEqual(['root']);
      expect(affectedBy(order, ['a/b/c/d/e/deep.tf'])).toStrictEqual(['leaf']);
    }
  });

  it('keeps the stacks’ own order in the result', () => {
    const stacks = nested();
    expect(affectedBy(stacks, ['main.tf', 'a/b/c/x.tf', 'a/y.tf'])).toStrictEqual(['leaf', 'top', 'root']);
  });

  it('does not take a sibling folder whose name starts the same for a subfolder', () => {
    const stacks = [stack('app', 'stacks/app'), stack('root', '.')];
    expect(affectedBy(stacks, ['stacks/app2/main.tf'])).toStrictEqual(['root']);
    expect(affectedBy(stacks, ['stacks/app'])).toStrictEqual(['root']);
    expect(affectedBy([stack('app', 'stacks/app')], ['stacks/app2/main.tf'])).toStrictEqual([]);
  });

  it('gives a root stack every file no other stack holds', () => {
    expect(affectedBy([stack('root', '.')], ['anything/at/all.txt'])).toStrictEqual(['root']);
  });
});

describe('selectAffected: the config file, var files, modules and globs', () => {
  it('affects every stack when the config file changes, however the path is written', () => {
    const stacks = [stack('a', 'a'), stack('b', 'b')];
    for (const [configPath, changed] of [
      ['.stackgate.yml', './.stackgate.yml'],
      ['./.stackgate.yml', '.stackgate.yml'],
      ['config/../.stackgate.yml', '.stackgate.yml'],
    ]) {
      const result = selectAffected(stacks, [changed!], { configPath: configPath!, moduleDeps: new Map() });
      expect(result.affected.map((s) => s.name)).toStrictEqual(['a', 'b']);
      expect(result.affected).not.toBe(stacks);
      expect(result.unaffected).toStrictEqual([]);
    }
  });

  it('affects a stack through a var file outside its folder, and only that file', () => {
    const stacks = [stack('prod', 'stacks/prod', { varFiles: ['../../env/prod.tfvars'] })];
    expect(affectedBy(stacks, ['env/prod.tfvars'])).toStrictEqual(['prod']);
    expect(affectedBy(stacks, ['env/dev.tfvars'])).toStrictEqual([]);
  });

  it('affects a stack through any file below a module folder it calls', () => {
    const stacks = [stack('app', 'stacks/app'), stack('dns', 'stacks/dns')];
    const deps = new Map([['stacks/app', new Set(['modules/web'])]]);
    expect(affectedBy(stacks, ['modules/web/sub/main.tf'], deps)).toStrictEqual(['app']);
    expect(affectedBy(stacks, ['modules/webby/main.tf'], deps)).toStrictEqual([]);
  });

  it('reads when-modified globs relative to the stack, from the root with a leading slash, dot files included', () => {
    const make = (): Stack[] => [
      stack('app', 'stacks/app', {
        whenModified: ['../../shared/*.json', '/global.auto.tfvars', 'files/**'],
      }),
    ];
    expect(affectedBy(make(), ['shared/app.json'])).toStrictEqual(['app']);
    expect(affectedBy(make(), ['global.auto.tfvars'])).toStrictEqual(['app']);
    expect(affectedBy(make(), ['stacks/global.auto.tfvars'])).toStrictEqual([]);
    expect(affectedBy(make(), ['stacks/app/files/.env'])).toStrictEqual(['app']);
    expect(affectedBy(make(), ['shared/.hidden.json'])).toStrictEqual(['app']);
    expect(affectedBy(make(), ['shared/app.yaml'])).toStrictEqual([]);
  });

  it('uses each stack’s own globs, not another’s', () => {
    const stacks = [
      stack('a', 'a', { whenModified: ['/x/*'] }),
      stack('b', 'b', { whenModified: ['/y/*'] }),
      stack('c', 'c'),
    ];
    expect(affectedBy(stacks, ['x/1'])).toStrictEqual(['a']);
    expect(affectedBy(stacks, ['y/1'])).toStrictEqual(['b']);
  });
});

describe('filterStacks', () => {
  const make = (): Stack[] => [
    stack('root', '.'),
    stack('app', 'stacks/app'),
    stack('app-db', 'stacks/app/db'),
    stack('net', 'infra/net'),
  ];

  it('selects the stack at the repository root with `./`', () => {
    expect(filterStacks(make(), ['./']).map((s) => s.name)).toStrictEqual(['root']);
    expect(filterStacks(make(), ['.']).map((s) => s.name)).toStrictEqual(['root']);
  });

  it('selects by path written with ./ or a trailing slash', () => {
    expect(filterStacks(make(), ['./stacks/app']).map((s) => s.name)).toStrictEqual(['app']);
    expect(filterStacks(make(), ['stacks/app/']).map((s) => s.name)).toStrictEqual(['app']);
    expect(filterStacks(make(), ['stacks/app//']).map((s) => s.name)).toStrictEqual(['app']);
    expect(filterStacks(make(), ['stacks/**']).map((s) => s.name)).toStrictEqual(['app', 'app-db']);
  });

  it('selects by exact name even when the name is not a valid glob of itself', () => {
    // As a glob, `web[1]` matches only `web1`.
    const odd = [stack('web[1]', 'p'), stack('other', 'q')];
    expect(filterStacks(odd, ['web[1]']).map((s) => s.name)).toStrictEqual(['web[1]']);
  });

  it('trims patterns and ignores blank ones; none at all means every stack, as a copy', () => {
    const stacks = make();
    expect(filterStacks(stacks, ['  net  ', '', '   ']).map((s) => s.name)).toStrictEqual(['net']);
    const all = filterStacks(stacks, ['', ' ']);
    expect(all).toStrictEqual(stacks);
    expect(all).not.toBe(stacks);
  });

  it('names every pattern that matches nothing, and only those', () => {
    const run = (): Stack[] => filterStacks(make(), ['app', 'nope', 'ghost/*']);
    expect(run).toThrow(StackFilterError);
    expect(run).toThrow(
      "No stack matches 'nope', 'ghost/*' in the stacks input; give stack names, or globs on names or paths",
    );
    try {
      run();
    } catch (error) {
      expect((error as StackFilterError).patterns).toStrictEqual(['nope', 'ghost/*']);
      expect((error as StackFilterError).name).toBe('StackFilterError');
    }
  });
});
