// run(): settings → command → reports → exit status. The one place that sets the job's result.
import * as core from '@actions/core';
import { commandFor } from './commands/index.js';
import type { RunContext } from './commands/context.js';
import { annotateConfigError, configFailureMessage } from './commands/shared.js';
import { ConfigError } from './config/types.js';
import { actionsArtifacts } from './github/artifacts.js';
import type { Octokit } from './github/client.js';
import { githubStore } from './github/store.js';
import { traceProcessesTo } from './process/exec.js';
import { readSettings, type Settings } from './settings.js';

export async function run(env: Record<string, string | undefined> = process.env): Promise<void> {
  let settings: Settings | undefined;
  try {
    settings = readSettings(env);
    // A timeline of the engine processes, for `npm run bench`; not an input (nothing a workflow needs).
    traceProcessesTo(env.STACKGATE_TRACE_FILE);
    if (settings.token) core.setSecret(settings.token);
    const command = commandFor(settings.command, settings.event);
    const github = settings.token ? await openClient(settings.token, settings.apiUrl) : undefined;
    const ctx: RunContext = {
      settings,
      env,
      github,
      store: github
        ? githubStore(github, { owner: settings.event.owner, repo: settings.event.repo })
        : undefined,
      artifacts: actionsArtifacts(settings.tempDir),
    };
    const result = await command.run(ctx);
    for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value);
    if (result.failure) core.setFailed(result.failure);
  } catch (error) {
    if (error instanceof ConfigError) {
      annotateConfigError(error, settings);
      core.setFailed(configFailureMessage(error));
      return;
    }
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The GitHub client, loaded only when there is a token: Octokit and the HTTP stack under it are a chunk of their
 * own, which a run without one (the CLI, a plan to the job summary only) never compiles.
 */
async function openClient(token: string, apiUrl: string): Promise<Octokit> {
  const { createClient } = await import('./github/client.js');
  return createClient(token, apiUrl);
}
