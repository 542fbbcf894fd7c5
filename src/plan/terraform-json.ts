// Parses `terraform show -json` / `tofu show -json` of a saved plan into the engine-neutral Plan model.

import {
  emptyCounts,
  EncodedJson,
  isMarker,
  isSensitive,
  type ChangeAction,
  type Diagnostic,
  type OutputChange,
  type Plan,
  type PlanCounts,
  type PlanValue,
  type ResourceChange,
} from './model.js';
import { knownSecrets, newRedactState, redactValue, SENSITIVE_CHANGED, type RedactState } from './redact.js';
import { isSecretName } from '../scan/names.js';

/** The input is not a plan (or not one this parser understands); the message names the source. */
export class PlanFormatError extends Error {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`${source}: not a Terraform/OpenTofu plan: ${problem}`);
    this.name = 'PlanFormatError';
  }
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseTerraformPlan(json: unknown, source = 'plan.json'): Plan {
  const root = checkRoot(json, source);
  const state = newRedactState(knownSecrets(markedValues(root)));
  const changes = listOf(root, 'resource_changes', source)
    .map((entry, index) => parseResourceChange(entry, `resource_changes[${index}]`, source, state))
    .filter((change) => change.action !== 'no-op');
  const drift = listOf(root, 'resource_drift', source)
    .map((entry, index) => parseResourceChange(entry, `resource_drift[${index}]`, source, state))
    .filter((change) => change.action !== 'no-op');
  const outputs = parseOutputs(root.output_changes, source, state);
  const diagnostics: Diagnostic[] = root.errored === true ? [erroredDiagnostic()] : [];
  if (lacksSensitivityMarks(root, source))
    diagnostics.push(unmarkedSensitivityDiagnostic(root.format_version as string));
  return {
    formatVersion: root.format_version as string,
    engineVersion: typeof root.terraform_version === 'string' ? root.terraform_version : undefined,
    changes,
    drift,
    outputs,
    diagnostics,
    counts: countChanges(changes, drift),
    hasChanges: changes.length > 0 || outputs.length > 0,
    redactedCount: state.redactedCount,
    secrets: [...state.secrets],
  };
}

/** Every raw value of the plan with its sensitivity mask, for the known secrets. */
function* markedValues(root: Json): Generator<[unknown, unknown]> {
  const entries = [root.resource_changes, root.resource_drift].flatMap((list) =>
    // Stryker disable next-line ArrayDeclaration: a non-list fails parsing anyway, and a string entry is skipped
    Array.isArray(list) ? list : [],
  );
  const changes = entries.map((entry) => (isRecord(entry) ? entry.change : undefined));
  if (isRecord(root.output_changes)) changes.push(...Object.values(root.output_changes));
  for (const change of changes) {
    if (!isRecord(change)) continue;
    yield [change.before, change.before_sensitive];
    yield [change.after, change.after_sensitive];
  }
}

// ---- shape checks ----------------------------------------------------------------------------------------

/**
 * 1.x: Terraform 1.0 and later, every OpenTofu. 0.x: Terraform 0.12–0.15, the same shapes in everything the
 * renderer reads; fields added later (`resource_drift`, `replace_paths`, `action_reason`, `previous_address`,
 * `importing`, and before 0.14 `before_sensitive`/`after_sensitive`) are simply absent.
 */
const READABLE_MAJORS = ['0', '1'];

const PLAN_KEYS = ['planned_values', 'resource_changes', 'resource_drift', 'output_changes', 'errored'];

