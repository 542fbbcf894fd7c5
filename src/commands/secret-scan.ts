// The secret scan of `validate` and `plan`: the files (the change's, or all), then what each commit of the pull
// request or push adds, de-duplicated; optionally written as SARIF for code scanning.
import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  blobSizes,
  changedBlobs,
  commitsBetween,
  filePatch,
  hasCommit,
  isShallow,
  mergeBase,
  readBlob,
  treeBlobs,
} from '../process/git.js';
import type { Finding } from '../report/findings.js';
import { renderSarif, type SarifSecret } from '../report/sarif.js';
import { addedLines, historyMessage, shortSha } from '../scan/history.js';
import { BINARY_SNIFF_BYTES, findingMessage, isAllowListed, scanTextWithValues } from '../scan/secrets.js';
import { repositoryPath, type Settings } from '../settings.js';
import { relativeToWorkingDirectory } from '../stacks/changed-files.js';
import type { RunContext } from './context.js';
import {
  MAX_SCANNED_BYTES,
  readWorkspaceFile,
  scanFiles,
  secretFinding,
  skippedNotice,
  type ScannedSecret,
} from './checks.js';

const COMMIT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const ZERO = /^0+$/;
/** Commits scanned at most (the newest); a notice says when there were more. */
export const MAX_HISTORY_COMMITS = 250;

/** The commits to scan: reachable from `head`, from none of `exclude`. */
interface HistoryRange {
  head: string;
  exclude: string[];
  /** `the pull request's commits`, for messages. */
  what: string;
}

function lacking(what: string, range: string): { notice: string } {
  return {
    notice:
      `History not scanned for secrets: the checkout does not have ${what} (${range}), as with a shallow ` +
      'clone. Set `fetch-depth: 0` on actions/checkout so that Stackgate scans what each commit adds.',
  };
}

/** Whether git has both ends and a common ancestor, so that `head --not base` lists exactly the new commits. */
async function connected(root: string, base: string, head: string): Promise<boolean> {
  return (
    (await hasCommit(root, head)) &&
    (await hasCommit(root, base)) &&
    (await mergeBase(root, base, head)) !== undefined
  );
}

/** The pull request's commits, or the pushed ones; a notice when the checkout lacks them; else nothing to scan. */
async function historyRange(settings: Settings): Promise<HistoryRange | { notice: string } | undefined> {
  const root = settings.repoRoot;
  const pull = settings.event.pullRequest;
  if (pull) {
    const { baseSha: base, headSha: head } = pull;
    if (!COMMIT_ID.test(base) || !COMMIT_ID.test(head) || base === head) return undefined;
    const what = "the pull request's commits";
    if (!(await connected(root, base, head))) return lacking(what, `${shortSha(base)}..${shortSha(head)}`);
    return { head, exclude: [base], what };
  }
  if (settings.event.eventName !== 'push') return undefined;
  const { before, after } = settings.event.payload as { before?: unknown; after?: unknown };
  if (typeof after !== 'string' || !COMMIT_ID.test(after) || ZERO.test(after)) return undefined; // deleted
  const what = 'the pushed commits';
  if (typeof before === 'string' && COMMIT_ID.test(before) && !ZERO.test(before)) {
    if (before === after) return undefined;
    if (!(await connected(root, before, after)))
      return lacking(what, `${shortSha(before)}..${shortSha(after)}`);
    return { head: after, exclude: [before], what };
  }
  // A new branch: the commits the default branch does not have (all of them on the default branch's first push).
  const branch = settings.event.defaultBranch;
  if (branch && settings.event.ref === `refs/heads/${branch}`) return { head: after, exclude: [], what };
  const ref = `refs/remotes/origin/${branch ?? ''}`;
  if (!branch || !(await connected(root, ref, after))) {
    return lacking(`${what} or the default branch`, `${branch ?? 'default branch'}..${shortSha(after)}`);
  }
  return { head: after, exclude: [ref], what };
}

/** A secret some commit adds, in that commit's version of a file. */
interface HistorySecret extends ScannedSecret {
  commit: string;
  repositoryFile: string;
}

interface HistoryScan {
  found: HistorySecret[];
  large: string[];
  notices: string[];
}

