// The rules of "how stacks are found", one row each: a repository, a change, the exact selection. Through
// discovery, stack inputs and selection together (src/stacks only; the end-to-end suite runs a subset for real).
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { discoverStacks } from '../../src/stacks/discover.js';
import { selectForChange } from '../../src/stacks/select.js';
import { makeWorkspace, removeWorkspace } from './helpers.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeWorkspace));
});

const STACK = 'resource "terraform_data" "x" {}\n';
const call = (source: string) => `module "m" {\n  source = "${source}"\n}\n`;

interface Case {
  rule: string;
  files: Record<string, string>;
  links?: Record<string, string>;
  workingDirectory?: string;
  changed: string[];
  affected: string[];
  removed?: string[];
  unresolved?: string[];
}

export const CASES: Case[] = [
  {
    rule: 'a file in the stack folder',
    files: { 'a/main.tf': STACK, 'b/main.tf': STACK },
    changed: ['a/main.tf'],
    affected: ['a'],
  },
  {
    rule: 'a local module the stack calls, transitively',
    files: { 'a/main.tf': call('../lib/x'), 'lib/x/main.tf': call('../y'), 'lib/y/main.tf': STACK },
    changed: ['lib/y/main.tf'],
    affected: ['a'],
  },
  {
    rule: 'file() relative to the stack (plain relative path)',
    files: { 'a/main.tf': 'locals {\n  p = file("../shared/policy.json")\n}\n', 'shared/policy.json': '{}' },
    changed: ['shared/policy.json'],
    affected: ['a'],
  },
  {
    rule: 'templatefile() under path.module in a module',
    files: {
      'a/main.tf': call('../lib/x'),
      'lib/x/main.tf': 'locals {\n  t = templatefile("${path.module}/../templates/x.tftpl", {})\n}\n',
      'lib/templates/x.tftpl': '',
    },
    changed: ['lib/templates/x.tftpl'],
    affected: ['a'],
  },
  {
    rule: 'filebase64() under path.root, inside an interpolation',
    files: { 'a/main.tf': 'locals {\n  b = "${filebase64("${path.root}/../bin/blob")}"\n}\n' },
    changed: ['bin/blob'],
    affected: ['a'],
  },
  {
    rule: 'fileset() globs, in a heredoc',
    files: {
      'a/main.tf':
        'locals {\n  s = <<-EOT\n  ${jsonencode(fileset("${path.module}/../cfg", "**/*.yaml"))}\n  EOT\n}\n',
    },
    changed: ['cfg/x/y.yaml'],
    affected: ['a'],
  },
  {
    rule: 'an unresolvable read is reported once (and plans nothing by itself)',
    files: {
      'a/main.tf': call('../lib/x'),
      'b/main.tf': call('../lib/x'),
      'lib/x/main.tf': 'locals {\n  t = file("${path.module}/${var.name}.json")\n}\n',
    },
    changed: ['lib/data.json'],
    affected: [],
    unresolved: ['lib/x/main.tf:2 file() a, b'],
  },
  {
    rule: 'a parent reading a file inside a nested stack counts for both',
    files: { 'main.tf': 'locals {\n  p = file("envs/prod/policy.json")\n}\n', 'envs/prod/main.tf': STACK },
    changed: ['envs/prod/policy.json'],
    affected: ['.', 'envs/prod'],
  },
  {
    rule: 'working-directory: a module outside it',
    workingDirectory: 'infra',
    files: { 'infra/app/main.tf': call('../../modules/x'), 'modules/x/main.tf': STACK },
    changed: ['modules/x/main.tf'],
    affected: ['app'],
  },
  {
    rule: 'working-directory: a file read outside it',
    workingDirectory: 'infra',
    files: { 'infra/app/main.tf': 'locals {\n  p = file("../../shared/p.json")\n}\n' },
    changed: ['shared/p.json'],
    affected: ['app'],
  },
  {
    rule: 'a symlinked .tf file: its target',
    files: { 'a/x.tf': STACK, 'common/shared.tf': STACK },
    links: { 'a/shared.tf': '../common/shared.tf' },
    changed: ['common/shared.tf'],
    affected: ['a'],
  },
  {
    rule: 'a module folder reached through a symlinked folder',
    files: { 'a/main.tf': call('./lib/x'), 'shared/x/main.tf': STACK },
    links: { 'a/lib': '../shared' },
    changed: ['shared/x/main.tf'],
    affected: ['a'],
  },
  {
    rule: 'a .tf.json stack and its module call',
    files: {
      'a/main.tf.json': JSON.stringify({ module: { m: { source: '../lib/x' } } }),
      'lib/x/main.tf': STACK,
    },
    changed: ['lib/x/main.tf'],
    affected: ['a'],
  },
  {
    rule: 'a folder of .tofu files only is a stack',
    files: { 'a/main.tofu': STACK },
    changed: ['a/main.tofu'],
    affected: ['a'],
  },
  {
    rule: 'a deleted stack is reported as removed',
    files: { 'a/main.tf': STACK },
    changed: ['beta/main.tf', 'beta/vars.tf'],
    affected: [],
    removed: ['beta'],
  },
  {
    rule: 'a renamed stack: the new one is planned, the old one reported as removed',
    files: { 'gamma/main.tf': STACK },
    changed: ['beta/main.tf', 'gamma/main.tf'],
    affected: ['gamma'],
    removed: ['beta'],
  },
  {
    rule: 'a deleted module (inside modules/) is not a removed stack',
    files: { 'a/main.tf': STACK },
    changed: ['modules/old/main.tf'],
    affected: [],
  },
  {
    rule: 'a root folder with a backend that is also called as a module is a stack',
    files: {
      'a/main.tf': call('../b'),
      'b/main.tf': 'terraform {\n  backend "local" {}\n}\n',
    },
    changed: ['b/main.tf'],
    affected: ['a', 'b'],
  },
  {
    rule: 'a new module nothing calls yet, inside modules/, is not a stack',
    files: { 'a/main.tf': STACK, 'modules/new/main.tf': 'variable "required" {}\n' },
    changed: ['modules/new/main.tf'],
    affected: [],
  },
  {
    rule: 'docs and .github never plan a root stack',
    files: { 'main.tf': STACK },
    changed: ['README.md', '.github/workflows/ci.yml', 'docs/diagram.png'],
    affected: [],
  },
  {
    rule: "a module's examples/ do not plan its callers",
    files: {
      'a/main.tf': call('../modules/x'),
      'modules/x/main.tf': STACK,
      'modules/x/examples/basic/main.tf': call('../..'),
    },
    changed: ['modules/x/examples/basic/main.tf'],
    affected: [],
  },
  {
    rule: 'a file name with non-ASCII characters',
    files: { 'café/main.tf': STACK },
    changed: ['café/main.tf'],
    affected: ['café'],
  },
];

