import { afterEach, describe, expect, it } from 'vitest';
import {
  localModuleGraph,
  parseLocalModuleCalls,
  PATH_REF,
  resolveModuleFolder,
  scanConfig,
  scanJsonConfig,
} from '../../src/stacks/modules.js';
import { makeWorkspace, removeWorkspace } from './helpers.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeWorkspace));
});

describe('parseLocalModuleCalls', () => {
  it('finds local module sources with their lines', () => {
    const text = [
      'module "network" {',
      '  source = "../modules/network"',
      '  cidr   = "10.0.0.0/16"',
      '}',
      '',
      'module naming {',
      '  source = "./naming"',
      '}',
    ].join('\n');
    expect(parseLocalModuleCalls(text)).toEqual([
      { name: 'network', source: '../modules/network', line: 2 },
      { name: 'naming', source: './naming', line: 7 },
    ]);
  });

  it('skips registry, git and templated sources', () => {
    const text = [
      'module "a" { source = "hashicorp/consul/aws" }',
      'module "b" { source = "git::https://example.com/x.git" }',
      'module "c" { source = "${path.module}/../x" }',
      'module "d" { source = "modules/not-local" }',
    ].join('\n');
    expect(parseLocalModuleCalls(text)).toEqual([]);
  });

  it('ignores module blocks inside comments, strings and heredocs', () => {
    const text = [
      '# module "hash" { source = "./hash" }',
      '// module "slash" { source = "./slash" }',
      '/* module "block" {',
      '  source = "./block"',
      '} */',
      'locals {',
      '  text = "} module \\"quoted\\" { source = \\"./quoted\\" }"',
      '  doc  = <<-EOT',
      '  }',
      '  module "heredoc" {',
      '    source = "./heredoc"',
      '  }',
      '  EOT',
      '}',
      'module "real" {',
      '  source = "./real" # module "x" { source = "./x" }',
      '}',
    ].join('\n');
    expect(parseLocalModuleCalls(text)).toEqual([{ name: 'real', source: './real', line: 16 }]);
  });

  it('reads only the top-level source attribute of a module block', () => {
    const text = [
      'module "app" {',
      '  settings = { source = "./nested" }',
      '  name     = "${var.prefix}-{x}"',
      '  providers = { aws = aws.east }',
      '  source   = "../app"',
      '}',
      'resource "x" "y" {',
      '  source = "./resource-attribute"',
      '}',
    ].join('\n');
    expect(parseLocalModuleCalls(text)).toEqual([{ name: 'app', source: '../app', line: 5 }]);
  });

  it('keeps scanning after a template holding braces and quotes', () => {
    const text = [
      'locals { x = "${jsonencode({ a = "}" })}" }',
      'module "m" {',
      '  source = "./m"',
      '}',
    ].join('\n');
    expect(parseLocalModuleCalls(text)).toEqual([{ name: 'm', source: './m', line: 3 }]);
  });
});

describe('resolveModuleFolder', () => {
  it('resolves relative to the calling folder and refuses to leave the workspace', () => {
    expect(resolveModuleFolder('envs/prod', '../../modules/vpc/')).toBe('modules/vpc');
    expect(resolveModuleFolder('.', './modules/vpc')).toBe('modules/vpc');
    expect(resolveModuleFolder('envs', '../../outside')).toBeUndefined();
  });
});

describe('localModuleGraph', () => {
  it('gives each stack the folders it uses transitively, safely through cycles', async () => {
    const root = await makeWorkspace({
      'stacks/app/main.tf': 'module "web" {\n  source = "../../modules/web"\n}\n',
      'stacks/db/main.tf': 'resource "terraform_data" "x" {}\n',
      'modules/web/main.tf': 'module "naming" {\n  source = "../naming"\n}\n',
      'modules/naming/main.tf': 'module "back" {\n  source = "../web"\n}\n',
      'modules/unused/main.tf': '',
    });
    folders.push(root);
    const graph = await localModuleGraph(root, ['stacks/app', 'stacks/db']);
    expect(graph).toEqual(
      new Map([
        ['stacks/app', new Set(['modules/web', 'modules/naming'])],
        ['stacks/db', new Set()],
      ]),
    );
  });

  it('keeps a called folder that does not exist, so its deletion still counts', async () => {
    const root = await makeWorkspace({ 'app/main.tf': 'module "gone" {\n  source = "../gone"\n}\n' });
    folders.push(root);
    const graph = await localModuleGraph(root, ['app']);
    expect(graph.get('app')).toEqual(new Set(['gone']));
  });
});

describe('scanConfig', () => {
  it('finds static file reads in calls, interpolations and heredocs, and flags the rest', () => {
    const text = [
      'locals {',
      '  a = file("${path.module}/../shared/policy.json")',
      '  b = templatefile("${path.root}/t/${var.x}.tftpl", {})',
      '  c = "${file("old.txt")}"',
      '  d = <<-EOT',
      '    ${filebase64("${path.module}/bin")}',
      '  EOT',
      '  e = fileset(path.module, "*.json")',
      '  f = provider::x::file("not-a-read")',
      '  g = file(var.path)',
      '  # file("commented")',
      '}',
    ].join('\n');
    const M = PATH_REF.module;
    expect(scanConfig(text).reads).toEqual([
      { fn: 'file', line: 2, path: `${M}/../shared/policy.json` },
      { fn: 'templatefile', line: 3 },
      { fn: 'file', line: 4, path: 'old.txt' },
      { fn: 'filebase64', line: 6, path: `${M}/bin` },
      { fn: 'fileset', line: 8, path: M, pattern: '*.json' },
      { fn: 'file', line: 10 },
    ]);
  });

  it('sees a backend or cloud block in terraform {}, and nothing else', () => {
    expect(scanConfig('terraform {\n  backend "s3" {}\n}\n').backend).toBe(true);
    expect(scanConfig('terraform {\n  cloud {\n  }\n}\n').backend).toBe(true);
    expect(
      scanConfig('terraform {\n  required_version = ">= 1"\n}\nlocals { backend = "x" }\n').backend,
    ).toBe(false);
  });
});

describe('scanJsonConfig', () => {
  it('finds module calls (objects or arrays), backends and reads in string templates', () => {
    const text = JSON.stringify(
      {
        module: [{ a: { source: '../a' } }, { b: { source: 'hashicorp/x/aws' } }],
        terraform: { backend: { local: {} } },
        locals: { p: '${file("${path.module}/p.json")}' },
      },
      null,
      2,
    );
    const facts = scanJsonConfig(text);
    expect(facts.calls.map((c) => c.source)).toEqual(['../a']);
    expect(facts.backend).toBe(true);
    expect(facts.reads).toEqual([{ fn: 'file', line: 20, path: `${PATH_REF.module}/p.json` }]);
    expect(scanJsonConfig('{ not json').calls).toEqual([]);
  });
});
