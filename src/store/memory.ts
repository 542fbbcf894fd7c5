// In-memory stores for unit tests: the same contract as the GitHub-backed ones.
import type { AcquireResult, LockHolder, LockStore, PlanRecords, PlanStore, Store } from './types.js';

export class MemoryLockStore implements LockStore {
  readonly locks = new Map<string, LockHolder>();

  acquire(stack: string, holder: LockHolder): Promise<AcquireResult> {
    const current = this.locks.get(stack);
    if (current && current.pullNumber !== holder.pullNumber) {
      return Promise.resolve({ acquired: false, holder: current });
    }
    if (!current) this.locks.set(stack, holder);
    return Promise.resolve({ acquired: true, already: current !== undefined });
  }

  holder(stack: string): Promise<LockHolder | undefined> {
    return Promise.resolve(this.locks.get(stack));
  }

  release(stack: string, onlyFor?: number): Promise<boolean> {
    const current = this.locks.get(stack);
    if (!current || (onlyFor !== undefined && current.pullNumber !== onlyFor)) return Promise.resolve(false);
    this.locks.delete(stack);
    return Promise.resolve(true);
  }

  list(): Promise<Map<string, LockHolder>> {
    return Promise.resolve(new Map(this.locks));
  }
}

export class MemoryPlanStore implements PlanStore {
  readonly records = new Map<string, PlanRecords>();

  set(pullNumber: number, header: string, records: PlanRecords): void {
    this.records.set(`${pullNumber}\0${header}`, records);
  }

  read(pullNumber: number, header: string): Promise<PlanRecords | undefined> {
    return Promise.resolve(this.records.get(`${pullNumber}\0${header}`));
  }
}

export function memoryStore(): Store & { plans: MemoryPlanStore; locks: MemoryLockStore } {
  return { plans: new MemoryPlanStore(), locks: new MemoryLockStore() };
}
