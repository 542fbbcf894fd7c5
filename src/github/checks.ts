// The check run that gates the merge. Annotations go 50 per request (GitHub's limit), any number of them.
import type { Octokit, RepoRef } from './client.js';
import { httpStatus, isPermissionError } from './errors.js';
import * as core from '@actions/core';
import { Buffer } from 'node:buffer';
import type { Annotation } from '../report/annotations.js';

export const ANNOTATIONS_PER_REQUEST = 50;
export const CHECK_OUTPUT_LIMIT = 65_535;

export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'skipped';

export type CheckAnnotation = Annotation;

export interface CheckRunRequest {
  name: string;
  headSha: string;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  text?: string;
  annotations: CheckAnnotation[];
  detailsUrl?: string;
  /** Identifies this run's check run, so a retried run updates it and a new run starts a fresh one
   * (annotations accumulate on a check run and cannot be removed). */
  externalId: string;
}

/** Cuts text to `limit` bytes, not characters: GitHub counts the summary's bytes (emoji take four). */
function clip(text: string, limit: number): string {
  if (Buffer.byteLength(text) <= limit) return text;
  const note = '\n\n… (cut to fit GitHub’s limit; the full report is in the job summary)';
  let cut = text.slice(0, limit - Buffer.byteLength(note));
  while (Buffer.byteLength(cut) + Buffer.byteLength(note) > limit)
    cut = cut.slice(0, Math.floor(cut.length * 0.95));
  return cut + note;
}

async function findCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  request: CheckRunRequest,
): Promise<number | undefined> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    ...repo,
    ref: request.headSha,
    check_name: request.name,
    per_page: 100,
  });
  return runs.find((run) => run.external_id === request.externalId)?.id;
}

/** Creates the check run, or updates the one this commit already has, and sends every annotation. */
export async function publishCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  request: CheckRunRequest,
): Promise<number> {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < request.annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(request.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  }
  const output = (annotations: CheckAnnotation[]) => ({
    title: clip(request.title, 255),
    summary: clip(request.summary, CHECK_OUTPUT_LIMIT),
    ...(request.text ? { text: clip(request.text, CHECK_OUTPUT_LIMIT) } : {}),
    ...(annotations.length > 0 ? { annotations } : {}),
  });
  const completed = {
    status: 'completed' as const,
    conclusion: request.conclusion,
    completed_at: new Date().toISOString(),
    ...(request.detailsUrl ? { details_url: request.detailsUrl } : {}),
  };
  const [first = [], ...rest] = batches;

  const create = async (retries?: number) => {
    const { data } = await octokit.rest.checks.create({
      ...repo,
      name: request.name,
      head_sha: request.headSha,
      external_id: request.externalId,
      ...completed,
      output: output(first),
      ...(retries !== undefined ? { request: { retries } } : {}),
    });
    return data.id;
  };
  const update = (id: number, annotations: CheckAnnotation[] = first) =>
    octokit.rest.checks.update({ ...repo, check_run_id: id, ...completed, output: output(annotations) });

  let id = await findCheckRun(octokit, repo, request);
  if (id !== undefined) {
    await update(id);
  } else {
    try {
      // Never blindly retried: a create whose answer was lost is found again by its external id.
      id = await create(0);
    } catch (error) {
      if (isPermissionError(error) || httpStatus(error) === 422) throw error;
      core.info(
        `Creating the check run failed (${(error as Error).message}); looking for it before retrying`,
      );
      id = await findCheckRun(octokit, repo, request);
      if (id === undefined) id = await create();
      // The lost create carried the first batch already: annotations add up, so it is not sent twice.
      else await update(id, []);
    }
  }
  for (const batch of rest) {
    await octokit.rest.checks.update({ ...repo, check_run_id: id, output: output(batch) });
  }
  return id;
}
