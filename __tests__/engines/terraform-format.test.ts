// One `fmt -check -diff` over many folders, with the real tofu: every folder gets exactly the problems a run
// inside it would give (names with spaces or a leading dash, the root, nested folders), and a file fmt cannot
// read makes the caller check folder by folder.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkTerraformFormat,
  checkTerraformStack,
  parseFormatDiff,
  type BinaryContext,
} from '../../src/engines/terraform.js';
import type { Stack } from '../../src/stacks/discover.js';
import { TOOLS } from '../support/harness.js';

let workspace: string;
let context: BinaryContext;

const MISFORMATTED = 'resource "terraform_data" "x" {\ninput="a"\n}\n';
const FORMATTED = 'resource "terraform_data" "x" {\n  input = "a"\n}\n';

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(workspace, name)), { recursive: true });
    await writeFile(path.join(workspace, name), content);
  }
}

function stack(folder: string): Stack {
  return { name: folder, path: folder, workspace: 'default', varFiles: [], env: {}, whenModified: [] };
}

beforeEach(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'stackgate-fmt-'));
  context = {
    workspace,
    env: { ...process.env, TF_CLI_CONFIG_FILE: `${TOOLS}/tofurc` },
    tempDir: path.join(workspace, '.tmp'),
    binary: `${TOOLS}/bin/tofu`,
  };
});

afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

describe('checkTerraformFormat', () => {
  it('gives each folder what fmt run inside it would give', async () => {
    await write({
      'root.tf': 'locals {\nz=1\n}\n',
      'a/main.tf': MISFORMATTED,
      'a/vars.tf': 'variable "v" {\ndefault = 1\n}\n',
      'a/ok.tf': FORMATTED,
      'a/mod/m.tf': 'output "x" {\nvalue=1\n}\n',
      'b c/main.tf': MISFORMATTED,
      '-x/main.tf': MISFORMATTED,
      '+y/main.tf': MISFORMATTED,
      'clean/main.tf': FORMATTED,
      'envs/prod/main.tf': MISFORMATTED,
      'envs/prod/prod.tfvars': 'region="eu"\n',
    });
    const folders = ['.', 'a', 'a/mod', 'b c', '-x', '+y', 'clean', 'envs/prod'];
    const together = await checkTerraformFormat(folders, context);
    expect(together).toBeDefined();
    for (const folder of folders) {
      const alone = await checkTerraformStack(stack(folder), context, false);
      expect({ folder, problems: together!.get(folder) }).toEqual({ folder, problems: alone.format });
    }
    expect(together!.get('a')!.map((problem) => [problem.file, problem.line])).toEqual([
      ['a/main.tf', 2],
      ['a/vars.tf', 2],
    ]);
    expect(together!.get('-x')![0]!.diff).toBe(
      [
        '--- old/main.tf',
        '+++ new/main.tf',
        '@@ -1,3 +1,3 @@',
        ' resource "terraform_data" "x" {',
        '-input="a"',
        '+  input = "a"',
        ' }',
      ].join('\n'),
    );
    expect(together!.get('clean')).toEqual([]);
  });

  it('leaves it to each folder when a file cannot be read', async () => {
    await write({ 'a/main.tf': MISFORMATTED, 'b/main.tf': 'x = {\n' });
    expect(await checkTerraformFormat(['a', 'b'], context)).toBeUndefined();
  });

  it('answers for folders given as ./a or a/', async () => {
    await write({ 'a/main.tf': MISFORMATTED, 'b/main.tf': MISFORMATTED });
    const together = await checkTerraformFormat(['./a', 'b/'], context);
    for (const folder of ['./a', 'b/']) {
      expect(together?.get(folder)).toHaveLength(1);
      expect(together?.get(folder)).toEqual(
        (await checkTerraformStack(stack(folder), context, false)).format,
      );
    }
  });
});

describe('parseFormatDiff', () => {
  it('cuts the next file name from a diff, even a name that reads like a diff line', () => {
    const output = [
      'main.tf',
      '--- old/main.tf',
      '+++ new/main.tf',
      '@@ -1,2 +1,2 @@',
      '-a=1',
      '+a = 1',
      '-x.tf',
      '--- old/-x.tf',
      '+++ new/-x.tf',
      '@@ -1,1 +1,1 @@',
      '-b=1',
      '+b = 1',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    const problems = parseFormatDiff(output, 'app');
    expect(problems.map((problem) => problem.file)).toEqual(['app/main.tf', 'app/-x.tf']);
    expect(problems[0]!.diff.split('\n').at(-1)).toBe('+a = 1');
    expect(problems[1]!.diff.split('\n').at(-1)).toBe('\\ No newline at end of file');
  });
});
