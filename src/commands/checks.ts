// The checks that guard the door, shared by `validate` and the start of `plan`: engines installed, formatting,
// validation, and secrets in the files the change touches.
import * as core from '@actions/core';
import { readdirSync } from 'node:fs';
import { lstat, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { forEachStack } from '../stacks/runner.js';
import type { LoadedConfig } from '../config/types.js';
import {
  engineFor,
  engineNamed,
  type Engine,
  type EngineContext,
  type EngineName,
} from '../engines/index.js';
import type { FormatProblem } from '../engines/types.js';
import type { Diagnostic } from '../plan/model.js';
import type { Finding } from '../report/findings.js';
import {
  findingMessage,
  isAllowListed,
  isText,
  scanTextWithValues,
  type SecretFinding,
} from '../scan/secrets.js';
import type { Stack } from '../stacks/discover.js';
import { redactDiagnostics, redactText } from '../plan/redact.js';
import { isSecretName } from '../scan/names.js';
import { maskEngineInputs } from './masking.js';
import { hideLiterals, lineStates } from '../scan/hcl-text.js';

const SKIPPED_FOLDERS = new Set(['.git', '.terraform', 'node_modules']);
export const MAX_SCANNED_BYTES = 2 * 1024 * 1024;

/**
 * Every file of the workspace (relative, posix), for scans on push and schedules. Read synchronously, like the
 * selection's listings: it runs before any engine starts, when nothing else waits on this thread, and a promise
 * per folder left the thread idle between the calls.
 */
export function listWorkspaceFiles(workspace: string): string[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(path.join(workspace, folder), { withFileTypes: true })) {
      const relative = folder ? `${folder}/${entry.name}` : entry.name;
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) walk(relative);
      else if (entry.isFile()) files.push(relative);
    }
  };
  walk('');
  return files.sort();
}

/**
 * The text of a workspace file, or undefined when it is not a regular file inside the workspace: a symlink (a
 * change can point one anywhere, e.g. at the runner's credentials), a path resolving outside, gone, or too big.
 */
export async function readWorkspaceFile(workspace: string, file: string): Promise<string | undefined> {
  const absolute = path.resolve(workspace, file);
  const info = await lstat(absolute).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_SCANNED_BYTES) return undefined; // symlink, deleted, or not text
  const [root, real] = await Promise.all([
    realpath(workspace).catch(() => undefined),
    realpath(absolute).catch(() => undefined),
  ]);
  // A symlinked folder on the way can still lead outside.
  if (!root || !real || (real !== root && !real.startsWith(`${root}${path.sep}`))) return undefined;
  return readFile(real, 'utf8').catch(() => undefined);
}

/** A file the secret scan read, or why it did not: binary, over the size cap, or not a regular file inside. */
type ScanRead = { text: string } | { skipped: 'binary' | 'large' } | undefined;

async function readForScan(workspace: string, file: string): Promise<ScanRead> {
  const absolute = path.resolve(workspace, file);
  const info = await lstat(absolute).catch(() => undefined);
  if (!info?.isFile()) return undefined; // symlink, deleted, folder
  if (info.size > MAX_SCANNED_BYTES) return { skipped: 'large' };
  const [root, real] = await Promise.all([
    realpath(workspace).catch(() => undefined),
    realpath(absolute).catch(() => undefined),
  ]);
  if (!root || !real || (real !== root && !real.startsWith(`${root}${path.sep}`))) return undefined;
  const bytes = await readFile(real).catch(() => undefined);
  if (!bytes) return undefined;
  return isText(bytes) ? { text: bytes.toString('utf8') } : { skipped: 'binary' };
}

/** Files the scan could not read, named in a notice (a few of each kind, then a count). */
export function skippedNotice(binary: string[], large: string[]): Finding[] {
  if (binary.length === 0 && large.length === 0) return [];
  const list = (files: string[]) =>
    files.slice(0, 5).join(', ') + (files.length > 5 ? ` and ${files.length - 5} more` : '');
  const parts = [
    ...(binary.length > 0 ? [`${binary.length} binary file(s) (${list(binary)})`] : []),
    ...(large.length > 0
      ? [`${large.length} file(s) over ${MAX_SCANNED_BYTES / 1024 / 1024} MiB (${list(large)})`]
      : []),
  ];
  return [
    {
      kind: 'secret',
      severity: 'notice',
      title: 'Files not scanned for secrets',
      message: `Not scanned for secrets: ${parts.join(' and ')}.`,
    },
  ];
}