async function select(c: Case) {
  const root = await makeWorkspace(c.files);
  folders.push(root);
  for (const [link, target] of Object.entries(c.links ?? {})) await symlink(target, path.join(root, link));
  const workspace = path.join(root, c.workingDirectory ?? '');
  const config = await loadConfig(workspace);
  const stacks = await discoverStacks(workspace, config);
  return selectForChange({ repoRoot: root, workingDirectory: c.workingDirectory ?? '' }, stacks, c.changed, {
    configPath: '.stackgate.yml',
    discovered: !config?.stacks,
    patterns: [],
  });
}

describe('how stacks are found', () => {
  it.each(CASES.map((c) => [c.rule, c] as const))('%s', async (_rule, c) => {
    const selection = await select(c);
    expect(selection.affected.map((stack) => stack.name)).toEqual(c.affected);
    expect(selection.removed).toEqual(c.removed ?? []);
    expect(selection.unresolved.map((r) => `${r.file}:${r.line} ${r.fn}() ${r.stacks.join(', ')}`)).toEqual(
      c.unresolved ?? [],
    );
  });

  it('when-modified: a leading / is the repository root, not the working directory', async () => {
    const root = await makeWorkspace({
      'infra/app/main.tf': STACK,
      'infra/.stackgate.yml': [
        'version: 1',
        'stacks:',
        '  - name: app',
        '    path: app',
        "    when-modified: ['/global/*.json', '../../env/*.tfvars']",
        '',
      ].join('\n'),
    });
    folders.push(root);
    const workspace = path.join(root, 'infra');
    const config = await loadConfig(workspace);
    const stacks = await discoverStacks(workspace, config);
    const run = (changed: string[]) =>
      selectForChange({ repoRoot: root, workingDirectory: 'infra' }, stacks, changed, {
        configPath: '.stackgate.yml',
        discovered: false,
        patterns: [],
      }).then((s) => s.affected.map((stack) => stack.name));
    expect(await run(['global/a.json'])).toEqual(['app']);
    expect(await run(['infra/global/a.json'])).toEqual([]);
    expect(await run(['env/prod.tfvars'])).toEqual(['app']);
    expect(await run(['infra/.stackgate.yml'])).toEqual(['app']);
  });

  it('var files outside the working directory count', async () => {
    // Built directly: the config loader refuses var files outside the working directory (see src/config).
    const root = await makeWorkspace({ 'infra/app/main.tf': STACK, 'env/prod.tfvars': '' });
    folders.push(root);
    const app = { name: 'app', path: 'app', workspace: 'default', env: {}, whenModified: [] };
    const stacks = [{ ...app, varFiles: ['../../env/prod.tfvars'] }];
    const selection = await selectForChange(
      { repoRoot: root, workingDirectory: 'infra' },
      stacks,
      ['env/prod.tfvars'],
      { configPath: '.stackgate.yml', discovered: false, patterns: [] },
    );
    expect(selection.affected.map((stack) => stack.name)).toEqual(['app']);
  });

  it('backend config files count for the stack that names them', async () => {
    const root = await makeWorkspace({
      'app/main.tf': STACK,
      'backends/prod.s3.tfbackend': '',
      'backends/dev.s3.tfbackend': '',
    });
    folders.push(root);
    const base = { path: 'app', workspace: 'default', varFiles: [], env: {}, whenModified: [] };
    const stacks = [
      { ...base, name: 'prod', backendConfig: ['../backends/prod.s3.tfbackend', 'key=prod'] },
      { ...base, name: 'dev', backendConfig: ['../backends/dev.s3.tfbackend'] },
    ];
    const run = async (changed: string[]) =>
      (
        await selectForChange({ repoRoot: root, workingDirectory: '' }, stacks, changed, {
          configPath: '.stackgate.yml',
          discovered: false,
          patterns: [],
        })
      ).affected.map((stack) => stack.name);
    expect(await run(['backends/prod.s3.tfbackend'])).toEqual(['prod']);
    expect(await run(['backends/dev.s3.tfbackend'])).toEqual(['dev']);
  });

  it('a symlink leading outside the repository adds nothing', async () => {
    const outside = await makeWorkspace({ 'x.tf': STACK });
    folders.push(outside);
    const c: Case = { rule: '', files: { 'a/main.tf': STACK }, changed: ['a/main.tf'], affected: ['a'] };
    const root = await makeWorkspace(c.files);
    folders.push(root);
    await symlink(path.join(outside, 'x.tf'), path.join(root, 'a/x.tf'));
    const stacks = await discoverStacks(root, undefined);
    const selection = await selectForChange({ repoRoot: root, workingDirectory: '' }, stacks, ['x.tf'], {
      configPath: '.stackgate.yml',
      discovered: true,
      patterns: [],
    });
    expect(selection.affected).toEqual([]);
  });
});
