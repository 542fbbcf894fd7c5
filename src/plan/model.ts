// The engine-neutral plan model: what planning one stack produced, whatever the engine.

export type ChangeAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'replace'
  | 'read'
  | 'no-op'
  | 'move' // moved without other changes
  | 'import' // imported without other changes
  | 'forget'; // removed from state without being destroyed (tofu `removed` block)

/**
 * A value as a reviewer may see it: secrets are already replaced by markers before this exists. The markers
 * are class instances, never keys: nothing in plan data (a user object holding `"$sensitive": true`, a
 * `jsonencode` string) can become one, so only the engine's `*_sensitive` and `after_unknown` trees, and
 * Stackgate's own redaction, decide what is hidden.
 */
export type PlanValue =
  null | boolean | number | string | PlanValue[] | { [key: string]: PlanValue } | PlanMarker;

/** Base of the model's own markers; plain objects parsed from JSON are never instances. */
export abstract class PlanMarker {
  /** How the marker reads in JSON output (`stackgate render --format json`). */
  abstract toJSON(): string;
}

/** A value hidden because the engine marked it sensitive or its name looks secret. */
export class SensitiveMarker extends PlanMarker {
  /** Set on the `after` side when the hidden value differs from `before` (so a diff can say it changed). */
  readonly changed: boolean;
  constructor(changed = false) {
    super();
    this.changed = changed;
    Object.freeze(this);
  }
  toJSON(): string {
    return this.changed ? '(sensitive value, changed)' : '(sensitive value)';
  }
}

/** A value the engine knows only after apply. */
export class UnknownMarker extends PlanMarker {
  constructor() {
    super();
    Object.freeze(this);
  }
  toJSON(): string {
    return '(known after apply)';
  }
}

/** A value nested deeper than the model keeps; `digest` tells two such values apart without showing them. */
export class DeepValueMarker extends PlanMarker {
  constructor(readonly digest: string) {
    super();
    Object.freeze(this);
  }
  toJSON(): string {
    return DEEP_VALUE_TEXT;
  }
}

/** A string that held JSON, decoded by the parser because something inside it had to be hidden or cut. */
export class EncodedJson extends PlanMarker {
  constructor(readonly decoded: PlanValue) {
    super();
    Object.freeze(this);
  }
  toJSON(): string {
    return JSON.stringify(this.decoded);
  }
}

/** Levels of nesting the model keeps; deeper values become a `DeepValueMarker`. */
export const MAX_VALUE_DEPTH = 48;
export const DEEP_VALUE_TEXT = `(nested more than ${MAX_VALUE_DEPTH} levels deep: not shown)`;

export interface ResourceChange {
  /** Full address, e.g. `module.db.aws_db_instance.main[0]`. */
  address: string;
  previousAddress?: string;
  /** `managed` or `data`. */
  mode: 'managed' | 'data';
  type: string;
  name: string;
  /** Module path of the resource (`module.db`), empty for the root module. */
  moduleAddress: string;
  providerName: string;
  /** The primary action a reviewer should see. */
  action: ChangeAction;
  /** For a replace: delete-then-create (default) or create-then-delete. */
  replaceOrder?: 'delete-first' | 'create-first';
  /** Tofu's reason for the action, e.g. `replace_because_cannot_update`. */
  actionReason?: string;
  /** Attribute paths (dotted, e.g. `ami` or `network_interface[0].id`) that force replacement. */
  replacePaths: string[];
  importing?: { id?: string };
  moved: boolean;
  /** Values after redaction; `undefined` when absent (create has no before, delete no after). */
  before?: PlanValue;
  after?: PlanValue;
  /** The change as the engine's own unified diff (Ansible's `--diff`), already redacted; shown as is. */
  textDiff?: string;
}

/** Per task-host results of a configuration-management run (Ansible), counted by outcome. */
export interface TaskCounts {
  changed: number;
  ok: number;
  failed: number;
  skipped: number;
  unreachable: number;
  hosts: number;
}

export interface OutputChange {
  name: string;
  action: ChangeAction;
  before?: PlanValue;
  after?: PlanValue;
  sensitive: boolean;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  summary: string;
  detail?: string;
  /** Path relative to the repository root, when the engine gave one. */
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

export interface PlanCounts {
  /** As tofu's `Plan:` line: a replacement counts as one add and one destroy. */
  add: number;
  change: number;
  destroy: number;
  replace: number;
  import: number;
  move: number;
  read: number;
  drift: number;
  /** Removed from state without being destroyed (a `removed` block); tofu adds "N to forget" to its line. */
  forget: number;
}

export interface Plan {
  formatVersion?: string;
  engineVersion?: string;
  /** Every change that is not a pure no-op, in the engine's order. */
  changes: ResourceChange[];
  /** Changes found outside the configuration by refresh (`resource_drift`). */
  drift: ResourceChange[];
  outputs: OutputChange[];
  diagnostics: Diagnostic[];
  counts: PlanCounts;
  /** True when applying would change anything (resources or outputs). */
  hasChanges: boolean;
  /** Number of values hidden because they were sensitive or looked secret. */
  redactedCount: number;
  /** Raw secret strings that were redacted; to register with core.setSecret, never rendered. */
  secrets: string[];
  /** Set by engines that report per task and host (Ansible) instead of per resource. */
  tasks?: TaskCounts;
}

export function emptyCounts(): PlanCounts {
  return { add: 0, change: 0, destroy: 0, replace: 0, import: 0, move: 0, read: 0, drift: 0, forget: 0 };
}

export function isSensitive(value: unknown): value is SensitiveMarker {
  return value instanceof SensitiveMarker;
}

export function isUnknown(value: unknown): value is UnknownMarker {
  return value instanceof UnknownMarker;
}

export function isMarker(value: unknown): value is PlanMarker {
  return value instanceof PlanMarker;
}
