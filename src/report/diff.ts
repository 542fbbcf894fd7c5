// Attribute-level diffs that read like tofu's human plan: changed attributes only (unchanged ones counted),
// nested objects, lists and maps, `(known after apply)`, `(sensitive value)`, JSON strings as `jsonencode(…)`
// and multi-line strings as `<<-EOT` line diffs. Output lines start with a diff marker so a ```diff block
// colours them on GitHub: `+` add, `-` remove, `!` change in place, space for context.

import { createHash } from 'node:crypto';
import {
  DeepValueMarker,
  EncodedJson,
  MAX_VALUE_DEPTH,
  isMarker,
  isSensitive,
  isUnknown,
  type OutputChange,
  type PlanValue,
  type ResourceChange,
} from '../plan/model.js';
import { attributePath } from '../plan/terraform-json.js';
import { SENSITIVE } from '../plan/redact.js';

export type Marker = '+' | '-' | '~' | ' ';

export interface DiffLine {
  marker: Marker;
  depth: number;
  text: string;
}

/** GitHub's diff highlighting colours `!` lines as changed; tofu's `~` would stay plain. */
const MARKER_CHARS: Record<Marker, string> = { '+': '+', '-': '-', '~': '!', ' ': ' ' };

export function formatLines(lines: readonly DiffLine[]): string {
  return lines
    .map((line) => `${MARKER_CHARS[line.marker]} ${'    '.repeat(line.depth)}${line.text}`)
    .join('\n');
}

// Attributes tofu keeps visible even when unchanged, so a reviewer can tell which object this is.
const IDENTIFYING_ATTRIBUTES = new Set(['id', 'name', 'tags']);

// Lists longer than this show only the unchanged elements near a change.
const LIST_CONTEXT = 2;

// Beyond this many element pairs, a list diff falls back to "all removed, all added" to bound the cost.
const MAX_LCS_CELLS = 250_000;

interface Context {
  replacePaths: ReadonlySet<string>;
}

type Steps = (string | number)[];
type Obj = { [key: string]: PlanValue };

// ---- value classification --------------------------------------------------------------------------------

function isObject(value: PlanValue | undefined): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isMarker(value);
}

/** Null and absent are the same to a reviewer: tofu shows neither. */
function isAbsent(value: PlanValue | undefined): value is null | undefined {
  return value === null || value === undefined;
}

export function deepEqual(a: PlanValue | undefined, b: PlanValue | undefined): boolean {
  if (a === b) return true;
  if (isAbsent(a) || isAbsent(b)) return isAbsent(a) && isAbsent(b);
  // One hidden side and one that is not: unequal (the marker check below).
  if (isSensitive(a) && isSensitive(b)) return !b.changed;
  if (a instanceof EncodedJson || b instanceof EncodedJson) {
    const decodedA = decodeJson(a);
    const decodedB = decodeJson(b);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: an encoded side always decodes, and a decoded container never equals the undefined of a string that is not JSON
    return decodedA !== undefined && decodedB !== undefined && deepEqual(decodedA, decodedB);
  }
  // Stryker disable next-line LogicalOperator: only a placeholder has a digest, so a digest match already means both are placeholders
  if (a instanceof DeepValueMarker && b instanceof DeepValueMarker) return a.digest === b.digest;
  if (isMarker(a) || isMarker(b)) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
    );
  }
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => deepEqual((a as Obj)[key], (b as Obj)[key]));
}

/**
 * Strings holding a JSON object or array are shown decoded, like tofu's `jsonencode(…)`. What the parser decoded
 * (because it hid something inside) comes decoded; a plain string is parsed here into plain values, which can
 * never act as markers, and cut at the model's depth so a value nested thousands deep cannot overflow.
 */
