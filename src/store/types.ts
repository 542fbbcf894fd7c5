// Where Stackgate keeps what must outlive a run, behind interfaces: the plan records a review saw, and the
// locks that keep one pull request at a time on a stack. GitHub-backed in src/github/store.ts; in memory for
// unit tests (memory.ts).

/** What a plan run recorded about one stack, for apply to check against. */
export interface PlanRecord {
  stack: string;
  status: string;
  /** Absent when the stack had no plan (errored, unaffected). */
  fingerprint?: string;
  /** The stack applies on merge: the merge keeps its lock for the push's apply. */
  onMerge?: boolean;
}

/** The plan records of a pull request's sticky comment. */
export interface PlanRecords {
  /** The commit the plans were made for. */
  sha: string;
  pullNumber?: number;
  stacks: PlanRecord[];
  /** Stacks left out of the records to keep the comment within its limit: they must be planned again. */
  omittedStacks: number;
}

export interface PlanStore {
  /** The records of the last plan reported on this pull request under `header`, if any. */
  read(pullNumber: number, header: string): Promise<PlanRecords | undefined>;
}

export interface LockHolder {
  pullNumber: number;
  /** The commit the pull request planned when it took the lock. */
  sha: string;
  /** Who took it (the commenter or the pull request's workflow actor). */
  by: string;
}

export type AcquireResult = { acquired: true; already: boolean } | { acquired: false; holder: LockHolder };

export interface LockStore {
  /** Takes the lock of `stack` for `holder.pullNumber`; atomic: of two racing callers exactly one gets it. */
  acquire(stack: string, holder: LockHolder): Promise<AcquireResult>;
  /** The holder, if the stack is locked. */
  holder(stack: string): Promise<LockHolder | undefined>;
  /** Releases the lock; returns false when it was not held (by anyone, or by `onlyFor` when given). */
  release(stack: string, onlyFor?: number): Promise<boolean>;
  /** Every lock held, by stack name. */
  list(): Promise<Map<string, LockHolder>>;
}

export interface Store {
  plans: PlanStore;
  locks: LockStore;
}
