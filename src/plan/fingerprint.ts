// The fingerprint of a plan: what it would change, normalised, so the plan a reviewer saw can be recognised at
// apply time. Bound to repository, pull request and stack: a fingerprint copied elsewhere fits nothing else.
import { createHash } from 'node:crypto';

/** Serialises with sorted keys so equal plans hash equally whatever the key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Values under a `true` of the sensitivity mask become their hash: the material never holds them. */
export function hideSensitive(value: unknown, mask: unknown): unknown {
  if (mask === true) return { sensitive: sha256(canonical(value ?? null)) };
  if (Array.isArray(value) && Array.isArray(mask)) {
    return value.map((item, index) => hideSensitive(item, mask[index]));
  }
  if (value && typeof value === 'object' && mask && typeof mask === 'object' && !Array.isArray(value)) {
    const masks = mask as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        key,
        hideSensitive(item, masks[key]),
      ]),
    );
  }
  return value;
}

interface JsonChange {
  actions?: unknown;
  before?: unknown;
  after?: unknown;
  after_unknown?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  replace_paths?: unknown;
  importing?: unknown;
}

function normaliseChange(change: JsonChange | undefined): unknown {
  if (!change) return null;
  return {
    actions: change.actions ?? [],
    before: hideSensitive(change.before ?? null, change.before_sensitive),
    after: hideSensitive(change.after ?? null, change.after_sensitive),
    after_unknown: change.after_unknown ?? null,
    before_sensitive: change.before_sensitive ?? null,
    after_sensitive: change.after_sensitive ?? null,
    replace_paths: change.replace_paths ?? null,
    importing: change.importing ?? null,
  };
}

interface JsonResourceChange {
  address?: string;
  previous_address?: string;
  action_reason?: string;
  change?: JsonChange;
  [key: string]: unknown;
}

/**
 * The normalised material of a `show -json` plan: resource changes (stable order, sensitive values hashed) and
 * output changes. No timestamps, versions or drift: what apply would do, nothing else.
 */
export function normalisePlan(showJson: Record<string, unknown>): unknown {
  const resources = Array.isArray(showJson.resource_changes)
    ? (showJson.resource_changes as JsonResourceChange[])
    : [];
  const outputs = (showJson.output_changes ?? {}) as Record<string, JsonChange & { sensitive?: boolean }>;
  return {
    resource_changes: resources
      .map((resource) => ({
        address: resource.address ?? '',
        previous_address: resource.previous_address ?? null,
        action_reason: resource.action_reason ?? null,
        change: normaliseChange(resource.change),
      }))
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)),
    output_changes: Object.fromEntries(
      Object.entries(outputs).map(([name, change]) => [name, normaliseChange(change)]),
    ),
  };
}

export interface FingerprintSaltFull {
  repository: string;
  pullNumber?: number;
  stack: string;
}

/** `sha256:<hex>` over the salt and the normalised plan. */
export function planFingerprint(showJson: Record<string, unknown>, salt: FingerprintSaltFull): string {
  const material = canonical({
    salt: { repository: salt.repository.toLowerCase(), pull: salt.pullNumber ?? null, stack: salt.stack },
    plan: normalisePlan(showJson),
  });
  return `sha256:${sha256(material)}`;
}
