// Checks one stack's plan against the declarative policies of `.stackgate.yml`. Pure: plan and config in,
// violations out; reporting and the exit status decide what to do with them.
//
// Semantics, chosen once here:
// - `deny` looks at what each change does. A replace counts as `replace` and also as `delete`, since it destroys
//   the old object (a policy denying `delete` must not be dodged by a change that forces replacement); it does
//   not count as `create` or `update`. An import counts as `import` and a move as `move`, alongside whatever
//   else the change does (an import that also updates is both `import` and `update`). `forget` (removed from
//   state, not destroyed) matches nothing. Each resource gives at most one violation per policy.
// - `resources` are picomatch globs on the full address, tried on every address the resource has in the plan
//   (its `previous_address` too: a move never takes a resource out of a policy); absent means every resource. `*` stops at nothing in
//   an address (a `/` inside a for_each key is an ordinary character), so `aws_db_instance.*` matches
//   `aws_db_instance.main` and `aws_db_instance.main[0]`, and `module.db.*` everything inside module.db, nested
//   modules included. A root-only glob does not reach into modules: use `*aws_db_instance.*` for that.
//   `[` and `]` are literal, as in addresses (no character classes): `aws_instance.web[0]` is that instance,
//   `aws_instance.web[*]` any of them, `module.app[*].*` everything in every instance of a counted module.
// - `max-changes` counts add + change + destroy as tofu's `Plan:` line does (a replace is one add and one
//   destroy), over the changes that `resources` selects.
// - `require-attributes` checks the `after` value of created, updated and replaced resources: each attribute
//   must be present, and when keys are listed, be a map holding each of them (a null key counts as missing).
//   A value that is unknown until apply, or hidden as sensitive, cannot be checked and is not a violation:
//   a policy must not fail on what the plan cannot know.
// - `unless-label`: when the pull request carries that label (compared case-insensitively, as GitHub treats
//   label names), the violation is still reported, with `waivedBy`, and does not fail the gate.

import picomatch from 'picomatch';
import type { PolicyAction, PolicyConfig } from '../config/types.js';
import { isMarker, type Plan, type PlanValue, type ResourceChange } from './model.js';

export interface PolicyViolation {
  policy: string;
  stack: string;
  level: 'error' | 'warning';
  /** The resource, when the violation is about one. */
  address?: string;
  resourceType?: string;
  resourceName?: string;
  /** Module path of the resource (`module.db`); absent for the root module. */
  modulePath?: string;
  /** For people, e.g. `protect-databases: aws_db_instance.main would be replaced (deny: delete, replace)`. */
  message: string;
  /** The pull-request label that waived it. */
  waivedBy?: string;
}

export interface PolicyGate {
  /** True when any violation at level `error` is not waived. */
  failed: boolean;
  /** Unwaived errors. */
  errors: number;
  /** Unwaived warnings. */
  warnings: number;
  /** Violations waived by a label, whatever their level. */
  waived: number;
}

export function evaluatePolicies(
  stackName: string,
  plan: Plan,
  policies: readonly PolicyConfig[],
  labels: readonly string[],
): PolicyViolation[] {
  const labelSet = new Set(labels.map((label) => label.toLowerCase()));
  const violations: PolicyViolation[] = [];
  for (const policy of policies) {
    const matches = addressMatcher(policy.resources);
    // A resource is judged by every address it has in the plan: moved out of a protected address, it is still
    // the protected resource (its destruction or replacement is denied like one that never moved).
    const selected = plan.changes.filter((change) => addressesOf(change).some(matches));
    const found: Omit<PolicyViolation, 'policy' | 'stack' | 'level'>[] = [
      ...maxChangesViolations(policy, selected),
      ...selected.flatMap((change) => [
        ...denyViolations(policy, change),
        ...requireAttributesViolations(policy, change),
      ]),
    ];
    const waivedBy =
      policy.unlessLabel !== undefined && labelSet.has(policy.unlessLabel.toLowerCase())
        ? policy.unlessLabel
        : undefined;
    for (const violation of found) {
      violations.push({
        policy: policy.name,
        stack: stackName,
        level: policy.level,
        ...violation,
        ...(waivedBy !== undefined ? { waivedBy } : {}),
      });
    }
  }
  return violations;
}

export function policyGate(violations: readonly PolicyViolation[]): PolicyGate {
  let errors = 0;
  let warnings = 0;
  let waived = 0;
  for (const violation of violations) {
    if (violation.waivedBy !== undefined) waived += 1;
    else if (violation.level === 'warning') warnings += 1;
    else errors += 1;
  }
  return { failed: errors > 0, errors, warnings, waived };
}

// ---- matching --------------------------------------------------------------------------------------------

// picomatch treats `/` as a path separator that `*` cannot cross; addresses have no paths, so the slash is
// swapped for a private-use character in both pattern and address and becomes an ordinary character.
const SLASH_STAND_IN = '\uE000';
const unslash = (text: string): string => text.replaceAll('/', SLASH_STAND_IN);
// Brackets in an address are indexes; escaped, they match themselves and `*` still works between them.
const literalBrackets = (glob: string): string => glob.replace(/[[\]]/g, (bracket) => `\\${bracket}`);