function decodeJson(value: PlanValue | undefined): PlanValue | undefined {
  if (value instanceof EncodedJson) return value.decoded;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  // Only an object or a list is decoded: JSON of either ends as it starts (and other text is not JSON.parse'd).
  if (!['{}', '[]'].includes(trimmed.slice(0, 1) + trimmed.slice(-1))) return undefined;
  try {
    return clipDepth(JSON.parse(trimmed) as PlanValue, 0);
  } catch {
    // Not JSON after all: shown as the string it is.
  }
  return undefined;
}

function digestOf(value: PlanValue): string {
  try {
    // Stryker disable next-line MethodExpression: a longer digest tells values apart just the same
    return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
  } catch {
    return `unserialisable:${Math.random()}`; // too deep even to serialise: never equal to anything
  }
}

/** Containers below the model's depth become a placeholder (recursion stops there). */
function clipDepth(value: PlanValue, depth: number): PlanValue {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_VALUE_DEPTH) return new DeepValueMarker(digestOf(value));
  if (Array.isArray(value)) return value.map((item) => clipDepth(item, depth + 1));
  const result: Obj = {};
  for (const [key, item] of Object.entries(value as Obj)) result[key] = clipDepth(item, depth + 1);
  return result;
}

function isMultiline(value: PlanValue | undefined): value is string {
  return typeof value === 'string' && value.includes('\n');
}

