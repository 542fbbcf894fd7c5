// Redaction: turns raw engine values into PlanValues a reviewer may see. Provider sensitivity marks and
// attribute names that look secret both hide a value behind the sensitive marker; unknown marks become the
// unknown marker. Strings are searched too: JSON inside a string (`jsonencode`), YAML (`yamlencode`) and
// heredoc text (`password: …`, `export DB_PASSWORD=…`), the name/value pair shape of container definitions
// (`{ name = "DB_PASSWORD", value = "…" }`) and the password of a URL (`scheme://user:PASSWORD@host`). The raw
// secrets are collected so the caller can mask them in logs. Engine diagnostics pass through `redactText`.

import { createHash } from 'node:crypto';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  DeepValueMarker,
  EncodedJson,
  MAX_VALUE_DEPTH,
  SensitiveMarker,
  UnknownMarker,
  isMarker,
  type PlanValue,
} from './model.js';
import { isSecretName } from '../scan/names.js';

export const SENSITIVE = new SensitiveMarker();
export const SENSITIVE_CHANGED = new SensitiveMarker(true);
export const UNKNOWN = new UnknownMarker();

/** What a hidden part of a text reads as. */
export const HIDDEN_TEXT = '(sensitive value)';

/** Collects what redaction hid: the raw secret strings and how many values were hidden. */
export interface RedactState {
  secrets: Set<string>;
  redactedCount: number;
  /**
   * Values the engine marked sensitive somewhere in the same plan. The same text elsewhere (an attribute the
   * provider derives from a sensitive input without marking it) is hidden too.
   */
  known?: KnownSecrets;
}

export interface KnownSecrets {
  exact: Set<string>;
  /** One alternation of every known secret, longest first; undefined when there is none. */
  inside?: RegExp;
}

export function newRedactState(known?: KnownSecrets): RedactState {
  return { secrets: new Set(), redactedCount: 0, ...(known ? { known } : {}) };
}

const MAX_SECRETS_SEARCHED_INSIDE = 64;

// Shorter marked values ("true", "admin", a port) would hide ordinary text that merely equals them.
const MIN_KNOWN_SECRET_LENGTH = 8;

/** Strings at the positions `mask` marks sensitive (`true`, or nested objects/arrays mirroring the value). */
function collectMarked(value: unknown, mask: unknown, into: Set<string>): void {
  const stack: [unknown, unknown][] = [[value, mask]];
  while (stack.length > 0) {
    const [item, itemMask] = stack.pop()!;
    if (itemMask === true) {
      const state = newRedactState();
      collectSecrets(item, state);
      for (const secret of state.secrets)
        if (secret.trim().length >= MIN_KNOWN_SECRET_LENGTH) into.add(secret);
    } else if (Array.isArray(item) && Array.isArray(itemMask)) {
      item.forEach((child, index) => stack.push([child, itemMask[index]]));
    } else if (isRecord(item) && isRecord(itemMask)) {
      for (const [key, child] of Object.entries(item)) stack.push([child, itemMask[key]]);
    }
  }
}

/** The known secrets of a plan, from pairs of raw values and their sensitivity masks. */
export function knownSecrets(pairs: Iterable<[unknown, unknown]>): KnownSecrets | undefined {
  const exact = new Set<string>();
  for (const [value, mask] of pairs) collectMarked(value, mask, exact);
  if (exact.size === 0) return undefined;
  // One alternation over thousands of secrets would cost more than the rest of the parse: past this many, only
  // whole values are matched here (the runner still masks every registered secret inside log text).
  if (exact.size > MAX_SECRETS_SEARCHED_INSIDE) return { exact };
  const escaped = [...exact]
    .sort((a, b) => b.length - a.length)
    .map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return { exact, inside: new RegExp(escaped.join('|'), 'g') };
}

/** The shared notion of a secret-looking name (see src/scan/names.ts). */
export const looksSecret = isSecretName;

// Strings shorter than this are not registered as log secrets: masking "1" or "true" would blank the log.
const MIN_SECRET_LENGTH = 3;

