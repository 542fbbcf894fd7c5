// What a drift run becomes for people: the job summary (every stack, drift rendered like a plan), one issue
// body per drifted stack, and the status dashboard. Pure: results in, text out, each within its size limit.
import { Buffer } from 'node:buffer';
import type { EngineName } from '../engines/names.js';
import type { Diagnostic, ResourceChange } from '../plan/model.js';
import { renderResourceDiff } from './diff.js';
import { codeBlock, escapeText, inlineCode } from './escape.js';
import {
  dashboardStateLine,
  encodeDashboardState,
  STATE_LINE_OVERHEAD,
  type StoredRow,
} from './dashboard-state.js';
import { engineTitle, fairShares, plural, SUMMARY_MAX_BYTES } from './markdown.js';

/** GitHub rejects issue bodies over this many characters. */
export const ISSUE_BODY_MAX_LENGTH = 65_536;

export const DRIFT_LABEL = 'stackgate:drift';
export const DASHBOARD_LABEL = 'stackgate:dashboard';
export const DASHBOARD_TITLE = 'Stackgate: infrastructure status';
export const DASHBOARD_MARKER = '<!-- stackgate:dashboard -->';

/** The first line of a stack's drift issue: one marker per stack, exact (so `app` never matches `app-2`). */
export function driftMarker(stack: string): string {
  return `<!-- stackgate:drift:${encodeURIComponent(stack)} -->`;
}

/**
 * The hidden first line of the comment a run leaves when it closes a drift issue: one per issue and run
 * attempt, so a comment whose answer was lost is found again instead of posted twice.
 */
export function driftCloseMarker(runId: string, runAttempt: string): string {
  return `<!-- stackgate:drift-close:${encodeURIComponent(runId)}.${encodeURIComponent(runAttempt)} -->`;
}

/** The stack a drift issue body is about, from its first line. */
export function stackOfDriftBody(body: string): string | undefined {
  const match = /^<!-- stackgate:drift:([^\s>]*) -->/.exec(body);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

export function driftIssueTitle(stack: string): string {
  return `Drift detected: ${stack}`;
}

/**
 * `drifted`: the refresh-only plan found changes made outside Git. `clean`: it found none. `errored`: it could
 * not run (the stack's drift is unknown). `skipped`: the engine cannot check this stack.
 */
export type DriftState = 'clean' | 'drifted' | 'errored' | 'skipped';

/** `pending`: the normal plan holds committed changes not yet applied. */
export type PendingState = 'none' | 'pending' | 'errored' | 'skipped';

export interface DriftError {
  step: 'refresh-only plan' | 'plan' | 'both plans';
  message: string;
  diagnostics: Diagnostic[];
}

export interface DriftStackResult {
  name: string;
  path: string;
  engine: EngineName;
  state: DriftState;
  /** What changed outside Git, from the refresh-only plan. */
  drift: ResourceChange[];
  pendingState: PendingState;
  /** Changes of the normal plan that come from Git (changes that only undo the drift are not counted). */
  pending: ResourceChange[];
  /** Output changes of the normal plan, when no drift explains them. */
  pendingOutputs: number;
  errors: DriftError[];
  /** Why a stack was skipped. */
  message?: string;
}

export interface DriftReport {
  repository: string;
  sha: string;
  /** Branch the stacks were checked on. */
  branch?: string;
  runUrl?: string;
  /** ISO time of the check. */
  checkedAt: string;
  stacks: DriftStackResult[];
}

const DRIFT_LABELS: Record<DriftState, string> = {
  clean: '✅ clean',
  drifted: '⚠️ drifted',
  errored: '❌ errored',
  skipped: '⏭️ skipped',
};

function driftCell(stack: DriftStackResult): string {
  return stack.state === 'drifted'
    ? `${DRIFT_LABELS.drifted} (${plural(stack.drift.length, 'resource')})`
    : DRIFT_LABELS[stack.state];
}

export function pendingCount(stack: Pick<DriftStackResult, 'pending' | 'pendingOutputs'>): number {
  return stack.pending.length + stack.pendingOutputs;
}

function pendingCell(stack: DriftStackResult): string {
  if (stack.pendingState === 'pending') {
    const parts = [
      stack.pending.length > 0 ? plural(stack.pending.length, 'resource change') : '',
      stack.pendingOutputs > 0 ? plural(stack.pendingOutputs, 'output change') : '',
    ].filter(Boolean);
    return `📝 ${parts.join(', ')}`;
  }
  if (stack.pendingState === 'errored') return '❌ errored';
  if (stack.pendingState === 'skipped') return '⏭️ skipped';
  return 'none';
}

/** Short, bounded cell text from engine output. */
function cellText(text: string, max = 160): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return escapeText(one.length > max ? `${one.slice(0, max - 1)}…` : one);
}

