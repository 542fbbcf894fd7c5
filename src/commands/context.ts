// What every command runs with: the settings, the runner's environment and, when there is a token, the API
// client and the store. Commands read nothing from process.env themselves.
import type { ArtifactTransport } from '../github/artifacts.js';
import type { Octokit, RepoRef } from '../github/client.js';
import type { RunReport } from '../report/types.js';
import type { Store } from '../store/types.js';
import type { Settings } from '../settings.js';
import type { Publication } from './publish.js';

export type Environment = Record<string, string | undefined>;

export interface RunContext {
  settings: Settings;
  /** The runner's environment; engines get it without the action's inputs. */
  env: Environment;
  /** Absent without a `github-token`. */
  github?: Octokit;
  /** Plan records and locks; absent without a `github-token`. */
  store?: Store;
  /** This workflow run's artifacts: matrix jobs hand their plans to `command: report` through them. */
  artifacts?: ArtifactTransport;
}

export interface CommandResult {
  report?: RunReport;
  publication?: Publication;
  outputs: Record<string, string>;
  /** Set when the gate fails: the one message for setFailed. */
  failure?: string;
}

export function repoOf(settings: Settings): RepoRef {
  return { owner: settings.event.owner, repo: settings.event.repo };
}