function heredocLines(value: string): string[] {
  const lines = value.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// ---- literals --------------------------------------------------------------------------------------------

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function formatKey(key: string): string {
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

function scalar(value: PlanValue | undefined): string {
  // A changed secret reads like an unchanged one; other markers read as their own text (`(known after apply)`,
  // the depth note, an encoded JSON string's JSON).
  if (isSensitive(value)) return '(sensitive value)';
  if (isMarker(value)) return value.toJSON();
  return JSON.stringify(value ?? null); // null, strings quoted and escaped, numbers, booleans
}

/** `key = ` with the key padded so `=` lines up within an object, as tofu does; list items have no key. */
function prefix(key: string | undefined, width: number): string {
  return key === undefined ? '' : `${formatKey(key).padEnd(width)} = `;
}

function keyWidth(keys: readonly string[]): number {
  return Math.max(0, ...keys.map((key) => formatKey(key).length));
}

function hiddenNote(count: number, noun: 'attribute' | 'element'): string {
  return `# (${count} unchanged ${noun}${count === 1 ? '' : 's'} hidden)`;
}

// ---- whole values (created, destroyed, or shown as context) ----------------------------------------------

/** Renders a whole value with one marker on every line; `suffix` goes on the last line (`,` in lists). */
function renderWhole(
  marker: Marker,
  key: string | undefined,
  width: number,
  value: PlanValue,
  depth: number,
  steps: Steps,
  ctx: Context,
  suffix = '',
): DiffLine[] {
  const head = prefix(key, width);
  const note = forcesReplacement(steps, ctx);
  const json = decodeJson(value);
  // decodeJson gives an object, a list or a marker (a cut JSON string), never a scalar.
  if (json !== undefined) {
    return [
      { marker, depth, text: `${head}jsonencode(${note}` },
      // Stryker disable next-line ArrayDeclaration: no replace path points inside a JSON string
      ...renderWhole(marker, undefined, 0, json, depth + 1, [], ctx),
      { marker, depth, text: `)${suffix}` },
    ];
  }
  if (isMultiline(value)) {
    return [
      { marker, depth, text: `${head}<<-EOT${note}` },
      ...heredocLines(value).map((text) => ({ marker, depth: depth + 1, text })),
      { marker, depth, text: `EOT${suffix}` },
    ];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [{ marker, depth, text: `${head}[]${suffix}${note}` }];
    return [
      { marker, depth, text: `${head}[${note}` },
      ...value.flatMap((item, index) =>
        renderWhole(marker, undefined, 0, item, depth + 1, [...steps, index], ctx, ','),
      ),
      { marker, depth, text: `]${suffix}` },
    ];
  }
  if (isObject(value)) {
    // Null attributes are left out, as tofu does for created and destroyed objects.
    const keys = Object.keys(value)
      .filter((k) => !isAbsent(value[k]))
      .sort();
    if (keys.length === 0) return [{ marker, depth, text: `${head}{}${suffix}${note}` }];
    const inner = keyWidth(keys);
    return [
      { marker, depth, text: `${head}{${note}` },
      ...keys.flatMap((k) => renderWhole(marker, k, inner, value[k] ?? null, depth + 1, [...steps, k], ctx)),
      { marker, depth, text: `}${suffix}` },
    ];
  }
  return [{ marker, depth, text: `${head}${scalar(value)}${suffix}${note}` }];
}

function forcesReplacement(steps: Steps, ctx: Context): string {
  // Most resources have no replace paths: skip building a path string for every attribute then.
  // Stryker disable next-line ConditionalExpression: with no replace paths the look-up below finds nothing either; the shortcut only saves time
  if (ctx.replacePaths.size === 0 || steps.length === 0) return '';
  return ctx.replacePaths.has(attributePath(steps)) ? ' # forces replacement' : '';
}

// ---- diffs -----------------------------------------------------------------------------------------------

/** The lines for one attribute or element whose value may have changed; `[]` when unchanged. */
function diffValue(
  key: string | undefined,
  width: number,
  before: PlanValue | undefined,
  after: PlanValue | undefined,
  depth: number,
  steps: Steps,
  ctx: Context,
  suffix = '',
): DiffLine[] {
  if (deepEqual(before, after)) return [];
  if (isAbsent(before)) return renderWhole('+', key, width, after ?? null, depth, steps, ctx, suffix);
  if (isAbsent(after)) return renderWhole('-', key, width, before, depth, steps, ctx, suffix);
  const head = prefix(key, width);
  const note = forcesReplacement(steps, ctx);
  if (isObject(before) && isObject(after)) {
    return wrap(`${head}{${note}`, diffObject(before, after, depth + 1, steps, ctx), `}${suffix}`, depth);
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    return wrap(`${head}[${note}`, diffList(before, after, depth + 1, steps, ctx), `]${suffix}`, depth);
  }
  const jsonBefore = decodeJson(before);
  const jsonAfter = decodeJson(after);
  if (isContainer(jsonBefore) && isContainer(jsonAfter)) {
    // Stryker disable next-line ArrayDeclaration: no replace path points inside a JSON string
    const inner = diffValue(undefined, 0, jsonBefore, jsonAfter, depth + 1, [], ctx);
    // Same JSON, different whitespace: say so rather than show an empty diff.
    const body =
      inner.length > 0
        ? inner
        : [{ marker: ' ' as Marker, depth: depth + 1, text: '# (whitespace changes only)' }];
    return wrap(`${head}jsonencode(${note}`, body, `)${suffix}`, depth);
  }
  if (
    (isMultiline(before) || isMultiline(after)) &&
    typeof before === 'string' &&
    typeof after === 'string'
  ) {
    const body = diffSequence(heredocLines(before), heredocLines(after)).map(([marker, text]) => ({
      marker,
      depth: depth + 1,
      text,
    }));
    return wrap(`${head}<<-EOT${note}`, body, `EOT${suffix}`, depth);
  }
  if (isScalarLike(before) && isScalarLike(after)) {
    const text = isSensitive(after) ? scalar(after) : `${scalar(before)} -> ${scalar(after)}`;
    return [{ marker: '~', depth, text: `${head}${text}${suffix}${note}` }];
  }
  // Different kinds (a string became an object…): show the old value removed and the new one added.
  return [
    ...renderWhole('-', key, width, before, depth, steps, ctx, suffix),
    ...renderWhole('+', key, width, after, depth, steps, ctx, suffix),
  ];
}

function isContainer(value: PlanValue | undefined): boolean {
  return Array.isArray(value) || isObject(value);
}

function isScalarLike(value: PlanValue): boolean {
  return !Array.isArray(value) && !isObject(value);
}

function wrap(open: string, body: DiffLine[], close: string, depth: number): DiffLine[] {
  return [{ marker: '~', depth, text: open }, ...body, { marker: ' ', depth, text: close }];
}

/** Changed attributes of an object, unchanged ones counted (identifying ones shown, as tofu does). */
export function diffObject(before: Obj, after: Obj, depth: number, steps: Steps, ctx: Context): DiffLine[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = keys.filter((key) => !deepEqual(before[key], after[key]));
  const shown = keys.filter(
    (key) =>
      changed.includes(key) || (depth === 1 && IDENTIFYING_ATTRIBUTES.has(key) && !isAbsent(after[key])),
  );
  const hidden = keys.filter(
    (key) => !shown.includes(key) && !isAbsent(before[key]) && !isAbsent(after[key]),
  );
  const width = keyWidth(shown);
  const lines = shown.flatMap((key) => {
    if (!changed.includes(key)) {
      return renderWhole(' ', key, width, after[key] ?? null, depth, [...steps, key], ctx);
    }
    return diffValue(key, width, before[key], after[key], depth, [...steps, key], ctx);
  });
  if (hidden.length > 0) lines.push({ marker: ' ', depth, text: hiddenNote(hidden.length, 'attribute') });
  return lines;
}

/** A list diff: longest common subsequence, objects changed in place when they pair up one to one. */
function diffList(
  before: PlanValue[],
  after: PlanValue[],
  depth: number,
  steps: Steps,
  ctx: Context,
): DiffLine[] {
  const ops = pairChanges(diffSequence(before, after, deepEqual));
  const near = nearChanges(ops);
  const lines: DiffLine[] = [];
  let hidden = 0;
  let afterIndex = 0;
  ops.forEach((op, position) => {
    const itemSteps = [...steps, afterIndex];
    if (op.kind === 'same') {
      // Unchanged primitives near a change give context; unchanged objects are only counted, as in tofu.
      if (near[position] && !isObject(op.value)) {
        lines.push(...renderWhole(' ', undefined, 0, op.value, depth, itemSteps, ctx, ','));
      } else {
        hidden += 1;
      }
      afterIndex += 1;
    } else if (op.kind === 'change') {
      lines.push(...diffValue(undefined, 0, op.before, op.after, depth, itemSteps, ctx, ','));
      afterIndex += 1;
    } else {
      lines.push(
        ...renderWhole(op.kind === 'remove' ? '-' : '+', undefined, 0, op.value, depth, itemSteps, ctx, ','),
      );
      if (op.kind === 'add') afterIndex += 1;
    }
  });
  if (hidden > 0) lines.push({ marker: ' ', depth, text: hiddenNote(hidden, 'element') });
  return lines;
}

type ListOp =
  | { kind: 'same' | 'add' | 'remove'; value: PlanValue }
  | { kind: 'change'; before: PlanValue; after: PlanValue };

/** Turns equal-length runs of removed-then-added objects into in-place changes. */
function pairChanges(sequence: [Marker, PlanValue][]): ListOp[] {
  const ops: ListOp[] = [];
  let index = 0;
  while (index < sequence.length) {
    const removed: PlanValue[] = [];
    while (sequence[index]?.[0] === '-') removed.push(sequence[index++]![1]);
    const added: PlanValue[] = [];
    while (sequence[index]?.[0] === '+') added.push(sequence[index++]![1]);
    if (removed.length === added.length && [...removed, ...added].every(isObject)) {
      removed.forEach((value, i) => ops.push({ kind: 'change', before: value, after: added[i] ?? null }));
    } else {
      for (const value of removed) ops.push({ kind: 'remove', value });
      for (const value of added) ops.push({ kind: 'add', value });
    }
    if (removed.length === 0 && added.length === 0) {
      ops.push({ kind: 'same', value: sequence[index]![1] });
      index += 1;
    }
  }
  return ops;
}

function nearChanges(ops: readonly ListOp[]): boolean[] {
  if (ops.length <= LIST_CONTEXT * 2 + 3) return ops.map(() => true);
  return ops.map((_, position) => {
    for (let d = -LIST_CONTEXT; d <= LIST_CONTEXT; d++) {
      // Stryker disable next-line ArithmeticOperator: the window is symmetric, so position - d visits the same ops
      const op = ops[position + d];
      if (op && op.kind !== 'same') return true;
    }
    return false;
  });
}

/** LCS diff of two sequences as marker/value pairs; common prefix and suffix are cheap. */
export function diffSequence<T>(
  before: readonly T[],
  after: readonly T[],
  equal: (a: T, b: T) => boolean = (a, b) => a === b,
): [Marker, T][] {
  let start = 0;
  while (start < before.length && start < after.length && equal(before[start]!, after[start]!)) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && equal(before[endB - 1]!, after[endA - 1]!)) {
    endB--;
    endA--;
  }
  const head = before.slice(0, start).map((value): [Marker, T] => [' ', value]);
  const tail = before.slice(endB).map((value): [Marker, T] => [' ', value]);
  return [...head, ...lcsMiddle(before.slice(start, endB), after.slice(start, endA), equal), ...tail];
}

function lcsMiddle<T>(
  before: readonly T[],
  after: readonly T[],
  equal: (a: T, b: T) => boolean,
): [Marker, T][] {
  const n = before.length;
  const m = after.length;
  if (n * m > MAX_LCS_CELLS) {
    return [...before.map((v): [Marker, T] => ['-', v]), ...after.map((v): [Marker, T] => ['+', v])];
  }
  // lengths[i][j]: LCS length of before[i..] and after[j..].
  const lengths = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    // Stryker disable next-line ArithmeticOperator: from m + 1, the cells past the row's end are not stored and cell m is 0 (NaN) as before
    for (let j = m - 1; j >= 0; j--) {
      lengths[i]![j] = equal(before[i]!, after[j]!)
        ? lengths[i + 1]![j + 1]! + 1
        : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
    }
  }
  const out: [Marker, T][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (equal(before[i]!, after[j]!)) {
      out.push([' ', before[i++]!]);
      j++;
    } else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) {
      out.push(['-', before[i++]!]);
    } else {
      out.push(['+', after[j++]!]);
    }
  }
  while (i < n) out.push(['-', before[i++]!]);
  while (j < m) out.push(['+', after[j++]!]);
  return out;
}

