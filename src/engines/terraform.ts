// Terraform and OpenTofu: init, plan to a saved file, show it as JSON, parse into the plan model.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Diagnostic, Plan } from '../plan/model.js';
import { planFingerprint } from '../plan/fingerprint.js';
import { diagnosticsFromJson, parseTerraformPlan } from '../plan/terraform-json.js';
import type { Stack } from '../stacks/discover.js';
import { execFile, which, type ExecResult } from '../process/exec.js';
import { cacheInit, providerFootprint } from './provider-installs.js';
import type {
  Engine,
  EngineContext,
  FingerprintSalt,
  FormatProblem,
  PlanOptions,
  StackApplyResult,
  StackCheckResult,
  StackPlanResult,
} from './types.js';

export type { FormatProblem, StackCheckResult, StackPlanResult } from './types.js';

/** The engine context with the binary to run: `tofu` or `terraform` (a name on PATH or a path). */
export interface BinaryContext extends EngineContext {
  binary: string;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
const MAX_ERROR_TEXT = 8 * 1024;

/**
 * The engine environment: the runner's, minus action inputs (the token), plus automation settings and the Go
 * runtime settings for `lanes` engines at once (see `tuneGoRuntime`).
 */
export function engineEnvironment(
  base: Record<string, string | undefined>,
  lanes = 1,
  machine: Machine = thisMachine(),
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(base)) {
    if (key.startsWith('INPUT_') || key === 'ACTIONS_RUNTIME_TOKEN') continue;
    env[key] = value;
  }
  env.TF_IN_AUTOMATION = '1';
  env.TF_INPUT = '0';
  env.NO_COLOR = '1';
  tuneGoRuntime(env, lanes, machine);
  return env;
}

/** What the Go runtime settings of the engines are sized to. */
export interface Machine {
  cores: number;
  memoryBytes: number;
}

/** This machine's cores and memory, within the container's memory limit when there is one. */
export function thisMachine(): Machine {
  const limit = process.constrainedMemory();
  return {
    cores: os.availableParallelism(),
    memoryBytes: limit > 0 ? Math.min(limit, os.totalmem()) : os.totalmem(),
  };
}

/** Go's collector target for the engines: the heap grows to 5× what is live before a collection (Go's default is 2×). */
export const ENGINE_GOGC = 400;
/** Below this memory limit per engine process the engines keep Go's defaults: a tight limit costs more than it saves. */
export const MIN_ENGINE_MEMORY_LIMIT_MIB = 256;

/**
 * The Go runtime settings of the engines (tofu, terraform, terragrunt and the provider plugins they start inherit
 * them). Go sizes its runtime to every core, so N engines side by side on N cores fight over them: each gets its
 * share as GOMAXPROCS (a lone stack keeps every core). Engines are short-lived processes whose heap grows from a
 * few MiB, so Go's default collector runs a dozen times in each: GOGC=400 took a quarter to a third off their
 * CPU time (16 small stacks), and a tenth to a fifth off planning and showing 10,000 resources, for about twice
 * the memory. GOMEMLIMIT bounds that per process (a soft limit: past it the collector works as hard as it must):
 * an eighth of the machine's memory per lane, as a lane runs the engine and usually a plugin or more. When that is
 * under 256 MiB (many lanes, little memory) the engines keep Go's defaults. GOMAXPROCS the runner, workflow or
 * stack sets is kept; so are GOGC and GOMEMLIMIT, if either is set (a stack's `env:` sets them over these).
 */
export function tuneGoRuntime(
  env: Record<string, string | undefined>,
  lanes: number,
  machine: Machine = thisMachine(),
): void {
  const share = Math.max(1, lanes);
  if (env.GOMAXPROCS === undefined && share > 1) {
    env.GOMAXPROCS = String(Math.max(1, Math.floor(machine.cores / share)));
  }
  const limitMiB = Math.floor(machine.memoryBytes / (8 * share) / 2 ** 20);
  if (env.GOGC === undefined && env.GOMEMLIMIT === undefined && limitMiB >= MIN_ENGINE_MEMORY_LIMIT_MIB) {
    env.GOGC = String(ENGINE_GOGC);
    env.GOMEMLIMIT = `${limitMiB}MiB`;
  }
}

