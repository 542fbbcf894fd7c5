// Inits sharing one plugin cache: which ones may install (their footprint), and real tofu inits run in parallel
// once a footprint is in the cache, again and again, without a failure.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  builtinOnly,
  cacheInit,
  configShape,
  providerFootprint,
} from '../../src/engines/provider-installs.js';
import { checkTerraformStack, prepare, stackRunner } from '../../src/engines/terraform.js';
import { execFile, type ExecResult } from '../../src/process/exec.js';
import type { Stack } from '../../src/stacks/discover.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function folders(files: Record<string, string>[]): string[] {
  const root = mkdtempSync(path.join(tmpdir(), 'stackgate-installs-'));
  roots.push(root);
  return files.map((content, index) => {
    const dir = path.join(root, `s${index}`);
    mkdirSync(dir);
    for (const [name, text] of Object.entries(content)) writeFileSync(path.join(dir, name), text);
    return dir;
  });
}

const localStack = (name: string, version = '2.9.0') => `terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "${version}" }
  }
}

resource "local_file" "item" {
  filename = "\${path.module}/${name}.txt"
  content  = "${name}"
}
`;

const footprint = (dir: string, stack = {}) => providerFootprint(stack, dir, 'tofu', '/cache');

describe('provider footprint', () => {
  it('is shared by stacks that differ only in names and inputs', async () => {
    const lock = { '.terraform.lock.hcl': 'provider "registry.opentofu.org/hashicorp/local" {}' };
    const [a, b] = folders([
      { 'main.tf': localStack('app'), ...lock },
      { 'main.tf': localStack('net'), ...lock },
    ]);
    expect(await footprint(a!)).toBe(await footprint(b!));
  });

  it('differs with the provider version, the resource type, the lock file, init options and the cache', async () => {
    const lock = { '.terraform.lock.hcl': 'provider "registry.opentofu.org/hashicorp/local" {}' };
    const dirs = folders([
      { 'main.tf': localStack('app'), ...lock },
      { 'main.tf': localStack('app', '2.8.0'), ...lock },
      { 'main.tf': localStack('app').replace('"local_file"', '"local_sensitive_file"'), ...lock },
      {
        'main.tf': localStack('app'),
        '.terraform.lock.hcl': lock['.terraform.lock.hcl'].replace('local', 'null'),
      },
    ]);
    const prints = await Promise.all(dirs.map((dir) => footprint(dir)));
    prints.push(await footprint(dirs[0]!, { initArgs: ['-upgrade'] }));
    prints.push(await providerFootprint({}, dirs[0]!, 'tofu', '/other-cache'));
    prints.push(await providerFootprint({}, dirs[0]!, 'terraform', '/cache'));
    expect(new Set(prints).size).toBe(prints.length);
  });

  it('is unknown without a lock file, and nothing for a configuration of built-in resources only', async () => {
    const builtin = 'resource "terraform_data" "item" {\n  input = "x"\n}\n';
    const [withProviders, onlyBuiltin] = folders([{ 'main.tf': localStack('app') }, { 'main.tf': builtin }]);
    expect(await footprint(withProviders!)).toBeUndefined();
    expect(await footprint(onlyBuiltin!)).toBeNull();
    expect(builtinOnly('data "local_file" "x" {}')).toBe(false);
    expect(builtinOnly('provider "aws" {}')).toBe(false);
  });

  it('keeps required_providers whole and gives a folder calling modules a footprint of its own', () => {
    const legacy = 'terraform {\n  required_providers {\n    local = "~> 2.0"\n  }\n}\nlocals { a = "x" }\n';
    expect(configShape(legacy, '/a')).toContain('local = "~> 2.0"');
    expect(configShape(legacy, '/a')).toContain('locals { a = "" }');
    const module = 'module "net" {\n  source = "../modules/net"\n}\n';
    expect(configShape(module, '/a')).not.toBe(configShape(module, '/b'));
  });
});

