// Runs dist/index.js the way the Actions runner runs a JavaScript action: a child process on Node 24 with
// INPUT_* variables (action.yml defaults applied), the event payload in a file, and the file commands.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ACTION_ENTRY = path.join(PROJECT_ROOT, 'dist/index.js');
export const TOOLS = process.env.STACKGATE_TOOLS ?? path.join(os.homedir(), '.cache/stackgate-tools');

export interface RunActionOptions {
  workspace: string;
  eventName: string;
  payload: Record<string, unknown>;
  apiUrl: string;
  repository: string;
  sha: string;
  ref?: string;
  token?: string;
  inputs?: Record<string, string>;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Cancel the run like the runner does (SIGINT) this long after it starts. */
  cancelAfterMs?: number;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  commands: WorkflowCommand[];
  /** Everything a person could read in the run: log and summary. */
  visibleText: string;
}

interface ActionInput {
  default?: string;
}

/** Defaults as the runner computes them: `${{ github.token }}` becomes the job's token. */
export function actionDefaults(token: string): Record<string, string> {
  const action = parseYaml(readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, ActionInput>;
  };
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs)) {
    defaults[name] = (input.default ?? '').replace(/\$\{\{\s*github\.token\s*\}\}/g, token);
  }
  return defaults;
}

export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Reads the GITHUB_OUTPUT file: `name=value` lines and `name<<DELIMITER` heredocs. */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i] ?? '');
      values[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

function unescapeCommand(value: string): string {
  return value
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');
}

export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  // Like the runner: after `::stop-commands::TOKEN` nothing is a command until `::TOKEN::`.
  let resumeToken: string | undefined;
  for (const line of stdout.split('\n')) {
    if (resumeToken !== undefined) {
      if (line === `::${resumeToken}::`) resumeToken = undefined;
      continue;
    }
    const stop = /^::stop-commands::(.+)$/.exec(line);
    if (stop) {
      resumeToken = stop[1];
      continue;
    }
    const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const [, command = '', props = '', message = ''] = match;
    const properties: Record<string, string> = {};
    for (const pair of props.split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeCommand(pair.slice(eq + 1));
    }
    commands.push({ command, properties, message: unescapeCommand(message) });
  }
  return commands;
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'stackgate-runner-'));
  const files = {
    event: path.join(temp, 'event.json'),
    output: path.join(temp, 'output'),
    summary: path.join(temp, 'summary.md'),
    state: path.join(temp, 'state'),
    env: path.join(temp, 'env'),
    path: path.join(temp, 'path'),
  };
  writeFileSync(files.event, JSON.stringify(options.payload));
  for (const file of [files.output, files.summary, files.state, files.env, files.path])
    writeFileSync(file, '');
  const token = options.token ?? 'ghs_testtoken0000000000000000000000000000';
  const inputs = { ...actionDefaults(token), ...options.inputs };
  const env: Record<string, string | undefined> = {
    PATH: `${path.join(TOOLS, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    TF_CLI_CONFIG_FILE: path.join(TOOLS, 'tofurc'),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: options.repository,
    GITHUB_REPOSITORY_OWNER: options.repository.split('/')[0],
    GITHUB_SHA: options.sha,
    GITHUB_REF: options.ref ?? 'refs/heads/main',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_GRAPHQL_URL: `${options.apiUrl}/graphql`,
    GITHUB_RUN_ID: '1001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_ACTOR: 'octocat',
    GITHUB_JOB: 'plan',
    GITHUB_WORKFLOW: 'stackgate',
    GITHUB_ACTION: 'stackgate',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: path.join(temp, 'runner-temp'),
    RUNNER_TOOL_CACHE: path.join(temp, 'tool-cache'),
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;

  const child = spawn(process.execPath, [ACTION_ENTRY], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  const cancel =
    options.cancelAfterMs !== undefined
      ? setTimeout(() => child.kill('SIGINT'), options.cancelAfterMs)
      : undefined;
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timeout);
  if (cancel) clearTimeout(cancel);

  const summary = readFileSync(files.summary, 'utf8');
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommand(readFileSync(files.output, 'utf8')),
    summary,
    commands: parseWorkflowCommands(stdout),
    // The runner consumes ::add-mask:: lines; everything else in the log is shown to people.
    visibleText: `${stdout.replace(/^::add-mask::.*$/gm, '')}\n${stderr}\n${summary}`,
  };
}
