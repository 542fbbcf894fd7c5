// Redaction: turns raw engine values into PlanValues a reviewer may see. Provider sensitivity marks and
// attribute names that look secret both hide a value behind the sensitive marker; unknown marks become the
// unknown marker. The raw secrets are collected so the caller can mask them in logs.

import type { PlanValue, SensitiveMarker, UnknownMarker } from './model.js';

export const SENSITIVE: SensitiveMarker = Object.freeze({ $sensitive: true as const });
export const UNKNOWN: UnknownMarker = Object.freeze({ $unknown: true as const });

/** Collects what redaction hid: the raw secret strings and how many values were hidden. */
export interface RedactState {
  secrets: Set<string>;
  redactedCount: number;
}

export function newRedactState(): RedactState {
  return { secrets: new Set(), redactedCount: 0 };
}

// Whole snake_case word sequences that name a secret. `token` matches `github_token` and `token_value`,
// never `tokenizer`; multi-word entries must appear as consecutive words.
const SECRET_WORD_SEQUENCES: readonly string[][] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'private_key',
  'api_key',
  'apikey',
  'access_key',
  'secret_key',
  'client_secret',
  'credentials',
  'credential',
  'connection_string',
].map((phrase) => phrase.split('_'));

/** Splits `dbPassword`, `db-password` and `DB_PASSWORD` into lower-case words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/** True when an attribute name looks like it holds a secret, matched on whole words. */
export function looksSecret(name: string): boolean {
  const parts = words(name);
  return SECRET_WORD_SEQUENCES.some((sequence) =>
    parts.some((_, start) => sequence.every((word, offset) => parts[start + offset] === word)),
  );
}

// Strings shorter than this are not registered as log secrets: masking "1" or "true" would blank the log.
const MIN_SECRET_LENGTH = 3;

function collectSecrets(value: unknown, state: RedactState): void {
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value);
    // Multi-line secrets are masked line by line by the runner, so register each line too.
    for (const candidate of [text, ...text.split(/\r?\n/)]) {
      if (candidate.trim().length >= MIN_SECRET_LENGTH) state.secrets.add(candidate);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) collectSecrets(item, state);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) collectSecrets(item, state);
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

/** A secret-looking name hides strings and structures; numbers and booleans (counts, flags) stay visible. */
function hidesByName(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null);
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
): PlanValue {
  if (sensitiveMask === true) return unknownMask === true ? SENSITIVE : hide(value, state);
  if (unknownMask === true) return UNKNOWN;
  if (Array.isArray(value) || (value === undefined && Array.isArray(unknownMask))) {
    return redactArray((value as unknown[] | undefined) ?? [], sensitiveMask, unknownMask, state);
  }
  if (isRecord(value) || (value === undefined && isRecord(unknownMask))) {
    return redactObject(
      (value as Record<string, unknown> | undefined) ?? {},
      sensitiveMask,
      unknownMask,
      state,
    );
  }
  if (typeof value === 'string') return redactJsonString(value, state);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function redactArray(
  value: unknown[],
  sensitive: unknown,
  unknown: unknown,
  state: RedactState,
): PlanValue[] {
  const sensitiveItems = Array.isArray(sensitive) ? sensitive : [];
  const unknownItems = Array.isArray(unknown) ? unknown : [];
  const length = Math.max(value.length, unknownItems.length);
  return Array.from({ length }, (_, index) =>
    redactValue(value[index], sensitiveItems[index], unknownItems[index], state),
  );
}

function redactObject(
  value: Record<string, unknown>,
  sensitive: unknown,
  unknown: unknown,
  state: RedactState,
): { [key: string]: PlanValue } {
  const sensitiveFields = isRecord(sensitive) ? sensitive : {};
  const unknownFields = isRecord(unknown) ? unknown : {};
  // Unknown attributes are absent from `after`; they exist only in the unknown mask.
  const keys = new Set([...Object.keys(value), ...Object.keys(unknownFields)]);
  const result: { [key: string]: PlanValue } = {};
  for (const key of keys) {
    const field = value[key];
    if (looksSecret(key) && hidesByName(field) && unknownFields[key] !== true) {
      result[key] = hide(field, state);
    } else {
      result[key] = redactValue(field, sensitiveFields[key], unknownFields[key], state);
    }
  }
  return result;
}

/**
 * Secret-looking keys inside a JSON-encoded string (an IAM policy, a container definition) are hidden too:
 * the renderer decodes such strings, so the markers are written into the re-encoded JSON.
 */
function redactJsonString(value: string, state: RedactState): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return value;
  }
  const before = state.redactedCount;
  const redacted = redactValue(parsed, undefined, undefined, state);
  return state.redactedCount === before ? value : JSON.stringify(redacted);
}
