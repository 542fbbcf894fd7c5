import { describe, expect, it } from 'vitest';
import { filterStacks, selectAffected, StackFilterError } from '../../src/stacks/affected.js';
import type { Stack } from '../../src/stacks/discover.js';

function stack(name: string, path: string, whenModified: string[] = []): Stack {
  return { name, path, workspace: 'default', varFiles: [], env: {}, whenModified };
}

const STACKS = [
  stack('network', 'stacks/network'),
  stack('app', 'stacks/app', ['../../config/app/*.json']),
  stack('dns', 'stacks/dns', ['**/*.tmpl', '/global.auto.tfvars']),
];

const MODULE_DEPS = new Map([
  ['stacks/network', new Set<string>()],
  // app calls modules/web, which calls modules/naming
  ['stacks/app', new Set(['modules/web', 'modules/naming'])],
  ['stacks/dns', new Set(['modules/zone'])],
]);

function affectedBy(files: string[], stacks = STACKS): string[] {
  const { affected, unaffected } = selectAffected(stacks, files, {
    configPath: '.stackgate.yml',
    moduleDeps: MODULE_DEPS,
  });
  expect(affected.length + unaffected.length).toBe(stacks.length);
  return affected.map((s) => s.name);
}

describe('selectAffected', () => {
  it('affects the stack holding a changed file, and only it', () => {
    expect(affectedBy(['stacks/network/main.tf'])).toEqual(['network']);
    expect(affectedBy(['./stacks/app/sub/templates/user-data.sh'])).toEqual(['app']);
  });

  it('affects the stacks using a changed module, transitively', () => {
    expect(affectedBy(['modules/naming/main.tf'])).toEqual(['app']);
    expect(affectedBy(['modules/zone/records.tf', 'modules/web/main.tf'])).toEqual(['app', 'dns']);
  });

  it('affects a stack through its when-modified globs, relative to its path', () => {
    expect(affectedBy(['config/app/prod.json'])).toEqual(['app']);
    expect(affectedBy(['config/app/.prod.json'])).toEqual(['app']);
    expect(affectedBy(['config/app/nested/prod.json'])).toEqual([]);
    expect(affectedBy(['global.auto.tfvars'])).toEqual(['dns']);
    expect(affectedBy(['stacks/dns/.hidden/records.tmpl'])).toEqual(['dns']);
  });

  it('affects a stack through a var file outside its folder', () => {
    const withVars: Stack = { ...stack('prod', 'stacks/prod'), varFiles: ['../../env/prod.tfvars'] };
    expect(affectedBy(['env/prod.tfvars'], [...STACKS, withVars])).toEqual(['prod']);
    expect(affectedBy(['env/staging.tfvars'], [...STACKS, withVars])).toEqual([]);
  });

  it('affects every stack when the config file changes', () => {
    const { affected, unaffected } = selectAffected(STACKS, ['.stackgate.yml'], {
      configPath: '.stackgate.yml',
      moduleDeps: MODULE_DEPS,
    });
    expect(affected.map((s) => s.name)).toEqual(['network', 'app', 'dns']);
    expect(unaffected).toEqual([]);
  });

  it('affects nothing for an unrelated file, listing every stack as unaffected', () => {
    const { affected, unaffected } = selectAffected(STACKS, ['README.md', 'stacks/networking/x.tf'], {
      configPath: '.stackgate.yml',
      moduleDeps: MODULE_DEPS,
    });
    expect(affected).toEqual([]);
    expect(unaffected.map((s) => s.name)).toEqual(['network', 'app', 'dns']);
  });

  it('gives a file to the deepest stack holding it, not to a root stack above', () => {
    const stacks = [stack('root', '.'), stack('prod', 'envs/prod')];
    expect(affectedBy(['envs/prod/main.tf'], stacks)).toEqual(['prod']);
    expect(affectedBy(['main.tf'], stacks)).toEqual(['root']);
  });
});

describe('filterStacks', () => {
  it('keeps every stack without patterns', () => {
    expect(filterStacks(STACKS, [])).toEqual(STACKS);
  });

  it('selects by name, by glob on names and by glob on paths, in the stacks order', () => {
    expect(filterStacks(STACKS, ['dns', 'net*']).map((s) => s.name)).toEqual(['network', 'dns']);
    expect(filterStacks(STACKS, ['stacks/a*']).map((s) => s.name)).toEqual(['app']);
    expect(filterStacks(STACKS, ['./stacks/**/']).map((s) => s.name)).toEqual(['network', 'app', 'dns']);
  });

  it('throws naming every pattern that matches nothing', () => {
    expect(() => filterStacks(STACKS, ['app', 'databse', 'prod-*'])).toThrow(StackFilterError);
    expect(() => filterStacks(STACKS, ['app', 'databse', 'prod-*'])).toThrow(/'databse', 'prod-\*'/);
    const error = (() => {
      try {
        filterStacks(STACKS, ['app', 'databse']);
      } catch (thrown) {
        return thrown as StackFilterError;
      }
    })();
    expect(error?.patterns).toEqual(['databse']);
  });
});
