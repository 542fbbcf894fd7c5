// scripts/merge-licenses.mjs: ncc's per-chunk licence files into the one dist/licenses.txt, each package once.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = path.join(import.meta.dirname, '../../scripts/merge-licenses.mjs');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function merge(...files: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'stackgate-licences-'));
  dirs.push(dir);
  const inputs = files.map((text, index) => {
    const file = path.join(dir, `${index}.licenses.txt`);
    writeFileSync(file, text);
    return file;
  });
  const out = path.join(dir, 'licenses.txt');
  execFileSync(process.execPath, [SCRIPT, out, ...inputs], { stdio: 'pipe' });
  return readFileSync(out, 'utf8');
}

describe('merge-licenses', () => {
  it('keeps each package once, sorted, with texts holding blank lines and entries without an id', () => {
    const main = 'zeta\nMIT\nCopyright Z\n\nPermission granted.\n\nbuffers\n\nchainsaw\nMIT/X11\nText C\n';
    const chunk = 'alpha\n(MIT OR Apache-2.0)\nText A\n\nzeta\nMIT\nCopyright Z\n\nPermission granted.\n';
    expect(merge(main, chunk)).toBe(
      'alpha\n(MIT OR Apache-2.0)\nText A\n\nbuffers\n\nchainsaw\nMIT/X11\nText C\n\nzeta\nMIT\nCopyright Z\n\nPermission granted.\n',
    );
  });

  it('stops rather than drop text it cannot read as an entry', () => {
    expect(() => merge('Some Text That Is No Package\nMIT\n')).toThrow(/cannot read the licence entry/);
  });
});
