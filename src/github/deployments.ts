// Each apply of a stack is a GitHub Deployment (environment `stackgate/<stack>`, ref = the applied commit) with
// in_progress, then success or failure: the repository's Deployments page is the per-stack history of what was
// applied, when and by whom.
import type { Octokit, RepoRef } from './client.js';
import { tokenLogin } from './comment.js';

export function deploymentEnvironment(stack: string): string {
  return `stackgate/${stack}`;
}

export interface DeploymentRequest {
  stack: string;
  sha: string;
  pullNumber: number;
  fingerprint: string;
  actor: string;
  runUrl?: string;
}

/** Creates the deployment and marks it in progress; returns its id. */
export async function startDeployment(
  octokit: Octokit,
  repo: RepoRef,
  request: DeploymentRequest,
): Promise<number> {
  const { data } = await octokit.rest.repos.createDeployment({
    ...repo,
    ref: request.sha,
    environment: deploymentEnvironment(request.stack),
    task: 'deploy',
    auto_merge: false,
    // Stackgate checks its own requirements; GitHub's default (every status green) would wait on this very run.
    required_contexts: [],
    description: `Stackgate apply of ${request.stack} from #${request.pullNumber} by ${request.actor}`.slice(
      0,
      140,
    ),
    payload: {
      stack: request.stack,
      pull_request: request.pullNumber,
      fingerprint: request.fingerprint,
      actor: request.actor,
    },
    production_environment: false,
    transient_environment: false,
  });
  if (!('id' in data)) throw new Error(`GitHub did not create the deployment: ${data.message ?? 'no id'}`);
  await setDeploymentState(octokit, repo, data.id, 'in_progress', 'Applying', request.runUrl);
  return data.id;
}

export async function setDeploymentState(
  octokit: Octokit,
  repo: RepoRef,
  deploymentId: number,
  state: 'in_progress' | 'success' | 'failure',
  description: string,
  runUrl?: string,
): Promise<void> {
  await octokit.rest.repos.createDeploymentStatus({
    ...repo,
    deployment_id: deploymentId,
    state,
    description: description.slice(0, 140),
    ...(runUrl ? { log_url: runUrl } : {}),
  });
}

/** The last successful apply of a stack, as its deployments record it. */
export interface AppliedDeployment {
  sha: string;
  pullNumber?: number;
  /** ISO time of the success status. */
  at: string;
  by: string;
}

interface ApiDeployment {
  id: number;
  sha: string;
  environment: string;
  payload: unknown;
  creator?: { login?: string; type?: string } | null;
}

const SHA = /^[0-9a-f]{40}$/;

/** The pull request and actor an apply wrote into its payload; anything else in it is ignored. */
function payloadFacts(payload: unknown): { pullNumber?: number; actor?: string } {
  // GitHub may hand the payload back as a JSON string.
  let data = payload;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return {};
    }
  }
  if (!data || typeof data !== 'object') return {};
  const { pull_request: pull, actor } = data as { pull_request?: unknown; actor?: unknown };
  return {
    ...(Number.isSafeInteger(pull) && (pull as number) > 0 ? { pullNumber: pull as number } : {}),
    ...(typeof actor === 'string' && actor.length > 0 && actor.length <= 100 ? { actor } : {}),
  };
}

/**
 * The latest successful apply of each of `stacks`, from the deployments Stackgate itself created (the token's
 * own account; a deployment anyone else creates in a `stackgate/` environment is ignored). The repository's
 * deployments are read newest first, page by page, until every stack has its answer or `maxPages` pages were
 * read; a stack never applied is absent from the answer, which is `complete` when every page was read.
 */
export async function latestApplies(
  octokit: Octokit,
  repo: RepoRef,
  stacks: readonly string[],
  options: { maxPages?: number } = {},
): Promise<{ applies: Map<string, AppliedDeployment>; complete: boolean }> {
  const wanted = new Map(stacks.map((stack) => [deploymentEnvironment(stack), stack]));
  const found = new Map<string, AppliedDeployment>();
  const settled = new Set<string>();
  if (wanted.size === 0) return { applies: found, complete: true };
  const login = await tokenLogin(octokit);
  let pages = 0;
  const iterator = octokit.paginate.iterator(octokit.rest.repos.listDeployments, {
    ...repo,
    task: 'deploy',
    per_page: 100,
  });
  for await (const { data } of iterator) {
    for (const deployment of data as ApiDeployment[]) {
      const stack = wanted.get(deployment.environment);
      if (stack === undefined || settled.has(stack)) continue;
      if (deployment.creator?.login?.toLowerCase() !== login.toLowerCase()) continue;
      if (!SHA.test(deployment.sha)) continue;
      // Newest first: the first status that says success is when this deployment was applied.
      const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({
        ...repo,
        deployment_id: deployment.id,
        per_page: 100,
      });
      const success = [...statuses].reverse().find((status) => status.state === 'success');
      if (!success) continue;
      const facts = payloadFacts(deployment.payload);
      found.set(stack, {
        sha: deployment.sha,
        ...(facts.pullNumber !== undefined ? { pullNumber: facts.pullNumber } : {}),
        at: success.created_at,
        by: facts.actor ?? deployment.creator?.login ?? '',
      });
      settled.add(stack);
    }
    pages += 1;
    if (settled.size === wanted.size) break;
    // Past the cap the answer is partial: a stack not found may have been applied long ago.
    if (pages >= (options.maxPages ?? 20)) return { applies: found, complete: false };
  }
  return { applies: found, complete: true };
}