function addSecret(text: string, state: RedactState): void {
  // Multi-line secrets are masked line by line by the runner, so register each line too.
  for (const candidate of [text, ...text.split(/\r?\n/)]) {
    if (candidate.trim().length >= MIN_SECRET_LENGTH) state.secrets.add(candidate);
  }
}

/**
 * Every string and number inside a value (a list's items are its values), iteratively: a value nested thousands
 * deep cannot overflow.
 */
function collectSecrets(value: unknown, state: RedactState): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string' || typeof item === 'number') addSecret(String(item), state);
    else if (typeof item === 'object' && item !== null) stack.push(...Object.values(item));
  }
}

function hide(value: unknown, state: RedactState): PlanValue {
  // A null stays null: there is nothing to hide, and tofu shows nothing for it either.
  if (value === null || value === undefined) return null;
  collectSecrets(value, state);
  state.redactedCount += 1;
  return SENSITIVE;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A secret-looking name hides strings and structures; numbers and booleans (counts, flags) stay visible, and a
 * null stays null (`hide` keeps it).
 */
function hidesByName(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'object';
}

/** JSON of a value, or a marker of its own when it is too deep to serialise. */
function digestOf(value: unknown): string {
  let text: string;
  try {
    // Only lists and maps get here: their JSON is always a string.
    text = JSON.stringify(value);
  } catch {
    text = `unserialisable:${Math.random()}`;
  }
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Redacts one raw value. `sensitiveMask` and `unknownMask` have tofu's shapes (`before_sensitive`,
 * `after_unknown`): `true` for the whole value, or nested objects/arrays mirroring the value.
 */
export function redactValue(
  value: unknown,
  sensitiveMask: unknown,
  unknownMask: unknown,
  state: RedactState,
  depth = 0,
): PlanValue {
  if (sensitiveMask === true) return unknownMask === true ? SENSITIVE : hide(value, state);
  if (unknownMask === true) return UNKNOWN;
  const container = Array.isArray(value) || isRecord(value);
  if (container && depth >= MAX_VALUE_DEPTH) {
    // Too deep to show: whatever secrets it holds are still masked in the log.
    collectSecrets(value, state);
    return new DeepValueMarker(digestOf(value));
  }
  if (Array.isArray(value) || (value === undefined && Array.isArray(unknownMask))) {
    return redactArray((value as unknown[] | undefined) ?? [], sensitiveMask, unknownMask, state, depth);
  }
  if (isRecord(value) || (value === undefined && isRecord(unknownMask))) {
    return redactObject(
      (value as Record<string, unknown> | undefined) ?? {},
      sensitiveMask,
      unknownMask,
      state,
      depth,
    );
  }
  if (typeof value === 'string') return redactString(value, state, depth);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function redactArray(
  value: unknown[],
  sensitive: unknown,
  unknown: unknown,
  state: RedactState,
  depth: number,
): PlanValue[] {
  const unknownItems = Array.isArray(unknown) ? unknown : [];
  const length = Math.max(value.length, unknownItems.length);
  return Array.from({ length }, (_, index) =>
    redactValue(
      value[index],
      Array.isArray(sensitive) ? sensitive[index] : undefined,
      unknownItems[index],
      state,
      depth + 1,
    ),
  );
}

// Keys that carry the name, and the value, in the name/value pair shape (ECS container definitions, Kubernetes
// env entries, Helm `set` blocks).
const PAIR_NAME_KEYS = ['name', 'Name', 'key', 'Key'];
const PAIR_VALUE_KEYS = ['value', 'Value'];

/** `{ name = "DB_PASSWORD", value = "…" }`: the value key hides what the name says is secret. */
function namesSecretPair(value: Record<string, unknown>): boolean {
  return PAIR_NAME_KEYS.some((key) => typeof value[key] === 'string' && isSecretName(value[key]));
}

function redactObject(
  value: Record<string, unknown>,
  sensitive: unknown,
  unknown: unknown,
  state: RedactState,
  depth: number,
): { [key: string]: PlanValue } {
  const sensitiveFields = isRecord(sensitive) ? sensitive : {};
  const unknownFields = isRecord(unknown) ? unknown : {};
  const secretPair = namesSecretPair(value);
  // Unknown attributes are absent from `after`; they exist only in the unknown mask.
  const keys = new Set([...Object.keys(value), ...Object.keys(unknownFields)]);
  const result: { [key: string]: PlanValue } = {};
  for (const key of keys) {
    const field = value[key];
    const secretName = isSecretName(key) || (secretPair && PAIR_VALUE_KEYS.includes(key));
    if (secretName && hidesByName(field) && unknownFields[key] !== true) {
      result[key] = hide(field, state);
    } else {
      result[key] = redactValue(field, sensitiveFields[key], unknownFields[key], state, depth);
    }
  }
  return result;
}

// ---- strings ---------------------------------------------------------------------------------------------

/** A string as shown: JSON decoded and redacted when something in it must be hidden or cut, text redacted. */
function redactString(value: string, state: RedactState, depth: number): PlanValue {
  if (state.known?.exact.has(value)) return hide(value, state);
  const trimmed = value.trim();
  // Only a map or a list is decoded (JSON of either ends as it starts, or does not parse).
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const json = redactJsonString(trimmed, state, depth);
    if (json !== undefined) return json === trimmed ? value : json;
  }
  if (value.includes('\n')) {
    const yaml = redactYamlString(value, state);
    if (yaml !== undefined) return yaml;
  }
  return redactKnown(redactPatterns(value, state), state);
}

/** Known secrets inside a longer text. */
function redactKnown(text: string, state: RedactState): string {
  const inside = state.known?.inside;
  if (!inside) return text;
  inside.lastIndex = 0;
  if (!inside.test(text)) return text;
  state.redactedCount += 1;
  return text.replace(inside, HIDDEN_TEXT);
}

/** The decoded JSON when it needs hiding or cutting, the text itself when not, undefined when not JSON. */
function redactJsonString(trimmed: string, state: RedactState, depth: number): PlanValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const before = state.redactedCount;
  const redacted = redactValue(parsed, undefined, undefined, state, depth + 1);
  // Decoded only when needed: a renderer decodes a plain JSON string itself, and plain objects never act as
  // markers, so nothing a user writes in the JSON can hide anything.
  return state.redactedCount === before && !containsMarker(redacted) ? trimmed : new EncodedJson(redacted);
}

