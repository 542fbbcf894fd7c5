// `depends-on` between stacks: unknown names and cycles are rejected at their line, naming the loop; the runner
// applies a dependency before its dependants.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config/load.js';
import { dependencyOrder, forEachStackInOrder } from '../../src/stacks/runner.js';
import type { Stack } from '../../src/stacks/discover.js';

function repoWith(config: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackgate-deps-'));
  mkdirSync(path.join(dir, '.git'));
  for (const name of ['network', 'app', 'db']) mkdirSync(path.join(dir, name));
  writeFileSync(path.join(dir, '.stackgate.yml'), config);
  return dir;
}

async function problems(config: string): Promise<string[]> {
  try {
    await loadConfig(repoWith(config));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.line}: ${p.message}`);
    throw error;
  }
  return [];
}

const stack = (name: string, dependsOn?: string[]): Stack => ({
  name,
  path: name,
  workspace: 'default',
  varFiles: [],
  env: {},
  whenModified: [],
  ...(dependsOn ? { dependsOn } : {}),
});

describe('depends-on', () => {
  it('loads the names', async () => {
    const dir = repoWith(
      'version: 1\nstacks:\n  - name: network\n    path: network\n  - name: app\n    path: app\n    depends-on: [network]\n',
    );
    const config = await loadConfig(dir);
    expect(config?.stacks?.map((s) => s.dependsOn)).toEqual([undefined, ['network']]);
  });

  it('rejects a cycle at the depends-on key of its first stack, naming the loop', async () => {
    const config = `version: 1
stacks:
  - name: network
    path: network
    depends-on: [db]
  - name: app
    path: app
    depends-on: [network]
  - name: db
    path: db
    depends-on:
      - app
`;
    expect(await problems(config)).toEqual([
      '5: `depends-on` forms a cycle: `network` → `db` → `app` → `network`; a stack cannot wait for itself',
    ]);
  });

  it('rejects an unknown stack at its line with the closest name, and a stack naming itself', async () => {
    const config = `version: 1
stacks:
  - name: network
    path: network
  - name: app
    path: app
    depends-on:
      - netwrok
      - app
`;
    expect(await problems(config)).toEqual([
      '8: `depends-on` names no stack of this file: `netwrok`; did you mean `network`?',
      '9: stack `app` cannot depend on itself',
    ]);
  });

  it('suggests the key for a misspelling', async () => {
    const config = 'version: 1\nstacks:\n  - name: app\n    path: app\n    depend-on: [app]\n';
    expect((await problems(config)).join('\n')).toContain('did you mean `depends-on`?');
  });

  it('orders dependencies first, and a dependant sees its dependency’s result', async () => {
    const stacks = [stack('app', ['network']), stack('db'), stack('network', ['db'])];
    expect(dependencyOrder(stacks).map((s) => s.name)).toEqual(['db', 'network', 'app']);
    const started: string[] = [];
    const results = await forEachStackInOrder(stacks, 4, async (s, deps) => {
      started.push(s.name);
      await new Promise((resolve) => setTimeout(resolve, s.name === 'db' ? 30 : 1));
      if (deps.some((d) => d.result !== 'applied')) return 'skipped';
      return s.name === 'network' ? 'failed' : 'applied';
    });
    expect(started).toEqual(['db', 'network', 'app']);
    expect(results).toEqual(['skipped', 'applied', 'failed']);
  });
});