function notesCell(stack: DriftStackResult): string {
  if (stack.errors.length > 0) {
    return stack.errors.map((error) => `${error.step}: ${cellText(error.message)}`).join('; ');
  }
  return stack.message ? cellText(stack.message) : '';
}

/** `1 drifted, 2 pending, 1 errored, 3 clean` over every stack. */
export function driftVerdict(stacks: readonly DriftStackResult[]): string {
  const count = (test: (stack: DriftStackResult) => boolean) => stacks.filter(test).length;
  const parts = [
    `${count((s) => s.state === 'drifted')} drifted`,
    `${count((s) => s.pendingState === 'pending')} with pending changes`,
    `${count((s) => s.state === 'errored' || s.pendingState === 'errored')} errored`,
    `${count((s) => s.state === 'clean' && s.pendingState === 'none')} clean`,
  ];
  const skipped = count((s) => s.state === 'skipped');
  if (skipped > 0) parts.push(`${skipped} skipped`);
  return parts.join(', ');
}

/** Cuts text to at most `max` characters on a line boundary, saying how much was left out. */
export function cutText(text: string, max: number, where: string): string {
  if (text.length <= max) return text;
  const note = `\n… cut to fit: ${where}\n`;
  const room = Math.max(0, max - note.length);
  const head = text.slice(0, room);
  const lastBreak = head.lastIndexOf('\n');
  return `${lastBreak > 0 ? head.slice(0, lastBreak) : head}${note}`;
}

/** The change as the plan comment shows it: an engine's own text diff (Ansible), else the attribute diff. */
function changeDiff(change: ResourceChange, drift: boolean): string {
  return change.textDiff ?? renderResourceDiff(change, { drift });
}

function diffBlock(change: ResourceChange, drift: boolean, max: number, where: string): string {
  const diff = changeDiff(change, drift);
  // The fence and language take a few characters; the cut keeps the block closed.
  return codeBlock(cutText(diff, Math.max(0, max - 16), where), 'diff');
}

function diagnosticText(diagnostic: Diagnostic): string {
  const where = diagnostic.file ? ` (${diagnostic.file}${diagnostic.line ? `:${diagnostic.line}` : ''})` : '';
  return `${diagnostic.severity}: ${diagnostic.summary}${where}${diagnostic.detail ? `\n${diagnostic.detail}` : ''}`;
}

/** The pieces of one stack's section: fixed text plus diff blocks that share what room is left. */
interface Section {
  head: string;
  blocks: { render: (max: number) => string; size: number }[];
  tail: string;
}