// ---- resources and outputs -------------------------------------------------------------------------------

const HEADINGS: Record<ResourceChange['action'], string> = {
  create: 'will be created',
  update: 'will be updated in-place',
  delete: 'will be destroyed',
  replace: 'must be replaced',
  read: 'will be read during apply',
  'no-op': 'has no changes',
  move: 'has moved',
  import: 'will be imported',
  forget: 'will be removed from the state, but will not be destroyed',
};

const HEADER_MARKERS: Record<ResourceChange['action'], Marker> = {
  create: '+',
  update: '~',
  delete: '-',
  replace: '~',
  read: '~',
  'no-op': ' ',
  move: ' ',
  import: ' ',
  forget: '-',
};

const REASONS: Record<string, string | ((change: ResourceChange) => string)> = {
  replace_because_tainted: 'tainted, so must be replaced',
  replace_by_request: 'will be replaced, as requested',
  replace_by_triggers: 'will be replaced due to changes in replace_triggered_by',
  delete_because_no_resource_config: (c) => `because ${c.address} is not in configuration`,
  delete_because_no_module: (c) => `because ${c.moduleAddress || 'its module'} is not in configuration`,
  delete_because_wrong_repetition: () => 'because the repetition mode (count/for_each) changed',
  delete_because_count_index: () => 'because the index is out of range for count',
  delete_because_each_key: () => 'because the key is not in for_each',
  delete_because_no_move_target: () => 'because it was moved to an address not in configuration',
  read_because_config_unknown: 'config refers to values not yet known',
  read_because_dependency_pending: 'depends on a resource or a module with changes pending',
  read_because_check_nested: 'config will be checked after apply',
};

