// Each apply of a stack is a GitHub Deployment (environment `stackgate/<stack>`, ref = the applied commit) with
// in_progress, then success or failure: the repository's Deployments page is the per-stack history of what was
// applied, when and by whom.
import type { Octokit, RepoRef } from './client.js';

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
