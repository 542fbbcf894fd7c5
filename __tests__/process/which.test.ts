// Finding an engine on PATH without spawning it.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { which } from '../../src/process/exec.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'stackgate-which-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function file(folder: string, mode: number): Promise<void> {
  await mkdir(path.join(root, folder), { recursive: true });
  await writeFile(path.join(root, folder, 'tofu'), '#!/bin/sh\n');
  await chmod(path.join(root, folder, 'tofu'), mode);
}

describe('which', () => {
  it('takes the first executable along PATH, passing over empty entries, missing folders and plain files', async () => {
    await file('plain', 0o644);
    await file('first', 0o755);
    await file('second', 0o755);
    const PATH = [
      '',
      path.join(root, 'missing'),
      path.join(root, 'plain'),
      path.join(root, 'first'),
      path.join(root, 'second'),
    ].join(':');
    expect(await which('tofu', PATH)).toBe(path.join(root, 'first', 'tofu'));
  });

  it('is undefined when no folder on PATH has it', async () => {
    await file('plain', 0o644);
    expect(await which('tofu', `${path.join(root, 'plain')}:${path.join(root, 'missing')}`)).toBeUndefined();
    expect(await which('tofu', '')).toBeUndefined();
  });
});