/** A secret the scan found, with its raw value to tell it apart from others (never shown). */
export interface ScannedSecret {
  finding: SecretFinding;
  value: string;
}

/** What a scan of files found, and the files it skipped: binary, or over the size cap. */
export interface FileScan {
  found: ScannedSecret[];
  binary: string[];
  large: string[];
}

/**
 * Scans every text file given for secrets; every raw value found is masked in the log at once. Binary files and
 * files over the size cap are skipped and returned, to be named in a notice.
 */
export async function scanFiles(workspace: string, files: string[], allow: string[]): Promise<FileScan> {
  const scan: FileScan = { found: [], binary: [], large: [] };
  for (const file of files) {
    if (isAllowListed(file, allow)) continue;
    const read = await readForScan(workspace, file);
    if (read === undefined) continue;
    if ('skipped' in read) {
      (read.skipped === 'binary' ? scan.binary : scan.large).push(file);
      continue;
    }
    const { findings, secrets, values } = scanTextWithValues(file, read.text, { allow });
    for (const secret of secrets) core.setSecret(secret);
    findings.forEach((finding, index) => scan.found.push({ finding, value: values[index] ?? '' }));
  }
  return scan;
}

/** The findings of `scanFiles`, with the notice of skipped files. */
export async function scanSecrets(workspace: string, files: string[], allow: string[]): Promise<Finding[]> {
  const scan = await scanFiles(workspace, files, allow);
  return [
    ...scan.found.map(({ finding }) => secretFinding(finding)),
    ...skippedNotice(scan.binary, scan.large),
  ];
}

export function secretFinding(finding: SecretFinding): Finding {
  return {
    kind: 'secret',
    severity: 'error',
    file: finding.file,
    line: finding.line,
    column: finding.column,
    endColumn: finding.endColumn,
    title: finding.title,
    message: findingMessage(finding),
  };
}

