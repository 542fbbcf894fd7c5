// Sends a finished report to people: job summary first (it survives any API failure), then the sticky
// comment and the check run. API trouble becomes a notice; it never changes the gate.
import * as core from '@actions/core';
import { publishCheckRun, type CheckConclusion } from '../github/checks.js';
import type { Octokit } from '../github/client.js';
import { httpStatus, isPermissionError } from '../github/errors.js';
import { upsertStickyComment } from '../github/comment.js';
import type { Annotation } from '../report/annotations.js';
import { commentMarker, renderComment, renderSummary, SUMMARY_MAX_BYTES } from '../report/markdown.js';
import { Buffer } from 'node:buffer';
import type { RunReport } from '../report/types.js';
import { safeAnnotationText } from '../report/annotations.js';
import { repositoryPath, type Settings } from '../settings.js';
import { repoOf, type RunContext } from './context.js';

export interface Publication {
  commentId?: number;
  commentUrl?: string;
  checkRunId?: number;
  notices: string[];
}

export interface CheckRunSpec {
  name: string;
  conclusion: CheckConclusion;
  title: string;
  annotations: Annotation[];
}

/** A comment size GitHub accepts however it counts (bytes or characters). */
const COMPACT_COMMENT_LENGTH = 16_000;

const FORK_NOTICE =
  'This pull request comes from a fork, so its token is read-only: Stackgate wrote this report to the job summary only (no comment, no check run).';

function permissionNotice(what: string, permission: string, error: unknown): string {
  return `Could not write the ${what}: the token lacks \`${permission}\` (add it under \`permissions:\` in the workflow). GitHub said: ${(error as Error).message}`;
}

/** One check run per run attempt, job and check name (a matrix job sets a comment header to get its own). */
export function checkRunExternalId(settings: Settings, name: string): string {
  const { runId, runAttempt, job } = settings.event;
  return [runId, runAttempt, job, name].join(':').slice(0, 200);
}

/** Workflow-command annotations are capped per step: 10 errors and 10 warnings (and 10 notices). */
const WORKFLOW_ANNOTATION_CAP = 10;

/** Without a check run (forks, no `checks: write`), annotate through workflow commands within their caps. */
function annotateWithWorkflowCommands(annotations: Annotation[]): string | undefined {
  const byLevel = { failure: [] as Annotation[], warning: [] as Annotation[], notice: [] as Annotation[] };
  for (const annotation of annotations) byLevel[annotation.annotation_level].push(annotation);
  let omitted = 0;
  for (const [level, list] of Object.entries(byLevel)) {
    for (const annotation of list.slice(0, WORKFLOW_ANNOTATION_CAP)) {
      const properties = {
        title: annotation.title,
        file: annotation.path,
        startLine: annotation.start_line,
        endLine: annotation.end_line,
        startColumn: annotation.start_column,
        endColumn: annotation.end_column,
      };
      if (level === 'failure') core.error(annotation.message, properties);
      else if (level === 'warning') core.warning(annotation.message, properties);
      else core.notice(annotation.message, properties);
    }
    omitted += Math.max(0, list.length - WORKFLOW_ANNOTATION_CAP);
  }
  return omitted > 0
    ? `${omitted} more annotation(s) were left out: GitHub shows at most ${WORKFLOW_ANNOTATION_CAP} per level from one step without a check run. Every finding is listed in this summary.`
    : undefined;
}

/** What every sink gets: the report, its comment and its check run, and the client when it may write. */
export interface SinkInput {
  settings: Settings;
  report: RunReport;
  check: CheckRunSpec;
  /** Absent on forks and without a token. */
  octokit?: Octokit;
  /** Write the sticky comment (the `comment` input and the command agree). */
  comment: boolean;
  /** The report as a comment, rendered once for the sticky comment and the check run's summary. */
  commentBody: () => string;
}

/** One place a report goes. Failures become notices in the publication; they never change the gate. */
export interface Sink {
  name: string;
  publish(input: SinkInput, publication: Publication): Promise<void>;
}