function stackSection(stack: DriftStackResult, where: string): Section {
  const blocks: Section['blocks'] = [];
  const heading: string[] = [
    `### ${inlineCode(stack.name)} — ${driftCell(stack)}, pending: ${pendingCell(stack)}`,
    `${inlineCode(stack.path)} · ${engineTitle(stack.engine)}`,
  ];
  if (stack.drift.length > 0) heading.push(`#### Drift — changed outside of Git`);
  for (const change of stack.drift) {
    const size = changeDiff(change, true).length + 16;
    blocks.push({ render: (max) => diffBlock(change, true, max, where), size });
  }
  const pendingHead =
    stack.pending.length > 0 ? '#### Pending — committed to Git, not yet applied' : undefined;
  stack.pending.forEach((change, index) => {
    const size =
      changeDiff(change, false).length + 16 + (index === 0 && pendingHead ? pendingHead.length + 2 : 0);
    blocks.push({
      render: (max) => {
        const prefix = index === 0 && pendingHead ? `${pendingHead}\n\n` : '';
        return `${prefix}${diffBlock(change, false, max - prefix.length, where)}`;
      },
      size,
    });
  });
  for (const error of stack.errors) {
    const text = [error.message, ...error.diagnostics.map(diagnosticText)].join('\n');
    const label = `#### ❌ ${error.step} failed\n\n`;
    blocks.push({
      render: (max) =>
        `${label}${codeBlock(cutText(text, Math.max(0, max - label.length - 16), where), 'text')}`,
      size: text.length + label.length + 16,
    });
  }
  return { head: heading.join('\n\n'), blocks, tail: '' };
}

function renderSections(sections: Section[], budget: number): string[] {
  const fixed = sections.reduce((sum, s) => sum + s.head.length + 4, 0);
  const allBlocks = sections.flatMap((s) => s.blocks);
  const shares = fairShares(
    allBlocks.map((b) => b.size),
    budget - fixed - allBlocks.length * 2,
  );
  let index = 0;
  return sections.map((section) => {
    const parts = [section.head];
    for (const block of section.blocks) {
      const share = shares[index++] ?? 0;
      if (share >= Math.min(64, block.size)) parts.push(block.render(share).trimEnd());
      else parts.push('*(left out to fit)*');
    }
    return parts.join('\n\n');
  });
}

