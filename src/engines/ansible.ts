// Ansible stacks with the real ansible-playbook. Plan = `--check --diff` with Stackgate's own callback plugin
// (the json callback left ansible-core in 2.19), parsed into the plan model; validate = `--syntax-check`;
// apply = the real run, after a fresh check mode confirms the hosts still match the reviewed plan.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic, Plan } from '../plan/model.js';
import {
  ansibleErrors,
  ansibleLintFindings,
  ansiblePlan,
  normaliseAnsiblePlan,
  parseAnsibleDocument,
  redactText,
  type AnsibleRunDocument,
} from '../plan/ansible.js';
import { canonical } from '../plan/fingerprint.js';
import { ansibleInputsDigest } from '../stacks/ansible-inputs.js';
import type { Stack } from '../stacks/discover.js';
import { execFile, which, type ExecResult } from '../process/exec.js';
import { CALLBACK_SOURCE } from './ansible/callback.js';
import type {
  Engine,
  EngineContext,
  FingerprintSalt,
  StackApplyResult,
  StackCheckResult,
  StackPlanResult,
} from './types.js';

const BINARY = 'ansible-playbook';
const LINT_BINARY = 'ansible-lint';
const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
/** The callback reads the vault password from here; the variable reaches only the ansible process. */
const VAULT_ENV = 'STACKGATE_ANSIBLE_VAULT_PASSWORD';

export const ANSIBLE_NOT_INSTALLED =
  'ansible-playbook is not on PATH: install ansible-core (e.g. `pipx install ansible-core` or `pip install ansible-core`) in a step before Stackgate';

interface Run {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Values never to show: the vault password. */
  secrets: string[];
  /** Arguments every ansible-playbook call of the stack takes (inventory, vault, limit, tags, extra vars). */
  common: string[];
  playbook: string;
  timeoutMs: number;
}

function folderName(stack: Stack): string {
  const readable = stack.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  const unique = createHash('sha256').update(`${stack.name}\0${stack.path}`).digest('hex').slice(0, 12);
  return `${readable}-${unique}`;
}

/** Writes the callback plugin and the vault-password client once per run folder. */
async function support(tempDir: string): Promise<{ callbacks: string; vaultClient: string }> {
  const dir = path.join(tempDir, 'ansible');
  const callbacks = path.join(dir, 'callback_plugins');
  const vaultClient = path.join(dir, 'vault-password-client.sh');
  await mkdir(callbacks, { recursive: true });
  await writeFile(path.join(callbacks, 'stackgate.py'), CALLBACK_SOURCE);
  // The password stays in the environment of the ansible process: this script prints it, no file holds it.
  await writeFile(vaultClient, `#!/bin/sh\nprintf '%s\\n' "$${VAULT_ENV}"\n`);
  await chmod(vaultClient, 0o700);
  return { callbacks, vaultClient };
}

