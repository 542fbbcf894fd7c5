// Terragrunt units (`engine: terragrunt`): Terragrunt plans each unit over tofu (TERRAGRUNT_TFPATH), and says
// itself what a unit reads (`render-json --with-metadata`): the files its values come from (includes), its local
// `terraform { source }` module and the units its `dependency` blocks name. Pinned and tested: v0.58.0.
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TerragruntFacts } from '../config/types.js';
import type { Diagnostic } from '../plan/model.js';
import type { Stack } from '../stacks/discover.js';
import { forEachStack } from '../stacks/runner.js';
import { execFile, which } from '../process/exec.js';
import {
  applyTerraformStack,
  diagnosticsFromLog,
  failureDiagnostics,
  planFailure,
  planArguments,
  planFilePath,
  prepare,
  showPlan,
  stackRunner,
  type BinaryContext,
} from './terraform.js';
import type {
  Engine,
  EngineContext,
  FingerprintSalt,
  PlanOptions,
  StackApplyResult,
  StackPlanResult,
} from './types.js';

/** The file that makes a folder a unit. */
export const TERRAGRUNT_FILE = 'terragrunt.hcl';

/** The engine Terragrunt runs: the environment's TERRAGRUNT_TFPATH, else tofu. */
function tfPath(env: Record<string, string | undefined>): string {
  return env.TERRAGRUNT_TFPATH || 'tofu';
}

/** Terragrunt's settings for a run: never prompt, no colour, the engine it wraps, its cache out of the checkout. */
function terragruntEnvironment(
  env: Record<string, string | undefined>,
  downloadDir: string,
): Record<string, string | undefined> {
  return {
    ...env,
    TERRAGRUNT_TFPATH: tfPath(env),
    TERRAGRUNT_NON_INTERACTIVE: 'true',
    TERRAGRUNT_NO_COLOR: 'true',
    TERRAGRUNT_DOWNLOAD: downloadDir,
  };
}

/** A unit's own Terragrunt cache in this run, beside its plan file. */
async function unitContext(stack: Stack, context: EngineContext): Promise<BinaryContext> {
  const unitDir = path.dirname(await planFilePath(stack, context.tempDir));
  const downloadDir = path.join(unitDir, 'terragrunt-cache');
  await mkdir(downloadDir, { recursive: true });
  const env = terragruntEnvironment(context.env, downloadDir);
  // Terragrunt inits by itself inside plan, and units seldom have a lock file: such an init reinstalls into the
  // plugin cache, under the feet of another stack planning from it. A unit keeps to a folder of its own (its
  // own TF_PLUGIN_CACHE_DIR in `env:` still wins).
  if (env.TF_PLUGIN_CACHE_DIR) {
    env.TF_PLUGIN_CACHE_DIR = path.join(unitDir, 'plugin-cache');
    await mkdir(env.TF_PLUGIN_CACHE_DIR, { recursive: true });
  }
  return { ...context, binary: 'terragrunt', env };
}

/**
 * Where Terragrunt ran the engine: the folder below its cache that holds `.terraform` (the copied module), or
 * the unit's own folder when it has no `source`.
 */
async function workingFolder(downloadDir: string, unitDir: string): Promise<string> {
  const visit = async (dir: string, depth: number): Promise<string | undefined> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((entry) => entry.isDirectory() && entry.name === '.terraform')) return dir;
    if (depth === 0) return undefined;
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === '.terraform') continue;
      const found = await visit(path.join(dir, entry.name), depth - 1);
      if (found) return found;
    }
    return undefined;
  };
  return (await visit(downloadDir, 8)) ?? unitDir;
}

const MOCK_LOG =
  /config (\S+?) is a dependency of (\S+?) that has no outputs, but mock outputs provided and returning those/g;

/**
 * Dependencies whose `mock_outputs` stood in for real outputs in this plan, from Terragrunt's own debug log
 * (v0.58.0 wording): each as a warning on the unit, so the comment says the values are placeholders.
 */
export function mockOutputNotes(log: string, workspace: string, stack: Pick<Stack, 'path'>): Diagnostic[] {
  const seen = new Set<string>();
  const notes: Diagnostic[] = [];
  for (const match of log.matchAll(MOCK_LOG)) {
    const dependency = toWorkspacePath(workspace, path.dirname(match[1] ?? ''));
    if (dependency === undefined || seen.has(dependency)) continue;
    seen.add(dependency);
    notes.push({
      severity: 'warning',
      summary: `Mock outputs of ${dependency}: placeholders, not real values`,
      detail:
        `The dependency ${dependency} has no outputs yet (not applied), so this plan uses the \`mock_outputs\` of ` +
        `its \`dependency\` block wherever the unit reads \`dependency.…outputs\`. Those values are placeholders: ` +
        `apply ${dependency} first, then plan this unit again to see the real ones.`,
      file: unitFile(stack),
    });
  }
  return notes;
}