/** The `# address will be …` comment lines above a resource, as tofu writes them. */
export function resourceHeading(change: ResourceChange, drift = false): string[] {
  const lines: string[] = [];
  if (drift) {
    lines.push(`# ${change.address} ${change.action === 'delete' ? 'has been deleted' : 'has changed'}`);
  } else if (change.action === 'move') {
    lines.push(`# ${change.previousAddress ?? '?'} has moved to ${change.address}`);
  } else {
    lines.push(`# ${change.address} ${HEADINGS[change.action]}`);
  }
  if (change.moved && change.action !== 'move') lines.push(`# (moved from ${change.previousAddress ?? '?'})`);
  if (change.importing && change.action !== 'import') {
    lines.push(`# (imported from ${JSON.stringify(change.importing.id ?? '')})`);
  }
  // Own keys only: a reason such as `toString` must not find Object's methods.
  const reason =
    change.actionReason && Object.hasOwn(REASONS, change.actionReason)
      ? REASONS[change.actionReason]
      : undefined;
  if (reason && !drift) lines.push(`# (${typeof reason === 'function' ? reason(change) : reason})`);
  if (change.action === 'replace' && change.replaceOrder === 'create-first') {
    lines.push('# (create replacement and then destroy)');
  }
  return lines;
}

/** The whole tofu-like block for one resource change: heading comments, then the attribute diff. */
export function renderResourceDiff(change: ResourceChange, options: { drift?: boolean } = {}): string {
  const ctx: Context = { replacePaths: new Set(change.replacePaths) };
  const kind = change.mode === 'data' ? 'data' : 'resource';
  const open = `${kind} ${JSON.stringify(change.type)} ${JSON.stringify(change.name)} {`;
  const marker = options.drift ? '~' : HEADER_MARKERS[change.action];
  const body = resourceBody(change, ctx);
  const lines: DiffLine[] = [
    ...resourceHeading(change, options.drift).map((text): DiffLine => ({ marker: ' ', depth: 0, text })),
    { marker, depth: 0, text: open },
    ...body,
    { marker: ' ', depth: 0, text: '}' },
  ];
  return formatLines(lines);
}