/** Diagnostics from the `-json` machine-readable log lines tofu and terraform print. */
export function diagnosticsFromLog(log: string, stackPath: string): Diagnostic[] {
  const raw: unknown[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { type?: string; diagnostic?: unknown };
      if (entry.type === 'diagnostic' && entry.diagnostic) raw.push(entry.diagnostic);
    } catch {
      // not a JSON line
    }
  }
  return diagnosticsFromJson(raw, stackPath);
}

export function failureMessage(step: string, result: ExecResult, timeoutMs: number): string {
  if (result.spawnError) return `${step}: ${result.spawnError}`;
  if (result.timedOut) return `${step} timed out after ${Math.round(timeoutMs / 1000)}s and was stopped`;
  if (result.signal) return `${step} was killed by ${result.signal}`;
  return `${step} failed (exit code ${result.exitCode})`;
}

/** Turns a failed step into diagnostics: the structured ones, or the tail of its error output. */
export function failureDiagnostics(result: ExecResult, stackPath: string): Diagnostic[] {
  const parsed = diagnosticsFromLog(result.stdout, stackPath);
  if (parsed.length > 0) return parsed;
  // The tail is where engines say what went wrong; cap it so a flood of output cannot flood the report.
  const tail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-40).join('\n');
  const text = tail.length > MAX_ERROR_TEXT ? `…${tail.slice(-MAX_ERROR_TEXT)}` : tail;
  const summary = (text.split('\n').find((line) => line.trim()) ?? text).slice(0, 300);
  return text ? [{ severity: 'error', summary, detail: text }] : [];
}

const versions = new Map<string, Promise<string | undefined>>();

/** `version -json` of the binary, asked once per run. */
export function engineVersion(context: BinaryContext): Promise<string | undefined> {
  let version = versions.get(context.binary);
  if (!version) {
    version = execFile(context.binary, ['version', '-json'], {
      cwd: context.workspace,
      env: context.env,
      timeoutMs: 60_000,
    }).then((result) => {
      try {
        const parsed = JSON.parse(result.stdout) as { terraform_version?: unknown };
        return typeof parsed.terraform_version === 'string' ? parsed.terraform_version : undefined;
      } catch {
        return undefined;
      }
    });
    versions.set(context.binary, version);
  }
  return version;
}

/** `init`, then the stack's workspace; the failed step when one fails. */
export async function prepare(
  stack: Stack,
  cwd: string,
  run: (args: string[], extraEnv?: Record<string, string>) => Promise<ExecResult>,
  context: Pick<BinaryContext, 'env' | 'tempDir'>,
  /** Terraform/OpenTofu: its binary; inits of one provider footprint then run in parallel once it is cached. */
  binary?: string,
): Promise<{ step: string; result: ExecResult } | undefined> {
  const initArgs = ['init', '-input=false', '-no-color', '-json', ...initArguments(stack)];
  const init = await initWithCache(stack, cwd, initArgs, run, context, binary);
  if (init.exitCode !== 0) return { step: 'init', result: init };
  // Stacks may share a folder with different workspaces (they run one after another): select every time the
  // folder has a selection, so a stack never plans in the workspace its neighbour left behind.
  const workspace = stack.workspace || 'default';
  if (workspace !== 'default' || existsSync(path.join(cwd, '.terraform', 'environment'))) {
    const select = await run(['workspace', 'select', '-or-create=true', '-no-color', workspace]);
    if (select.exitCode !== 0) return { step: `workspace select ${workspace}`, result: select };
  }
  return undefined;
}

/**
 * `init` under the plugin cache's rules (a shared TF_PLUGIN_CACHE_DIR, the job's or the runner's): inits that may
 * install into it take turns (cacheInit), and a folder without a lock file keeps to a folder of its own. Without
 * `binary` (Terragrunt runs the engine itself) the footprint is unknown and the inits take turns.
 */
async function initWithCache(
  stack: Stack,
  cwd: string,
  initArgs: string[],
  run: (args: string[], extraEnv?: Record<string, string>) => Promise<ExecResult>,
  context: Pick<BinaryContext, 'env' | 'tempDir'>,
  binary?: string,
): Promise<ExecResult> {
  const cacheDir = { ...context.env, ...stack.env }.TF_PLUGIN_CACHE_DIR;
  if (!cacheDir) return run(initArgs);
  const footprint = binary ? await providerFootprint(stack, cwd, binary, cacheDir) : undefined;
  if (footprint === undefined && binary && !stack.env?.TF_PLUGIN_CACHE_DIR) {
    return run(initArgs, { TF_PLUGIN_CACHE_DIR: await privateCacheDir(context.tempDir, cwd) });
  }
  return cacheInit(footprint, () => run(initArgs));
}