const ASSIGNMENT_LINE = /^([+\- ]\s*)("?)([A-Za-z0-9_.-]+)\2(\s*=\s*)(.+)$/;
/** `name = <<EOT` / `"name" = <<-EOT` closing a line: a heredoc opener (`:` in object constants). */
const HEREDOC_OPENER = /(?:^|[^\w.$-])"?([A-Za-z_][\w.-]*)"?\s*[=:]\s*<<-?([A-Za-z_][\w-]*)\s*$/;
const HIDDEN_LINE = '(sensitive value)';

/** Old-side line (1-based) → closing marker, for each body and closing line of every heredoc. */
function heredocBodyLines(text: string): Map<number, string> {
  const hidden = new Map<number, string>();
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  for (let index = 0; index < lines.length; index++) {
    const opener = HEREDOC_OPENER.exec(lines[index] ?? '');
    if (!opener) continue;
    const [, , marker = ''] = opener;
    for (index++; index < lines.length; index++) {
      // Every heredoc body is hidden: formatting never changes it, and it may hold anything.
      hidden.set(index + 1, marker);
      if ((lines[index] ?? '').trim() === marker) break;
    }
  }
  return hidden;
}

/**
 * A formatter diff shows file content, so it passes through the same guard as plans: values of secret-looking
 * names are hidden, and so is every secret the scanner finds in the file (masked in the log as well). A heredoc
 * under a secret-looking name is hidden whole, body and closing marker, keeping only each line's diff prefix.
 */
export async function redactFormatDiff(workspace: string, file: string, diff: string): Promise<string> {
  const text = (await readWorkspaceFile(workspace, file)) ?? '';
  const { secrets } = scanTextWithValues(file, text);
  for (const secret of secrets) core.setSecret(secret);
  // A hunk may start inside a heredoc whose opener it does not show: the file (the diff's old side) tells.
  const hiddenOld = heredocBodyLines(text);
  // Comments and string literals (templates included) are hidden; a hunk may start inside a block comment.
  const commentsOld = lineStates(text);
  const sides = { old: { inBlockComment: false }, new: { inBlockComment: false } };
  let oldLine = 0;
  /** The heredoc being read: its closing marker, and whether its body is hidden. */
  let heredoc: { marker: string; secret: boolean } | undefined;
  const lines = diff.split('\n').map((line) => {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      heredoc = undefined;
      const start = commentsOld[oldLine - 1]?.inBlockComment ?? false;
      sides.old = { inBlockComment: start };
      sides.new = { inBlockComment: start };
      return line;
    }
    const prefix = line.charAt(0);
    // File headers before the first hunk, `\ No newline at end of file`: not content.
    if (oldLine === 0 || !['+', '-', ' '].includes(prefix)) return line;
    const content = line.slice(1);
    if (prefix !== '+') {
      const marker = hiddenOld.get(oldLine);
      if (marker !== undefined && !heredoc?.secret) heredoc = { marker, secret: true };
      oldLine++;
    }
    const opener = HEREDOC_OPENER.exec(content);
    const assignment = ASSIGNMENT_LINE.exec(line);
    const named =
      assignment && isSecretName(assignment[3] ?? '')
        ? `${assignment[1]}${assignment[2]}${assignment[3]}${assignment[2]}${assignment[4]}${HIDDEN_LINE}`
        : undefined;
    if (heredoc) {
      const { secret, marker } = heredoc;
      if (content.trim() === marker) heredoc = undefined;
      if (!secret) return line;
      // The other side's copy of the opener (`-` old, `+` formatted) keeps its name like the first.
      return opener?.[2] === marker && named ? named : `${prefix}${HIDDEN_LINE}`;
    }
    if (opener) heredoc = { marker: opener[2] ?? '', secret: true };
    // Context lines belong to both sides; each side keeps its own block-comment state.
    const shown = hideLiterals(content, prefix === '+' ? sides.new : sides.old);
    if (prefix === ' ') hideLiterals(content, sides.new);
    return named ?? `${prefix}${shown}`;
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

/** Misformatted files as blocking findings; their diffs pass through the redaction first. */
async function formatFindings(
  workspace: string,
  stack: string,
  engine: string,
  problems: readonly FormatProblem[],
  folder: string,
): Promise<Finding[]> {
  return Promise.all(
    problems.map(async (problem): Promise<Finding> => ({
      kind: 'format',
      severity: 'error',
      stack,
      file: problem.file,
      line: problem.line,
      title: 'File is not formatted',
      message: `${problem.file} is not formatted as \`${engine} fmt\` would write it: run \`${engine} fmt\` in ${folder}.`,
      detail: await redactFormatDiff(workspace, problem.file, problem.diff),
    })),
  );
}

function diagnosticFinding(stack: string, diagnostic: Diagnostic): Finding {
  return {
    kind: 'validate',
    severity: diagnostic.severity,
    stack,
    file: diagnostic.file,
    line: diagnostic.line,
    column: diagnostic.column,
    endLine: diagnostic.endLine,
    endColumn: diagnostic.endColumn,
    title: diagnostic.summary,
    message: [diagnostic.summary, diagnostic.detail].filter(Boolean).join(': '),
  };
}

/** A module folder checked like a stack for formatting: no workspace, variables or environment of its own. */
function moduleAsStack(folder: string): Stack {
  return { name: folder, path: folder, workspace: 'default', varFiles: [], env: {}, whenModified: [] };
}

export interface EngineCheckOptions {
  workspace: string;
  config: LoadedConfig | undefined;
  stacks: Stack[];
  fallbackEngine: EngineName;
  engineContext: EngineContext;
  parallelism: number;
  /** Run `validate -json` too (the plan command learns the same from planning). */
  validate: boolean;
  /** Local module folders the stacks call: their formatting is checked too (validation covers them already). */
  moduleFolders?: Iterable<string>;
}

/**
 * The formatting of every folder given, one process per engine that can check several folders at once (by
 * engine, then folder); a folder it could not tell apart from the others is absent, for its own check.
 */
async function formatEveryFolder(
  folders: readonly { engine: Engine; folder: string }[],
  context: EngineContext,
): Promise<Map<EngineName, Map<string, FormatProblem[]>>> {
  const byEngine = new Map<Engine, string[]>();
  for (const { engine, folder } of folders) byEngine.set(engine, [...(byEngine.get(engine) ?? []), folder]);
  const formatted = new Map<EngineName, Map<string, FormatProblem[]>>();
  await Promise.all(
    [...byEngine].map(async ([engine, list]) => {
      const found = list.length > 0 ? await engine.checkFormat?.(list, context) : undefined;
      if (found) formatted.set(engine.name, found);
    }),
  );
  return formatted;
}

/**
 * Engines installed, then formatting (one process over every folder where it can) and, optionally, `validate`
 * per stack.
 */
export async function checkStacks(options: EngineCheckOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  // Masked before any engine starts; what the engines print is redacted with the same values.
  const handed = maskEngineInputs(options.engineContext.env, ...options.stacks.map((stack) => stack.env));
  const configText = options.config
    ? await readFile(path.join(options.workspace, options.config.file), 'utf8').catch(() => undefined)
    : undefined;
  const installed = new Map<string, boolean>();
  for (const stack of options.stacks) {
    const engine = engineFor(stack, options.fallbackEngine).name;
    if (!installed.has(engine))
      installed.set(engine, await engineFor(stack, options.fallbackEngine).available());
    if (!installed.get(engine)) {
      findings.push({
        kind: 'engine',
        severity: 'error',
        stack: stack.name,
        file: options.config?.file,
        ...(options.config ? stackPosition(configText, stack.name) : {}),
        title: `${engine} is not installed`,
        message:
          engine === 'ansible'
            ? `Stack ${stack.name} uses Ansible, but ansible-playbook is not on PATH: install ansible-core (e.g. \`pipx install ansible-core\`) in a step before Stackgate.`
            : `Stack ${stack.name} uses ${engine}, which is not on PATH: add a setup step (e.g. opentofu/setup-opentofu or hashicorp/setup-terraform) before Stackgate.`,
      });
    }
  }
  // One check per folder: stacks sharing it (one per workspace) would report the same files twice.
  const folders = options.stacks.filter(
    (stack, index) => options.stacks.findIndex((other) => other.path === stack.path) === index,
  );
  const stackFolders = new Set(options.stacks.map((stack) => stack.path));
  const modules = [...new Set(options.moduleFolders ?? [])]
    .filter((folder) => !stackFolders.has(folder))
    .sort();
  const moduleEngine = engineNamed(options.fallbackEngine);
  const modulesChecked = installed.get(moduleEngine.name) ?? (await moduleEngine.available());
  const formatted = await formatEveryFolder(
    [
      ...folders.flatMap((stack) => {
        const engine = engineFor(stack, options.fallbackEngine);
        return installed.get(engine.name) ? [{ engine, folder: stack.path }] : [];
      }),
      ...(modulesChecked ? modules.map((folder) => ({ engine: moduleEngine, folder })) : []),
    ],
    options.engineContext,
  );
  const perStack = await forEachStack(folders, options.parallelism, async (stack): Promise<Finding[]> => {
    const engine = engineFor(stack, options.fallbackEngine);
    if (!installed.get(engine.name)) return [];
    const format = formatted.get(engine.name)?.get(stack.path);
    const result =
      format && !options.validate
        ? { format, diagnostics: [] }
        : await engine.check(stack, options.engineContext, {
            validate: options.validate,
            format: format === undefined,
          });
    const stackFindings = [
      ...(await formatFindings(
        options.workspace,
        stack.name,
        engine.name,
        format ?? result.format,
        stack.path,
      )),
      ...redactDiagnostics(result.diagnostics, handed).map((diagnostic) =>
        diagnosticFinding(stack.name, diagnostic),
      ),
    ];
    if (result.message && result.diagnostics.length === 0) {
      const message = redactText(result.message, handed);
      stackFindings.push({
        kind: 'validate',
        severity: 'error',
        stack: stack.name,
        title: message,
        message,
      });
    }
    return stackFindings;
  });
  const perModule = !modulesChecked
    ? []
    : await forEachStack(modules.map(moduleAsStack), options.parallelism, async (module) => {
        const format = formatted.get(moduleEngine.name)?.get(module.path);
        const result = format
          ? { format, diagnostics: [] }
          : await moduleEngine.check(module, options.engineContext, { validate: false });
        return [
          ...(await formatFindings(
            options.workspace,
            module.path,
            moduleEngine.name,
            result.format,
            module.path,
          )),
          ...redactDiagnostics(result.diagnostics, handed).map((diagnostic) =>
            diagnosticFinding(module.path, diagnostic),
          ),
        ];
      });
  return [...findings, ...perStack.flat(), ...perModule.flat()];
}
