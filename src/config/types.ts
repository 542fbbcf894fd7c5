// The repository config `.stackgate.yml`, camelCased and with defaults filled in.
// Its shape is defined once, in schema/stackgate.schema.json; these types mirror it.

import type { EngineName } from '../engines/names.js';

export type { EngineName } from '../engines/names.js';

export const APPLY_REQUIREMENTS = ['approved', 'mergeable', 'undiverged', 'plan-passed'] as const;
export type ApplyRequirement = (typeof APPLY_REQUIREMENTS)[number];

export type ApplyMode = 'comment' | 'merge';

export interface ApplyConfig {
  /** `comment`: `/stackgate apply` on the pull request, before merge; `merge`: on the push of the merge to the
   * default branch. */
  on: ApplyMode;
  requirements: ApplyRequirement[];
}

export interface StackConfig {
  name: string;
  /** Posix path relative to the workspace, normalised (`.` for the root). */
  path: string;
  /** Absent: the action's `engine` input decides. */
  engine?: EngineName;
  /** Terraform/OpenTofu workspace; `default` unless set. */
  workspace: string;
  /** `-var-file` arguments, relative to the stack's path. */
  varFiles: string[];
  /** `-backend-config` values for init: files relative to the stack's path, or `key=value` pairs. */
  backendConfig?: string[];
  /** Extra options for init, plan and apply (checked by the loader: none breaks the flow). */
  initArgs?: string[];
  planArgs?: string[];
  applyArgs?: string[];
  env: Record<string, string>;
  /** Extra globs relative to the stack's path; they extend the stack's own folder. */
  whenModified: string[];
  /** Absent: the engine's default time limit. */
  timeoutMs?: number;
  /** Names of stacks applied before this one when both are applied together (no cycles: the loader checks). */
  dependsOn?: string[];
  /** This stack's own apply settings (fields it leaves out come from the top level). */
  apply?: Partial<ApplyConfig>;
  /** Set for `engine: ansible` stacks only. */
  ansible?: AnsibleStackConfig;
  /** `engine: terragrunt` units: what Terragrunt itself said the unit reads (filled in before selection). */
  terragrunt?: TerragruntFacts;
}

/** What a Terragrunt unit reads, as Terragrunt renders it; paths relative to the workspace, posix. */
export interface TerragruntFacts {
  /** Configuration files besides the unit's own `terragrunt.hcl` that give it values (includes). */
  includes: string[];
  /** The folder of a local `terraform { source = … }` module. */
  source?: string;
  /** Folders of the units its `dependency` and `dependencies` blocks name. */
  dependencies: string[];
  /** Set when Terragrunt could not describe the unit: then every change selects it. */
  error?: string;
}

/** A `backend-config` entry that is a `key=value` pair (passed as is); anything else names a file. */
export function isBackendPair(entry: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.-]*=/.test(entry);
}

/** What an Ansible stack runs; paths are relative to the stack's folder (`path`, or the playbook's folder). */
export interface AnsibleStackConfig {
  playbook: string;
  inventory: string;
  limit?: string;
  tags: string[];
  extraVarsFiles: string[];
  checkArgs: string[];
  /** Name of the environment variable that holds the vault password. */
  vaultPasswordEnv?: string;
  /** File holding the vault password: absolute, or relative to the repository. */
  vaultPasswordFile?: string;
}

export type PolicyAction = 'create' | 'update' | 'delete' | 'replace' | 'read' | 'import' | 'move';

export interface PolicyConfig {
  name: string;
  deny: PolicyAction[];
  /** Globs on resource addresses; absent means every resource. */
  resources?: string[];
  unlessLabel?: string;
  level: 'error' | 'warning';
  maxChanges?: number;
  /** Attribute name → keys it must hold. */
  requireAttributes: Record<string, string[]>;
}

export interface SecretsConfig {
  /** Globs of files that secret scanning skips. */
  allow: string[];
}

export interface DriftConfig {
  /** Labels added to drift issues besides `stackgate:drift`. */
  labels: string[];
  assignees: string[];
  /** Keep the status dashboard issue. */
  dashboard: boolean;
  /** A line in pull request comments for planned stacks with an open drift issue. */
  showInPr: boolean;
}

export interface LoadedConfig {
  /** The config file as given, posix, relative to the workspace (for messages and annotations). */
  file: string;
  absolutePath: string;
  version: 1;
  /** Absent when the file declares no `stacks`: stacks are then discovered. */
  stacks?: StackConfig[];
  /** The `defaults` block as written (YAML keys), for the stacks discovery finds; declared stacks have it already. */
  defaults?: Record<string, unknown>;
  policies: PolicyConfig[];
  secrets: SecretsConfig;
  apply: ApplyConfig;
  drift: DriftConfig;
}

export interface ConfigProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

/** Every mistake found in the config file, each at its position. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
