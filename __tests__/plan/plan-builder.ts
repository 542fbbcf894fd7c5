// Builds hand-made `show -json` documents for cases the real fixtures lack (secrets, imports, reads…).

export interface RawChange {
  address: string;
  actions: string[];
  before?: unknown;
  after?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  after_unknown?: unknown;
  mode?: 'managed' | 'data';
  previous_address?: string;
  action_reason?: string;
  replace_paths?: unknown[];
  importing?: { id?: string };
}

export function rawChange(change: RawChange): Record<string, unknown> {
  const [type = 'x', name = 'y'] = change.address.replace(/^data\./, '').split('.');
  return {
    address: change.address,
    mode: change.mode ?? 'managed',
    type,
    name,
    provider_name: 'registry.opentofu.org/hashicorp/test',
    ...(change.previous_address ? { previous_address: change.previous_address } : {}),
    ...(change.action_reason ? { action_reason: change.action_reason } : {}),
    change: {
      actions: change.actions,
      before: change.before ?? null,
      after: change.after ?? null,
      before_sensitive: change.before_sensitive ?? false,
      after_sensitive: change.after_sensitive ?? false,
      after_unknown: change.after_unknown ?? {},
      ...(change.replace_paths ? { replace_paths: change.replace_paths } : {}),
      ...(change.importing ? { importing: change.importing } : {}),
    },
  };
}

export function rawPlan(
  changes: RawChange[],
  extra: { drift?: RawChange[]; outputs?: Record<string, unknown>; errored?: boolean } = {},
): Record<string, unknown> {
  return {
    format_version: '1.2',
    terraform_version: '1.8.0',
    planned_values: { root_module: {} },
    resource_changes: changes.map(rawChange),
    ...(extra.drift ? { resource_drift: extra.drift.map(rawChange) } : {}),
    ...(extra.outputs ? { output_changes: extra.outputs } : {}),
    errored: extra.errored ?? false,
  };
}
