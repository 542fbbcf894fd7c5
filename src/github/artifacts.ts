// Artifacts of this workflow run: how matrix jobs hand their plans to `command: report`. Behind an interface
// so commands never see the transport; the real one is `@actions/artifact` (the runner's results service,
// reached with ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL), loaded on first use: most runs never touch
// artifacts, and the toolkit with its storage SDK is a large part of the bundle's start-up.
import type { ArtifactClient } from '@actions/artifact';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ArtifactInfo {
  id: number;
  name: string;
}

export interface ArtifactTransport {
  /** Uploads `body` as the artifact `name` (a single JSON file, not zipped). */
  upload(name: string, body: string): Promise<void>;
  /** Every artifact of this run, the latest of each name. */
  list(): Promise<ArtifactInfo[]>;
  /** The text of an artifact that `upload` wrote. */
  download(artifact: ArtifactInfo): Promise<string>;
}

/** Without the runner's results service there is nothing to upload to: say what is missing. */
export function artifactServiceProblem(env: Record<string, string | undefined>): string | undefined {
  const missing = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((name) => !env[name]);
  return missing.length > 0
    ? `the artifact service is not available (${missing.join(' and ')} not set: run inside a GitHub Actions job)`
    : undefined;
}

/** The results service through `@actions/artifact`; files go through `tempDir`. */
export function actionsArtifacts(tempDir: string): ArtifactTransport {
  // A chunk of its own in dist/: neither compiled nor run by a job that never gets here.
  let loaded: Promise<ArtifactClient> | undefined;
  const artifactClient = () =>
    (loaded ??= import('@actions/artifact').then(({ DefaultArtifactClient }) => new DefaultArtifactClient()));
  return {
    async upload(name, body) {
      const client = await artifactClient();
      const folder = path.join(tempDir, 'artifacts-out');
      await mkdir(folder, { recursive: true });
      const file = path.join(folder, name);
      await writeFile(file, body);
      await client.uploadArtifact(name, [file], folder, { skipArchive: true, retentionDays: 1 });
    },
    async list() {
      const client = await artifactClient();
      const { artifacts } = await client.listArtifacts({ latest: true });
      return artifacts.map((artifact) => ({ id: artifact.id, name: artifact.name }));
    },
    async download(artifact) {
      const client = await artifactClient();
      const folder = path.join(tempDir, 'artifacts-in', String(artifact.id));
      await mkdir(folder, { recursive: true });
      const { downloadPath = folder } = await client.downloadArtifact(artifact.id, { path: folder });
      const files = await readdir(downloadPath);
      if (files.length !== 1 || !files[0]) {
        throw new Error(`artifact ${artifact.name} holds ${files.length} files; Stackgate writes one`);
      }
      return readFile(path.join(downloadPath, files[0]), 'utf8');
    },
  };
}