/** What every commit of the range adds: each changed file scanned as that commit has it, added lines kept. */
async function scanHistory(settings: Settings, allow: string[]): Promise<HistoryScan> {
  const scan: HistoryScan = { found: [], large: [], notices: [] };
  const range = await historyRange(settings);
  if (!range) return scan;
  if ('notice' in range) {
    const shallow = await isShallow(settings.repoRoot);
    scan.notices.push(
      shallow === undefined
        ? 'History not scanned for secrets: the workspace is not a Git checkout.'
        : range.notice,
    );
    return scan;
  }
  const root = settings.repoRoot;
  const commits = await commitsBetween(root, range.head, range.exclude, MAX_HISTORY_COMMITS + 1);
  if (commits.length > MAX_HISTORY_COMMITS) {
    commits.shift();
    scan.notices.push(
      `Only the newest ${MAX_HISTORY_COMMITS} of ${range.what} were scanned for secrets (there are more).`,
    );
  }
  // A version that is still the file's at the head holds nothing the files' scan does not see already.
  const atHead = await treeBlobs(root, range.head);
  const changes = [];
  for (const commit of commits) {
    for (const change of await changedBlobs(root, commit)) {
      if (atHead.get(change.path) === change.blob) continue;
      const [file] = relativeToWorkingDirectory([change.path], settings.workingDirectory);
      if (file !== undefined && !isAllowListed(file, allow)) changes.push({ ...change, commit, file });
    }
  }
  const sizes = await blobSizes(root, [...new Set(changes.map((change) => change.blob))]);
  for (const change of changes) {
    const size = sizes.get(change.blob);
    if (size === undefined) continue;
    if (size > MAX_SCANNED_BYTES) {
      scan.large.push(`${change.path}@${shortSha(change.commit)}`);
      continue;
    }
    const text = await readBlob(root, change.blob);
    // Binary files are left out quietly: the files' scan names the ones still there.
    if (text === undefined || text.slice(0, BINARY_SNIFF_BYTES).includes('\0')) continue;
    const { findings, secrets, values } = scanTextWithValues(change.file, text, { allow });
    if (findings.length === 0) continue;
    for (const secret of secrets) core.setSecret(secret);
    const added = addedLines(await filePatch(root, change.commit, change.path));
    findings.forEach((finding, index) => {
      if (!added.has(finding.line)) return;
      scan.found.push({
        finding,
        value: values[index] ?? '',
        commit: change.commit,
        repositoryFile: change.path,
      });
    });
  }
  core.info(`Scanned ${commits.length} commit(s) of ${range.what} for secrets`);
  return scan;
}

/**
 * Findings of the history that the files do not show already: a secret still in its file (found there, or
 * allowed there with the inline marker) is reported once, at its place in the files; a secret added twice, at
 * the first commit that adds it.
 */
async function removedSecrets(
  workspace: string,
  files: readonly ScannedSecret[],
  history: readonly HistorySecret[],
): Promise<HistorySecret[]> {
  const seen = new Set(files.map((secret) => secret.value));
  const current = new Map<string, string>();
  const kept: HistorySecret[] = [];
  for (const secret of history) {
    if (seen.has(secret.value)) continue;
    const file = secret.finding.file;
    if (!current.has(file)) current.set(file, (await readWorkspaceFile(workspace, file)) ?? '');
    if (secret.value && current.get(file)?.includes(secret.value)) continue;
    seen.add(secret.value);
    kept.push(secret);
  }
  return kept;
}

function historyFinding(secret: HistorySecret): Finding {
  return {
    kind: 'secret',
    severity: 'error',
    title: `${secret.finding.title} in commit ${shortSha(secret.commit)}`,
    message: historyMessage(secret.finding, secret.commit, secret.repositoryFile),
  };
}

function noticeFinding(message: string): Finding {
  return { kind: 'secret', severity: 'notice', title: 'Secret scan of the history', message };
}

/** Writes the findings as SARIF 2.1.0 to `file`; a failure to write is a warning, never a lost report. */
async function writeSarif(file: string, secrets: SarifSecret[], notices: string[]): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(renderSarif(secrets, notices), null, 2)}\n`);
    core.info(`Wrote ${secrets.length} secret finding(s) as SARIF to ${file}`);
  } catch (error) {
    core.warning(`Could not write the SARIF file ${file}: ${(error as Error).message}`);
  }
}

/** The whole secret scan: files, then history; findings for the report, and the SARIF file when asked for. */
export async function scanForSecrets(ctx: RunContext, files: string[], allow: string[]): Promise<Finding[]> {
  const { settings } = ctx;
  const tree = await scanFiles(settings.workspace, files, allow);
  const history = await scanHistory(settings, allow).catch((error: Error): HistoryScan => ({
    found: [],
    large: [],
    // git failing is a reason to say so, never to fail the run or lose the files' findings.
    notices: [`History not scanned for secrets: ${error.message}`],
  }));
  const removed = await removedSecrets(settings.workspace, tree.found, history.found);
  const notices = [
    ...skippedNotice(tree.binary, [...tree.large, ...history.large]),
    ...history.notices.map(noticeFinding),
  ];
  if (settings.sarifFile) {
    const sarif: SarifSecret[] = [
      ...tree.found.map(({ finding }) => ({
        ...finding,
        uri: repositoryPath(settings, finding.file),
        message: findingMessage(finding),
      })),
      ...removed.map((secret) => ({
        ...secret.finding,
        uri: secret.repositoryFile,
        commit: secret.commit,
        message: historyMessage(secret.finding, secret.commit, secret.repositoryFile),
      })),
    ];
    await writeSarif(
      settings.sarifFile,
      sarif,
      notices.map((notice) => notice.message),
    );
  }
  return [
    ...tree.found.map(({ finding }) => secretFinding(finding)),
    ...removed.map(historyFinding),
    ...notices,
  ];
}