/**
 * A plugin folder of the stack's own, for a folder without a lock file: OpenTofu then installs its providers
 * from their origin on every init and rewrites the shared cache, which another stack's running plan reads
 * through its `.terraform/providers` links ("Required plugins are not installed" in the end-to-end test here).
 * Without a lock file the shared cache saves no download, so such inits keep to their own and run at once.
 */
async function privateCacheDir(tempDir: string, cwd: string): Promise<string> {
  const dir = path.join(
    tempDir,
    'plugin-cache-own',
    createHash('sha256').update(cwd).digest('hex').slice(0, 16),
  );
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The `plan` command line Stackgate owns, then the stack's own var files and plan options. */
export function planArguments(
  stack: Pick<Stack, 'varFiles' | 'planArgs'>,
  planFile: string,
  refreshOnly: boolean,
): string[] {
  return [
    'plan',
    '-input=false',
    '-no-color',
    '-json',
    '-detailed-exitcode',
    ...(refreshOnly ? ['-refresh-only'] : []),
    `-out=${planFile}`,
    ...stack.varFiles.map((file) => `-var-file=${file}`),
    ...(stack.planArgs ?? []),
  ];
}

/**
 * The stack's backend settings and its own init options. With backend settings, `-reconfigure`: stacks that
 * share a folder with different backends must not see (or migrate) the backend the previous one left there.
 */
export function initArguments(stack: Pick<Stack, 'backendConfig' | 'initArgs'>): string[] {
  const backend = (stack.backendConfig ?? []).map((entry) => `-backend-config=${entry}`);
  return [...(backend.length > 0 ? ['-reconfigure', ...backend] : []), ...(stack.initArgs ?? [])];
}

/** Where this run keeps the plan file of `stack` (its folder is created; only this run's user reads it). */
export async function planFilePath(stack: Stack, tempDir: string, name = 'plan.tfplan'): Promise<string> {
  const planDir = path.join(tempDir, 'plans', planFolderName(stack));
  await mkdir(planDir, { recursive: true, mode: 0o700 });
  return path.join(planDir, name);
}

/** A folder name per stack that no other stack can share (names differing only in punctuation included). */
function planFolderName(stack: Stack): string {
  const readable = stack.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  const unique = createHash('sha256').update(`${stack.name}\0${stack.path}`).digest('hex').slice(0, 12);
  return `${readable}-${unique}`;
}

/** One engine run of a stack: its folder, its environment over the run's, and one deadline for every step. */
export function stackRunner(stack: Stack, context: BinaryContext) {
  const started = Date.now();
  const cwd = path.join(context.workspace, stack.path);
  const env = { ...context.env, ...stack.env };
  const timeoutMs = stack.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const remaining = () => Math.max(1000, started + timeoutMs - Date.now());
  const run = (args: string[], extraEnv?: Record<string, string>) =>
    execFile(context.binary, args, { cwd, env: { ...env, ...extraEnv }, timeoutMs: remaining() });
  return { started, cwd, timeoutMs, remaining, run };
}

export async function planTerraformStack(
  stack: Stack,
  context: BinaryContext,
  salt: FingerprintSalt,
  options: PlanOptions = {},
): Promise<StackPlanResult> {
  const refreshOnly = options.mode === 'refresh-only';
  const { started, cwd, timeoutMs, remaining, run } = stackRunner(stack, context);
  const errored = planFailure(stack, started, timeoutMs);

  const prepared = await prepare(stack, cwd, run, context, context.binary);
  if (prepared) return errored(prepared.step, prepared.result);

  // The refresh-only plan of a drift run sits beside the normal one: neither overwrites the other.
  const planFile = await planFilePath(
    stack,
    context.tempDir,
    refreshOnly ? 'refresh-only.tfplan' : 'plan.tfplan',
  );
  const plan = await run(planArguments(stack, planFile, refreshOnly));
  // -detailed-exitcode: 0 no changes, 2 changes, anything else an error.
  if (plan.exitCode !== 0 && plan.exitCode !== 2) return errored('plan', plan);
  const warnings = diagnosticsFromLog(plan.stdout, stack.path);

  return showPlan(stack, context, planFile, salt, { warnings, started, remaining, errored });
}

/** A failed plan step as a result: its diagnostics, and a short message led by the first error. */
export function planFailure(stack: Stack, started: number, timeoutMs: number) {
  return (step: string, result: ExecResult, extra: Diagnostic[] = []): StackPlanResult => {
    const diagnostics = [...extra, ...failureDiagnostics(result, stack.path)];
    // The first error says what went wrong; it joins the short message shown in the log and the table.
    const first = diagnostics.find((diagnostic) => diagnostic.severity === 'error')?.summary;
    const message = failureMessage(step, result, timeoutMs);
    return {
      status: 'errored',
      diagnostics,
      message: first && !result.timedOut ? `${message}: ${first.slice(0, 200)}` : message,
      durationMs: Date.now() - started,
    };
  };
}

export interface ShowOptions {
  warnings: Diagnostic[];
  started: number;
  remaining: () => number;
  errored: (step: string, result: ExecResult, extra?: Diagnostic[]) => StackPlanResult;
  /** Where `show` runs; default the stack's folder (Terragrunt runs the engine in its own working folder). */
  cwd?: string;
}

/** `show -json` of a saved plan, parsed, with its fingerprint. */
export async function showPlan(
  stack: Stack,
  context: BinaryContext,
  planFile: string,
  salt: FingerprintSalt,
  options: ShowOptions,
): Promise<StackPlanResult> {
  const { warnings, started, remaining, errored } = options;
  const cwd = options.cwd ?? path.join(context.workspace, stack.path);
  const env = { ...context.env, ...stack.env };
  // A large plan's JSON runs to tens of megabytes: never cut it (a cut document does not parse).
  const show = await execFile(context.binary, ['show', '-json', '-no-color', planFile], {
    cwd,
    env,
    timeoutMs: remaining(),
    maxOutputBytes: Number.POSITIVE_INFINITY,
  });
  if (show.exitCode !== 0) return errored('show', show, warnings);
  let showJson: Record<string, unknown>;
  try {
    showJson = JSON.parse(show.stdout) as Record<string, unknown>;
  } catch {
    return {
      status: 'errored',
      diagnostics: warnings,
      message: `show -json printed output that is not JSON (${show.stdout.length} bytes)`,
      durationMs: Date.now() - started,
    };
  }
  let parsed: Plan;
  try {
    parsed = parseTerraformPlan(showJson, `${stack.path}/plan.json`);
  } catch (error) {
    return {
      status: 'errored',
      diagnostics: warnings,
      message: (error as Error).message,
      durationMs: Date.now() - started,
    };
  }
  parsed.diagnostics.push(...warnings);
  return {
    status: parsed.hasChanges ? 'planned' : 'no-changes',
    plan: parsed,
    diagnostics: [],
    planFile,
    fingerprint: planFingerprint(showJson, { ...salt, stack: stack.name }),
    durationMs: Date.now() - started,
  };
}

/**
 * A saved plan file from elsewhere (restored from the cache): init, then `show -json`, parsed, fingerprinted.
 * Its fingerprint is computed from the file itself, so a tampered file cannot pass for the reviewed plan.
 */
export async function inspectTerraformPlan(
  stack: Stack,
  context: BinaryContext,
  planFile: string,
  salt: FingerprintSalt,
): Promise<StackPlanResult> {
  const { started, cwd, timeoutMs, remaining, run } = stackRunner(stack, context);
  const errored = (step: string, result: ExecResult, extra: Diagnostic[] = []): StackPlanResult => ({
    status: 'errored',
    diagnostics: [...extra, ...failureDiagnostics(result, stack.path)],
    message: failureMessage(step, result, timeoutMs),
    durationMs: Date.now() - started,
  });
  const prepared = await prepare(stack, cwd, run, context, context.binary);
  if (prepared) return errored(prepared.step, prepared.result);
  return showPlan(stack, context, planFile, salt, { warnings: [], started, remaining, errored });
}

/** First changed line of a unified diff: the old side's hunk start plus the context before the first change. */
function firstChangedLine(diff: string): number {
  const lines = diff.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const hunk = /^@@ -(\d+)/.exec(lines[i] ?? '');
    if (!hunk) continue;
    let line = Number(hunk[1]);
    for (let j = i + 1; j < lines.length; j++) {
      const text = lines[j] ?? '';
      if (text.startsWith('-') || text.startsWith('+')) return line;
      line++;
    }
  }
  return 1;
}

