import { createHash } from 'node:crypto';

/** Serialises with sorted keys so equal plans hash equally whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Fingerprint of what a plan would do: the planned resource and output changes, not when it was made. Apply
 * compares it with the fingerprint of the plan that was reviewed.
 */
export function planFingerprint(showJson: Record<string, unknown>): string {
  const material = {
    resource_changes: showJson.resource_changes ?? [],
    output_changes: showJson.output_changes ?? {},
    resource_drift: showJson.resource_drift ?? [],
  };
  return `sha256:${createHash('sha256').update(canonical(material)).digest('hex')}`;
}
