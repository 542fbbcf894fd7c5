import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { discoverFolders, discoverStacks } from '../../src/stacks/discover.js';
import { makeWorkspace, removeWorkspace } from './helpers.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeWorkspace));
});

/** A repository with a root stack, two env stacks sharing a module chain, and folders to skip. */
const REPOSITORY = {
  'main.tf': 'module "shared" {\n  source = "./modules/shared"\n}\n',
  'envs/prod/main.tf': 'module "vpc" {\n  source = "../../modules/vpc"\n}\n',
  'envs/dev/main.tf': 'module "vpc" {\n  source = "../../modules/vpc"\n}\n',
  'modules/vpc/main.tf': 'module "subnet" {\n  source = "../subnet"\n}\n',
  'modules/subnet/main.tf': 'resource "terraform_data" "subnet" {}\n',
  'modules/shared/main.tf': '',
  'envs/prod/.terraform/modules/vpc/main.tf': '',
  '.hidden/main.tf': '',
  'node_modules/pkg/main.tf': '',
  'docs/README.md': '',
};

describe('discoverStacks', () => {
  it('without a config, finds every Terraform folder that is not only a local module, sorted', async () => {
    const root = await makeWorkspace(REPOSITORY);
    folders.push(root);
    const stacks = await discoverStacks(root, undefined);
    expect(stacks).toEqual([
      { name: '.', path: '.', workspace: 'default', varFiles: [], env: {}, whenModified: [] },
      { name: 'envs/dev', path: 'envs/dev', workspace: 'default', varFiles: [], env: {}, whenModified: [] },
      { name: 'envs/prod', path: 'envs/prod', workspace: 'default', varFiles: [], env: {}, whenModified: [] },
    ]);
  });

  it('with a config, returns its stacks in its order', async () => {
    const root = await makeWorkspace({
      ...REPOSITORY,
      '.stackgate.yml': [
        'version: 1',
        'stacks:',
        '  - name: prod',
        '    path: envs/prod',
        '    engine: tofu',
        '  - name: dev',
        '    path: envs/dev',
        '',
      ].join('\n'),
    });
    folders.push(root);
    const stacks = await discoverStacks(root, await loadConfig(root));
    expect(stacks).toEqual([
      {
        name: 'prod',
        path: 'envs/prod',
        engine: 'tofu',
        workspace: 'default',
        varFiles: [],
        env: {},
        whenModified: [],
      },
      { name: 'dev', path: 'envs/dev', workspace: 'default', varFiles: [], env: {}, whenModified: [] },
    ]);
  });

  it('discovers when the config declares no stacks', async () => {
    const root = await makeWorkspace({ ...REPOSITORY, '.stackgate.yml': 'version: 1\n' });
    folders.push(root);
    const stacks = await discoverStacks(root, await loadConfig(root));
    expect(stacks.map((stack) => stack.name)).toEqual(['.', 'envs/dev', 'envs/prod']);
  });

  it('returns no stacks for a repository without Terraform files', async () => {
    const root = await makeWorkspace({ 'README.md': '', 'docs/x.md': '' });
    folders.push(root);
    expect(await discoverStacks(root, undefined)).toEqual([]);
  });
});

describe('discoverFolders', () => {
  it('decides by backend first, then calls and links, then a modules folder', async () => {
    const root = await makeWorkspace({
      'a/main.tf': 'module "b" {\n  source = "../b"\n}\nmodule "c" {\n  source = "../c"\n}\n',
      'b/main.tf': 'terraform {\n  backend "local" {}\n}\n',
      'c/main.tf': '',
      'json/main.tf.json': '{}',
      'edge/main.tofu': '',
      'modules/new/main.tf': 'variable "x" {}\n',
      'modules/x/examples/basic/main.tf': '',
      'common/shared.tf': '',
    });
    folders.push(root);
    await symlink('../common/shared.tf', path.join(root, 'a/shared.tf'));
    expect(await discoverFolders(root)).toEqual({
      stacks: ['a', 'b', 'edge', 'json'],
      modules: [
        { folder: 'c', reason: 'called' },
        { folder: 'common', reason: 'linked' },
        { folder: 'modules/new', reason: 'modules-folder' },
        { folder: 'modules/x/examples/basic', reason: 'modules-folder' },
      ],
    });
  });
});
