import type { Octokit, RepoRef } from './client.js';

/** Every file a pull request changes (all pages), including the old name of renamed files. */
export async function listChangedFiles(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
): Promise<string[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  const names = new Set<string>();
  for (const file of files) {
    names.add(file.filename);
    if (file.previous_filename) names.add(file.previous_filename);
  }
  return [...names].sort();
}
