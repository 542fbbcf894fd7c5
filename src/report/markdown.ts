// The sticky PR comment and the job summary: a verdict, a table of stacks, a loud line for destruction, then
// a collapsible section per stack, all within a size budget. Pure: report in, text out.

import { Buffer } from 'node:buffer';
import type { Diagnostic, Plan, PlanCounts, ResourceChange, TaskCounts } from '../plan/model.js';
import { renderOutputsDiff, renderResourceDiff } from './diff.js';
import { failingFindings, renderFindings, type Finding } from './findings.js';
import { renderPolicySection } from './policy.js';
import { codeBlock, escapeHtmlText, escapeText, inlineCode, stripControl } from './escape.js';
import type { CommentMeta, RunReport, StackReport } from './types.js';

/** GitHub rejects comment bodies over this many characters. */
export const COMMENT_MAX_LENGTH = 65_536;
/** The job summary of one step may hold 1 MiB. */
export const SUMMARY_MAX_BYTES = 1024 * 1024;

// ---- small pieces ----------------------------------------------------------------------------------------

/** The hidden marker that identifies the sticky comment; different headers make different comments. */
export function commentMarker(header: string): string {
  // The default comment has no name, so no header can collide with it; a header is kept as written (encoded).
  if (header.trim() === '') return '<!-- stackgate:comment -->';
  return `<!-- stackgate:comment:${encodeURIComponent(header.trim())} -->`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function engineTitle(engine: string): string {
  if (engine === 'tofu') return 'OpenTofu';
  if (engine === 'terraform') return 'Terraform';
  if (engine === 'ansible') return 'Ansible';
  if (engine === 'terragrunt') return 'Terragrunt';
  return engine;
}

/** `Plan: 1 to add, 2 to change, 1 to destroy.` plus what tofu reports apart. */
export function countsLine(counts: PlanCounts): string {
  const extras = [
    counts.replace > 0 ? `${counts.replace} replaced` : '',
    counts.import > 0 ? `${counts.import} to import` : '',
    counts.move > 0 ? `${counts.move} moved` : '',
    counts.read > 0 ? `${counts.read} to read` : '',
    counts.drift > 0 ? `${counts.drift} drifted` : '',
  ].filter((text) => text !== '');
  const forget = counts.forget > 0 ? `, ${counts.forget} to forget` : '';
  const main = `${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy${forget}`;
  return extras.length > 0 ? `${main} (${extras.join(', ')})` : main;
}

function stackHasChanges(stack: StackReport): boolean {
  return stack.status === 'planned' && (stack.plan?.hasChanges ?? true);
}

function isDestructive(stack: StackReport): boolean {
  const counts = stack.plan?.counts;
  return counts !== undefined && (counts.destroy > 0 || counts.replace > 0);
}

const STATUS_LABELS: Record<StackReport['status'], string> = {
  planned: '📝 changes',
  'no-changes': '✅ no changes',
  errored: '❌ errored',
  unaffected: '➖ unchanged (not planned)',
  skipped: '⏭️ skipped',
  applied: '🚀 applied',
  'apply-failed': '❌ apply failed',
};

function statusLabel(stack: StackReport): string {
  if (stack.status === 'planned' && stack.plan && !stack.plan.hasChanges) return STATUS_LABELS['no-changes'];
  return STATUS_LABELS[stack.status];
}

// ---- verdict, table, loud line ---------------------------------------------------------------------------

function verdict(report: RunReport, findings: readonly Finding[]): string {
  const stacks = report.stacks;
  const count = (test: (stack: StackReport) => boolean): number => stacks.filter(test).length;
  const parts = [
    [count(stackHasChanges), 'to change'],
    [count((s) => s.status === 'errored'), 'errored'],
    [
      count((s) => (s.status === 'planned' || s.status === 'no-changes') && !stackHasChanges(s)),
      'without changes',
    ],
    [count((s) => s.status === 'skipped'), 'skipped'],
    [count((s) => s.status === 'unaffected'), 'unaffected'],
    [count((s) => s.status === 'applied'), 'applied'],
    [count((s) => s.status === 'apply-failed'), 'failed to apply'],
  ] as const;
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, label], index) => (index === 0 ? `${plural(n, 'stack')} ${label}` : `${n} ${label}`))
    .join(', ');
  const title = escapeText(`Stackgate ${report.command}`);
  const blocking = failingFindings(findings).length;
  const checks = blocking > 0 ? ` — ❌ ${plural(blocking, 'blocking finding')}` : '';
  return `**${title}** — ${text || 'no stacks'}${checks}`;
}

