// Diagnostics with a place in a file become check-run annotations.
import type { Diagnostic } from '../plan/model.js';
import { annotationFromFinding } from './findings.js';
import type { RunReport } from './types.js';
import { stripControl } from './escape.js';

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

export function annotationFromDiagnostic(diagnostic: Diagnostic, title?: string): Annotation | undefined {
  return annotationFromFinding({
    kind: 'validate',
    severity: diagnostic.severity,
    file: diagnostic.file,
    line: diagnostic.line,
    column: diagnostic.column,
    endLine: diagnostic.endLine,
    endColumn: diagnostic.endColumn,
    title: title ?? diagnostic.summary,
    message: [diagnostic.summary, diagnostic.detail].filter(Boolean).join('\n\n'),
  });
}

export function annotationsFromReport(report: RunReport): Annotation[] {
  const annotations: Annotation[] = [];
  for (const stack of report.stacks) {
    const diagnostics = [...stack.diagnostics, ...(stack.plan?.diagnostics ?? [])];
    for (const diagnostic of diagnostics) {
      const annotation = annotationFromDiagnostic(diagnostic, `${stack.name}: ${diagnostic.summary}`);
      if (annotation) annotations.push(annotation);
    }
  }
  return annotations;
}

/** Annotation text without ANSI escapes or control characters (it reaches the log and the checks page). */
export function safeAnnotationText(annotation: Annotation): Pick<Annotation, 'message' | 'title'> {
  return {
    message: stripControl(annotation.message),
    ...(annotation.title !== undefined ? { title: stripControl(annotation.title) } : {}),
  };
}