describe('parallel inits on one plugin cache (real tofu)', () => {
  it('installs once, then inits of the same footprint run beside each other, round after round', async () => {
    const count = 6;
    const dirs = folders(
      Array.from({ length: count }, (_, index) => ({ 'main.tf': localStack(`s${index}`) })),
    );
    const cache = path.join(path.dirname(dirs[0]!), 'plugin-cache');
    mkdirSync(cache);
    const env = { ...process.env, TF_PLUGIN_CACHE_DIR: cache, TF_IN_AUTOMATION: '1' };
    for (let round = 0; round < 5; round++) {
      for (const dir of dirs) rmSync(path.join(dir, '.terraform'), { recursive: true, force: true });
      const spans: { start: number; end: number }[] = [];
      const results = await Promise.all(
        dirs.map(async (dir) => {
          const print = await providerFootprint({}, dir, 'tofu', cache);
          return cacheInit(print, async (): Promise<ExecResult> => {
            const start = Date.now();
            const result = await execFile('tofu', ['init', '-input=false', '-no-color'], {
              cwd: dir,
              env,
              timeoutMs: 120_000,
            });
            spans.push({ start, end: Date.now() });
            return result;
          });
        }),
      );
      for (const result of results) expect(result.stderr).toBe('');
      expect(results.map((result) => result.exitCode)).toEqual(Array(count).fill(0));
      // Round 0 has no lock file: each init installs, alone. Round 1 (the lock file the inits wrote) is a new
      // footprint: the first init installs alone, the others then run beside each other. From round 2 on the
      // footprint is cached: all at once. No init failed (a failed one beside the others would run again).
      spans.sort((a, b) => a.start - b.start);
      expect(spans).toHaveLength(count);
      const overlap = (list: typeof spans) =>
        list.slice(1).some((span, index) => span.start < list[index]!.end);
      if (round === 0) expect(overlap(spans)).toBe(false);
      if (round === 1) expect(spans[1]!.start).toBeGreaterThanOrEqual(spans[0]!.end);
      if (round >= 1) expect(overlap(round === 1 ? spans.slice(1) : spans)).toBe(true);
    }
  }, 300_000);
});

/** Two lock-less stacks of hashicorp/local in one workspace whose engine context points at a shared plugin folder. */
function twoStacksOnSharedCache() {
  const dirs = folders([{ 'main.tf': localStack('a') }, { 'main.tf': localStack('b') }]);
  const root = path.dirname(dirs[0]!);
  const shared = path.join(root, 'plugin-cache');
  const tempDir = path.join(root, 'temp');
  mkdirSync(shared);
  mkdirSync(tempDir);
  const context = {
    workspace: root,
    env: { ...process.env, TF_PLUGIN_CACHE_DIR: shared, TF_IN_AUTOMATION: '1' },
    tempDir,
    binary: 'tofu',
  };
  const stackOf = (dir: string) => ({ name: path.basename(dir), path: path.basename(dir) }) as Stack;
  return { dirs, shared, context, stackOf };
}

describe('inits of folders without a lock file (real tofu)', () => {
  // Without a lock file tofu installs into the cache on every init, replacing the package another stack's
  // `.terraform/providers` links to: a plan running beside such an init failed ("no such file or directory",
  // "Required plugins are not installed", in 2 of 20 rounds by hand). Such inits keep to a folder of their own.
  it('never write into the shared cache, so a plan beside them keeps its providers, round after round', async () => {
    const { dirs, shared, context, stackOf } = twoStacksOnSharedCache();
    const init = (dir: string) => {
      const { cwd, run } = stackRunner(stackOf(dir), context);
      return prepare(stackOf(dir), cwd, run, context, 'tofu');
    };
    for (let round = 0; round < 6; round++) {
      for (const dir of dirs) {
        rmSync(path.join(dir, '.terraform'), { recursive: true, force: true });
        rmSync(path.join(dir, '.terraform.lock.hcl'), { force: true });
      }
      expect(await init(dirs[0]!)).toBeUndefined();
      const { run } = stackRunner(stackOf(dirs[0]!), context);
      const [plan, other] = await Promise.all([
        run(['plan', '-input=false', '-no-color', '-out=plan.tfplan']),
        init(dirs[1]!),
      ]);
      expect(plan.stderr).toBe('');
      expect(plan.exitCode).toBe(0);
      expect(other).toBeUndefined();
    }
    expect(readdirSync(shared)).toEqual([]);
  }, 300_000);
});

describe('validation inits on a shared plugin cache (real tofu)', () => {
  // `command: validate` runs `init -backend=false` in every stack at once, on the runner's TF_PLUGIN_CACHE_DIR
  // when it sets one: the same rules as planning.
  it('keep lock-less folders out of the shared cache and fill it from locked ones', async () => {
    const { dirs, shared, context, stackOf } = twoStacksOnSharedCache();
    const validateAll = () => Promise.all(dirs.map((dir) => checkTerraformStack(stackOf(dir), context)));

    for (const result of await validateAll()) expect(result).toEqual({ format: [], diagnostics: [] });
    expect(readdirSync(shared)).toEqual([]);

    // The inits above wrote each folder's lock file: now both may use the shared cache, and one fills it.
    for (const dir of dirs) rmSync(path.join(dir, '.terraform'), { recursive: true, force: true });
    for (const result of await validateAll()) expect(result).toEqual({ format: [], diagnostics: [] });
    expect(readdirSync(shared)).toEqual(['registry.opentofu.org']);
  }, 300_000);
});