function checkRoot(json: unknown, source: string): Json {
  if (!isRecord(json)) throw new PlanFormatError(source, `expected a JSON object, got ${describe(json)}`);
  const version = json.format_version;
  if (typeof version !== 'string') throw new PlanFormatError(source, 'no "format_version" field');
  // Stryker disable next-line StringLiteral: split always yields a first part, so the fallback is never used
  if (!READABLE_MAJORS.includes(version.split('.')[0] ?? '')) {
    throw new PlanFormatError(
      source,
      `unsupported format_version "${version}" (Stackgate reads 1.x, and 0.x of Terraform 0.12–0.15 best effort)`,
    );
  }
  if (!PLAN_KEYS.some((key) => key in json)) {
    // `show -json` of a state, or `validate -json`, also carry format_version.
    throw new PlanFormatError(
      source,
      'no "planned_values" or "resource_changes" (is it `show -json` of a plan?)',
    );
  }
  return json;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function listOf(root: Json, key: string, source: string): Json[] {
  const value = root[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new PlanFormatError(source, `"${key}" is ${describe(value)}, not an array`);
  return value.map((entry, index) => {
    if (!isRecord(entry)) throw new PlanFormatError(source, `${key}[${index}] is ${describe(entry)}`);
    return entry;
  });
}

function requireString(entry: Json, key: string, where: string, source: string): string {
  const value = entry[key];
  if (typeof value !== 'string')
    throw new PlanFormatError(source, `${where}.${key} is missing or not a string`);
  return value;
}

/** `where` names the object holding `actions`: `resource_changes[0].change`, `output_changes.name`. */
function requireActions(change: Json, where: string, source: string): string[] {
  const actions = change.actions;
  if (!Array.isArray(actions) || !actions.every((action) => typeof action === 'string')) {
    throw new PlanFormatError(source, `${where}.actions is missing or not a list of strings`);
  }
  return actions as string[];
}

// ---- resource changes ------------------------------------------------------------------------------------

function parseResourceChange(entry: Json, where: string, source: string, state: RedactState): ResourceChange {
  const address = requireString(entry, 'address', where, source);
  const change = entry.change;
  if (!isRecord(change)) throw new PlanFormatError(source, `${where}.change is missing`);
  const actions = requireActions(change, `${where}.change`, source);
  const previousAddress = typeof entry.previous_address === 'string' ? entry.previous_address : undefined;
  const importing = isRecord(change.importing) ? importingOf(change.importing) : undefined;
  const { action, replaceOrder } = actionOf(actions, previousAddress, importing, `${where}.change`, source);
  const values = redactPair(change, state);
  return {
    address,
    ...(previousAddress !== undefined && previousAddress !== address ? { previousAddress } : {}),
    mode: entry.mode === 'data' ? 'data' : 'managed',
    type: typeof entry.type === 'string' ? entry.type : '',
    name: typeof entry.name === 'string' ? entry.name : '',
    moduleAddress: typeof entry.module_address === 'string' ? entry.module_address : '',
    providerName: typeof entry.provider_name === 'string' ? entry.provider_name : '',
    action,
    ...(replaceOrder ? { replaceOrder } : {}),
    ...(typeof entry.action_reason === 'string' ? { actionReason: entry.action_reason } : {}),
    replacePaths: replacePathsOf(change.replace_paths),
    ...(importing ? { importing } : {}),
    moved: previousAddress !== undefined && previousAddress !== address,
    ...values,
  };
}

function importingOf(importing: Json): { id?: string } {
  return typeof importing.id === 'string' ? { id: importing.id } : {};
}

function actionOf(
  actions: string[],
  previousAddress: string | undefined,
  importing: { id?: string } | undefined,
  where: string,
  source: string,
): { action: ChangeAction; replaceOrder?: 'delete-first' | 'create-first' } {
  const key = actions.join(',');
  switch (key) {
    case 'create':
    case 'update':
    case 'delete':
    case 'read':
    case 'forget':
      return { action: key };
    case 'delete,create':
      return { action: 'replace', replaceOrder: 'delete-first' };
    case 'create,delete':
      return { action: 'replace', replaceOrder: 'create-first' };
    case 'no-op':
    case '':
      // A no-op that imports or moves is still something a reviewer must see.
      if (importing) return { action: 'import' };
      if (previousAddress !== undefined) return { action: 'move' };
      return { action: 'no-op' };
    default:
      throw new PlanFormatError(source, `${where}.actions has an unknown combination [${key}]`);
  }
}

/** Redacts before and after; marks a hidden `after` as changed when the raw values differ. */
function redactPair(change: Json, state: RedactState): { before?: PlanValue; after?: PlanValue } {
  const result: { before?: PlanValue; after?: PlanValue } = {};
  if (change.before !== null && change.before !== undefined) {
    result.before = redactValue(change.before, change.before_sensitive, undefined, state);
  }
  if ((change.after !== null && change.after !== undefined) || change.after_unknown === true) {
    const after = redactValue(change.after, change.after_sensitive, change.after_unknown, state);
    result.after = flagChangedSecrets(after, change.before, change.after);
  }
  return result;
}

/**
 * Two sensitive markers look equal to a renderer; compare the raw values so a changed secret still shows as a
 * change (without revealing anything).
 */
export function flagChangedSecrets(after: PlanValue, rawBefore: unknown, rawAfter: unknown): PlanValue {
  if (isSensitive(after)) return sameJson(rawBefore, rawAfter) ? after : SENSITIVE_CHANGED;
  if (after instanceof EncodedJson) {
    return new EncodedJson(flagChangedSecrets(after.decoded, parsedJson(rawBefore), parsedJson(rawAfter)));
  }
  if (Array.isArray(after)) {
    // Stryker disable next-line ArrayDeclaration: any other non-list before compares unequal to the secret too
    const before = Array.isArray(rawBefore) ? rawBefore : [];
    // Stryker disable next-line ArrayDeclaration: any other non-list after compares unequal to the secret too
    const raw = Array.isArray(rawAfter) ? rawAfter : [];
    return after.map((item, index) => flagChangedSecrets(item, before[index], raw[index]));
  }
  if (isRecord(after) && !isMarker(after)) {
    const before = isRecord(rawBefore) ? rawBefore : {};
    const raw = isRecord(rawAfter) ? rawAfter : {};
    const result: { [key: string]: PlanValue } = {};
    for (const [key, value] of Object.entries(after as { [key: string]: PlanValue })) {
      result[key] = flagChangedSecrets(value, before[key], raw[key]);
    }
    return result;
  }
  return after;
}

function parsedJson(raw: unknown): unknown {
  // Stryker disable next-line ConditionalExpression: JSON.parse of a non-string before only differs for a list holding one JSON string, and a list that became a string renders as removed and added whole anyway
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    // Not JSON: nothing to compare with.
  }
  return undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  } catch {
    // Too deep to compare: say it changed rather than hide a change.
  }
  return false;
}