/**
 * Splits `fmt -check -diff` output into one problem per misformatted file. Before each file's diff fmt prints
 * the file's name on a line of its own: it ends the previous diff and is cut from it by exact match, so a name
 * starting with `-`, `+` or a space is never read as a diff line.
 */
export function parseFormatDiff(output: string, stackPath: string): FormatProblem[] {
  const blocks = output.split(/^(?=--- old\/)/m).filter((block) => block.startsWith('--- old/'));
  const names = blocks.map((block) => /^--- old\/(.+)$/m.exec(block)?.[1]);
  const problems: FormatProblem[] = [];
  blocks.forEach((block, index) => {
    const name = names[index]?.trimEnd();
    if (!name) return;
    let diff = block.trimEnd();
    const next = names[index + 1];
    if (next !== undefined && diff.endsWith(`\n${next}`)) diff = diff.slice(0, -next.length - 1).trimEnd();
    const file = stackPath === '.' ? name : `${stackPath}/${name}`;
    problems.push({ file, line: firstChangedLine(diff), diff });
  });
  return problems;
}

/**
 * `fmt -check -diff` over several folders in one process, run from the workspace: each file's problem goes to
 * its folder, its diff headers as a run inside that folder prints them (`old/main.tf`), so the findings are
 * the same either way. Undefined when the output cannot be split that way: fmt stopped on a file it cannot
 * read (it then prints no diff at all), or named a file outside the folders asked for.
 */
