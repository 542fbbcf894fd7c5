// The corpus of the secret-scanning bench (scripts/secrets-corpus.ts) on a small scale: its marks point at the
// lines they name, and the scanner finds every planted secret and no decoy, as `npm run bench` expects at
// 10,000 files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanText } from '../../src/scan/secrets.js';
import { DECOYS, PLANTS, writeCorpus } from '../../scripts/secrets-corpus.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'stackgate-corpus-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// 20 files per planted secret: enough files for every class once.
const corpus = writeCorpus(root, PLANTS.length * 20);
const lineOf = (file: string, line: number): string =>
  readFileSync(path.join(root, file), 'utf8').split('\n')[line - 1] ?? '';

describe('secret-scanning bench corpus', () => {
  it('plants every class once and records decoys of every kind', () => {
    expect(corpus.planted.map((mark) => mark.kind).sort()).toEqual(PLANTS.map((plant) => plant.kind).sort());
    expect(new Set(corpus.decoys.map((mark) => mark.kind))).toEqual(new Set(DECOYS.map((d) => d.kind)));
  });

  it('names the lines that hold the planted values and decoys', () => {
    const pem = corpus.planted.find((mark) => mark.file.endsWith('.pem'));
    expect(lineOf(pem!.file, pem!.line)).toMatch(/^-----BEGIN RSA PRIVATE KEY-----$/);
    const ami = corpus.decoys.find((mark) => mark.kind === 'AMI ID');
    expect(lineOf(ami!.file, ami!.line)).toMatch(/ami(?:": |: | = |=)"?ami-0[0-9a-f]{16}/i);
  });

  it('is written the same way every time', () => {
    const again = mkdtempSync(path.join(os.tmpdir(), 'stackgate-corpus-'));
    try {
      const second = writeCorpus(again, PLANTS.length * 20);
      expect(second.planted).toEqual(corpus.planted);
      expect(second.bytes).toBe(corpus.bytes);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it('Stackgate finds every planted secret and flags no decoy or other line', () => {
    const files = [...new Set([...corpus.planted, ...corpus.decoys].map((mark) => mark.file))];
    const flagged = new Set(
      files.flatMap((file) =>
        scanText(file, readFileSync(path.join(root, file), 'utf8')).map((f) => `${file}:${f.line}`),
      ),
    );
    const missed = corpus.planted.filter((mark) => !flagged.has(`${mark.file}:${mark.line}`));
    expect(missed).toEqual([]);
    const plantedAt = new Set(corpus.planted.map((mark) => `${mark.file}:${mark.line}`));
    expect([...flagged].filter((at) => !plantedAt.has(at))).toEqual([]);
  });
});
