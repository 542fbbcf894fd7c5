// The engine seam: everything below commands/ that plans or applies a stack goes through one Engine.
import type { Diagnostic, Plan } from '../plan/model.js';
import type { Stack } from '../stacks/discover.js';
import type { EngineName } from './names.js';

export interface EngineContext {
  /** Absolute root of the config repository. */
  workspace: string;
  /** Base environment for the engine; the stack's own env is laid over it. */
  env: Record<string, string | undefined>;
  /** Folder for plan files of this run. */
  tempDir: string;
}

/** What a fingerprint is bound to, so a plan reviewed for one pull request and stack fits no other. */
export interface FingerprintSalt {
  repository: string;
  pullNumber?: number;
}

/**
 * `normal`: what applying the configuration would change. `refresh-only`: only what changed outside the
 * configuration since the last apply (drift), nothing to apply from Git. An engine without a refresh step
 * (Ansible's check mode) reports what differs from the last applied run as drift in this mode.
 */
export type PlanMode = 'normal' | 'refresh-only';

export interface PlanOptions {
  /** Default `normal`. */
  mode?: PlanMode;
}

export interface StackPlanResult {
  /** `skipped`: the engine cannot plan this stack in this version (the message says why). */
  status: 'planned' | 'no-changes' | 'errored' | 'skipped';
  plan?: Plan;
  /** Diagnostics from init and plan when there is no plan to carry them. */
  diagnostics: Diagnostic[];
  message?: string;
  planFile?: string;
  fingerprint?: string;
  durationMs: number;
}

export interface FormatProblem {
  /** Path relative to the repository root. */
  file: string;
  /** First line the formatter would change. */
  line: number;
  /** The unified diff `fmt -diff` printed for the file. */
  diff: string;
}

export interface StackCheckResult {
  format: FormatProblem[];
  diagnostics: Diagnostic[];
  /** Set when a step could not run at all (engine missing, init failed without diagnostics). */
  message?: string;
}

export interface StackApplyResult {
  status: 'applied' | 'errored';
  /** The engine's errors, at file and line where it gave them. */
  diagnostics: Diagnostic[];
  message?: string;
  /** Resource addresses the engine reported applied before it stopped (all of them on success). */
  applied: string[];
  durationMs: number;
}

export interface Engine {
  readonly name: EngineName;
  /** Installed and runnable here. */
  available(): Promise<boolean>;
  /**
   * Formatting (unless `format: false`: `checkFormat` covered it), and with `validate` the engine's own
   * validation (no credentials needed).
   */
  check(
    stack: Stack,
    context: EngineContext,
    options: { validate: boolean; format?: boolean },
  ): Promise<StackCheckResult>;
  /**
   * The formatting of several folders (posix, relative to the workspace) in one process, by folder; undefined
   * when one process cannot tell them apart (a file the formatter cannot read stops every diff): then `check`
   * each. Absent when the engine has no formatter.
   */
  checkFormat?(
    folders: readonly string[],
    context: EngineContext,
  ): Promise<Map<string, FormatProblem[]> | undefined>;
  /**
   * A saved plan and its fingerprint (salted with `salt` and the stack's name). In `refresh-only` mode the
   * plan's `drift` holds what changed outside the configuration and `changes` stays empty.
   */
  plan(
    stack: Stack,
    context: EngineContext,
    salt: FingerprintSalt,
    options?: PlanOptions,
  ): Promise<StackPlanResult>;
  /** Reads a saved plan file made elsewhere (restored from a cache) and computes its fingerprint. */
  inspect(
    stack: Stack,
    context: EngineContext,
    planFile: string,
    salt: FingerprintSalt,
  ): Promise<StackPlanResult>;
  /** Where `plan` writes this stack's plan file in this run. */
  planFile(stack: Stack, context: EngineContext): Promise<string>;
  /** The engine's version (`1.11.6`), for cache keys; undefined when it cannot tell. Absent for Ansible. */
  version?(context: EngineContext): Promise<string | undefined>;
  /** Applies a saved plan file exactly; never plans anew. */
  apply(stack: Stack, context: EngineContext, planFile: string): Promise<StackApplyResult>;
}
