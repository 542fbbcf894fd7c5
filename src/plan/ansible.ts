// Ansible's check-mode results (the JSON document Stackgate's own callback plugin writes) as the engine-neutral
// plan: a changed task-host pair is a change with the module's unified diff; a failed or unreachable host is an
// error naming the task and host, at the task's file and line. Vaulted plaintexts are replaced everywhere.
import path from 'node:path';
import type { Diagnostic, Plan, ResourceChange, TaskCounts } from './model.js';
import { emptyCounts } from './model.js';

export const SENSITIVE_TEXT = '(sensitive value)';

export type TaskStatus = 'changed' | 'ok' | 'failed' | 'skipped' | 'unreachable';

export interface AnsibleTaskResult {
  task: string;
  action: string;
  host: string;
  status: TaskStatus;
  /** Absolute path of the task's file, as Ansible gives it. */
  file?: string;
  line?: number | null;
  no_log?: boolean;
  item?: string;
  diff?: string;
  msg?: string;
}

export interface AnsibleRunDocument {
  version: 1;
  results: AnsibleTaskResult[];
  hosts: Record<string, unknown>;
  secrets: string[];
  warnings?: string[];
  /** ansible-core's version, as the callback read it. */
  ansible_version?: string | null;
}

/** Shorter strings are too common to hide without hiding ordinary text (a 2-letter secret is no secret). */
const MIN_SECRET_LENGTH = 3;

