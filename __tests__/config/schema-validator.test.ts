// The config schema is compiled ahead of time into src/config/schema-validator.js (scripts/schema-validator.mjs);
// __tests__/docs/release.test.ts checks that it is current.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { makeWorkspace, removeWorkspace } from '../stacks/helpers.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeWorkspace));
});

async function loadText(text: string): Promise<unknown> {
  const root = await makeWorkspace({ 'infra/app/main.tf': '' });
  folders.push(root);
  await writeFile(path.join(root, '.stackgate.yml'), text);
  return loadConfig(root).then(
    (config) => config,
    (error: unknown) => error,
  );
}

describe('the compiled config schema', () => {
  it('takes a name of one character, an emoji included, and refuses an empty one (minLength)', async () => {
    const loaded = await loadText('version: 1\nstacks:\n  - name: "🚀"\n    path: infra/app\n');
    expect(loaded).not.toBeInstanceOf(Error);
    expect((loaded as { stacks: { name: string }[] }).stacks.map((stack) => stack.name)).toStrictEqual([
      '🚀',
    ]);
    const refused = await loadText('version: 1\nstacks:\n  - name: ""\n    path: infra/app\n');
    expect(refused).toBeInstanceOf(ConfigError);
  });
});