/** The run settings of a stack, or a message saying why it cannot run (vault password missing…). */
async function prepareRun(stack: Stack, context: EngineContext): Promise<Run | { error: string }> {
  const config = stack.ansible;
  if (!config) return { error: `stack ${stack.name} has no Ansible settings (playbook, inventory)` };
  const cwd = path.join(context.workspace, stack.path);
  const { callbacks, vaultClient } = await support(context.tempDir);
  const env: Record<string, string | undefined> = {
    ...context.env,
    ...stack.env,
    ANSIBLE_CALLBACK_PLUGINS: callbacks,
    ANSIBLE_STDOUT_CALLBACK: 'stackgate',
    ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_NO_TARGET_SYSLOG: '1',
    PYTHONUNBUFFERED: '1',
  };
  // A vault password set by ANSIBLE_VAULT_PASSWORD_FILE in the runner would bypass the config's choice.
  delete env[VAULT_ENV];
  const common = ['-i', config.inventory];
  const secrets: string[] = [];
  if (config.vaultPasswordEnv) {
    const password = context.env[config.vaultPasswordEnv] ?? stack.env[config.vaultPasswordEnv];
    if (password === undefined || password === '') {
      return {
        error: `the vault password variable ${config.vaultPasswordEnv} is not set (map the secret in the job's env)`,
      };
    }
    secrets.push(password.trim(), password);
    env[VAULT_ENV] = password.replace(/\n$/, '');
    common.push(`--vault-password-file=${vaultClient}`);
  } else if (config.vaultPasswordFile) {
    const file = path.resolve(context.workspace, config.vaultPasswordFile);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined)
      return { error: `the vault password file ${config.vaultPasswordFile} cannot be read` };
    if (text.trim()) secrets.push(text.trim());
    common.push(`--vault-password-file=${file}`);
  }
  if (config.limit) common.push(`--limit=${config.limit}`);
  if (config.tags.length > 0) common.push(`--tags=${config.tags.join(',')}`);
  for (const file of config.extraVarsFiles) common.push('-e', `@${file}`);
  return {
    cwd,
    env,
    secrets: secrets.filter((secret) => secret.length > 0),
    common,
    playbook: config.playbook,
    timeoutMs: stack.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

function stepMessage(step: string, result: ExecResult, timeoutMs: number): string {
  if (result.spawnError) return `${step}: ${result.spawnError}`;
  if (result.timedOut) return `${step} timed out after ${Math.round(timeoutMs / 1000)}s and was stopped`;
  if (result.signal) return `${step} was killed by ${result.signal}`;
  return `${step} failed (exit code ${result.exitCode})`;
}

/** The errors of a run that produced no results: Ansible's own, else the tail of its output. */
function runErrors(result: ExecResult, run: Run, workspace: string): Diagnostic[] {
  const parsed = ansibleErrors(result.stderr, workspace, run.secrets).filter((d) => d.severity === 'error');
  if (parsed.length > 0) return parsed;
  const tail = redactText(
    (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-20).join('\n'),
    run.secrets,
  );
  return tail
    ? [{ severity: 'error', summary: tail.split('\n')[0]!.slice(0, 300), detail: tail.slice(-8000) }]
    : [];
}

interface Played {
  result: ExecResult;
  document?: AnsibleRunDocument;
}

async function play(run: Run, resultFile: string, extra: string[], deadline: number): Promise<Played> {
  await rm(resultFile, { force: true });
  const result = await execFile(BINARY, [...run.common, ...extra, run.playbook], {
    cwd: run.cwd,
    env: { ...run.env, STACKGATE_ANSIBLE_RESULT: resultFile },
    timeoutMs: Math.max(1000, deadline - Date.now()),
  });
  const text = await readFile(resultFile, 'utf8').catch(() => undefined);
  if (text === undefined) return { result };
  return { result, document: parseAnsibleDocument(text) };
}

function fingerprintOf(
  plan: Plan,
  document: AnsibleRunDocument,
  salt: FingerprintSalt,
  stack: string,
  inputs: string,
): string {
  // The outcome on the hosts and the inputs it came from: a changed playbook, inventory or vars file refuses
  // the apply even when check mode happens to give the same result.
  const material = canonical({
    salt: { repository: salt.repository.toLowerCase(), pull: salt.pullNumber ?? null, stack },
    engine: 'ansible',
    inputs,
    plan: normaliseAnsiblePlan(plan, document),
  });
  return `sha256:${createHash('sha256').update(material).digest('hex')}`;
}

interface CheckModeOutcome {
  status: StackPlanResult['status'];
  plan?: Plan;
  diagnostics: Diagnostic[];
  message?: string;
  fingerprint?: string;
}

async function checkMode(
  stack: Stack,
  context: EngineContext,
  salt: FingerprintSalt,
  run: Run,
  deadline: number,
): Promise<CheckModeOutcome> {
  const dir = path.join(context.tempDir, 'plans', folderName(stack));
  await mkdir(dir, { recursive: true });
  const config = stack.ansible!;
  const inputs = await ansibleInputsDigest(context.workspace, stack);
  const played = await play(
    run,
    path.join(dir, 'check.json'),
    ['--check', '--diff', ...config.checkArgs],
    deadline,
  );
  const { result, document } = played;
  if (!document) {
    const diagnostics = runErrors(result, run, context.workspace);
    const first = diagnostics[0]?.summary;
    const message = stepMessage('ansible-playbook --check', result, run.timeoutMs);
    return {
      status: 'errored',
      diagnostics,
      message: first ? `${message}: ${first.slice(0, 200)}` : message,
    };
  }
  const plan = ansiblePlan(document, {
    workspace: context.workspace,
    secrets: run.secrets,
  });
  plan.diagnostics.push(
    ...ansibleErrors(result.stderr, context.workspace, plan.secrets).filter((d) => d.severity === 'error'),
  );
  const fingerprint = fingerprintOf(plan, document, salt, stack.name, inputs);
  const failed = plan.tasks!.failed + plan.tasks!.unreachable;
  if (failed > 0 || (result.exitCode !== 0 && plan.diagnostics.some((d) => d.severity === 'error'))) {
    const first =
      plan.diagnostics.find((d) => d.severity === 'error')?.summary ??
      stepMessage('ansible-playbook --check', result, run.timeoutMs);
    return { status: 'errored', plan, diagnostics: [], message: first.slice(0, 300), fingerprint };
  }
  if (result.exitCode !== 0) {
    return {
      status: 'errored',
      plan,
      diagnostics: runErrors(result, run, context.workspace),
      message: stepMessage('ansible-playbook --check', result, run.timeoutMs),
    };
  }
  return { status: plan.hasChanges ? 'planned' : 'no-changes', plan, diagnostics: [], fingerprint };
}

interface PlanRecord {
  version: 1;
  stack: string;
  salt: FingerprintSalt;
  fingerprint: string;
}

export async function planAnsibleStack(
  stack: Stack,
  context: EngineContext,
  salt: FingerprintSalt,
): Promise<StackPlanResult> {
  const started = Date.now();
  const run = await prepareRun(stack, context);
  if ('error' in run)
    return { status: 'errored', diagnostics: [], message: run.error, durationMs: Date.now() - started };
  const outcome = await checkMode(stack, context, salt, run, started + run.timeoutMs);
  const result: StackPlanResult = { ...outcome, durationMs: Date.now() - started };
  if (outcome.fingerprint && outcome.status !== 'errored') {
    // The "plan file": what apply needs to confirm it runs what was reviewed (no secret is in it).
    const planFile = path.join(context.tempDir, 'plans', folderName(stack), 'ansible-plan.json');
    const record: PlanRecord = { version: 1, stack: stack.name, salt, fingerprint: outcome.fingerprint };
    await writeFile(planFile, JSON.stringify(record));
    result.planFile = planFile;
  }
  return result;
}

/**
 * The real run. Ansible cannot replay a saved plan, so it first runs check mode again with the plan's salt and
 * refuses when the outcome differs from the reviewed one (the hosts or the code changed since).
 */
export async function applyAnsibleStack(
  stack: Stack,
  context: EngineContext,
  planFile: string,
): Promise<StackApplyResult> {
  const started = Date.now();
  const failed = (
    message: string,
    diagnostics: Diagnostic[] = [],
    applied: string[] = [],
  ): StackApplyResult => ({
    status: 'errored',
    diagnostics,
    message,
    applied,
    durationMs: Date.now() - started,
  });
  let record: PlanRecord;
  try {
    record = JSON.parse(await readFile(planFile, 'utf8')) as PlanRecord;
  } catch {
    return failed(`the plan record ${planFile} cannot be read`);
  }
  if (record.version !== 1 || record.stack !== stack.name)
    return failed(`the plan record ${planFile} is not for stack ${stack.name}`);
  const run = await prepareRun(stack, context);
  if ('error' in run) return failed(run.error);
  const deadline = started + run.timeoutMs;
  const check = await checkMode(stack, context, record.salt, run, deadline);
  if (check.status === 'errored')
    return failed(check.message ?? 'check mode failed before apply', [
      ...(check.plan?.diagnostics ?? []),
      ...check.diagnostics,
    ]);
  if (check.fingerprint !== record.fingerprint) {
    return failed(
      'the hosts or the inputs (playbook, inventory, vars) no longer match the reviewed plan: plan again and review',
    );
  }
  const dir = path.join(context.tempDir, 'plans', folderName(stack));
  const { result, document } = await play(run, path.join(dir, 'apply.json'), ['--diff'], deadline);
  if (!document) {
    const diagnostics = runErrors(result, run, context.workspace);
    return failed(stepMessage('ansible-playbook', result, run.timeoutMs), diagnostics);
  }
  const plan = ansiblePlan(document, { workspace: context.workspace, secrets: run.secrets });
  const applied = plan.changes.map((change) => change.address);
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (result.exitCode !== 0 || errors.length > 0) {
    const message = errors[0]?.summary ?? stepMessage('ansible-playbook', result, run.timeoutMs);
    return failed(
      message,
      errors.length > 0 ? plan.diagnostics : runErrors(result, run, context.workspace),
      applied,
    );
  }
  return { status: 'applied', diagnostics: plan.diagnostics, applied, durationMs: Date.now() - started };
}

/**
 * ansible-lint when it is installed (it is optional: without it validate is the syntax check alone): its
 * findings as warnings at file and line. Offline, so it installs nothing and asks no server.
 */
async function lint(stack: Stack, context: EngineContext, run: Run): Promise<Diagnostic[]> {
  const binary = await which(LINT_BINARY, run.env.PATH ?? '');
  if (!binary) return [];
  const result = await execFile(
    binary,
    ['--offline', '--nocolor', '-q', '-f', 'codeclimate', '--project-dir', run.cwd, run.playbook],
    { cwd: run.cwd, env: run.env, timeoutMs: run.timeoutMs },
  );
  // 0: nothing found, 2: findings; anything else is ansible-lint failing, which says nothing about the code.
  if (result.exitCode !== 0 && result.exitCode !== 2) return [];
  return ansibleLintFindings(result.stdout, run.cwd, context.workspace, run.secrets);
}

/** `--syntax-check` (errors at file and line, no host contacted), then ansible-lint when installed. */
export async function checkAnsibleStack(
  stack: Stack,
  context: EngineContext,
  validate: boolean,
): Promise<StackCheckResult> {
  if (!validate) return { format: [], diagnostics: [] };
  const run = await prepareRun(stack, context);
  if ('error' in run) return { format: [], diagnostics: [], message: run.error };
  const result = await execFile(BINARY, [...run.common, '--syntax-check', run.playbook], {
    cwd: run.cwd,
    env: run.env,
    timeoutMs: run.timeoutMs,
  });
  if (result.spawnError) return { format: [], diagnostics: [], message: result.spawnError };
  if (result.exitCode === 0) return { format: [], diagnostics: await lint(stack, context, run) };
  const diagnostics = runErrors(result, run, context.workspace);
  return {
    format: [],
    diagnostics,
    message: stepMessage('ansible-playbook --syntax-check', result, run.timeoutMs),
  };
}

export function ansibleEngine(): Engine {
  let installed: Promise<boolean> | undefined;
  return {
    name: 'ansible',
    available: () => (installed ??= which(BINARY).then((found) => found !== undefined)),
    check: (stack, context, options) => checkAnsibleStack(stack, context, options.validate),
    plan: async (stack, context, salt, options) => {
      const result = await planAnsibleStack(stack, context, salt);
      // Check mode has no refresh step: in refresh-only mode, whatever differs on the hosts from the playbook
      // is the drift, and there is nothing to apply from it.
      if (options?.mode !== 'refresh-only' || !result.plan) return result;
      const plan = { ...result.plan, drift: result.plan.changes, changes: [], hasChanges: false };
      plan.counts = { ...plan.counts, drift: plan.drift.length };
      return { ...result, plan, status: 'no-changes' };
    },
    // Ansible has no plan file to read offline: its only way to know what it would do is check mode again.
    inspect: (stack, context, _planFile, salt) => planAnsibleStack(stack, context, salt),
    planFile: (stack, context) =>
      Promise.resolve(path.join(context.tempDir, 'plans', folderName(stack), 'ansible-plan.json')),
    apply: (stack, context, planFile) => applyAnsibleStack(stack, context, planFile),
  };
}
