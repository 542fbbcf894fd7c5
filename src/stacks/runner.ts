// The one stack runner, for the action and the CLI alike.
import pLimit from 'p-limit';
import type { Stack } from './discover.js';

/**
 * Engine lanes: `inLane(stack, work)` runs `work` once a lane is free, at most `parallelism` at once, and never
 * two stacks of the same folder together: they share `.terraform`, its lock file and the selected workspace.
 * Only engine work belongs in a lane; API calls after it (locks, caches) run outside, so a lane never waits on
 * the network while an engine could start.
 */
export function stackLanes(parallelism: number) {
  const limit = pLimit(Math.max(1, parallelism));
  const lastInFolder = new Map<string, Promise<unknown>>();
  return function inLane<T>(stack: Stack, work: () => Promise<T>): Promise<T> {
    const previous = lastInFolder.get(stack.path) ?? Promise.resolve();
    const current = previous.then(() => limit(work));
    lastInFolder.set(
      stack.path,
      current.catch(() => undefined),
    );
    return current;
  };
}

/** Every promise settled, then their values in order, or the first rejection. */
export async function allSettledInOrder<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}

/**
 * Runs `task` for every stack in engine lanes (stackLanes). Results keep the stacks' order. Every task settles
 * before the returned promise does, so a failing one never leaves others running behind it.
 */
export function forEachStack<T>(
  stacks: readonly Stack[],
  parallelism: number,
  task: (stack: Stack) => Promise<T>,
): Promise<T[]> {
  const inLane = stackLanes(parallelism);
  return allSettledInOrder(stacks.map((stack) => inLane(stack, () => task(stack))));
}

/**
 * Like forEachStack, but a stack starts only once the stacks it depends on (`depends-on`, among `stacks`) have
 * finished, and `task` gets their results to decide (a dependant of a failed apply is skipped, not applied).
 * The loader rejects cycles; one that slipped through would wait forever, so it is refused here too.
 */
export async function forEachStackInOrder<T>(
  stacks: readonly Stack[],
  parallelism: number,
  task: (stack: Stack, dependencies: { stack: Stack; result: T }[]) => Promise<T>,
): Promise<T[]> {
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  const order = dependencyOrder(stacks);
  const limit = pLimit(Math.max(1, parallelism));
  const done = new Map<string, Promise<T>>();
  const lastInFolder = new Map<string, Promise<unknown>>();
  for (const stack of order) {
    const dependencies = (stack.dependsOn ?? []).filter((name) => byName.has(name));
    const before = [...dependencies.map((name) => done.get(name)!), lastInFolder.get(stack.path)];
    const current = Promise.allSettled(before).then(async (settled) => {
      const results = dependencies.map((name, index) => {
        const outcome = settled[index]!;
        if (outcome.status === 'rejected') throw outcome.reason;
        return { stack: byName.get(name)!, result: outcome.value as T };
      });
      return limit(() => task(stack, results));
    });
    done.set(stack.name, current);
    lastInFolder.set(
      stack.path,
      current.catch(() => undefined),
    );
  }
  return allSettledInOrder(stacks.map((stack) => done.get(stack.name)!));
}

/** The stacks with every dependency (among them) before its dependants; otherwise in the given order. */
export function dependencyOrder(stacks: readonly Stack[]): Stack[] {
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const order: Stack[] = [];
  const place = (stack: Stack): void => {
    if (placed.has(stack.name)) return;
    if (visiting.has(stack.name)) {
      throw new Error(`depends-on forms a cycle through ${stack.name}`);
    }
    visiting.add(stack.name);
    for (const name of stack.dependsOn ?? []) {
      const dependency = byName.get(name);
      if (dependency) place(dependency);
    }
    visiting.delete(stack.name);
    placed.add(stack.name);
    order.push(stack);
  };
  for (const stack of stacks) place(stack);
  return order;
}
