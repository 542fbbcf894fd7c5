// The one Octokit the action uses: retries 5xx and dropped connections with backoff, honours rate limits
// (retry-after, x-ratelimit-reset, secondary limits) and paces writes as GitHub asks.
import * as core from '@actions/core';
import { GitHub, getOctokitOptions } from '@actions/github/lib/utils';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

const StackgateOctokit = GitHub.plugin(retry, throttling);
export type Octokit = InstanceType<typeof StackgateOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

const MAX_RATE_LIMIT_RETRIES = 3;

/** Logs the wait and retries a few times: the plugin then waits `retryAfter` seconds itself. */
function retryWithin(limit: string) {
  return (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, count: number) => {
    core.warning(`GitHub ${limit} hit on ${options.method} ${options.url}; retrying in ${retryAfter}s`);
    return count < MAX_RATE_LIMIT_RETRIES;
  };
}

export function createClient(token: string, baseUrl: string): Octokit {
  return new StackgateOctokit(
    getOctokitOptions(token, {
      baseUrl,
      userAgent: 'stackgate',
      retry: { retries: 4 },
      throttle: {
        onRateLimit: retryWithin('rate limit'),
        onSecondaryRateLimit: retryWithin('secondary rate limit'),
      },
    }),
  );
}
