// What a failed GitHub request means; apart from the client, so reading an error never loads Octokit.

/** The HTTP status of an Octokit error, if it is one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** A 403/404 on a write means the token lacks a permission (fork PRs, a missing `permissions:` entry). */
export function isPermissionError(error: unknown): boolean {
  const status = httpStatus(error);
  if (status === 401) return true;
  if (status !== 403) return false;
  const message = String((error as Error).message ?? '');
  return !/rate limit/i.test(message);
}
