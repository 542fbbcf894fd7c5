import type { EngineName } from '../engines/names.js';
import type { Diagnostic, Plan } from '../plan/model.js';
import type { PolicyViolation } from '../plan/policy.js';
import type { Finding } from './findings.js';

/** How planning a stack ended. */
export type StackStatus =
  | 'planned' // planned, has changes
  | 'no-changes'
  | 'errored'
  | 'unaffected' // not touched by the change; not planned
  | 'skipped'
  | 'applied' // apply: the reviewed plan was applied
  | 'apply-failed'; // apply: the engine failed part-way (nothing retried)

export interface StackReport {
  name: string;
  /** Folder relative to the repository root. */
  path: string;
  engine: EngineName;
  status: StackStatus;
  /** Present when the stack was planned (even with errors, when the engine produced a plan). */
  plan?: Plan;
  /** Errors from init/plan/show that are not in the plan's diagnostics (e.g. a crash), already redacted. */
  diagnostics: Diagnostic[];
  /** Short reason when status is errored/skipped, e.g. "init failed". */
  message?: string;
  /** Fingerprint of the saved plan, for apply-as-reviewed. */
  fingerprint?: string;
  /** The stack applies on merge (`apply.on: merge`): its lock outlives the merge until the push applies it. */
  appliesOnMerge?: boolean;
  durationMs?: number;
}

/** Everything one run reports about a pull request or a branch. */
export interface RunReport {
  command: string;
  /** Identifies a sticky comment; `''` for the default one. */
  header: string;
  repository: string;
  /** Commit the plans were made for. */
  sha: string;
  pullNumber?: number;
  /** Link to the workflow run, for "full report" pointers. */
  runUrl?: string;
  stacks: StackReport[];
  /** Findings of the checks (config, formatting, secrets, policies), shown above the stack sections. */
  findings?: Finding[];
  /** Policy violations of the plans, a table row each (their findings carry the annotations). */
  policyViolations?: PolicyViolation[];
  /** Markdown paragraphs shown under the verdict (apply's outcome, refusal, rollback), rendered by report/. */
  outcome?: string[];
  /** Planned stacks with an open drift issue: this plan also reverts that drift. */
  openDrift?: { stack: string; issue: number }[];
}

/** What the hidden metadata block of a comment records, for later commands (apply-as-reviewed). */
export interface CommentMeta {
  version: 1;
  command: string;
  header: string;
  sha: string;
  pullNumber?: number;
  stacks: { name: string; status: StackStatus; fingerprint?: string; on?: 'merge' }[];
  /** Stacks left out of `stacks` to keep the comment within its limit. */
  omittedStacks?: number;
}