export async function checkTerraformFormat(
  folders: readonly string[],
  context: BinaryContext,
): Promise<Map<string, FormatProblem[]> | undefined> {
  // fmt prints cleaned paths (`./a/` as `a`): match them against the cleaned folder, keep the caller's key.
  const byTarget = new Map<string, string>();
  for (const folder of folders) byTarget.set(path.posix.normalize(folder).replace(/(.)\/+$/, '$1'), folder);
  const found = new Map<string, FormatProblem[]>(folders.map((folder) => [folder, []]));
  if (byTarget.size === 0) return found;
  // `--`: a folder named `-x` is a target, not a flag.
  const fmt = await execFile(
    context.binary,
    ['fmt', '-check', '-diff', '-no-color', '--', ...byTarget.keys()],
    {
      cwd: context.workspace,
      env: context.env,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      maxOutputBytes: Number.POSITIVE_INFINITY,
    },
  );
  if (fmt.exitCode === 0) return found;
  if (fmt.exitCode !== 3) return undefined;
  const problems = parseFormatDiff(fmt.stdout, '.');
  if (problems.length === 0) return undefined;
  for (const problem of problems) {
    const target = path.posix.dirname(problem.file);
    const folder = byTarget.get(target);
    if (folder === undefined) return undefined;
    const name = target === '.' ? problem.file : problem.file.slice(target.length + 1);
    const inFolder = folder === '.' ? name : `${folder}/${name}`;
    const diff = problem.diff.replace(/^--- old\/.*\n\+\+\+ new\/.*$/m, `--- old/${name}\n+++ new/${name}`);
    found.get(folder)!.push({ file: inFolder, line: problem.line, diff });
  }
  return found;
}

/** `fmt -check -diff` and `validate -json` after `init -backend=false`: no credentials needed. */
export async function checkTerraformStack(
  stack: Stack,
  context: BinaryContext,
  runValidate = true,
  runFormat = true,
): Promise<StackCheckResult> {
  const cwd = path.join(context.workspace, stack.path);
  const env = { ...context.env, ...stack.env };
  const timeoutMs = stack.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const run = (args: string[], extraEnv?: Record<string, string>) =>
    execFile(context.binary, args, { cwd, env: { ...env, ...extraEnv }, timeoutMs });

  let format: FormatProblem[] = [];
  let unreadable: Diagnostic[] = [];
  if (runFormat) {
    const fmt = await run(['fmt', '-check', '-diff', '-no-color']);
    if (fmt.spawnError) return { format: [], diagnostics: [], message: `fmt: ${fmt.spawnError}` };
    format = fmt.exitCode === 0 ? [] : parseFormatDiff(fmt.stdout, stack.path);
    // fmt exits 3 for files to reformat; anything else means it could not read a file (and printed no diff at
    // all): those errors must fail the gate, with their place but never the source line (it may hold a secret).
    unreadable = fmt.exitCode === 0 || fmt.exitCode === 3 ? [] : formatErrors(fmt, stack.path);
  }

  if (!runValidate) return { format, diagnostics: unreadable };
  const initArgs = ['init', '-backend=false', '-input=false', '-no-color', '-json'];
  const init = await initWithCache(stack, cwd, initArgs, run, context, context.binary);
  if (init.exitCode !== 0) {
    return {
      format,
      diagnostics: [...unreadable, ...failureDiagnostics(init, stack.path)],
      message: failureMessage('init', init, timeoutMs),
    };
  }
  const validate = await run(['validate', '-json', '-no-color']);
  let diagnostics: Diagnostic[];
  try {
    diagnostics = diagnosticsFromJson(JSON.parse(validate.stdout), stack.path);
  } catch {
    return {
      format,
      diagnostics: failureDiagnostics(validate, stack.path),
      message: failureMessage('validate', validate, timeoutMs),
    };
  }
  return { format, diagnostics: [...unreadable, ...diagnostics] };
}