function tableRow(stack: StackReport): string {
  const counts = stack.plan?.counts;
  const cell = (n: number | undefined): string => (n === undefined ? '–' : String(n));
  return `| ${escapeText(stack.name)} | ${escapeText(stack.engine)} | ${cell(counts?.add)} | ${cell(counts?.change)} | ${cell(counts?.destroy)} | ${cell(counts?.replace)} | ${statusLabel(stack)} |`;
}

const TABLE_HEAD =
  '| Stack | Engine | Add | Change | Destroy | Replace | Status |\n| --- | --- | ---: | ---: | ---: | ---: | --- |';

function fullTable(stacks: readonly StackReport[]): string {
  return [TABLE_HEAD, ...stacks.map(tableRow)].join('\n');
}

/** The table always fits: past the budget, unaffected stacks fold into one row, then rows are cut. */
function renderTable(stacks: readonly StackReport[], maxLength: number, measure: Measure): string {
  const full = fullTable(stacks);
  if (measure(full) <= maxLength) return full;
  const affected = stacks.filter((stack) => stack.status !== 'unaffected');
  const unaffected = stacks.length - affected.length;
  const rows = [TABLE_HEAD];
  for (const [index, stack] of affected.entries()) {
    const rest = affected.length - index + unaffected;
    const row = tableRow(stack);
    // Keep room for the closing "… more" row.
    if (measure([...rows, row].join('\n')) + 80 > maxLength) {
      rows.push(`| … ${plural(rest, 'more stack')} | | | | | | see the job summary |`);
      return rows.join('\n');
    }
    rows.push(row);
  }
  // Every affected row fitted, yet the full table did not: there are unaffected stacks to fold.
  rows.push(`| … ${plural(unaffected, 'unaffected stack')} | | | | | | ${STATUS_LABELS.unaffected} |`);
  return rows.join('\n');
}

const LOUD_LINE_STACKS = 10;

function loudLine(stacks: readonly StackReport[]): string | undefined {
  const destructive = stacks.filter(isDestructive);
  if (destructive.length === 0) return undefined;
  const shown = destructive.slice(0, LOUD_LINE_STACKS);
  const more = destructive.length - shown.length;
  const names = shown.map((stack) => {
    const counts = stack.plan!.counts;
    // tofu counts a replacement's destroy half in `destroy`; people want pure deletions apart.
    const deleted = counts.destroy - counts.replace;
    const parts = [
      deleted > 0 ? `${deleted} to delete` : '',
      counts.replace > 0 ? `${counts.replace} to replace` : '',
    ];
    return `${inlineCode(stack.name)} (${parts.filter(Boolean).join(', ')})`;
  });
  const tail = more > 0 ? ` and ${more} more stack${more === 1 ? '' : 's'}` : '';
  return `⚠️ **This plan destroys or replaces resources in ${names.join(', ')}${tail}.**`;
}

// ---- per-stack sections ----------------------------------------------------------------------------------

/** A stack section in pieces, so a budget can drop whole items (resources) and never cut a code block. */
interface SectionParts {
  open: string;
  intro: string[];
  items: { group: string; text: string }[];
  close: string;
}

function summaryLine(stack: StackReport): string {
  const name = `<b>${escapeHtmlText(stack.name)}</b>`;
  const path = stack.path && stack.path !== stack.name ? ` <code>${escapeHtmlText(stack.path)}</code>` : '';
  const what = stack.plan && stack.status !== 'errored' ? planLine(stack.plan) : statusLabel(stack);
  return `${statusLabel(stack).split(' ')[0]} ${name}${path} — ${escapeHtmlText(what)}`;
}

function introLines(stack: StackReport, plan: Plan | undefined): string[] {
  const lines: string[] = [];
  if (stack.message) lines.push(`> ${escapeText(stack.message)}`);
  if (plan?.tasks) {
    // Ansible: check mode's recap, failed runs included (their hosts and tasks are in the diagnostics).
    lines.push(
      plan.hasChanges || stack.status === 'errored'
        ? `**Check mode:** ${tasksLine(plan.tasks)}.`
        : `**No changes.** Check mode: ${tasksLine(plan.tasks)}.`,
    );
  } else if (plan && stack.status !== 'errored') {
    lines.push(
      plan.hasChanges
        ? `**Plan:** ${countsLine(plan.counts)}.`
        : '**No changes.** The infrastructure matches the configuration.',
    );
  }
  if (plan && plan.redactedCount > 0) {
    lines.push(`🔒 ${plural(plan.redactedCount, 'sensitive value')} hidden.`);
  }
  return lines;
}

