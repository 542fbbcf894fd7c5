// `command: detect`: the stacks the change affects, as a GitHub Actions matrix (one plan job per entry), chosen
// exactly as `command: plan` would choose them. With `publish: artifact` the selection is also kept for
// `command: report`, which then knows which matrix jobs to expect.
import * as core from '@actions/core';
import { resolveEngineChoice } from '../engines/index.js';
import {
  ARTIFACT_VERSION,
  DETECT_ARTIFACT_KIND,
  detectArtifactName,
  encodeDetectArtifact,
  type ArtifactStack,
} from '../report/artifact.js';
import { escapeText } from '../report/escape.js';
import { filterStacks } from '../stacks/affected.js';
import type { Stack } from '../stacks/discover.js';
import { buildMatrix, MatrixError, matrixJson, type MatrixEntry } from '../stacks/matrix.js';
import { MATRIX_LIMIT } from '../settings.js';
import { artifactServiceProblem } from '../github/artifacts.js';
import type { CommandResult, RunContext } from './context.js';
import { selectStacks } from './selection.js';
import { loadConfigOrThrow } from './shared.js';

/** Each entry, given to `stacks:`, must select exactly its own stacks (a name may read as a glob). */
function checkEntries(entries: readonly MatrixEntry[], all: Stack[]): void {
  for (const entry of entries) {
    const selected = filterStacks(all, entry.stacks).map((stack) => stack.name);
    const extra = selected.filter((name) => !entry.stacks.includes(name));
    if (extra.length > 0) {
      throw new MatrixError(
        `The matrix entry '${entry.stack}' would also select ${extra.map((name) => `'${name}'`).join(', ')} through the stacks input (a name that reads as a glob): rename the stack`,
      );
    }
  }
}

export async function runDetect(ctx: RunContext): Promise<CommandResult> {
  const { settings } = ctx;
  const config = await loadConfigOrThrow(settings);
  const selection = await selectStacks(ctx, config);
  const fallbackEngine = await resolveEngineChoice(settings.engine);
  const refOf = (stack: Stack): ArtifactStack => ({
    name: stack.name,
    path: stack.path,
    engine: stack.engine ?? fallbackEngine,
  });
  const affected = selection.affected.map(refOf);
  const entries = buildMatrix(affected, settings.matrixBatchSize, MATRIX_LIMIT);
  checkEntries(entries, selection.stacks);
  core.info(`${affected.length} stack(s) affected: ${entries.length} matrix job(s)`);

  if (settings.publish === 'artifact') {
    const problem = artifactServiceProblem(ctx.env);
    if (problem || !ctx.artifacts)
      throw new Error(`Cannot keep the selection for command: report: ${problem}`);
    const name = detectArtifactName(settings.commentHeader, settings.event.runAttempt);
    await ctx.artifacts.upload(
      name,
      encodeDetectArtifact({
        kind: DETECT_ARTIFACT_KIND,
        version: ARTIFACT_VERSION,
        header: settings.commentHeader,
        sha: settings.event.sha,
        pullNumber: settings.event.pullRequest?.number,
        runAttempt: settings.event.runAttempt,
        entries: entries.map((entry) => entry.stacks),
        affected,
        unaffected: selection.unaffected.map(refOf),
        findings: selection.removed,
      }),
    );
    core.info(`Selection kept for command: report as artifact ${name}`);
  }

  const lines = entries.map((entry) => `| ${escapeText(entry.stack)} | ${escapeText(entry.engine)} |`);
  await core.summary
    .addRaw(
      [
        `### Stackgate: ${affected.length} affected stack(s), ${entries.length} matrix job(s)`,
        '',
        ...(lines.length > 0 ? ['| stack | engine |', '| --- | --- |', ...lines] : ['No stack affected.']),
        '',
      ].join('\n'),
    )
    .write();
  return {
    outputs: {
      matrix: matrixJson(entries),
      stacks: JSON.stringify(affected.map((stack) => stack.name)),
      count: String(affected.length),
    },
  };
}
