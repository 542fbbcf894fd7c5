// The affected stacks as a GitHub Actions matrix: one entry per stack, or several per entry when batched, never
// more entries than GitHub runs from one matrix.
import type { EngineName } from '../engines/names.js';

export interface MatrixStack {
  name: string;
  path: string;
  engine: EngineName;
}

/** One matrix job. Batched, `stack`, `path` and `engine` are comma-separated lists (`stacks:` takes them). */
export interface MatrixEntry {
  stack: string;
  path: string;
  engine: string;
  /** The stack names of the entry; not in the `matrix` output. */
  stacks: string[];
}

export class MatrixError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatrixError';
  }
}

/** The batch size that fits `count` stacks into `limit` entries. */
export function autoBatchSize(count: number, limit: number): number {
  return Math.max(1, Math.ceil(count / limit));
}

/**
 * Groups the stacks, in their order, `batchSize` to an entry. More than `limit` entries is an error that says
 * which `matrix-batch-size` would fit; a name the `stacks` input cannot carry (a comma, a line break) too.
 */
export function buildMatrix(
  stacks: readonly MatrixStack[],
  batchSize: number | 'auto',
  limit: number,
): MatrixEntry[] {
  const size = batchSize === 'auto' ? autoBatchSize(stacks.length, limit) : batchSize;
  const unfit = stacks.filter((stack) => /[,\r\n]/.test(stack.name));
  if (unfit.length > 0) {
    throw new MatrixError(
      `Stack name(s) ${unfit.map((stack) => JSON.stringify(stack.name)).join(', ')} contain a comma or a line break, which the stacks input splits on: rename them to run them in a matrix`,
    );
  }
  const entries = Math.ceil(stacks.length / size);
  if (entries > limit) {
    throw new MatrixError(
      `${stacks.length} stacks are affected, which makes ${entries} matrix jobs at ${size} stack(s) per job: GitHub runs at most ${limit} jobs from one matrix. Set matrix-batch-size to ${autoBatchSize(stacks.length, limit)} or more (or auto) to pack several stacks into each job.`,
    );
  }
  const include: MatrixEntry[] = [];
  for (let i = 0; i < stacks.length; i += size) {
    const batch = stacks.slice(i, i + size);
    include.push({
      stack: batch.map((stack) => stack.name).join(', '),
      path: batch.map((stack) => stack.path).join(', '),
      engine: [...new Set(batch.map((stack) => stack.engine))].join(', '),
      stacks: batch.map((stack) => stack.name),
    });
  }
  return include;
}

/** The `matrix` output: `{"include": [{"stack", "path", "engine"}]}`. */
export function matrixJson(entries: readonly MatrixEntry[]): string {
  return JSON.stringify({
    include: entries.map(({ stack, path, engine }) => ({ stack, path, engine })),
  });
}
