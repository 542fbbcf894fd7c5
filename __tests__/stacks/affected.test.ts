import { describe, expect, it } from 'vitest';
import {
  filterStacks,
  isDocumentation,
  selectAffected,
  StackFilterError,
} from '../../src/stacks/affected.js';
import type { Stack } from '../../src/stacks/discover.js';
import type { StackInputs } from '../../src/stacks/inputs.js';

function stack(name: string, path: string, whenModified: string[] = []): Stack {
  return { name, path, workspace: 'default', varFiles: [], env: {}, whenModified };
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

const STACKS = [
  stack('network', 'stacks/network'),
  stack('app', 'stacks/app', ['../../config/app/*.json']),
  stack('dns', 'stacks/dns', ['**/*.tmpl', '/global.auto.tfvars']),
];

const INPUTS = [
  inputs(STACKS[0]!),
  // app calls modules/web, which calls modules/naming
  inputs(STACKS[1]!, { modules: ['modules/web', 'modules/naming'], globs: ['config/app/*.json'] }),
  inputs(STACKS[2]!, { modules: ['modules/zone'], globs: ['stacks/dns/**/*.tmpl', 'global.auto.tfvars'] }),
];

const BOUNDARIES = [
  'stacks/network',
  'stacks/app',
  'stacks/dns',
  'modules/web',
  'modules/naming',
  'modules/zone',
];

function affectedBy(files: string[], all = INPUTS, boundaries = BOUNDARIES): string[] {
  const { affected, unaffected } = selectAffected(all, files, { configFile: '.stackgate.yml', boundaries });
  expect(affected.length + unaffected.length).toBe(all.length);
  return affected.map((s) => s.stack.name);
}

describe('selectAffected', () => {
  it('affects the stack holding a changed file, and only it', () => {
    expect(affectedBy(['stacks/network/main.tf'])).toStrictEqual(['network']);
    expect(affectedBy(['./stacks/app/sub/templates/user-data.sh'])).toStrictEqual(['app']);
  });

  it('affects the stacks using a changed module, transitively', () => {
    expect(affectedBy(['modules/naming/main.tf'])).toStrictEqual(['app']);
    expect(affectedBy(['modules/zone/records.tf', 'modules/web/main.tf'])).toStrictEqual(['app', 'dns']);
  });

  it('affects a stack through its globs', () => {
    expect(affectedBy(['config/app/prod.json'])).toStrictEqual(['app']);
    expect(affectedBy(['config/app/.prod.json'])).toStrictEqual(['app']);
    expect(affectedBy(['config/app/nested/prod.json'])).toStrictEqual([]);
    expect(affectedBy(['global.auto.tfvars'])).toStrictEqual(['dns']);
    expect(affectedBy(['stacks/dns/.hidden/records.tmpl'])).toStrictEqual(['dns']);
  });

  it('affects a stack through a file it reads, even one inside a nested stack or outside every folder', () => {
    const root = inputs(stack('root', '.'), { files: ['envs/prod/policy.json', 'shared/x.json'] });
    const prod = inputs(stack('prod', 'envs/prod'));
    const all = [root, prod];
    expect(affectedBy(['envs/prod/policy.json'], all, ['.', 'envs/prod'])).toStrictEqual(['root', 'prod']);
    expect(affectedBy(['envs/prod/main.tf'], all, ['.', 'envs/prod'])).toStrictEqual(['prod']);
    expect(affectedBy(['shared/x.json'], all, ['.', 'envs/prod'])).toStrictEqual(['root']);
  });

  it('affects every stack when the config file changes', () => {
    const { affected, unaffected } = selectAffected(INPUTS, ['.stackgate.yml'], {
      configFile: '.stackgate.yml',
      boundaries: BOUNDARIES,
    });
    expect(affected.map((s) => s.stack.name)).toStrictEqual(['network', 'app', 'dns']);
    expect(unaffected).toStrictEqual([]);
  });

  it('affects nothing for an unrelated file, listing every stack as unaffected', () => {
    const { affected, unaffected } = selectAffected(INPUTS, ['README.md', 'stacks/networking/x.tf'], {
      configFile: '.stackgate.yml',
      boundaries: BOUNDARIES,
    });
    expect(affected).toStrictEqual([]);
    expect(unaffected.map((s) => s.stack.name)).toStrictEqual(['network', 'app', 'dns']);
  });

  it('gives a folder file to the deepest Terraform folder holding it, not to a root stack or module above', () => {
    const all = [inputs(stack('root', '.')), inputs(stack('prod', 'envs/prod'), { modules: ['modules/x'] })];
    const boundaries = ['.', 'envs/prod', 'modules/x', 'modules/x/examples/basic'];
    expect(affectedBy(['envs/prod/main.tf'], all, boundaries)).toStrictEqual(['prod']);
    expect(affectedBy(['main.tf'], all, boundaries)).toStrictEqual(['root']);
    expect(affectedBy(['modules/x/main.tf'], all, boundaries)).toStrictEqual(['prod']);
    expect(affectedBy(['modules/x/templates/a.tpl'], all, boundaries)).toStrictEqual(['prod']);
    expect(affectedBy(['modules/x/examples/basic/main.tf'], all, boundaries)).toStrictEqual([]);
  });

  it('never plans for documentation in a folder, unless a stack reads it', () => {
    const all = [inputs(stack('root', '.')), inputs(stack('app', 'app'), { files: ['app/docs/banner.md'] })];
    for (const file of [
      'README.md',
      '.github/workflows/plan.yml',
      'docs/x.png',
      'LICENSE',
      'app/CHANGELOG.md',
    ])
      expect(affectedBy([file], all, ['.', 'app'])).toStrictEqual([]);
    expect(affectedBy(['app/docs/banner.md'], all, ['.', 'app'])).toStrictEqual(['app']);
    expect(affectedBy(['.terraform.lock.hcl'], all, ['.', 'app'])).toStrictEqual(['root']);
    expect(isDocumentation('modules/x/README.md')).toBe(true);
    expect(isDocumentation('prod.tfvars')).toBe(false);
  });
});

describe('filterStacks', () => {
  it('keeps every stack without patterns', () => {
    expect(filterStacks(STACKS, [])).toStrictEqual(STACKS);
  });

  it('selects by name, by glob on names and by glob on paths, in the stacks order', () => {
    expect(filterStacks(STACKS, ['dns', 'net*']).map((s) => s.name)).toStrictEqual(['network', 'dns']);
    expect(filterStacks(STACKS, ['stacks/a*']).map((s) => s.name)).toStrictEqual(['app']);
    expect(filterStacks(STACKS, ['./stacks/**/']).map((s) => s.name)).toStrictEqual([
      'network',
      'app',
      'dns',
    ]);
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
    expect(error?.patterns).toStrictEqual(['databse']);
  });
});