export const commentSink: Sink = {
  name: 'comment',
  async publish({ settings, report, octokit, comment, commentBody }, publication) {
    const pull = report.pullNumber;
    if (!octokit || pull === undefined || !comment) return;
    const repo = repoOf(settings);
    try {
      const marker = commentMarker(report.header);
      const body = commentBody();
      const sticky = await upsertStickyComment(octokit, repo, pull, marker, body).catch(
        async (error: unknown) => {
          // GitHub refused the size (it may count differently): post the compact report rather than nothing.
          if (httpStatus(error) !== 422) throw error;
          core.warning(`GitHub refused the comment (${(error as Error).message}); posting a shorter one`);
          const compact = renderComment(report, { maxLength: COMPACT_COMMENT_LENGTH });
          return upsertStickyComment(octokit, repo, pull, marker, compact.body);
        },
      );
      publication.commentId = sticky.id;
      publication.commentUrl = sticky.url;
      core.info(`Sticky comment ${sticky.action}: ${sticky.url}`);
    } catch (error) {
      publication.notices.push(
        isPermissionError(error)
          ? permissionNotice('pull request comment', 'pull-requests: write', error)
          : `Could not write the pull request comment: ${(error as Error).message}`,
      );
    }
  },
};

export const checkRunSink: Sink = {
  name: 'check run',
  async publish({ settings, report, check, octokit, commentBody }, publication) {
    if (octokit && report.sha) {
      try {
        publication.checkRunId = await publishCheckRun(octokit, repoOf(settings), {
          name: check.name,
          headSha: report.sha,
          conclusion: check.conclusion,
          title: check.title,
          summary: commentBody(),
          annotations: check.annotations,
          detailsUrl: report.runUrl,
          externalId: checkRunExternalId(settings, check.name),
        });
      } catch (error) {
        publication.notices.push(
          isPermissionError(error)
            ? permissionNotice('check run', 'checks: write', error)
            : `Could not write the check run: ${(error as Error).message}`,
        );
      }
    }
    if (publication.checkRunId === undefined && check.annotations.length > 0) {
      const omitted = annotateWithWorkflowCommands(check.annotations);
      if (omitted) publication.notices.push(omitted);
    }
  },
};

/** The job summary, last: it carries every notice the other sinks left. */
export const summarySink: Sink = {
  name: 'summary',
  async publish({ report }, publication) {
    for (const notice of publication.notices) core.warning(notice);
    const notices = publication.notices.map((notice) => `> [!NOTE]\n> ${notice}\n`).join('\n');
    const noticeBytes = Buffer.byteLength(notices) + 16;
    const summary = renderSummary(report, { maxBytes: SUMMARY_MAX_BYTES - noticeBytes });
    await core.summary.addRaw(`${notices}${notices ? '\n' : ''}${summary}`, true).write();
  },
};

export const DEFAULT_SINKS: readonly Sink[] = [commentSink, checkRunSink, summarySink];

export async function publishReport(
  ctx: RunContext,
  report: RunReport,
  spec: CheckRunSpec,
  options: { comment?: boolean; sinks?: readonly Sink[] } = {},
): Promise<Publication> {
  const { settings } = ctx;
  // Reports speak of paths in the working directory; GitHub places annotations by repository path.
  const check = {
    ...spec,
    annotations: spec.annotations.map((annotation) => ({
      ...annotation,
      ...safeAnnotationText(annotation),
      path: repositoryPath(settings, annotation.path),
    })),
  };
  const publication: Publication = { notices: [] };
  const readOnly = settings.event.pullRequest?.fromFork === true;
  if (readOnly) publication.notices.push(FORK_NOTICE);
  else if (!ctx.github)
    publication.notices.push('No `github-token` was given: the report is in the job summary only.');
  let commentBody: string | undefined;
  const input: SinkInput = {
    settings,
    report,
    check,
    octokit: readOnly ? undefined : ctx.github,
    comment: settings.comment && options.comment !== false,
    commentBody: () => (commentBody ??= renderComment(report).body),
  };
  // In order: the summary goes last so it carries the others' notices.
  for (const sink of options.sinks ?? DEFAULT_SINKS) await sink.publish(input, publication);
  return publication;
}