function table(stacks: readonly DriftStackResult[]): string {
  const rows = stacks.map(
    (stack) =>
      `| ${inlineCode(stack.name)} | ${engineTitle(stack.engine)} | ${driftCell(stack)} | ${pendingCell(stack)} | ${notesCell(stack)} |`,
  );
  return ['| Stack | Engine | Drift | Pending | Notes |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** The job summary: a table of every stack, then each stack with drift, pending changes or errors in full. */
export function renderDriftSummary(report: DriftReport, options: { maxBytes?: number } = {}): string {
  const maxBytes = options.maxBytes ?? SUMMARY_MAX_BYTES;
  const where = 'the job summary has a 1 MiB limit';
  const head = [
    `## Stackgate drift: ${driftVerdict(report.stacks)}`,
    `Checked ${plural(report.stacks.length, 'stack')} on ${report.branch ? inlineCode(report.branch) : 'the default branch'} at ${inlineCode(report.sha.slice(0, 12) || 'unknown')}, ${report.checkedAt}.`,
    'Drift is what changed outside Git (a refresh-only plan); pending changes are commits in Git not yet applied (a normal plan). Changes that would only undo drift count as drift.',
    table(report.stacks),
  ].join('\n\n');
  const interesting = report.stacks.filter(
    (s) => s.state === 'drifted' || s.pendingState === 'pending' || s.errors.length > 0,
  );
  // Bytes, not characters: emoji and non-ASCII values take more than one. Budget in characters at worst ×4.
  let budget = Math.floor((maxBytes - Buffer.byteLength(head) - 64) / 1);
  for (let attempt = 0; attempt < 4; attempt++) {
    const body = renderSections(
      interesting.map((s) => stackSection(s, where)),
      budget,
    );
    const text = [head, ...body].join('\n\n') + '\n';
    if (Buffer.byteLength(text) <= maxBytes) return text;
    budget = Math.floor(budget / 2);
  }
  return `${head}\n`;
}

// ---- drift issue ---------------------------------------------------------------------------------------

export interface DriftIssueContext {
  /** ISO time the drift was first seen (the issue's creation). */
  firstSeen: string;
  /** ISO time of this check. */
  lastChecked: string;
  repository: string;
  sha: string;
  branch?: string;
  runUrl?: string;
  maxLength?: number;
}

/** The body of a drifted stack's issue: marker, facts, the drift like a plan, within GitHub's limit. */
export function renderDriftIssueBody(stack: DriftStackResult, context: DriftIssueContext): string {
  const maxLength = context.maxLength ?? ISSUE_BODY_MAX_LENGTH;
  const where = context.runUrl
    ? `the full drift is in the [run's summary](${context.runUrl})`
    : "the full drift is in the run's summary";
  const resources = stack.drift
    .slice(0, 50)
    .map((change) => `- ${inlineCode(change.address)} (${change.action})`);
  if (stack.drift.length > 50) resources.push(`- … and ${stack.drift.length - 50} more`);
  const facts = [
    '| | |',
    '| --- | --- |',
    `| Stack | ${inlineCode(stack.name)} (${inlineCode(stack.path)}, ${engineTitle(stack.engine)}) |`,
    `| First seen | ${context.firstSeen} |`,
    `| Last checked | ${context.lastChecked} |`,
    `| Checked against | ${context.branch ? `${inlineCode(context.branch)} at ` : ''}${inlineCode(context.sha.slice(0, 12) || 'unknown')} |`,
    `| Pending changes from Git | ${pendingCell(stack)} |`,
    ...(context.runUrl ? [`| Run | [workflow run](${context.runUrl}) |`] : []),
  ];
  const head = [
    driftMarker(stack.name),
    `## Drift detected: ${inlineCode(stack.name)}`,
    `${plural(stack.drift.length, 'resource')} changed outside of Git:`,
    resources.join('\n'),
    facts.join('\n'),
    '### What changed',
  ].join('\n\n');
  const tail = [
    '---',
    'To resolve it, apply the stack again to undo the change, or change the code to match what is live and apply that. Stackgate comments and closes this issue on the first drift run that finds the stack clean.',
  ].join('\n\n');
  const budget = maxLength - head.length - tail.length - 16;
  const sizes = stack.drift.map((change) => changeDiff(change, true).length + 16);
  const shares = fairShares(sizes, budget - stack.drift.length * 2);
  const blocks = stack.drift.map((change, index) => {
    const share = shares[index] ?? 0;
    return share >= Math.min(64, sizes[index] ?? 0)
      ? diffBlock(change, true, share, where).trimEnd()
      : `*(${inlineCode(change.address)} left out to fit: ${where})*`;
  });
  const body = [head, ...blocks, tail].join('\n\n') + '\n';
  if (body.length <= maxLength) return body;
  // The notes for left-out resources may still overflow with thousands of them: keep what fits, then say so.
  const more = `*(more left out: ${where})*`;
  let room = maxLength - head.length - tail.length - more.length - 16;
  const kept: string[] = [];
  for (const block of blocks) {
    if (block.length + 2 > room) break;
    kept.push(block);
    room -= block.length + 2;
  }
  return [head, ...kept, more, tail].join('\n\n') + '\n';
}

export function renderResolvedComment(
  stack: string,
  context: { checkedAt: string; sha: string; runUrl?: string },
): string {
  const run = context.runUrl ? ` ([workflow run](${context.runUrl}))` : '';
  return `✅ Resolved: the drift run at ${context.checkedAt} found ${inlineCode(stack)} matching Git at ${inlineCode(context.sha.slice(0, 12) || 'unknown')}${run}. Closing this issue.`;
}

export function renderRemovedComment(stack: string, context: { checkedAt: string; runUrl?: string }): string {
  const run = context.runUrl ? ` ([workflow run](${context.runUrl}))` : '';
  return `🗑️ The stack ${inlineCode(stack)} is no longer in the Stackgate config (checked ${context.checkedAt}${run}), so its drift is no longer watched. Closing this issue.`;
}

// ---- dashboard -----------------------------------------------------------------------------------------

export type { LastApply } from './dashboard-state.js';

/** One stack's row: what the dashboard remembers of it, plus its engine and lock, read afresh every time. */
export interface DashboardRow extends StoredRow {
  engine: EngineName;
  lock?: { pullNumber: number; by: string };
}

export interface DashboardContext {
  repository: string;
  /** The commit a drift run checked (absent for an apply's update). */
  sha?: string;
  branch?: string;
  runUrl?: string;
  updatedAt: string;
  /** What wrote this version, Stackgate's own words: `a drift run`, `the apply of #12`. */
  updatedBy?: string;
  /** A line under the table (why a column is empty, say). */
  note?: string;
  maxLength?: number;
}

function shortTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

function dashboardDrift(row: DashboardRow): string {
  const since = row.driftSince ? ` since ${shortTime(row.driftSince)}` : '';
  const link =
    row.issueUrl && row.issueNumber !== undefined ? ` ([#${row.issueNumber}](${row.issueUrl}))` : '';
  // An apply after the last check may have changed what the check saw.
  const stale =
    row.checkedAt &&
    row.lastApply &&
    row.lastApply.at.slice(0, 16) > row.checkedAt.slice(0, 16) &&
    row.drift !== 'unknown'
      ? ', checked before the last apply'
      : '';
  if (row.drift === 'drifted') return `⚠️ drifted${since}${link}${stale}`;
  if (row.drift === 'unknown') return row.driftSince ? `⚠️ drifted${since}${link}` : '— not checked';
  if (row.drift === 'errored' && row.issueNumber !== undefined)
    return `❌ check failed; ⚠️ drifted${since}${link}${stale}`;
  return `${DRIFT_LABELS[row.drift]}${stale}`;
}

function dashboardPending(row: DashboardRow): string {
  if (row.pending === 'pending') return `📝 ${plural(row.pendingCount ?? 0, 'change')}`;
  if (row.pending === 'errored') return '❌ errored';
  if (row.pending === 'skipped') return '⏭️ skipped';
  if (row.pending === 'unknown') return '—';
  return 'none';
}

function dashboardLock(row: DashboardRow): string {
  if (!row.lock) return '';
  const who = row.lock.by ? ` (${escapeText(row.lock.by)})` : '';
  return row.lock.pullNumber > 0 ? `🔒 #${row.lock.pullNumber}${who}` : '🔒 (unknown holder)';
}

function dashboardApply(row: DashboardRow): string {
  const apply = row.lastApply;
  if (apply === null) return 'never';
  if (!apply) return '—';
  const pull = apply.pullNumber !== undefined ? ` #${apply.pullNumber}` : '';
  const by = apply.by ? `, ${escapeText(apply.by)}` : '';
  return `${inlineCode(apply.sha.slice(0, 7))}${pull}, ${shortTime(apply.at)}${by}`;
}

function needsAttention(row: DashboardRow): boolean {
  return (
    row.drift === 'drifted' ||
    row.drift === 'errored' ||
    row.driftSince !== undefined ||
    row.pending === 'pending' ||
    row.pending === 'errored' ||
    row.lock !== undefined
  );
}

function shortName(name: string): string {
  return inlineCode(name.length > 100 ? `${name.slice(0, 99)}…` : name);
}

function rowLine(row: DashboardRow): string {
  return `| ${shortName(row.name)} | ${engineTitle(row.engine)} | ${dashboardDrift(row)} | ${dashboardPending(row)} | ${dashboardLock(row)} | ${dashboardApply(row)} |`;
}

const ROW_HEAD =
  '| Stack | Engine | Drift | Pending | Lock | Last apply |\n| --- | --- | --- | --- | --- | --- |';

/** The hidden state takes at most this share of the body; the table gives way first (it trims gracefully). */
const STATE_SHARE = 0.6;

function visibleDashboard(
  attention: readonly DashboardRow[],
  calm: readonly DashboardRow[],
  rows: readonly DashboardRow[],
  context: DashboardContext,
  maxLength: number,
): string {
  const count = (test: (row: DashboardRow) => boolean) => rows.filter(test).length;
  const run = context.runUrl ? ` ([run](${context.runUrl}))` : '';
  const by = context.updatedBy ? ` by ${context.updatedBy}` : '';
  const against =
    context.sha !== undefined
      ? `, against ${context.branch ? `${inlineCode(context.branch)} at ` : ''}${inlineCode(context.sha.slice(0, 12) || 'unknown')}`
      : '';
  const head = [
    DASHBOARD_MARKER,
    `# ${DASHBOARD_TITLE}`,
    `Updated ${context.updatedAt}${by}${run}${against}. Edited in place by Stackgate; pin it to keep it in sight.`,
    `**${plural(rows.length, 'stack')}:** ${count((r) => r.drift === 'drifted' || (r.drift !== 'clean' && r.driftSince !== undefined))} drifted, ${count((r) => r.pending === 'pending')} with pending changes, ${count((r) => r.drift === 'errored' || r.pending === 'errored')} errored, ${count((r) => r.lock !== undefined)} locked.`,
  ].join('\n\n');
  const foot = context.note ? `\n\n<sub>${escapeText(context.note)}</sub>` : '';

  const room = maxLength - head.length - foot.length - 256;
  const attentionLines: string[] = [];
  let used = 0;
  for (const row of attention) {
    const line = rowLine(row);
    if (used + line.length + 1 > room) break;
    attentionLines.push(line);
    used += line.length + 1;
  }
  const sections: string[] = [head];
  if (attention.length > 0) {
    const left = attention.length - attentionLines.length;
    sections.push(
      `## Needs attention\n\n${ROW_HEAD}\n${attentionLines.join('\n')}${left > 0 ? `\n\n… and ${left} more stack(s) that need attention, left out to fit GitHub's limit: see the run's summary.` : ''}`,
    );
  }
  if (calm.length > 0) {
    const calmRoom = room - used;
    const full = `## Clean\n\n${ROW_HEAD}\n${calm.map(rowLine).join('\n')}`;
    if (full.length <= calmRoom) {
      sections.push(full);
    } else {
      // Names only, as many as fit, then a count.
      const names: string[] = [];
      let length = 0;
      for (const row of calm) {
        const name = shortName(row.name);
        if (length + name.length + 2 > calmRoom - 200) break;
        names.push(name);
        length += name.length + 2;
      }
      const rest = calm.length - names.length;
      sections.push(
        `## Clean (${calm.length})\n\n${names.join(', ')}${rest > 0 ? `${names.length > 0 ? ', ' : ''}and ${rest} more` : ''}`,
      );
    }
  }
  const body = `${sections.join('\n\n')}${foot}`;
  return body.length <= maxLength ? body : body.slice(0, maxLength);
}

/**
 * The dashboard issue body: stacks that need attention first (drifted, errored, pending, locked), then the
 * clean ones. For hundreds of stacks the clean ones shrink to a list of names, then to a count, before any
 * stack that needs attention is left out. The last line, hidden, is the state an apply reads back
 * (see dashboard-state.ts); it gives way before the table does past its share of the body.
 */
export function renderDashboard(rows: readonly DashboardRow[], context: DashboardContext): string {
  const maxLength = context.maxLength ?? ISSUE_BODY_MAX_LENGTH;
  const attention = rows.filter(needsAttention);
  const calm = rows.filter((row) => !needsAttention(row));
  const stored = [...attention, ...calm].map(({ engine: _engine, lock: _lock, ...row }) => row);
  const fullState = encodeDashboardState(stored, Number.MAX_SAFE_INTEGER);
  const fullVisible = visibleDashboard(attention, calm, rows, context, maxLength);
  const fits = fullState.length + fullVisible.length + STATE_LINE_OVERHEAD + 2 <= maxLength;
  const json = fits
    ? fullState
    : encodeDashboardState(
        stored,
        Math.max(
          Math.floor(maxLength * STATE_SHARE),
          maxLength - fullVisible.length - STATE_LINE_OVERHEAD - 2,
        ) - STATE_LINE_OVERHEAD,
      );
  const visible = fits
    ? fullVisible
    : visibleDashboard(attention, calm, rows, context, maxLength - json.length - STATE_LINE_OVERHEAD - 2);
  return `${visible}\n${dashboardStateLine(visible, json)}\n`;
}