/** Replaces every secret in `text` with `(sensitive value)`, longest first so overlaps never leave a tail. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    out = out.split(secret).join(SENSITIVE_TEXT);
  }
  return out;
}

export function parseAnsibleDocument(text: string): AnsibleRunDocument {
  const data = JSON.parse(text) as Partial<AnsibleRunDocument>;
  if (data.version !== 1 || !Array.isArray(data.results)) {
    throw new Error('the Ansible callback wrote a document of an unknown shape');
  }
  return {
    version: 1,
    results: data.results,
    hosts: data.hosts ?? {},
    secrets: Array.isArray(data.secrets) ? data.secrets.filter((s) => typeof s === 'string') : [],
    warnings: data.warnings ?? [],
    ansible_version: data.ansible_version ?? null,
  };
}

/** A path Ansible printed (absolute) as the repository-relative path reports use; outside paths stay as is. */
export function repositoryPath(file: string | undefined, workspace: string): string | undefined {
  if (!file) return undefined;
  const relative = path.relative(workspace, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative.split(path.sep).join('/');
}

/**
 * Ansible names a rendered template by its temporary copy (`after: ~/.ansible/tmp/ansible-local-123abc/tmpxyz/
 * db.conf.j2`), different on every run: keep the template's name only, so the diff and fingerprint are stable.
 */
export function stableDiff(diff: string): string {
  return diff.replace(
    /^((?:\+\+\+|---) (?:before|after): )\S*\/ansible-(?:local|tmp)-[^/\s]+\/(?:[^/\s]+\/)?/gm,
    '$1',
  );
}

function label(result: AnsibleTaskResult): string {
  return result.item !== undefined ? `${result.task} (item=${result.item})` : result.task;
}

/** The plan of a check-mode run. `secrets` are extra values to hide (the vault password). */
export function ansiblePlan(
  document: AnsibleRunDocument,
  options: { workspace: string; secrets?: readonly string[] },
): Plan {
  const secrets = [...new Set([...document.secrets, ...(options.secrets ?? [])])].filter(
    (secret) => secret.length >= MIN_SECRET_LENGTH,
  );
  const hide = (text: string): string => redactText(text, secrets);
  const tasks: TaskCounts = { changed: 0, ok: 0, failed: 0, skipped: 0, unreachable: 0, hosts: 0 };
  const changes: ResourceChange[] = [];
  const diagnostics: Diagnostic[] = [];
  let redactedCount = 0;
  const hosts = new Set<string>();
  for (const result of document.results) {
    hosts.add(result.host);
    tasks[result.status] += 1;
    const file = repositoryPath(result.file, options.workspace);
    const where = file ? ` (${file}${result.line ? `:${result.line}` : ''})` : '';
    if (result.status === 'changed') {
      let body: string;
      if (result.no_log) {
        redactedCount += 1;
        body = '(diff hidden: the task sets no_log)';
      } else if (result.diff) {
        const stable = stableDiff(result.diff);
        const hidden = hide(stable);
        if (hidden !== stable) redactedCount += 1;
        body = hidden.trimEnd();
      } else {
        body = '(the module reports a change but gives no diff)';
      }
      const title = hide(`${result.host}: ${label(result)}`);
      changes.push({
        address: title,
        mode: 'managed',
        type: result.action,
        name: hide(label(result)),
        moduleAddress: '',
        providerName: 'ansible',
        action: 'update',
        replacePaths: [],
        moved: false,
        textDiff: `# ${title} — ${result.action}${where}\n${body}`,
      });
    }
    if (result.status === 'failed' || result.status === 'unreachable') {
      const what = result.status === 'failed' ? 'failed on' : 'could not reach';
      const diagnostic: Diagnostic = {
        severity: 'error',
        summary: hide(`Task “${label(result)}” ${what} host ${result.host}`),
      };
      if (result.msg) diagnostic.detail = hide(result.msg);
      if (file && !path.isAbsolute(file)) diagnostic.file = file;
      if (file && result.line) diagnostic.line = result.line;
      diagnostics.push(diagnostic);
    }
  }
  for (const warning of document.warnings ?? [])
    diagnostics.push({ severity: 'warning', summary: hide(warning) });
  tasks.hosts = hosts.size;
  const counts = emptyCounts();
  counts.change = tasks.changed;
  const plan: Plan = {
    changes,
    drift: [],
    outputs: [],
    diagnostics,
    counts,
    hasChanges: tasks.changed > 0,
    redactedCount,
    secrets,
    tasks,
  };
  if (document.ansible_version) plan.engineVersion = document.ansible_version;
  return plan;
}

/** What the fingerprint covers: every task-host outcome and its (redacted) diff, in a stable order. */
export function normaliseAnsiblePlan(plan: Plan, document: AnsibleRunDocument): unknown {
  const hide = (text: string | undefined) => (text === undefined ? null : redactText(text, plan.secrets));
  return document.results
    .map((result) => ({
      host: result.host,
      task: hide(label(result)),
      action: result.action,
      status: result.status,
      diff: result.no_log || result.diff === undefined ? null : hide(stableDiff(result.diff)),
    }))
    .sort((a, b) => {
      const left = `${a.host}\0${a.task ?? ''}`;
      const right = `${b.host}\0${b.task ?? ''}`;
      return left < right ? -1 : left > right ? 1 : 0;
    });
}

/** `[ERROR]: MESSAGE` … `Origin: FILE:LINE:COLUMN` blocks of ansible-playbook's error output (never the code frame). */
export function ansibleErrors(
  stderr: string,
  workspace: string,
  secrets: readonly string[] = [],
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const blocks = stderr.split(/^(?=\[(?:ERROR|WARNING)\]:)/m);
  for (const block of blocks) {
    const head = /^\[(ERROR|WARNING)\]: ([^\n]*)/.exec(block);
    if (!head) continue;
    const origin = /^Origin: (.+?):(\d+)(?::(\d+))?\s*$/m.exec(block);
    const diagnostic: Diagnostic = {
      severity: head[1] === 'ERROR' ? 'error' : 'warning',
      summary: redactText(head[2]!.trim(), secrets),
    };
    if (origin) {
      const file = repositoryPath(origin[1], workspace);
      if (file && !path.isAbsolute(file)) {
        diagnostic.file = file;
        diagnostic.line = Number(origin[2]);
        if (origin[3]) diagnostic.column = Number(origin[3]);
      }
    }
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

interface LintIssue {
  check_name?: unknown;
  description?: unknown;
  severity?: unknown;
  url?: unknown;
  location?: {
    path?: unknown;
    lines?: { begin?: unknown };
    positions?: { begin?: { line?: unknown; column?: unknown } };
  };
}

/**
 * ansible-lint's codeclimate report (`-f codeclimate`) as warnings at file and line. `folder` is where the
 * paths in the report start (the stack folder, given as `--project-dir`); text is redacted with `secrets`.
 */
export function ansibleLintFindings(
  text: string,
  folder: string,
  workspace: string,
  secrets: readonly string[],
): Diagnostic[] {
  let issues: unknown;
  try {
    issues = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(issues)) return [];
  return (issues as LintIssue[]).flatMap((issue): Diagnostic[] => {
    if (typeof issue !== 'object' || issue === null) return [];
    const rule = typeof issue.check_name === 'string' ? issue.check_name : 'ansible-lint';
    const description = typeof issue.description === 'string' ? issue.description : '';
    const where = issue.location;
    const file =
      typeof where?.path === 'string'
        ? repositoryPath(path.resolve(folder, where.path), workspace)
        : undefined;
    const line = where?.lines?.begin ?? where?.positions?.begin?.line;
    const column = where?.positions?.begin?.column;
    return [
      {
        severity: 'warning',
        summary: redactText(`ansible-lint ${rule}: ${description}`.trim(), secrets).slice(0, 300),
        ...(typeof issue.url === 'string' ? { detail: `See ${issue.url}` } : {}),
        ...(file && !path.isAbsolute(file) ? { file } : {}),
        ...(typeof line === 'number' && line > 0 ? { line } : {}),
        ...(typeof column === 'number' && column > 0 ? { column } : {}),
      },
    ];
  });
}