/** `terragrunt plan -out`, then the wrapped engine's `show -json` of the plan in Terragrunt's working folder. */
async function planUnit(
  stack: Stack,
  context: EngineContext,
  salt: FingerprintSalt,
  options: PlanOptions = {},
): Promise<StackPlanResult> {
  const unit = await unitContext(stack, context);
  const refreshOnly = options.mode === 'refresh-only';
  const { started, cwd, timeoutMs, remaining, run } = stackRunner(stack, unit);
  const errored = planFailure(stack, started, timeoutMs);
  // Terragrunt initialises by itself inside plan (where mock outputs are allowed); an explicit init runs only for
  // the stack's own init settings.
  if (stack.backendConfig?.length || stack.initArgs?.length || stack.workspace !== 'default') {
    const prepared = await prepare(stack, cwd, run, context);
    if (prepared) return errored(prepared.step, prepared.result);
  }
  const planFile = await planFilePath(
    stack,
    context.tempDir,
    refreshOnly ? 'refresh-only.tfplan' : 'plan.tfplan',
  );
  const plan = await run([
    ...planArguments(stack, planFile, refreshOnly),
    // Terragrunt's own flag (not passed on): its debug log says when mock outputs stand in.
    '--terragrunt-log-level',
    'debug',
  ]);
  if (plan.exitCode !== 0 && plan.exitCode !== 2) return errored('plan', plan);
  const warnings = [
    ...mockOutputNotes(plan.stderr, context.workspace, stack),
    ...diagnosticsFromLog(plan.stdout, stack.path),
  ];
  const engine: BinaryContext = { ...context, binary: tfPath(context.env) };
  const showCwd = await workingFolder(unit.env.TERRAGRUNT_DOWNLOAD ?? '', cwd);
  return showPlan(stack, engine, planFile, salt, { warnings, started, remaining, errored, cwd: showCwd });
}

/** A saved plan from elsewhere: Terragrunt prepares the working folder (init), the engine shows the plan. */
async function inspectUnit(
  stack: Stack,
  context: EngineContext,
  planFile: string,
  salt: FingerprintSalt,
): Promise<StackPlanResult> {
  const unit = await unitContext(stack, context);
  const { started, cwd, timeoutMs, remaining, run } = stackRunner(stack, unit);
  const errored = planFailure(stack, started, timeoutMs);
  const prepared = await prepare(stack, cwd, run, context);
  if (prepared) return errored(prepared.step, prepared.result);
  const engine: BinaryContext = { ...context, binary: tfPath(context.env) };
  const showCwd = await workingFolder(unit.env.TERRAGRUNT_DOWNLOAD ?? '', cwd);
  return showPlan(stack, engine, planFile, salt, { warnings: [], started, remaining, errored, cwd: showCwd });
}

/** Terragrunt as an Engine: units are planned and applied through it, over the engine it wraps. */
export function terragruntEngine(): Engine {
  let installed: Promise<boolean> | undefined;
  return {
    name: 'terragrunt',
    available: () =>
      (installed ??= Promise.all([which('terragrunt'), which(tfPath(process.env))]).then((found) =>
        found.every((binary) => binary !== undefined),
      )),
    // Formatting and validation of a unit are its module's (checked where the module is a stack of its own).
    check: () => Promise.resolve({ format: [], diagnostics: [] }),
    plan: planUnit,
    inspect: inspectUnit,
    planFile: (stack, context) => planFilePath(stack, context.tempDir),
    apply: applyUnit,
  };
}

// ---------------------------------------------------------------------------------------------------------
// What units read, asked from Terragrunt.

/** `path` (absolute) as a posix path relative to the workspace; undefined outside it. */
function toWorkspacePath(workspace: string, absolute: string): string | undefined {
  const relative = path.relative(workspace, absolute);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative === '' ? '.' : relative.split(path.sep).join('/');
}

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A field of `render-json --with-metadata`: `{ metadata, value }`; the value either way. */
function valueOf(field: unknown): unknown {
  return isJson(field) && 'value' in field && 'metadata' in field ? field.value : field;
}

/** Every `found_in_file` in the rendered tree: the files the unit's values come from. */
function filesFound(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) filesFound(item, into);
    return;
  }
  if (!isJson(node)) return;
  const metadata = node.metadata;
  if (isJson(metadata) && typeof metadata.found_in_file === 'string') into.add(metadata.found_in_file);
  for (const value of Object.values(node)) filesFound(value, into);
}