function addressMatcher(globs: readonly string[] | undefined): (address: string) => boolean {
  if (globs === undefined) return () => true;
  // Stryker disable next-line ConditionalExpression,ArrowFunction: equivalent; picomatch of no globs matches nothing too
  if (globs.length === 0) return () => false;
  const glob = picomatch(
    globs.map((pattern) => unslash(literalBrackets(pattern))),
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent; with slashes swapped out an address is one segment, never starting with a dot
    { dot: true },
  );
  return (address) => glob(unslash(address));
}

/** Every address a change has in the plan: where it is going and, for a move, where it was. */
export function addressesOf(change: ResourceChange): string[] {
  // A previous address equal to the address is harmless: matching twice gives the same answer.
  return change.previousAddress !== undefined ? [change.address, change.previousAddress] : [change.address];
}

/** The policy actions a change performs. */
function actionsOf(change: ResourceChange): Set<PolicyAction> {
  const actions = new Set<PolicyAction>();
  switch (change.action) {
    case 'create':
    case 'update':
    case 'delete':
    case 'read':
    case 'import':
    case 'move':
      actions.add(change.action);
      break;
    case 'replace':
      actions.add('replace').add('delete');
      break;
    // Stryker disable next-line ConditionalExpression: equivalent; the default case only breaks
    default:
      break;
  }
  if (change.importing) actions.add('import');
  if (change.moved) actions.add('move');
  return actions;
}

const VERBS: Partial<Record<ResourceChange['action'], string>> = {
  create: 'created',
  update: 'updated',
  delete: 'destroyed',
  replace: 'replaced',
  read: 'read',
};

/** What the change does, in words: `imported and updated`, `moved from a.b and replaced`. */
function describeChange(change: ResourceChange): string {
  const parts: string[] = [];
  if (change.importing || change.action === 'import') parts.push('imported');
  if (change.moved || change.action === 'move') {
    parts.push(change.previousAddress ? `moved from ${change.previousAddress}` : 'moved');
  }
  const verb = VERBS[change.action];
  if (verb !== undefined) parts.push(verb);
  return parts.join(' and ') || change.action;
}

function resourceFields(
  change: ResourceChange,
): Omit<PolicyViolation, 'policy' | 'stack' | 'level' | 'message'> {
  return {
    address: change.address,
    resourceType: change.type,
    resourceName: change.name,
    ...(change.moduleAddress !== '' ? { modulePath: change.moduleAddress } : {}),
  };
}

// ---- the three kinds of rule -----------------------------------------------------------------------------

type Found = Omit<PolicyViolation, 'policy' | 'stack' | 'level'>;

function denyViolations(policy: PolicyConfig, change: ResourceChange): Found[] {
  const does = actionsOf(change);
  if (!policy.deny.some((action) => does.has(action))) return [];
  const message = `${policy.name}: ${change.address} would be ${describeChange(change)} (deny: ${policy.deny.join(', ')})`;
  return [{ ...resourceFields(change), message }];
}

function maxChangesViolations(policy: PolicyConfig, selected: readonly ResourceChange[]): Found[] {
  if (policy.maxChanges === undefined) return [];
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const { action } of selected) {
    if (action === 'create' || action === 'replace') add += 1;
    if (action === 'update') change += 1;
    if (action === 'delete' || action === 'replace') destroy += 1;
  }
  const total = add + change + destroy;
  if (total <= policy.maxChanges) return [];
  const message =
    `${policy.name}: ${total} resource changes exceed the limit of ${policy.maxChanges} ` +
    `(${add} to add, ${change} to change, ${destroy} to destroy)`;
  return [{ message }];
}

const CHECKS_ATTRIBUTES = new Set<ResourceChange['action']>(['create', 'update', 'replace']);

function requireAttributesViolations(policy: PolicyConfig, change: ResourceChange): Found[] {
  const required = Object.entries(policy.requireAttributes);
  // Stryker disable next-line ConditionalExpression: equivalent; with nothing required the loop below finds nothing
  if (required.length === 0) return [];
  if (!CHECKS_ATTRIBUTES.has(change.action)) return [];
  const after = change.after;
  if (!isMap(after)) return []; // unknown or hidden as a whole: nothing can be checked
  const missing: string[] = [];
  for (const [attribute, keys] of required) {
    const value = after[attribute];
    if (isUncheckable(value)) continue;
    if (value === undefined || value === null) {
      missing.push(keys.length > 0 ? keys.map((key) => `${attribute}.${key}`).join(', ') : attribute);
    } else if (keys.length > 0) {
      if (!isMap(value)) {
        missing.push(`${attribute} (not a map)`);
        continue;
      }
      for (const key of keys) {
        const held = value[key];
        if (held === undefined || held === null) missing.push(`${attribute}.${key}`);
      }
    }
  }
  if (missing.length === 0) return [];
  const message = `${policy.name}: ${change.address} is missing ${missing.join(', ')}`;
  return [{ ...resourceFields(change), message }];
}

/** Unknown, hidden or cut values: the plan cannot say what they hold. */
function isUncheckable(value: PlanValue | undefined): boolean {
  return isMarker(value);
}

function isMap(value: PlanValue | undefined): value is { [key: string]: PlanValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isUncheckable(value);
}