function diagnosticItem(diagnostic: Diagnostic): string {
  const icon = diagnostic.severity === 'error' ? '❌ Error' : '⚠️ Warning';
  const where = diagnostic.file
    ? ` — ${inlineCode(`${diagnostic.file}${diagnostic.line ? `:${diagnostic.line}` : ''}`)}`
    : '';
  const head = `**${icon}:** ${escapeText(diagnostic.summary)}${where}`;
  return diagnostic.detail ? `${head}\n\n${codeBlock(diagnostic.detail, 'text')}` : head;
}

function diffItem(change: ResourceChange, drift = false): string {
  if (change.textDiff !== undefined) return codeBlock(change.textDiff, 'diff');
  return codeBlock(renderResourceDiff(change, { drift }), 'diff');
}

/** Ansible's recap in words: `2 changed, 3 ok, 1 skipped on 1 host`. */
export function tasksLine(tasks: TaskCounts): string {
  const parts = [`${tasks.changed} changed`, `${tasks.ok} ok`];
  if (tasks.skipped > 0) parts.push(`${tasks.skipped} skipped`);
  if (tasks.failed > 0) parts.push(`${tasks.failed} failed`);
  if (tasks.unreachable > 0) parts.push(`${tasks.unreachable} unreachable`);
  return `${parts.join(', ')} on ${plural(tasks.hosts, 'host')}`;
}

/** The plan in one line: tofu's counts, or Ansible's task-host recap. */
function planLine(plan: Plan): string {
  return plan.tasks ? tasksLine(plan.tasks) : countsLine(plan.counts);
}