/** A local module source (`../modules/app`, `../modules//app`) as a folder; undefined for a remote one. */
function localSource(source: string, unitDir: string): string | undefined {
  if (source.includes('::') || /^[a-z]+:\/\//i.test(source)) return undefined;
  if (!source.startsWith('.') && !path.isAbsolute(source)) return undefined;
  const [folder = source] = source.split('?');
  return path.resolve(unitDir, folder.replace(/\/\/+/g, '/'));
}

/** The facts of one unit from its rendered configuration (absolute paths resolved against `unitDir`). */
export function factsFromRendered(rendered: Json, workspace: string, unitDir: string): TerragruntFacts {
  const found = new Set<string>();
  filesFound(rendered, found);
  const own = path.join(unitDir, TERRAGRUNT_FILE);
  const includes = [...found]
    .filter((file) => path.resolve(unitDir, file) !== own)
    .flatMap((file) => toWorkspacePath(workspace, path.resolve(unitDir, file)) ?? [])
    .sort();
  const dependencies = new Set<string>();
  const blocks = valueOf(rendered.dependency);
  for (const block of isJson(blocks) ? Object.values(blocks) : []) {
    const configPath = (valueOf(block) as Json | undefined)?.config_path;
    if (typeof configPath === 'string') dependencies.add(path.resolve(unitDir, configPath));
  }
  const listed = (valueOf(rendered.dependencies) as Json | null | undefined)?.paths;
  for (const dependency of Array.isArray(listed) ? listed : []) {
    if (typeof dependency === 'string') dependencies.add(path.resolve(unitDir, dependency));
  }
  const facts: TerragruntFacts = {
    includes,
    dependencies: [...dependencies].flatMap((folder) => toWorkspacePath(workspace, folder) ?? []).sort(),
  };
  const terraform = valueOf(rendered.terraform);
  const source = isJson(terraform) && typeof terraform.source === 'string' ? terraform.source : undefined;
  const sourceFolder = source === undefined ? undefined : localSource(source, unitDir);
  const relativeSource = sourceFolder === undefined ? undefined : toWorkspacePath(workspace, sourceFolder);
  if (relativeSource !== undefined) facts.source = relativeSource;
  return facts;
}

/**
 * `terragrunt render-json --with-metadata` of one unit, into a file of this run (never into the checkout): the
 * rendered configuration, or why Terragrunt could not give it.
 */
async function renderUnit(stack: Stack, context: EngineContext): Promise<Json | string> {
  const unit = await unitContext(stack, context);
  const dir = await mkdtemp(path.join(context.tempDir, 'terragrunt-render-'));
  const out = path.join(dir, 'rendered.json');
  const cwd = path.join(context.workspace, stack.path);
  try {
    const result = await execFile(
      'terragrunt',
      ['render-json', '--with-metadata', '--terragrunt-json-out', out],
      { cwd, env: { ...unit.env, ...stack.env }, timeoutMs: stack.timeoutMs ?? 5 * 60 * 1000 },
    );
    const text = result.exitCode === 0 ? await readFile(out, 'utf8').catch(() => undefined) : undefined;
    if (text === undefined) {
      const why = failureDiagnostics(result, stack.path)[0]?.summary ?? `exit code ${result.exitCode}`;
      return `terragrunt render-json failed in ${stack.path}: ${why}`;
    }
    const rendered = JSON.parse(text) as unknown;
    if (!isJson(rendered)) throw new Error('not a JSON object');
    return rendered;
  } catch (error) {
    return `terragrunt render-json in ${stack.path} gave no usable JSON: ${(error as Error).message}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function describeUnit(stack: Stack, context: EngineContext): Promise<TerragruntFacts> {
  const rendered = await renderUnit(stack, context);
  if (typeof rendered === 'string') return { includes: [], dependencies: [], error: rendered };
  return factsFromRendered(rendered, context.workspace, path.join(context.workspace, stack.path));
}

/** JSON text with object keys sorted, to compare values whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isJson(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Inputs of the unit whose value now differs from the one its saved plan holds: a dependency's mock output that
 * a real output has replaced since (the dependency was applied), or an output that changed. Names only.
 */
export function staleInputs(rendered: Json, planVariables: unknown): string[] {
  const inputs = valueOf(rendered.inputs);
  if (!isJson(inputs) || !isJson(planVariables)) return [];
  const stale: string[] = [];
  for (const [name, field] of Object.entries(inputs)) {
    const planned = planVariables[name];
    if (!isJson(planned) || !('value' in planned)) continue;
    if (canonical(valueOf(field)) !== canonical(planned.value)) stale.push(name);
  }
  return stale.sort();
}

function unitFile(stack: Pick<Stack, 'path'>): string {
  return stack.path === '.' ? TERRAGRUNT_FILE : `${stack.path}/${TERRAGRUNT_FILE}`;
}

/**
 * Applies the reviewed plan only while Terragrunt still renders the inputs it was made with: a plan made on a
 * dependency's mock outputs is refused once the dependency has real ones (plan again to review the real values).
 */
async function applyUnit(stack: Stack, context: EngineContext, planFile: string): Promise<StackApplyResult> {
  const started = Date.now();
  const unit = await unitContext(stack, context);
  const cwd = path.join(context.workspace, stack.path);
  const refused = (message: string): StackApplyResult => ({
    status: 'errored',
    diagnostics: [{ severity: 'error', summary: message, file: unitFile(stack) }],
    message,
    applied: [],
    durationMs: Date.now() - started,
  });
  const { run } = stackRunner(stack, unit);
  const prepared = await prepare(stack, cwd, run, context);
  if (prepared) {
    const why = failureDiagnostics(prepared.result, stack.path)[0]?.summary ?? 'no output';
    return refused(`${prepared.step} failed in ${stack.path}: ${why}`);
  }
  const show = await execFile(tfPath(context.env), ['show', '-json', '-no-color', planFile], {
    cwd: await workingFolder(unit.env.TERRAGRUNT_DOWNLOAD ?? '', cwd),
    env: { ...unit.env, ...stack.env },
    timeoutMs: stack.timeoutMs ?? 5 * 60 * 1000,
    maxOutputBytes: Number.POSITIVE_INFINITY,
  });
  let variables: unknown;
  try {
    variables = (JSON.parse(show.stdout) as Json).variables;
  } catch {
    return refused(`cannot read the saved plan of ${stack.path} (show -json exit code ${show.exitCode})`);
  }
  const rendered = await renderUnit(stack, context);
  if (typeof rendered === 'string') return refused(rendered);
  const stale = staleInputs(rendered, variables);
  if (stale.length > 0) {
    return refused(
      `the reviewed plan of ${stack.path} was made with other values of ${stale.join(', ')} than Terragrunt ` +
        'gives now (mock outputs of a dependency applied since, or a changed output): not applied; plan again ' +
        '(/stackgate plan) and review the real values',
    );
  }
  return applyTerraformStack(stack, unit, planFile);
}

export interface UnitGraphOptions {
  /** True when the stacks were discovered: shared include files and sourced modules are then no stacks. */
  discovered: boolean;
  parallelism: number;
}

/**
 * The stacks with Terragrunt's answer on each unit: what it reads (`terragrunt`) and the units it depends on
 * (`dependsOn`, so apply runs them in order). Discovered stacks lose the folders that are only parts of units:
 * a `terragrunt.hcl` another unit includes, and a Terraform folder a unit uses as its `source`.
 */
export async function withUnitGraph(
  stacks: Stack[],
  context: EngineContext,
  options: UnitGraphOptions,
): Promise<Stack[]> {
  const units = stacks.filter((stack) => stack.engine === 'terragrunt');
  if (units.length === 0) return stacks;
  const facts = await forEachStack(units, options.parallelism, (unit) => describeUnit(unit, context));
  const byPath = new Map(units.map((unit, index) => [unit.path, facts[index]!]));
  const included = new Set([...byPath.values()].flatMap((fact) => fact.includes));
  const sources = new Set([...byPath.values()].flatMap((fact) => (fact.source ? [fact.source] : [])));
  const kept = stacks.filter((stack) => {
    if (!options.discovered) return true;
    const own = stack.path === '.' ? TERRAGRUNT_FILE : `${stack.path}/${TERRAGRUNT_FILE}`;
    if (stack.engine === 'terragrunt') return !included.has(own);
    return !sources.has(stack.path);
  });
  const nameOf = new Map(kept.map((stack) => [stack.path, stack.name]));
  return kept.map((stack) => {
    const fact = byPath.get(stack.path);
    if (stack.engine !== 'terragrunt' || !fact) return stack;
    const dependsOn = new Set(stack.dependsOn ?? []);
    for (const dependency of fact.dependencies) {
      const name = nameOf.get(dependency);
      if (name !== undefined && name !== stack.name) dependsOn.add(name);
    }
    return { ...stack, terragrunt: fact, ...(dependsOn.size > 0 ? { dependsOn: [...dependsOn] } : {}) };
  });
}
