// What apply says to people: refusals with their reason and fix, the outcome of an apply, how to roll back.
// Pure: structured values in, markdown out; every value from a pull request or config is escaped.
import { escapeText, inlineCode } from './escape.js';

/** The `failure-reason` output: one stable word per reason an apply did not (fully) happen. */
export type FailureReason =
  | 'not-permitted'
  | 'fork'
  | 'pull-request-closed'
  | 'not-a-pull-request'
  | 'workspace-not-at-head'
  | 'not-approved'
  | 'not-mergeable'
  | 'diverged'
  | 'plan-not-passed'
  | 'not-planned'
  | 'plan-changed'
  | 'locked'
  | 'unknown-stack'
  | 'unknown-command'
  | 'applies-on-merge'
  | 'nothing-to-apply'
  | 'apply-failed';

export interface Refusal {
  reason: FailureReason;
  /** The stack it concerns; absent for the pull request as a whole. */
  stack?: string;
  /** Stackgate's own sentence (no values from the pull request in it). */
  detail: string;
  /** Short hex shas or numbers the sentence refers to, shown as code. */
  refs?: string[];
}

export const ROLLBACK_TEXT =
  '**To roll back:** revert this pull request. The revert is planned and applied like any other change; the Deployments page of the repository lists every apply per stack (environment `stackgate/<stack>`).';

function refusalLine(refusal: Refusal): string {
  const where = refusal.stack ? `${inlineCode(refusal.stack)}: ` : '';
  const refs = refusal.refs?.length ? ` (${refusal.refs.map((ref) => inlineCode(ref)).join(', ')})` : '';
  return `- ${where}${escapeText(refusal.detail)}${refs} — \`${refusal.reason}\``;
}

/** The refusal block: who asked for what, and every reason it was refused. */
export function refusalOutcome(verb: string, actor: string, refusals: readonly Refusal[]): string[] {
  return [
    `> [!WARNING]\n> ${inlineCode(`/stackgate ${verb}`)} by ${escapeText(actor)} was refused; nothing was applied.`,
    refusals.map(refusalLine).join('\n'),
  ];
}

/** The refusal block of an apply on merge: which push, and every reason it was refused. */
export function mergeRefusalOutcome(branch: string, sha: string, refusals: readonly Refusal[]): string[] {
  return [
    `> [!WARNING]\n> The apply on merge (the push to ${inlineCode(branch)} at ${inlineCode(sha.slice(0, 12))}) was refused; nothing was applied.`,
    refusals.map(refusalLine).join('\n'),
  ];
}

/** The outcome block of an apply that ran. */
export function appliedOutcome(
  actor: string,
  sha: string,
  applied: readonly string[],
  failed: readonly string[],
  skipped: readonly string[] = [],
): string[] {
  const who = escapeText(actor);
  const names = (list: readonly string[]) => list.map((name) => inlineCode(name)).join(', ');
  const lines = [
    failed.length > 0
      ? `> [!CAUTION]\n> Apply by ${who} at ${inlineCode(sha.slice(0, 12))} failed for ${names(failed)}. A failed apply is not retried: the engine's diagnostics are below; what was applied before it stopped stays applied.`
      : `> [!NOTE]\n> Applied by ${who} at ${inlineCode(sha.slice(0, 12))}: ${names(applied)}.`,
  ];
  if (failed.length > 0 && applied.length > 0) lines.push(`Applied: ${names(applied)}.`);
  if (skipped.length > 0) {
    lines.push(
      `Skipped, not applied: ${names(skipped)}, because a stack each depends on (\`depends-on\`) did not apply.`,
    );
  }
  lines.push(ROLLBACK_TEXT);
  return lines;
}

const NOTICE_OPEN = '<!-- stackgate:notice -->';
const NOTICE_CLOSE = '<!-- /stackgate:notice -->';
/** A notice never takes more than this; the rest of the comment is the reviewed plan and stays as it is. */
const NOTICE_MAX = 6000;

/**
 * The sticky comment with `notice` at its top (replacing an earlier notice), the plan and its records below
 * left exactly as they were. Without an existing comment, the notice alone under the marker.
 */
export function withNotice(body: string | undefined, marker: string, notice: string[]): string {
  let text = notice.join('\n\n');
  if (text.length > NOTICE_MAX) text = `${text.slice(0, NOTICE_MAX)}…`;
  const block = `${NOTICE_OPEN}\n${text}\n${NOTICE_CLOSE}`;
  if (!body?.startsWith(marker)) return `${marker}\n${block}\n`;
  let rest = body.slice(marker.length).replace(/^\n/, '');
  const start = rest.indexOf(NOTICE_OPEN);
  const end = rest.indexOf(NOTICE_CLOSE);
  if (start === 0 && end > 0) rest = rest.slice(end + NOTICE_CLOSE.length).replace(/^\n+/, '');
  return `${marker}\n${block}\n\n${rest}`;
}
