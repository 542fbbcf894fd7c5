// The checks that guard the door, shared by `validate` and the start of `plan`: engines installed, formatting,
// validation, and secrets in the files the change touches.
import * as core from '@actions/core';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { LoadedConfig } from '../config/types.js';
import { which } from '../engines/exec.js';
import { checkTerraformStack, type EngineContext } from '../engines/terraform.js';
import type { Finding } from '../report/findings.js';
import { findingMessage, isScannable, scanTextWithValues } from '../scan/secrets.js';
import type { Stack } from '../stacks/discover.js';
import { looksSecret } from '../plan/redact.js';

const SKIPPED_FOLDERS = new Set(['.git', '.terraform', 'node_modules']);
const MAX_SCANNED_BYTES = 2 * 1024 * 1024;

/** Every file of the workspace (relative, posix), for scans on push and schedules. */
export async function listWorkspaceFiles(workspace: string, folder = ''): Promise<string[]> {
  const entries = await readdir(path.join(workspace, folder), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const relative = folder ? `${folder}/${entry.name}` : entry.name;
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) {
      files.push(...(await listWorkspaceFiles(workspace, relative)));
    } else if (entry.isFile()) {
      files.push(relative);
    }
  }
  return files.sort();
}

/** Scans the given files for secrets; every raw value found is masked in the log at once. */
export async function scanSecrets(workspace: string, files: string[], allow: string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of files) {
    if (!isScannable(file)) continue;
    const absolute = path.join(workspace, file);
    const info = await stat(absolute).catch(() => undefined);
    if (!info?.isFile() || info.size > MAX_SCANNED_BYTES) continue; // deleted by the change, or not text
    const text = await readFile(absolute, 'utf8');
    const { findings: found, secrets } = scanTextWithValues(file, text, { allow });
    for (const secret of secrets) core.setSecret(secret);
    for (const finding of found) {
      findings.push({
        kind: 'secret',
        severity: 'error',
        file: finding.file,
        line: finding.line,
        column: finding.column,
        endColumn: finding.endColumn,
        title: finding.title,
        message: findingMessage(finding),
      });
    }
  }
  return findings;
}

const ASSIGNMENT_LINE = /^([+\- ]\s*)("?)([A-Za-z0-9_.-]+)\2(\s*=\s*)(.+)$/;

/**
 * A formatter diff shows file content, so it passes through the same guard as plans: values of secret-looking
 * names are hidden, and so is every secret the scanner finds in the file (masked in the log as well).
 */
export async function redactFormatDiff(workspace: string, file: string, diff: string): Promise<string> {
  const text = await readFile(path.join(workspace, file), 'utf8').catch(() => '');
  const { secrets } = scanTextWithValues(file, text);
  for (const secret of secrets) core.setSecret(secret);
  const lines = diff.split('\n').map((line) => {
    const match = ASSIGNMENT_LINE.exec(line);
    if (match && looksSecret(match[3] ?? ''))
      return `${match[1]}${match[2]}${match[3]}${match[2]}${match[4]}(sensitive value)`;
    return line;
  });
  let redacted = lines.join('\n');
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) redacted = redacted.split(secret).join('(sensitive value)');
  }
  return redacted;
}

/** Where the config declares a stack (its `name:` key), for findings about it; line 1 when not found. */
function stackPosition(configText: string | undefined, name: string): { line: number; column: number } {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^(\\s*-?\\s*)name:\\s*['"]?${escaped}['"]?\\s*(#.*)?$`);
  const lines = (configText ?? '').split('\n');
  for (let index = 0; index < lines.length; index++) {
    const match = pattern.exec(lines[index] ?? '');
    if (match) return { line: index + 1, column: (match[1]?.length ?? 0) + 1 };
  }
  return { line: 1, column: 1 };
}

export interface EngineCheckOptions {
  workspace: string;
  config: LoadedConfig | undefined;
  stacks: Stack[];
  fallbackEngine: string;
  engineContext: Omit<EngineContext, 'binary'>;
  parallelism: number;
  /** Run `validate -json` too (the plan command learns the same from planning). */
  validate: boolean;
}

/** Engines installed, then per stack `fmt -check` and (optionally) `validate`. */
export async function checkStacks(options: EngineCheckOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const configText = options.config
    ? await readFile(path.join(options.workspace, options.config.file), 'utf8').catch(() => undefined)
    : undefined;
  const installed = new Map<string, boolean>();
  for (const stack of options.stacks) {
    const engine = stack.engine ?? options.fallbackEngine;
    if (engine === 'ansible') continue;
    if (!installed.has(engine)) installed.set(engine, (await which(engine)) !== undefined);
    if (!installed.get(engine)) {
      findings.push({
        kind: 'engine',
        severity: 'error',
        stack: stack.name,
        file: options.config?.file,
        ...(options.config ? stackPosition(configText, stack.name) : {}),
        title: `${engine} is not installed`,
        message: `Stack ${stack.name} uses ${engine}, which is not on PATH: add a setup step (e.g. opentofu/setup-opentofu or hashicorp/setup-terraform) before Stackgate.`,
      });
    }
  }
  const limit = pLimit(options.parallelism);
  const perStack = await Promise.all(
    options.stacks.map((stack) =>
      limit(async (): Promise<Finding[]> => {
        const engine = stack.engine ?? options.fallbackEngine;
        if (engine === 'ansible' || !installed.get(engine)) return [];
        const result = await checkTerraformStack(
          stack,
          { ...options.engineContext, binary: engine },
          options.validate,
        );
        const format = await Promise.all(
          result.format.map(async (problem) => ({
            ...problem,
            diff: await redactFormatDiff(options.workspace, problem.file, problem.diff),
          })),
        );
        const stackFindings: Finding[] = format.map((problem) => ({
          kind: 'format',
          severity: 'error',
          stack: stack.name,
          file: problem.file,
          line: problem.line,
          title: 'File is not formatted',
          message: `${problem.file} is not formatted as \`${engine} fmt\` would write it: run \`${engine} fmt\` in ${stack.path}.`,
          detail: problem.diff,
        }));
        for (const diagnostic of result.diagnostics) {
          stackFindings.push({
            kind: 'validate',
            severity: diagnostic.severity,
            stack: stack.name,
            file: diagnostic.file,
            line: diagnostic.line,
            column: diagnostic.column,
            endLine: diagnostic.endLine,
            endColumn: diagnostic.endColumn,
            title: diagnostic.summary,
            message: [diagnostic.summary, diagnostic.detail].filter(Boolean).join(': '),
          });
        }
        if (result.message && result.diagnostics.length === 0) {
          stackFindings.push({
            kind: 'validate',
            severity: 'error',
            stack: stack.name,
            title: result.message,
            message: result.message,
          });
        }
        return stackFindings;
      }),
    ),
  );
  return [...findings, ...perStack.flat()];
}
