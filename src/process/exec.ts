// The only module that spawns processes. Arguments are always arrays (never a shell string), output is
// capped, and a timeout kills the whole process tree.
import { spawn } from 'node:child_process';
import { accessSync, appendFileSync, constants } from 'node:fs';
import path from 'node:path';

export interface ExecOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Bytes of stdout/stderr kept each; the rest is dropped from the middle. */
  maxOutputBytes?: number;
  /** Written to the process's standard input, which is then closed (unset: no standard input). */
  input?: string;
}

export interface ExecResult {
  command: string;
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The binary could not be started (e.g. not installed). */
  spawnError?: string;
  durationMs: number;
}

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;
const KILL_GRACE_MS = 5000;

/** Keeps the head and the tail of a stream within a byte budget. */
class CappedBuffer {
  private head: Buffer[] = [];
  private tail: Buffer[] = [];
  private headBytes = 0;
  private tailBytes = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const half = Math.floor(this.limit / 2);
    if (this.headBytes < half) {
      const take = chunk.subarray(0, half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes > half && this.tail.length > 0) {
      const first = this.tail[0]!;
      const excess = this.tailBytes - half;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
        this.dropped += first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailBytes -= excess;
        this.dropped += excess;
      }
    }
  }

  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    if (this.dropped === 0) return head + tail;
    return `${head}\n… ${this.dropped} bytes of output omitted …\n${tail}`;
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal); // the child leads its own process group
  } catch {
    // the group is gone already
  }
}

/** Process groups still running, so a cancelled job can stop them instead of leaving them to PID 1. */
const liveGroups = new Set<number>();
let cancelHandlersInstalled = false;

/** On cancellation (SIGINT/SIGTERM from the runner) stop every engine, then end with the signal's status. */
function installCancelHandlers(): void {
  if (cancelHandlersInstalled) return;
  cancelHandlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`Received ${signal}: stopping ${liveGroups.size} engine process(es)\n`);
      for (const pid of liveGroups) signalGroup(pid, 'SIGTERM');
      setTimeout(() => {
        for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }, 2000);
      if (liveGroups.size === 0) process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** When set, every process is appended to this file as one JSON line (`npm run bench` reads it). */
let traceFile: string | undefined;

/** Records each process's command, first argument, start and end (epoch ms) to `file` (undefined: off). */
export function traceProcessesTo(file: string | undefined): void {
  traceFile = file || undefined;
}

function trace(command: string, args: string[], started: number): void {
  if (!traceFile) return;
  const entry = { command: command.split('/').pop(), step: args[0] ?? '', start: started, end: Date.now() };
  try {
    appendFileSync(traceFile, `${JSON.stringify(entry)}\n`);
  } catch {
    // tracing must never change a run
  }
}

export function execFile(command: string, args: string[], options: ExecOptions): Promise<ExecResult> {
  const started = Date.now();
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const stdout = new CappedBuffer(limit);
  const stderr = new CappedBuffer(limit);
  return new Promise((resolve) => {
    let timedOut = false;
    let spawnError: string | undefined;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv | undefined,
      // Standard input is a pipe closed at once (after `input`, when given): an end of file, like /dev/null.
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    // A process that exits without reading its input must not fail the run (EPIPE).
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
    let escalation: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            signalGroup(child.pid, 'SIGTERM');
            // A process that ignores SIGTERM gets SIGKILL; the timer keeps the action alive until then.
            escalation = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
          }, options.timeoutMs)
        : undefined;
    installCancelHandlers();
    if (child.pid !== undefined) liveGroups.add(child.pid);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError = error.code === 'ENOENT' ? `'${command}' was not found on PATH` : error.message;
    });
    child.on('close', (exitCode, signal) => {
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      if (timer) clearTimeout(timer);
      if (escalation) clearTimeout(escalation);
      // After a timeout nothing of the tree may outlive the run, even a child that ignored SIGTERM.
      if (timedOut) signalGroup(child.pid, 'SIGKILL');
      trace(command, args, started);
      resolve({
        command,
        args,
        exitCode,
        signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        spawnError,
        durationMs: Date.now() - started,
      });
    });
  });
}

/**
 * Finds an executable on PATH without spawning it. The access checks are synchronous: a run asks before its
 * engines start, and a promise per PATH folder left the thread idle between them.
 */
export async function which(name: string, pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of pathEnv.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
