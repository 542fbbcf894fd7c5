// Diagnostics with a place in a file become check-run annotations.
import type { Diagnostic } from '../plan/model.js';
import type { RunReport } from './types.js';

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

const MESSAGE_LIMIT = 64 * 1024 - 1;

export function annotationFromDiagnostic(diagnostic: Diagnostic, title?: string): Annotation | undefined {
  if (!diagnostic.file || !diagnostic.line) return undefined;
  const endLine =
    diagnostic.endLine && diagnostic.endLine >= diagnostic.line ? diagnostic.endLine : diagnostic.line;
  const sameLine = endLine === diagnostic.line;
  const message = [diagnostic.summary, diagnostic.detail].filter(Boolean).join('\n\n');
  return {
    path: diagnostic.file,
    start_line: diagnostic.line,
    end_line: endLine,
    // GitHub accepts columns only on single-line annotations.
    ...(sameLine && diagnostic.column ? { start_column: diagnostic.column } : {}),
    ...(sameLine && diagnostic.column && diagnostic.endColumn && diagnostic.endColumn >= diagnostic.column
      ? { end_column: diagnostic.endColumn }
      : {}),
    annotation_level: diagnostic.severity === 'error' ? 'failure' : 'warning',
    message: message.slice(0, MESSAGE_LIMIT),
    ...(title ? { title: title.slice(0, 255) } : {}),
  };
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