function containsMarker(value: PlanValue): boolean {
  const stack: PlanValue[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (isMarker(item)) return true;
    // A list's items are its values.
    if (typeof item === 'object' && item !== null) stack.push(...Object.values(item));
  }
  return false;
}

/**
 * A multi-line string holding a YAML mapping or list (`yamlencode`, a cloud-init file): when it holds a secret
 * it is shown re-encoded with the secrets replaced; undefined when it is not YAML or holds none.
 */
function redactYamlString(value: string, state: RedactState): string | undefined {
  let parsed: unknown;
  try {
    // Aliases are refused outright: a string in a plan has no business expanding into a bomb.
    parsed = parseYaml(value, { maxAliasCount: 0, strict: true });
  } /* Stryker disable next-line BlockStatement: equivalent; emptied, nothing is parsed, which falls out as not a map below */ catch {
    return undefined;
  }
  // A scalar is text, redacted as such; a null (a text of comments) hides nothing and falls out below.
  if (typeof parsed !== 'object') return undefined;
  const before = state.redactedCount;
  const redacted = redactValue(parsed, undefined, undefined, state, 1);
  if (state.redactedCount === before) return undefined;
  // yaml writes each marker as its toJSON text, as JSON.stringify does.
  const text = stringifyYaml(redacted, { lineWidth: 0 });
  return value.endsWith('\n') ? text : text.replace(/\n$/, '');
}

