import { describe, expect, it } from 'vitest';
import {
  autoBatchSize,
  buildMatrix,
  MatrixError,
  matrixJson,
  type MatrixStack,
} from '../../src/stacks/matrix.js';
import { splitList } from '../../src/settings.js';

function stacks(count: number): MatrixStack[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `stacks/s${String(i).padStart(3, '0')}`,
    path: `stacks/s${String(i).padStart(3, '0')}`,
    engine: i % 2 === 0 ? 'tofu' : 'ansible',
  }));
}

describe('the matrix of affected stacks', () => {
  it('has one entry per stack, in order, as {"include": [{stack, path, engine}]}', () => {
    const entries = buildMatrix(stacks(3), 1, 256);
    expect(JSON.parse(matrixJson(entries))).toEqual({
      include: [
        { stack: 'stacks/s000', path: 'stacks/s000', engine: 'tofu' },
        { stack: 'stacks/s001', path: 'stacks/s001', engine: 'ansible' },
        { stack: 'stacks/s002', path: 'stacks/s002', engine: 'tofu' },
      ],
    });
  });

  it('is empty (count 0) when nothing is affected', () => {
    expect(matrixJson(buildMatrix([], 1, 256))).toBe('{"include":[]}');
  });

  it('takes exactly 256 stacks and refuses 257 with the batch size that would fit', () => {
    expect(buildMatrix(stacks(256), 1, 256)).toHaveLength(256);
    expect(() => buildMatrix(stacks(257), 1, 256)).toThrow(MatrixError);
    expect(() => buildMatrix(stacks(257), 1, 256)).toThrow(
      /257 stacks are affected, which makes 257 matrix jobs .* at most 256 .* Set matrix-batch-size to 2 or more/,
    );
  });

  it('packs several stacks per entry, as a list the stacks input reads back', () => {
    const entries = buildMatrix(stacks(5), 2, 256);
    expect(entries.map((entry) => entry.stacks)).toEqual([
      ['stacks/s000', 'stacks/s001'],
      ['stacks/s002', 'stacks/s003'],
      ['stacks/s004'],
    ]);
    expect(entries[0]).toMatchObject({
      stack: 'stacks/s000, stacks/s001',
      path: 'stacks/s000, stacks/s001',
      engine: 'tofu, ansible',
    });
    for (const entry of entries) expect(splitList(entry.stack)).toEqual(entry.stacks);
  });

  it('with auto, packs 1,000 stacks into at most 256 entries and covers each once', () => {
    const all = stacks(1000);
    const entries = buildMatrix(all, 'auto', 256);
    expect(autoBatchSize(1000, 256)).toBe(4);
    expect(entries).toHaveLength(250);
    expect(entries.flatMap((entry) => entry.stacks)).toEqual(all.map((stack) => stack.name));
    expect(buildMatrix(stacks(10), 'auto', 256)).toHaveLength(10);
  });

  it('refuses a stack name the stacks input would split', () => {
    expect(() => buildMatrix([{ name: 'a,b', path: 'a', engine: 'tofu' }], 1, 256)).toThrow(
      /"a,b" contain a comma or a line break/,
    );
  });
});