function replacePathsOf(paths: unknown): string[] {
  if (!Array.isArray(paths)) return [];
  return paths.filter(Array.isArray).map((steps) => attributePath(steps as unknown[]));
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['network_interface', 0, 'id']` → `network_interface[0].id`; odd keys are quoted: `tags["a b"]`. */
export function attributePath(steps: readonly unknown[]): string {
  let path = '';
  for (const step of steps) {
    if (typeof step === 'number') path += `[${step}]`;
    else if (typeof step === 'string' && IDENTIFIER.test(step)) path += path === '' ? step : `.${step}`;
    else path += `[${JSON.stringify(String(step))}]`;
  }
  return path;
}

// ---- outputs ---------------------------------------------------------------------------------------------

function parseOutputs(outputs: unknown, source: string, state: RedactState): OutputChange[] {
  if (outputs === undefined || outputs === null) return [];
  if (!isRecord(outputs)) throw new PlanFormatError(source, `"output_changes" is ${describe(outputs)}`);
  const result: OutputChange[] = [];
  for (const [name, change] of Object.entries(outputs)) {
    if (!isRecord(change)) throw new PlanFormatError(source, `output_changes.${name} is ${describe(change)}`);
    const actions = requireActions(change, `output_changes.${name}`, source);
    const { action } = actionOf(actions, undefined, undefined, `output_changes.${name}`, source);
    if (action === 'no-op') continue;
    result.push(parseOutput(name, action, change, state));
  }
  return result;
}

function parseOutput(name: string, action: ChangeAction, change: Json, state: RedactState): OutputChange {
  const sensitive = change.before_sensitive === true || change.after_sensitive === true;
  // An output named like a secret is hidden whole, as an attribute would be.
  const byName = isSecretName(name) && !sensitive;
  const masked = byName ? { ...change, before_sensitive: true, after_sensitive: true } : change;
  return { name, action, sensitive: sensitive || byName, ...redactPair(masked, state) };
}

// ---- counts ----------------------------------------------------------------------------------------------

/** Counts as tofu's `Plan:` line: a replacement is one add and one destroy. */
export function countChanges(
  changes: readonly ResourceChange[],
  drift: readonly ResourceChange[],
): PlanCounts {
  const counts = emptyCounts();
  for (const change of changes) {
    if (change.importing) counts.import += 1;
    if (change.moved) counts.move += 1;
    switch (change.action) {
      case 'create':
        counts.add += 1;
        break;
      case 'update':
        counts.change += 1;
        break;
      case 'delete':
        counts.destroy += 1;
        break;
      case 'replace':
        counts.replace += 1;
        counts.add += 1;
        counts.destroy += 1;
        break;
      case 'read':
        counts.read += 1;
        break;
      case 'forget':
        counts.forget += 1;
        break;
      // no-op, move and import add nothing here: imports and moves are counted above.
    }
  }
  counts.drift = drift.length;
  return counts;
}

/** Before Terraform 0.14 a plan did not say which values a provider marks sensitive. */
function lacksSensitivityMarks(root: Json, source: string): boolean {
  if (!(root.format_version as string).startsWith('0.')) return false;
  // parseResourceChange has checked every entry: a record whose `change` is a record.
  return listOf(root, 'resource_changes', source).some((entry) => {
    const change = entry.change as Json;
    return !('after_sensitive' in change) && !('before_sensitive' in change);
  });
}

function unmarkedSensitivityDiagnostic(version: string): Diagnostic {
  return {
    severity: 'warning',
    summary: `Plan JSON format ${version} (Terraform before 0.14) does not mark sensitive values`,
    detail:
      'Only values under secret-looking names are hidden. Upgrade the engine to Terraform 0.14 or later, or to OpenTofu, for provider-marked sensitive values.',
  };
}

function erroredDiagnostic(): Diagnostic {
  return {
    severity: 'error',
    summary: 'The plan is incomplete: the engine reported errors while planning',
  };
}

// ---- diagnostics -----------------------------------------------------------------------------------------

/**
 * Diagnostics from tofu/terraform JSON: the `diagnostics` array of `validate -json` (or the whole document),
 * a single diagnostic object, or `-json` log lines whose `diagnostic` field holds one. Relative file names are
 * joined to `rootDir` (the stack's folder relative to the repository root).
 */
export function diagnosticsFromJson(diags: unknown, rootDir?: string): Diagnostic[] {
  return diagnosticEntries(diags)
    .map((entry) => toDiagnostic(entry, rootDir))
    .filter((diagnostic): diagnostic is Diagnostic => diagnostic !== undefined);
}

function diagnosticEntries(diags: unknown): Json[] {
  if (Array.isArray(diags)) return diags.flatMap(diagnosticEntries);
  // Stryker disable next-line ArrayDeclaration: anything else has no summary, which toDiagnostic drops too
  if (!isRecord(diags)) return [];
  if (Array.isArray(diags.diagnostics)) return diagnosticEntries(diags.diagnostics);
  if (isRecord(diags.diagnostic)) return [diags.diagnostic];
  return [diags]; // toDiagnostic keeps only those with a summary
}

function toDiagnostic(entry: Json, rootDir: string | undefined): Diagnostic | undefined {
  if (typeof entry.summary !== 'string') return undefined;
  const diagnostic: Diagnostic = {
    severity: entry.severity === 'warning' ? 'warning' : 'error',
    summary: entry.summary,
  };
  if (typeof entry.detail === 'string' && entry.detail !== '') diagnostic.detail = entry.detail;
  const range = isRecord(entry.range) ? entry.range : undefined;
  if (range && typeof range.filename === 'string') {
    diagnostic.file = joinPath(rootDir, range.filename);
    const start = isRecord(range.start) ? range.start : {};
    const end = isRecord(range.end) ? range.end : {};
    if (typeof start.line === 'number') diagnostic.line = start.line;
    if (typeof start.column === 'number') diagnostic.column = start.column;
    if (typeof end.line === 'number') diagnostic.endLine = end.line;
    if (typeof end.column === 'number') diagnostic.endColumn = end.column;
  }
  return diagnostic;
}

/** Joins without touching the file system, dropping `.` and empty steps and resolving `..` where it can. */
function joinPath(rootDir: string | undefined, file: string): string {
  const normalized = file.replace(/\\/g, '/');
  if (normalized.startsWith('/')) return normalized;
  const parts = `${(rootDir ?? '').replace(/\\/g, '/')}/${normalized}`.split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}