// `scheme://user:PASSWORD@host`: the password part, whatever comes before the `://`.
const URL_PASSWORD = /(?<head>:\/\/[^\s:/@"'<>]*:)(?<password>[^\s@/"'<>]+)(?=@)/g;

// `name = value`, `name: value`, `"name": "value"`, `NAME=value`, `--password=value`, `?token=value` on a line
// of text (heredocs, scripts, engine messages).
const TEXT_ASSIGNMENT =
  /(?<![\w.$])(?<q>["']?)(?<name>[A-Za-z_][\w.-]*)\k<q>[ \t]*(?<op>=(?![=>~])|:(?=[ \t]))[ \t]*(?<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|\{[^}\n]*\}|\[[^\]\n]*\]|[^\s"',;&)}\]]+)/g;

// The signs TEXT_ASSIGNMENT needs; a text with neither holds no assignment.
// Stryker disable next-line StringLiteral: equivalent; an empty sign is in every text, so the pattern only runs for nothing
const ASSIGNMENT_SIGNS = ['=', ':'];

/**
 * Text with every secret replaced by `(sensitive value)`: the given known values (what Stackgate handed the
 * engine under a secret-looking name), URL passwords, and values assigned to secret-looking names.
 */
export function redactText(text: string, known?: readonly string[], state = newRedactState()): string {
  return redactPatterns(known ? hideKnown(text, known, state) : text, state);
}

/** The given values, longest first, so a value holding a shorter one is hidden whole. */
function hideKnown(text: string, known: readonly string[], state: RedactState): string {
  let result = text;
  for (const secret of [...known].sort((a, b) => b.length - a.length)) {
    if (secret.trim().length < MIN_SECRET_LENGTH || !result.includes(secret)) continue;
    result = result.split(secret).join(HIDDEN_TEXT);
    state.redactedCount += 1;
  }
  return result;
}

/** URL passwords and values assigned to secret-looking names. */
function redactPatterns(text: string, state: RedactState): string {
  const result = text.replace(URL_PASSWORD, (_match, head: string, password: string) => {
    // A shell variable names the password without holding it. (The placeholder never matches: it has a space.)
    if (password.startsWith('$')) return `${head}${password}`;
    addSecret(password, state);
    state.redactedCount += 1;
    return `${head}${HIDDEN_TEXT}`;
  });
  // A fast path: most plan strings hold neither sign, and the assignment pattern is slow to fail on them.
  return ASSIGNMENT_SIGNS.some((sign) => result.includes(sign))
    ? result.replace(TEXT_ASSIGNMENT, (match: string, ...args: unknown[]) =>
        hideAssignment(match, args, state),
      )
    : result;
}

/** One match of TEXT_ASSIGNMENT: its value hidden when the name looks secret. */
function hideAssignment(match: string, args: unknown[], state: RedactState): string {
  const groups = args[args.length - 1] as { q: string; name: string; op: string; value: string };
  if (!isSecretName(groups.name)) return match;
  const value = groups.value;
  const first = value.charAt(0);
  const quote = first === '"' || first === "'" ? first : '';
  const inner = quote ? value.slice(1, -1) : value;
  // Already hidden: `(sensitive value)`, or its first word when unquoted (the value stops at the space).
  if (inner === '' || inner.startsWith('(sensitive')) return match;
  addSecret(inner, state);
  state.redactedCount += 1;
  return match.slice(0, match.length - value.length) + `${quote}${HIDDEN_TEXT}${quote}`;
}

// ---- engine output ---------------------------------------------------------------------------------------

interface DiagnosticText {
  summary: string;
  detail?: string;
}

/**
 * Engine diagnostics through the same redaction as plan values: the values Stackgate handed the engine under
 * a secret-looking name, URL passwords and values assigned to secret-looking names become `(sensitive value)`.
 */
export function redactDiagnostics<T extends DiagnosticText>(
  diagnostics: readonly T[],
  known: readonly string[],
): T[] {
  return diagnostics.map((diagnostic) => ({
    ...diagnostic,
    summary: redactText(diagnostic.summary, known),
    ...(diagnostic.detail !== undefined ? { detail: redactText(diagnostic.detail, known) } : {}),
  }));
}
