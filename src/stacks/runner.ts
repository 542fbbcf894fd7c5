// The one stack runner, for the action and the CLI alike.
import pLimit from 'p-limit';
import type { Stack } from './discover.js';

/**
 * Runs `task` for every stack, at most `parallelism` at once, but never two stacks of the same folder together:
 * they share `.terraform`, its lock file and the selected workspace. Results keep the stacks' order. Every task
 * settles before the returned promise does, so a failing one never leaves others running behind it.
 */
export async function forEachStack<T>(
  stacks: readonly Stack[],
  parallelism: number,
  task: (stack: Stack) => Promise<T>,
): Promise<T[]> {
  const limit = pLimit(Math.max(1, parallelism));
  const lastInFolder = new Map<string, Promise<unknown>>();
  const settled = await Promise.allSettled(
    stacks.map((stack) => {
      const previous = lastInFolder.get(stack.path) ?? Promise.resolve();
      const current = previous.then(() => limit(() => task(stack)));
      lastInFolder.set(
        stack.path,
        current.catch(() => undefined),
      );
      return current;
    }),
  );
  return settled.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}
