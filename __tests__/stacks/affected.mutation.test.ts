// Affected-stack cases found by mutation testing (issue 17). Every test builds its own Stack objects: the
// `when-modified` matchers are cached per Stack, and a cache shared between tests would hide the matcher's
// construction from all but the first test that reached it.
import { describe, expect, it } from 'vitest';
import {
  filterStacks,
  matchesStackPatterns,
  selectAffected,
  StackFilterError,
} from '../../src/stacks/affected.js';
import type { Stack } from '../../src/stacks/discover.js';
import type { StackInputs } from '../../src/stacks/inputs.js';

function stack(name: string, path: string, extra: Partial<Stack> = {}): Stack {
  return { name, path, workspace: 'default', varFiles: [], env: {}, whenModified: [], ...extra };
}

function inputs(
  s: Stack,
  more: { modules?: string[]; files?: string[]; globs?: string[] } = {},
): StackInputs {
  return {
    stack: s,
    folder: s.path,
    folders: [s.path, ...(more.modules ?? [])],
    files: more.files ?? [],
    globs: more.globs ?? [],
    unresolved: [],
  };
}

function affectedBy(all: StackInputs[], files: string[], boundaries: string[] = []): string[] {
  const { affected, unaffected } = selectAffected(all, files, { configFile: '.stackgate.yml', boundaries });
  expect([...affected, ...unaffected].map((i) => i.stack.name).sort()).toStrictEqual(
    all.map((i) => i.stack.name).sort(),
  );
  return affected.map((i) => i.stack.name);
}

describe('selectAffected: nested stack folders', () => {
  const nested = (): StackInputs[] =>
    [stack('leaf', 'a/b/c'), stack('mid', 'a/b'), stack('top', 'a'), stack('root', '.')].map((s) =>
      inputs(s),
    );

  it('gives a file to the deepest stack holding it, whatever the config order', () => {
    const [leaf, mid, top, root] = nested();
    for (const order of [
      [leaf!, mid!, top!, root!],
      [root!, top!, mid!, leaf!],
      [mid!, root!, leaf!, top!],
    ]) {
      expect(affectedBy(order, ['a/b/c/main.tf'])).toStrictEqual(['leaf']);
      expect(affectedBy(order, ['a/b/main.tf'])).toStrictEqual(['mid']);
      expect(affectedBy(order, ['a/main.tf'])).toStrictEqual(['top']);
      expect(affectedBy(order, ['main.tf'])).toStrictEqual(['root']);
      expect(affectedBy(order, ['a/b/c/d/e/deep.tf'])).toStrictEqual(['leaf']);
    }
  });

  it('keeps the stacks’ own order in the result', () => {
    expect(affectedBy(nested(), ['main.tf', 'a/b/c/x.tf', 'a/y.tf'])).toStrictEqual(['leaf', 'top', 'root']);
  });

  it('does not take a sibling folder whose name starts the same for a subfolder', () => {
    const all = [inputs(stack('app', 'stacks/app')), inputs(stack('root', '.'))];
    expect(affectedBy(all, ['stacks/app2/main.tf'])).toStrictEqual(['root']);
    expect(affectedBy(all, ['stacks/app'])).toStrictEqual(['root']);
    expect(affectedBy([inputs(stack('app', 'stacks/app'))], ['stacks/app2/main.tf'])).toStrictEqual([]);
  });

  it('gives a root stack every file no other stack holds, documentation aside', () => {
    expect(affectedBy([inputs(stack('root', '.'))], ['anything/at/all.tf'])).toStrictEqual(['root']);
    expect(affectedBy([inputs(stack('root', '.'))], ['docs/x.tf', 'README.md'])).toStrictEqual([]);
  });
});

describe('selectAffected: documentation and odd paths', () => {
  it('judges documentation below the stack folder, not by the folder’s own name', () => {
    const all = [inputs(stack('site', 'docs/site')), inputs(stack('gh', '.github/infra'))];
    expect(affectedBy(all, ['docs/site/main.tf'])).toStrictEqual(['site']);
    expect(affectedBy(all, ['.github/infra/main.tf'])).toStrictEqual(['gh']);
    expect(affectedBy(all, ['docs/site/docs/main.tf', 'docs/site/README.md'])).toStrictEqual([]);
  });

  it('ends the owner search at the root of an absolute path', () => {
    expect(affectedBy([inputs(stack('app', 'app'))], ['/abs/main.tf'])).toStrictEqual([]);
  });
});

