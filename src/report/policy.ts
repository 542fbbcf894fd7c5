// The policy section of the PR comment and job summary: one table row per violation. Pure. Every value in it
// comes from the config or the plan, so each cell is escaped: nothing can break the table, inject HTML,
// mention anyone or link an issue.

import type { PolicyViolation } from '../plan/policy.js';
import { policyGate } from '../plan/policy.js';
import { escapeText, inlineCode } from './escape.js';

const TABLE_HEAD =
  '| Policy | Stack | Resource | Level | Result | Detail |\n| --- | --- | --- | --- | --- | --- |';

/**
 * `### Policies`, a one-line tally and the table, blocking rows first; empty when there are no violations.
 * Past `maxRows` rows the rest fold into one closing row, so a policy matching thousands of resources cannot
 * push the comment past GitHub's size limit.
 */
export function renderPolicySection(violations: readonly PolicyViolation[], maxRows = 100): string {
  if (violations.length === 0) return '';
  const ordered = [...violations].sort((a, b) => rank(a) - rank(b));
  const shown = ordered.slice(0, Math.max(0, maxRows));
  const rows = shown.map(row);
  const hidden = ordered.length - shown.length;
  if (hidden > 0) rows.push(`| … | | | | | ${hidden} more not shown |`);
  return ['### Policies', tally(violations), [TABLE_HEAD, ...rows].join('\n')].join('\n\n') + '\n';
}

/** Blocking first, then warnings, then waived; the sort is stable, so plan order holds within each. */
function rank(violation: PolicyViolation): number {
  if (violation.waivedBy !== undefined) return 2;
  return violation.level === 'error' ? 0 : 1;
}

function tally(violations: readonly PolicyViolation[]): string {
  const gate = policyGate(violations);
  const parts = [
    gate.errors > 0 ? `❌ ${gate.errors} blocking` : '',
    gate.warnings > 0 ? `⚠️ ${plural(gate.warnings, 'warning')}` : '',
    gate.waived > 0 ? `✅ ${gate.waived} waived` : '',
  ].filter((part) => part !== '');
  const verdict = gate.failed ? 'Policies block this change' : 'No policy blocks this change';
  return `**${verdict}** — ${parts.join(', ')}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function row(violation: PolicyViolation): string {
  const resource = violation.address !== undefined ? inlineCode(violation.address) : '—';
  const cells = [
    escapeText(violation.policy),
    escapeText(violation.stack),
    resource,
    violation.level,
    result(violation),
    escapeText(detail(violation)),
  ];
  return `| ${cells.join(' | ')} |`;
}

function result(violation: PolicyViolation): string {
  if (violation.waivedBy !== undefined) return `✅ waived by ${inlineCode(violation.waivedBy)}`;
  return violation.level === 'error' ? '❌ blocks' : '⚠️ warning';
}

/** The message without its `policy: ` prefix, which the first column already shows. */
function detail(violation: PolicyViolation): string {
  const prefix = `${violation.policy}: `;
  return violation.message.startsWith(prefix) ? violation.message.slice(prefix.length) : violation.message;
}