function resourceBody(change: ResourceChange, ctx: Context): DiffLine[] {
  const before = isObject(change.before) ? change.before : {};
  // Stryker disable next-line BlockStatement: diffObject against {} renders a removed object the same way
  if (change.action === 'delete' || change.action === 'forget') {
    return isObject(change.before)
      ? renderWhole('-', undefined, 0, change.before, 0, [], ctx).slice(1, -1)
      : [];
  }
  // Nothing before (a create, a data source read, or a change tofu gave no prior value for): all of it is new.
  if (change.before === undefined) {
    const after = change.after;
    if (isUnknown(after))
      return [{ marker: '+', depth: 1, text: '# (config refers to values not yet known)' }];
    return isObject(after) ? renderWhole('+', undefined, 0, after, 0, [], ctx).slice(1, -1) : [];
  }
  const after = isObject(change.after) ? change.after : {};
  return diffObject(before, after, 1, [], ctx);
}

/** Output changes, rendered like tofu's "Changes to Outputs". */
export function renderOutputsDiff(outputs: readonly OutputChange[]): string {
  const ctx: Context = { replacePaths: new Set() };
  const width = keyWidth(outputs.map((output) => output.name));
  const lines = outputs.flatMap((output) => {
    const before = output.sensitive && !isAbsent(output.before) ? SENSITIVE : output.before;
    const after = output.sensitive && !isAbsent(output.after) ? SENSITIVE : output.after;
    // Stryker disable next-line ArrayDeclaration: outputs have no replace paths
    const changed = diffValue(output.name, width, before, after, 0, [], ctx);
    // Both sides hidden: tofu still lists the output as changed.
    return changed.length > 0
      ? changed
      : [{ marker: '~' as Marker, depth: 0, text: `${prefix(output.name, width)}(sensitive value)` }];
  });
  return formatLines(lines);
}