describe('selectAffected: the config file, read files, modules and globs', () => {
  it('affects every stack when the config file changes, however the path is written', () => {
    const all = [inputs(stack('a', 'a')), inputs(stack('b', 'b'))];
    for (const [configFile, changed] of [
      ['.stackgate.yml', './.stackgate.yml'],
      ['./.stackgate.yml', '.stackgate.yml'],
      ['config/../.stackgate.yml', '.stackgate.yml'],
    ]) {
      const result = selectAffected(all, [changed!], { configFile: configFile!, boundaries: [] });
      expect(result.affected.map((i) => i.stack.name)).toStrictEqual(['a', 'b']);
      expect(result.affected).not.toBe(all);
      expect(result.unaffected).toStrictEqual([]);
    }
  });

  it('affects a stack through a file it reads outside its folder, and only that file', () => {
    const all = [inputs(stack('prod', 'stacks/prod'), { files: ['env/prod.tfvars'] })];
    expect(affectedBy(all, ['env/prod.tfvars'])).toStrictEqual(['prod']);
    expect(affectedBy(all, ['./env/prod.tfvars'])).toStrictEqual(['prod']);
    expect(affectedBy(all, ['env/dev.tfvars'])).toStrictEqual([]);
  });

  it('affects a stack through any file below a module folder it calls', () => {
    const all = [
      inputs(stack('app', 'stacks/app'), { modules: ['modules/web'] }),
      inputs(stack('dns', 'stacks/dns')),
    ];
    expect(affectedBy(all, ['modules/web/sub/main.tf'])).toStrictEqual(['app']);
    expect(affectedBy(all, ['modules/webby/main.tf'])).toStrictEqual([]);
  });

  it('matches globs on repository paths, dot files included', () => {
    const make = (): StackInputs[] => [
      inputs(stack('app', 'stacks/app'), { globs: ['shared/*.json', 'files/**'] }),
    ];
    expect(affectedBy(make(), ['shared/app.json'])).toStrictEqual(['app']);
    expect(affectedBy(make(), ['shared/.hidden.json'])).toStrictEqual(['app']);
    expect(affectedBy(make(), ['files/.env'])).toStrictEqual(['app']);
    expect(affectedBy(make(), ['shared/app.yaml'])).toStrictEqual([]);
  });

  it('uses each stack’s own globs, not another’s', () => {
    const all = [
      inputs(stack('a', 'a'), { globs: ['x/*'] }),
      inputs(stack('b', 'b'), { globs: ['y/*'] }),
      inputs(stack('c', 'c')),
    ];
    expect(affectedBy(all, ['x/1'])).toStrictEqual(['a']);
    expect(affectedBy(all, ['y/1'])).toStrictEqual(['b']);
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

  it('matches names and paths starting with a dot', () => {
    const dotted = [stack('.hidden', 'x'), stack('app', '.config/app'), stack('plain', 'y')];
    expect(filterStacks(dotted, ['.h*']).map((s) => s.name)).toStrictEqual(['.hidden']);
    expect(filterStacks(dotted, ['*en']).map((s) => s.name)).toStrictEqual(['.hidden']);
    expect(filterStacks(dotted, ['*/app']).map((s) => s.name)).toStrictEqual(['app']);
  });

  it('selects by exact name when the name is not a glob matching itself', () => {
    const odd = [stack('ops\\db', 'p'), stack('opsdb', 'q')];
    expect(filterStacks(odd, ['ops\\db']).map((s) => s.name)).toStrictEqual(['ops\\db']);
  });

  it('drops only a leading ./ from a path pattern', () => {
    expect(() => filterStacks(make(), ['stacks/app./'])).toThrow(StackFilterError);
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

describe('matchesStackPatterns', () => {
  it('matches a name or a path by any non-blank pattern', () => {
    expect(matchesStackPatterns('app', 'stacks/app', ['app'])).toBe(true);
    expect(matchesStackPatterns('app', 'stacks/app', ['nope', ' stacks/* '])).toBe(true);
    expect(matchesStackPatterns('app', 'stacks/app', ['nope', 'db'])).toBe(false);
    expect(matchesStackPatterns('app', 'stacks/app', ['', '  '])).toBe(false);
    expect(matchesStackPatterns('root', '.', ['./'])).toBe(true);
    expect(matchesStackPatterns('app', 'stacks/app', [])).toBe(false);
  });
});