/** The object's id, so a reviewer can tell which real object moved. */
function idNote(change: ResourceChange): string {
  // Only a map has an `id` (arrays, scalars and markers give undefined); null and undefined have nothing.
  const id = (change.after as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' && id !== '' ? ` (id ${inlineCode(id)})` : '';
}

function isPureMove(change: ResourceChange): boolean {
  return change.action === 'move';
}

function isPureImport(change: ResourceChange): boolean {
  return change.action === 'import';
}

/**
 * Sections rendered ahead of the report, while other stacks are still planning: the renders at the end of a
 * run (log, summary, comment, check run) then only assemble them. A memo, so rendering stays pure: what a
 * section is made of (the stack report, its plan and their lists) is frozen when the section is kept, so a
 * later change to it throws instead of leaving the section stale.
 */
const renderedAhead = new WeakMap<StackReport, SectionParts>();

function freezeRendered(stack: StackReport): StackReport {
  const plan = stack.plan;
  if (plan) {
    // Freezing an absent part (plan.tasks) is a no-op.
    for (const part of [plan.changes, plan.drift, plan.outputs, plan.diagnostics, plan.counts, plan.tasks])
      Object.freeze(part);
    Object.freeze(plan);
  }
  Object.freeze(stack.diagnostics);
  return Object.freeze(stack);
}

/** Renders the section of a finished stack now (once), for every later render of a report that holds it. */
export function renderSectionAhead(stack: StackReport): void {
  // Stryker disable next-line ConditionalExpression: equivalent; rendering a frozen stack again gives the same parts
  if (!renderedAhead.has(stack)) renderedAhead.set(freezeRendered(stack), renderStackParts(stack));
}

function stackParts(stack: StackReport): SectionParts {
  return renderedAhead.get(stack) ?? renderStackParts(stack);
}

function renderStackParts(stack: StackReport): SectionParts {
  const plan = stack.plan;
  const engine = engineTitle(stack.engine);
  const items: SectionParts['items'] = [];
  const diagnostics = [...(plan?.diagnostics ?? []), ...stack.diagnostics];
  for (const diagnostic of diagnostics)
    items.push({ group: '#### Diagnostics', text: diagnosticItem(diagnostic) });
  const changes = plan?.changes ?? [];
  for (const change of changes.filter((c) => !isPureMove(c) && !isPureImport(c))) {
    items.push({ group: '#### Changes', text: diffItem(change) });
  }
  for (const change of changes.filter(isPureMove)) {
    items.push({
      group: '#### Moves',
      text: `- ${inlineCode(change.previousAddress ?? '?')} → ${inlineCode(change.address)}${idNote(change)}`,
    });
  }
  for (const change of changes.filter(isPureImport)) {
    const id = change.importing?.id ? ` (id ${inlineCode(change.importing.id)})` : '';
    items.push({ group: '#### Imports', text: `- ${inlineCode(change.address)}${id}` });
  }
  for (const change of plan?.drift ?? []) {
    items.push({ group: `#### Drift — changed outside of ${engine}`, text: diffItem(change, true) });
  }
  if (plan && plan.outputs.length > 0) {
    items.push({ group: '#### Outputs', text: codeBlock(renderOutputsDiff(plan.outputs), 'diff') });
  }
  const open = stack.status === 'errored' || stack.status === 'apply-failed' ? ' open' : '';
  return {
    open: `<details${open}><summary>${summaryLine(stack)}</summary>`,
    intro: introLines(stack, plan),
    items,
    close: '</details>',
  };
}

/** Joins parts with blank lines (markdown inside <details> needs them); headings appear once per group. */
function assemble(parts: SectionParts, itemCount: number, note?: string): string {
  const blocks: string[] = [parts.open, ...parts.intro];
  let group: string | undefined;
  for (const item of parts.items.slice(0, itemCount)) {
    if (item.group !== group) blocks.push(item.group);
    group = item.group;
    blocks.push(item.text.trimEnd());
  }
  if (note) blocks.push(note);
  blocks.push(parts.close);
  return blocks.join('\n\n');
}

/** The collapsible section of one stack, in full. */
export function renderStackSection(stack: StackReport): string {
  return assemble(stackParts(stack), Number.POSITIVE_INFINITY);
}

function trimmedNote(omitted: number, where: string): string {
  return `_… ${plural(omitted, 'more item')} not shown: details trimmed to fit; the full report is in ${where}._`;
}

/** How many leading items fit in `budget`, counted piece by piece so large stacks stay linear. */
function itemsThatFit(parts: SectionParts, budget: number, measure: Measure, where: string): number {
  const separator = measure('\n\n');
  const note = measure(trimmedNote(parts.items.length, where)) + separator;
  let used = measure(assemble(parts, 0)) + note;
  let group: string | undefined;
  let count = 0;
  for (const item of parts.items) {
    const heading = item.group !== group ? measure(item.group) + separator : 0;
    used += heading + measure(item.text.trimEnd()) + separator;
    if (used > budget) break;
    group = item.group;
    count += 1;
  }
  return count;
}

/** The section within `budget`: whole items in order while they fit, then a note; '' when nothing fits. */
function renderStackWithin(parts: SectionParts, budget: number, measure: Measure, where: string): string {
  const full = assemble(parts, parts.items.length);
  if (measure(full) <= budget) return full;
  const count = itemsThatFit(parts, budget, measure, where);
  const trimmed = assemble(parts, count, trimmedNote(parts.items.length - count, where));
  if (measure(trimmed) <= budget) return trimmed;
  const minimal = assemble({ ...parts, intro: [] }, 0, trimmedNote(parts.items.length, where));
  return measure(minimal) <= budget ? minimal : '';
}

/** Water-filling: small sections get all they need, the rest split what remains evenly. */
export function fairShares(sizes: readonly number[], budget: number): number[] {
  const order = sizes.map((size, index) => ({ size, index })).sort((a, b) => a.size - b.size);
  // Stryker disable next-line ArrayDeclaration: equivalent; the loop below assigns every index
  const shares = new Array<number>(sizes.length).fill(0);
  let remaining = Math.max(0, budget);
  order.forEach(({ size, index }, position) => {
    const share = Math.min(size, Math.floor(remaining / (order.length - position)));
    shares[index] = share;
    remaining -= share;
  });
  return shares;
}

// ---- metadata --------------------------------------------------------------------------------------------

const META_PATTERN = /<!-- stackgate:meta (\{.*?\}) -->/s;

/** The hidden metadata never takes more than this; stacks past it are counted, not listed. */
const META_BUDGET = 12_000;

function metaBlock(report: RunReport): string {
  const listed = report.stacks.filter((stack) => stack.status !== 'unaffected');
  let block = metaBlockFor(report, listed, 0);
  for (let keep = listed.length; block.length > META_BUDGET && keep > 0;) {
    keep = Math.floor(keep / 2);
    block = metaBlockFor(report, listed.slice(0, keep), listed.length - keep);
  }
  return block;
}

function metaBlockFor(report: RunReport, stacks: readonly StackReport[], omitted: number): string {
  const meta: CommentMeta = {
    version: 1,
    command: report.command,
    header: report.header,
    sha: report.sha,
    pullNumber: report.pullNumber, // JSON leaves it out when undefined
    stacks: stacks.map((stack) => ({
      name: stack.name,
      status: stack.status,
      ...(stack.fingerprint ? { fingerprint: stack.fingerprint } : {}),
      ...(stack.appliesOnMerge ? { on: 'merge' as const } : {}),
    })),
    ...(omitted > 0 ? { omittedStacks: omitted } : {}),
  };
  return `<!-- stackgate:meta ${hiddenJson(meta)} -->`;
}

/**
 * JSON for a hidden HTML comment, escaped so no value can end the comment, mention anyone or carry a control
 * or bidi character; JSON.parse reads the escapes back.
 */
export function hiddenJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&@\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Reads the hidden metadata block back from a comment body. */
export function parseCommentMeta(body: string): CommentMeta | undefined {
  const match = META_PATTERN.exec(body);
  if (match === null) return undefined;
  const json = match[1]!; // the group always takes part in a match
  let meta: CommentMeta;
  try {
    meta = JSON.parse(json) as CommentMeta;
  } catch {
    return undefined;
  }
  if (meta.version !== 1 || typeof meta.sha !== 'string' || !Array.isArray(meta.stacks)) return undefined;
  return meta;
}

// ---- the whole report ------------------------------------------------------------------------------------

type Measure = (text: string) => number;

/** Characters that would end a markdown link target or open HTML are percent-encoded. */
function percentEncode(url: string): string {
  return url.replace(
    /[()<>\s"'`]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

interface RenderOptions {
  maxLength: number;
  measure: Measure;
  /** Comment: marker and metadata; summary: neither. */
  comment: boolean;
  /** Where the full report lives, for the trimmed note. */
  fullReportIn: string;
}

function renderReport(report: RunReport, options: RenderOptions): { body: string; truncated: boolean } {
  const { measure, maxLength } = options;
  const join = (blocks: (string | undefined)[]): string => blocks.filter((b) => b).join('\n\n') + '\n';
  const marker = options.comment ? commentMarker(report.header) : undefined;
  const meta = options.comment ? metaBlock(report) : undefined;
  // Policy violations get their own table; every other finding is listed under Checks.
  const allFindings = report.findings ?? [];
  const checks = allFindings.filter((finding) => finding.kind !== 'policy');
  const findings = checks.length
    ? renderFindings(checks, Math.floor(Math.min(maxLength / 3, 200_000)))
    : undefined;
  const policies = report.policyViolations?.length
    ? renderPolicySection(report.policyViolations, 50)
    : undefined;
  const loud =
    [loudLine(report.stacks), policies, findings].filter((block) => block).join('\n\n') || undefined;
  const outcome = report.outcome?.length ? report.outcome.join('\n\n') : undefined;
  const drift = report.openDrift?.length
    ? report.openDrift
        .map(
          ({ stack, issue }) =>
            `⚠️ ${inlineCode(stack)} has open drift (#${issue}): this plan also reverts it.`,
        )
        .join('\n')
    : undefined;
  const head = [marker, verdict(report, allFindings), outcome, drift];
  // Each stack's diffs are rendered once and reused if the sections must be trimmed (they dominate the cost).
  const sectionParts = report.stacks.filter((stack) => stack.status !== 'unaffected').map(stackParts);
  const sections = sectionParts.map((parts) => assemble(parts, Number.POSITIVE_INFINITY));
  const full = join([...head, fullTable(report.stacks), loud, ...sections, meta]);
  if (measure(full) <= maxLength) return { body: full, truncated: false };

  // Trimmed: the table gets what the head, loud blocks and metadata leave, less room kept for the sections.
  const fixedCost = measure(join([...head, loud, meta])) + 4;
  const table = renderTable(report.stacks, Math.max(0, maxLength - fixedCost - 400), measure);

  const runLink = report.runUrl ? ` ([workflow run](${percentEncode(report.runUrl)}))` : '';
  const notice = `> [!NOTE]\n> Details trimmed to fit the size limit; the full report is in ${options.fullReportIn}${runLink}.`;
  const frame = join([...head, table, loud, notice, meta]);
  if (measure(frame) > maxLength) {
    // Even the frame is too big (thousands of stacks or findings): the verdict and a pointer always fit.
    const minimal = join([...head, notice, meta]);
    return { body: measure(minimal) <= maxLength ? minimal : join(head), truncated: true };
  }
  // Each section also costs its blank-line separator, so sections within their shares fit; a section with
  // nothing that fits is '' and left out by join.
  const budget = maxLength - measure(frame) - 2 * sections.length;
  const shares = fairShares(sections.map(measure), budget);
  const trimmed = sectionParts.map((parts, index) =>
    renderStackWithin(parts, shares[index] ?? 0, measure, options.fullReportIn),
  );
  return { body: join([...head, table, loud, notice, ...trimmed, meta]), truncated: true };
}

/** The sticky PR comment: never longer than `maxLength` (GitHub's 65,536 by default). */
export function renderComment(
  report: RunReport,
  options: { maxLength?: number } = {},
): { body: string; truncated: boolean } {
  return renderReport(report, {
    maxLength: options.maxLength ?? COMMENT_MAX_LENGTH,
    measure: (text) => text.length,
    comment: true,
    fullReportIn: 'the job summary',
  });
}

/** The job summary: the same content within 1 MiB (bytes), no marker or metadata. */
export function renderSummary(report: RunReport, options: { maxBytes?: number } = {}): string {
  return renderReport(report, {
    maxLength: options.maxBytes ?? SUMMARY_MAX_BYTES,
    measure: (text) => Buffer.byteLength(text), // UTF-8
    comment: false,
    fullReportIn: 'the run log',
  }).body;
}

/**
 * The full report as the run log shows it (between stop-commands markers): the summary's text without control
 * characters, and with the legacy `##[command]` form, which is read anywhere on a line, broken.
 */
export function renderLogReport(report: RunReport): string {
  return stripControl(renderSummary(report)).replace(/##\[/g, '#\u200b#[');
}

// ---- JSON for `stackgate render --format json` -----------------------------------------------------------

function changeToJson(change: ResourceChange): Record<string, unknown> {
  return {
    address: change.address,
    action: change.action,
    ...(change.previousAddress ? { previousAddress: change.previousAddress } : {}),
    ...(change.replacePaths.length > 0 ? { replacePaths: change.replacePaths } : {}),
    ...(change.replaceOrder ? { replaceOrder: change.replaceOrder } : {}),
    ...(change.actionReason ? { actionReason: change.actionReason } : {}),
    ...(change.importing ? { importing: change.importing } : {}),
    mode: change.mode,
    type: change.type,
    name: change.name,
    ...(change.moduleAddress ? { moduleAddress: change.moduleAddress } : {}),
    providerName: change.providerName,
    ...(change.before !== undefined ? { before: change.before } : {}),
    ...(change.after !== undefined ? { after: change.after } : {}),
  };
}

/** The plan as plain JSON (secrets already redacted; `secrets` is never included). */
export function planToJson(plan: Plan): {
  counts: Omit<PlanCounts, 'forget'>;
  hasChanges: boolean;
  changes: Record<string, unknown>[];
  drift: Record<string, unknown>[];
  outputs: Record<string, unknown>[];
  diagnostics: Diagnostic[];
  redactedCount: number;
} {
  return {
    // The documented JSON shape: tofu's three numbers and Stackgate's five (forget shows in the text only).
    counts: {
      add: plan.counts.add,
      change: plan.counts.change,
      destroy: plan.counts.destroy,
      replace: plan.counts.replace,
      import: plan.counts.import,
      move: plan.counts.move,
      read: plan.counts.read,
      drift: plan.counts.drift,
    },
    hasChanges: plan.hasChanges,
    changes: plan.changes.map(changeToJson),
    drift: plan.drift.map(changeToJson),
    outputs: plan.outputs.map((output) => ({ ...output })),
    diagnostics: plan.diagnostics,
    redactedCount: plan.redactedCount,
  };
}
