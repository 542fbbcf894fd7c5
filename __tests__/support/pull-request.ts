// One pull request run, as most end-to-end tests need it: the pull request exists in the stand-in (created,
// or moved to the new head), and the action runs on its `pull_request` event.
import { runAction, type ActionRun } from './harness.js';
import { pullRequestPayload } from './payloads.js';
import type { StandIn } from './standin/index.js';

/** A changed file as GitHub's files API gives it: a rename carries the old name. */
export interface ChangedFile {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  previous_filename?: string;
}

export interface PullRequestRun {
  gh: StandIn;
  /** owner/name */
  repository: string;
  workspace: string;
  number: number;
  headSha: string;
  baseSha?: string;
  /** Files the pull request changes, as the API lists them: a name (modified), or a record with its status. */
  files: Array<string | ChangedFile>;
  /** owner/name of the fork the pull request comes from. */
  fork?: string;
  labels?: string[];
  token?: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  timeoutMs?: number;
  cancelAfterMs?: number;
}

export async function runOnPullRequest(options: PullRequestRun): Promise<ActionRun> {
  const { gh, repository, number, headSha } = options;
  const [owner = '', repo = ''] = repository.split('/');
  const baseSha = options.baseSha ?? headSha;
  const files = options.files.map((file) => ({
    ...(typeof file === 'string' ? { filename: file, status: 'modified' as const } : file),
    additions: 1,
    deletions: 1,
    changes: 2,
  }));
  const existing = gh.state.pullRequest(repository, number);
  if (existing) {
    existing.headSha = headSha;
    existing.files = files;
  } else {
    gh.addPullRequest(repository, {
      number,
      headSha,
      baseSha,
      headRepo: options.fork,
      labels: options.labels,
      files,
    });
  }
  return runAction({
    workspace: options.workspace,
    eventName: 'pull_request',
    payload: pullRequestPayload({
      owner,
      repo,
      number,
      headSha,
      baseSha,
      action: existing ? 'synchronize' : 'opened',
      forkFullName: options.fork,
      labels: options.labels,
    }),
    apiUrl: gh.url,
    repository,
    sha: headSha,
    ref: `refs/pull/${number}/merge`,
    token: options.token,
    inputs: options.inputs,
    env: options.env,
    timeoutMs: options.timeoutMs,
    cancelAfterMs: options.cancelAfterMs,
  });
}
