// Every input and the event context, read and checked up front. Nothing is read at import time.
import * as core from '@actions/core';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { EngineChoice } from './engines/names.js';

export type { EngineChoice } from './engines/names.js';

export const COMMANDS = ['plan', 'validate', 'drift', 'apply', 'detect', 'report'] as const;
export type Command = (typeof COMMANDS)[number];

/** Where `command: plan` and `command: detect` send their result: GitHub itself, or an artifact for `report`. */
export type PublishMode = 'github' | 'artifact';

/** GitHub runs at most this many jobs from one matrix. */
export const MATRIX_LIMIT = 256;

/** A wrong input: names the input and what was expected. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`Input '${input}': ${message}`);
    this.name = 'InputError';
  }
}

export interface PullRequestContext {
  number: number;
  headSha: string;
  headRef: string;
  baseSha: string;
  baseRef: string;
  /** The head lives in another repository: the token is read-only and there are no secrets. */
  fromFork: boolean;
  labels: string[];
  author: string;
}

/** The comment of an `issue_comment` event. */
export interface CommentContext {
  id: number;
  body: string;
  author: string;
  /** The issue or pull request it was written on. */
  issueNumber: number;
  /** Written on a pull request (GitHub sends issue_comment for both). */
  onPullRequest: boolean;
  /** `open` or `closed`. */
  issueState: string;
}

export interface EventContext {
  eventName: string;
  owner: string;
  repo: string;
  /** The commit the run is about: the PR head for pull requests, else GITHUB_SHA. */
  sha: string;
  ref: string;
  defaultBranch?: string;
  pullRequest?: PullRequestContext;
  actor: string;
  runUrl?: string;
  /** Identify this run's check runs: one per run attempt, job and check name. */
  runId: string;
  runAttempt: string;
  job: string;
  /** Set on `issue_comment`. */
  comment?: CommentContext;
  payload: Record<string, unknown>;
}

export interface Settings {
  command: Command;
  token: string;
  apiUrl: string;
  /** Absolute root of the checked-out repository (GITHUB_WORKSPACE). */
  repoRoot: string;
  /** Absolute root of the config repository. */
  workspace: string;
  /** `workspace` relative to the repository root (posix; '' at the root): annotations need repository paths. */
  workingDirectory: string;
  configPath: string;
  stackPatterns: string[];
  engine: EngineChoice;
  parallelism: number;
  comment: boolean;
  commentHeader: string;
  /** `command: drift` fails the job when any stack drifted. */
  failOnDrift: boolean;
  /** `publish: artifact`: a matrix job's plan (or detect's selection) goes to an artifact for `command: report`. */
  publish: PublishMode;
  /** `command: detect`: stacks per matrix entry; `auto` packs them into at most MATRIX_LIMIT entries. */
  matrixBatchSize: number | 'auto';
  /** Where plan files and logs go (RUNNER_TEMP). */
  tempDir: string;
  /** Absolute path the secret findings are written to as SARIF (`sarif-file`); unset: no file. */
  sarifFile?: string;
  event: EventContext;
}

type Env = Record<string, string | undefined>;

function input(name: string): string {
  return core.getInput(name, { trimWhitespace: true });
}

function parseBoolean(name: string, value: string, fallback: boolean): boolean {
  if (value === '') return fallback;
  const lower = value.toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(lower)) return true;
  if (['false', 'no', '0', 'off'].includes(lower)) return false;
  throw new InputError(name, `expected true or false, got '${value}'`);
}

/** A path relative to the working directory, as the repository knows it. */
export function repositoryPath(settings: Pick<Settings, 'workingDirectory'>, file: string): string {
  return settings.workingDirectory ? path.posix.join(settings.workingDirectory, file) : file;
}

export function splitList(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function parseCommand(value: string): Command {
  const command = value === '' ? 'plan' : value;
  if ((COMMANDS as readonly string[]).includes(command)) return command as Command;
  throw new InputError('command', `unknown command '${command}'; expected one of ${COMMANDS.join(', ')}`);
}

function parsePublish(value: string, command: Command): PublishMode {
  if (value === '' || value === 'github') return 'github';
  if (value === 'artifact') {
    if (command === 'plan' || command === 'detect') return 'artifact';
    throw new InputError('publish', `artifact is for command: plan and detect (a matrix), not ${command}`);
  }
  throw new InputError('publish', `expected github or artifact, got '${value}'`);
}

function parseBatchSize(value: string): number | 'auto' {
  if (value === '') return 1;
  if (value === 'auto') return 'auto';
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10_000) {
    throw new InputError(
      'matrix-batch-size',
      `expected a whole number from 1 to 10000 or auto, got '${value}'`,
    );
  }
  return Number(value);
}

function parseEngine(value: string): EngineChoice {
  const engine = value === '' ? 'auto' : value;
  if (engine === 'auto' || engine === 'tofu' || engine === 'terraform') return engine;
  throw new InputError('engine', `expected auto, tofu or terraform, got '${value}'`);
}

function parseParallelism(value: string): number {
  if (value === '') return Math.max(1, os.availableParallelism());
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) {
    throw new InputError('parallelism', `expected a whole number from 1 to 64, got '${value}'`);
  }
  return Number(value);
}