/** `Error: SUMMARY` … `on FILE line N` blocks of fmt's error output, as diagnostics without source text. */
function formatErrors(result: ExecResult, stackPath: string): Diagnostic[] {
  const errors: Diagnostic[] = [];
  for (const match of result.stderr.matchAll(/Error: ([^\n]+)\n\s*\n\s+on (.+?) line (\d+)/g)) {
    const [, summary = '', file = '', line = '1'] = match;
    errors.push({
      severity: 'error',
      summary: `fmt cannot read this file: ${summary}`,
      file: stackPath === '.' ? file : `${stackPath}/${file}`,
      line: Number(line),
    });
  }
  if (errors.length > 0) return errors;
  return [{ severity: 'error', summary: failureMessage('fmt', result, 0) }];
}

/** Resource addresses the `-json` apply log reports complete. */
export function appliedFromLog(log: string): string[] {
  const applied: string[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { type?: string; hook?: { resource?: { addr?: string } } };
      const addr = entry.hook?.resource?.addr;
      if (entry.type === 'apply_complete' && addr) applied.push(addr);
    } catch {
      // not a JSON line
    }
  }
  return applied;
}

/**
 * `apply -input=false PLANFILE`: exactly the saved plan, never a fresh one. A failed apply is not retried; the
 * result says what was applied before it stopped and carries the engine's diagnostics.
 */
export async function applyTerraformStack(
  stack: Stack,
  context: BinaryContext,
  planFile: string,
): Promise<StackApplyResult> {
  const { started, cwd, timeoutMs, run } = stackRunner(stack, context);
  const failed = (step: string, result: ExecResult, applied: string[] = []): StackApplyResult => {
    const diagnostics = failureDiagnostics(result, stack.path);
    const first = diagnostics.find((diagnostic) => diagnostic.severity === 'error')?.summary;
    const message = failureMessage(step, result, timeoutMs);
    return {
      status: 'errored',
      diagnostics,
      message: first && !result.timedOut ? `${message}: ${first.slice(0, 200)}` : message,
      applied,
      durationMs: Date.now() - started,
    };
  };
  const prepared = await prepare(stack, cwd, run, context, context.binary);
  if (prepared) return failed(prepared.step, prepared.result);
  const apply = await run([
    'apply',
    '-input=false',
    '-no-color',
    '-json',
    ...(stack.applyArgs ?? []),
    planFile,
  ]);
  const applied = appliedFromLog(apply.stdout);
  if (apply.exitCode !== 0) return failed('apply', apply, applied);
  return {
    status: 'applied',
    diagnostics: diagnosticsFromLog(apply.stdout, stack.path),
    applied,
    durationMs: Date.now() - started,
  };
}

/** Terraform or OpenTofu as an Engine. */
export function terraformEngine(binary: 'tofu' | 'terraform'): Engine {
  let installed: Promise<boolean> | undefined;
  return {
    name: binary,
    available: () => (installed ??= which(binary).then((found) => found !== undefined)),
    check: (stack, context, options) =>
      checkTerraformStack(stack, { ...context, binary }, options.validate, options.format ?? true),
    checkFormat: (folders, context) => checkTerraformFormat(folders, { ...context, binary }),
    version: (context) => engineVersion({ ...context, binary }),
    plan: (stack, context, salt, options) => planTerraformStack(stack, { ...context, binary }, salt, options),
    inspect: (stack, context, planFile, salt) =>
      inspectTerraformPlan(stack, { ...context, binary }, planFile, salt),
    planFile: (stack, context) => planFilePath(stack, context.tempDir),
    apply: (stack, context, planFile) => applyTerraformStack(stack, { ...context, binary }, planFile),
  };
}
