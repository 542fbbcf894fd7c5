// Findings of the checks that guard the door (config, formatting, validation, secrets, policies): the
// engine-neutral shape, its annotations, and its Markdown, each within a budget.
import type { Annotation } from './annotations.js';
import { codeBlock, escapeText, inlineCode } from './escape.js';

export type FindingKind = 'config' | 'format' | 'validate' | 'secret' | 'policy' | 'engine' | 'stack';

export interface Finding {
  kind: FindingKind;
  severity: 'error' | 'warning' | 'notice';
  stack?: string;
  /** Path relative to the repository root. */
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  title: string;
  message: string;
  /** Longer text shown in the report, e.g. the formatter's diff. Never holds a secret. */
  detail?: string;
  /** A policy violation waived by a label: reported, never failing. */
  waivedBy?: string;
}

const KIND_LABELS: Record<FindingKind, string> = {
  config: 'Config',
  format: 'Formatting',
  validate: 'Validation',
  secret: 'Secret',
  policy: 'Policy',
  engine: 'Engine',
  stack: 'Stack',
};

export function failingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((finding) => finding.severity === 'error' && !finding.waivedBy);
}

export function annotationFromFinding(finding: Finding): Annotation | undefined {
  if (!finding.file || !finding.line) return undefined;
  const endLine = finding.endLine && finding.endLine >= finding.line ? finding.endLine : finding.line;
  const sameLine = endLine === finding.line;
  const level = finding.waivedBy ? 'notice' : finding.severity === 'error' ? 'failure' : finding.severity;
  return {
    path: finding.file,
    start_line: finding.line,
    end_line: endLine,
    ...(sameLine && finding.column ? { start_column: finding.column } : {}),
    ...(sameLine && finding.column && finding.endColumn && finding.endColumn >= finding.column
      ? { end_column: finding.endColumn }
      : {}),
    annotation_level: level,
    title: `${KIND_LABELS[finding.kind]}: ${finding.title}`.slice(0, 255),
    message: (finding.waivedBy
      ? `${finding.message} (waived by label ${finding.waivedBy})`
      : finding.message
    ).slice(0, 65_000),
  };
}

function place(finding: Finding): string {
  if (!finding.file) return finding.stack ? inlineCode(finding.stack) : '';
  return inlineCode(finding.line ? `${finding.file}:${finding.line}` : finding.file);
}

function icon(finding: Finding): string {
  if (finding.waivedBy) return '✅';
  return finding.severity === 'error' ? '❌' : finding.severity === 'warning' ? '⚠️' : 'ℹ️';
}

function findingLine(finding: Finding): string {
  const waived = finding.waivedBy ? ` — waived by label ${inlineCode(finding.waivedBy)}` : '';
  const where = place(finding);
  return `- ${icon(finding)} **${KIND_LABELS[finding.kind]}** ${where ? `${where} ` : ''}${escapeText(finding.message)}${waived}`;
}

/** A Markdown section listing findings, details (diffs) included while they fit in `maxLength`. */
export function renderFindings(findings: readonly Finding[], maxLength = 20_000): string {
  if (findings.length === 0) return '';
  const errors = failingFindings(findings).length;
  const heading = `### Checks — ${errors} blocking, ${findings.length - errors} other`;
  const parts: string[] = [heading, ''];
  let used = heading.length + 2;
  let shown = 0;
  const ordered = [...findings].sort((a, b) => rank(a) - rank(b));
  for (const finding of ordered) {
    let entry = findingLine(finding);
    if (finding.detail) {
      const detail = `\n\n  <details><summary>diff</summary>\n\n${indent(codeBlock(finding.detail, 'diff'))}\n\n  </details>\n`;
      if (used + entry.length + detail.length < maxLength - 200) entry += detail;
    }
    if (used + entry.length + 1 > maxLength - 200) break;
    parts.push(entry);
    used += entry.length + 1;
    shown++;
  }
  if (shown < ordered.length) {
    parts.push('', `_…and ${ordered.length - shown} more: every finding is an annotation on the check run._`);
  }
  return parts.join('\n');
}

function rank(finding: Finding): number {
  if (finding.waivedBy) return 3;
  return finding.severity === 'error' ? 0 : finding.severity === 'warning' ? 1 : 2;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}

/** One line for the log and the failure message: `file:line:column: message`. */
export function describeFinding(finding: Finding): string {
  const place = finding.file
    ? `${finding.file}${finding.line ? `:${finding.line}` : ''}${finding.line && finding.column ? `:${finding.column}` : ''}: `
    : finding.stack
      ? `${finding.stack}: `
      : '';
  return `${place}${finding.message.split('\n')[0]}`;
}

/** The gate's message for blocking findings: the first few, then a count. */
export function blockingSummary(blocking: readonly Finding[], shown = 5): string {
  const lines = blocking.slice(0, shown).map((finding) => `  ${describeFinding(finding)}`);
  if (blocking.length > shown) lines.push(`  …and ${blocking.length - shown} more (see the check run)`);
  return `${blocking.length} blocking finding(s):\n${lines.join('\n')}`;
}