function isOutside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative.startsWith('..') || path.isAbsolute(relative);
}

function resolveWorkspace(env: Env, workingDirectory: string): string {
  const root = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const dir = path.resolve(root, workingDirectory || '.');
  if (isOutside(root, dir)) {
    throw new InputError('working-directory', `'${workingDirectory}' is outside the workspace ${root}`);
  }
  if (!existsSync(dir)) throw new InputError('working-directory', `'${workingDirectory}' does not exist`);
  if (isOutside(realpathSync(root), realpathSync(dir))) {
    throw new InputError(
      'working-directory',
      `'${workingDirectory}' leads outside the workspace through a symlink`,
    );
  }
  return dir;
}

function resolveConfigPath(workspace: string, value: string): string {
  const configPath = value === '' ? '.stackgate.yml' : value;
  const resolved = path.resolve(workspace, configPath);
  // A symlink may point anywhere: what counts is where the file really is.
  const real = existsSync(resolved) ? realpathSync(resolved) : resolved;
  if (isOutside(workspace, resolved) || isOutside(realpathSync(workspace), real)) {
    throw new InputError('config', `'${configPath}' is outside the working directory`);
  }
  return path.relative(workspace, resolved).split(path.sep).join('/');
}

function commentFrom(payload: Record<string, unknown>): CommentContext | undefined {
  const comment = payload.comment as
    { id?: number; body?: string | null; user?: { login?: string } | null } | undefined;
  const issue = payload.issue as { number?: number; state?: string; pull_request?: unknown } | undefined;
  if (!comment || typeof comment.id !== 'number' || !issue || typeof issue.number !== 'number') {
    return undefined;
  }
  return {
    id: comment.id,
    body: comment.body ?? '',
    author: comment.user?.login ?? '',
    issueNumber: issue.number,
    onPullRequest: issue.pull_request !== undefined && issue.pull_request !== null,
    issueState: issue.state ?? 'open',
  };
}

function readPayload(env: Env): Record<string, unknown> {
  const file = env.GITHUB_EVENT_PATH;
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`The event payload at ${file} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

interface PayloadPullRequest {
  number: number;
  head: { sha: string; ref: string; repo?: { full_name?: string } | null };
  base: { sha: string; ref: string; repo?: { full_name?: string } | null };
  labels?: { name: string }[];
  user?: { login?: string };
}

function pullRequestFrom(payload: Record<string, unknown>): PullRequestContext | undefined {
  const pr = payload.pull_request as PayloadPullRequest | undefined;
  if (!pr || typeof pr.number !== 'number') return undefined;
  const headRepo = pr.head.repo?.full_name;
  const baseRepo = pr.base.repo?.full_name;
  return {
    number: pr.number,
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    baseSha: pr.base.sha,
    baseRef: pr.base.ref,
    fromFork: headRepo === undefined || headRepo !== baseRepo,
    labels: (pr.labels ?? []).map((label) => label.name),
    author: pr.user?.login ?? '',
  };
}

export function readEventContext(env: Env = process.env): EventContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) throw new Error(`GITHUB_REPOSITORY must be 'owner/name', got '${repository}'`);
  const payload = readPayload(env);
  const pullRequest = pullRequestFrom(payload);
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const repoInfo = payload.repository as { default_branch?: string } | undefined;
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    owner,
    repo,
    sha: pullRequest?.headSha ?? env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    defaultBranch: repoInfo?.default_branch,
    pullRequest,
    actor: env.GITHUB_ACTOR ?? '',
    runUrl: env.GITHUB_RUN_ID ? `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
    runId: env.GITHUB_RUN_ID ?? 'local',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    job: env.GITHUB_JOB ?? '',
    comment: env.GITHUB_EVENT_NAME === 'issue_comment' ? commentFrom(payload) : undefined,
    payload,
  };
}

export function readSettings(env: Env = process.env): Settings {
  const command = parseCommand(input('command'));
  const event = readEventContext(env);
  const workspace = resolveWorkspace(env, input('working-directory'));
  const repoRoot = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  return {
    command,
    repoRoot,
    token: input('github-token'),
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    workspace,
    workingDirectory: path.relative(repoRoot, workspace).split(path.sep).join('/'),
    configPath: resolveConfigPath(workspace, input('config')),
    stackPatterns: splitList(input('stacks')),
    engine: parseEngine(input('engine')),
    parallelism: parseParallelism(input('parallelism')),
    comment: parseBoolean('comment', input('comment'), true),
    commentHeader: input('comment-header'),
    failOnDrift: parseBoolean('fail-on-drift', input('fail-on-drift'), false),
    publish: parsePublish(input('publish'), command),
    matrixBatchSize: parseBatchSize(input('matrix-batch-size')),
    tempDir: path.join(env.RUNNER_TEMP ?? os.tmpdir(), 'stackgate'),
    // Relative to the workspace root, like upload-sarif's `sarif_file`.
    sarifFile: input('sarif-file') ? path.resolve(repoRoot, input('sarif-file')) : undefined,
    event,
  };
}
