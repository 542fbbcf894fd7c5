// Which stacks a run is about: discovered, narrowed by the `stacks` input, then those the change affects.
// `command: plan` and `command: detect` share it, so a matrix covers exactly what one plan job would.
import * as core from '@actions/core';
import type { LoadedConfig } from '../config/types.js';
import type { Finding } from '../report/findings.js';
import { filterStacks } from '../stacks/affected.js';
import { relativeToWorkingDirectory } from '../stacks/changed-files.js';
import type { Stack } from '../stacks/discover.js';
import { localModuleGraph } from '../stacks/modules.js';
import { removedStackFindings, selectForChange, unresolvedReadHint } from '../stacks/select.js';
import { RepoTree } from '../stacks/tree.js';
import type { RunContext } from './context.js';
import { changedRepositoryFiles, runStacks } from './shared.js';

export interface StackSelection {
  /** Every stack the run may consider (after the `stacks` input). */
  stacks: Stack[];
  affected: Stack[];
  unaffected: Stack[];
  /** Stacks the change deletes, as findings. */
  removed: Finding[];
  /** The change's files relative to the working directory; undefined when every stack is planned. */
  files?: string[];
  /** Local module folders each stack uses, by stack path. */
  moduleDeps: Map<string, Set<string>>;
}

export async function selectStacks(
  ctx: RunContext,
  config: LoadedConfig | undefined,
): Promise<StackSelection> {
  const { settings } = ctx;
  // One reading of the repository for discovery, the module graph and the selection.
  const tree = new RepoTree();
  let stacks = await runStacks(ctx, config, tree);
  if (settings.stackPatterns.length > 0) stacks = filterStacks(stacks, settings.stackPatterns);

  const repositoryFiles = await changedRepositoryFiles(ctx);
  const files = repositoryFiles && relativeToWorkingDirectory(repositoryFiles, settings.workingDirectory);
  const moduleDeps = await localModuleGraph(
    settings.workspace,
    stacks.map((stack) => stack.path),
    tree,
  );
  if (!repositoryFiles) return { stacks, affected: stacks, unaffected: [], removed: [], files, moduleDeps };
  const selection = await selectForChange(
    { repoRoot: settings.repoRoot, workingDirectory: settings.workingDirectory },
    stacks,
    repositoryFiles,
    { configPath: settings.configPath, discovered: !config?.stacks, patterns: settings.stackPatterns },
    tree,
  );
  for (const read of selection.unresolved)
    core.notice(unresolvedReadHint(read), { file: read.file, startLine: read.line });
  core.info(
    `${repositoryFiles.length} changed file(s); ${selection.affected.length} of ${stacks.length} stack(s) affected`,
  );
  return {
    stacks,
    affected: selection.affected,
    unaffected: selection.unaffected,
    removed: removedStackFindings(selection.removed, settings.event.pullRequest?.labels ?? []),
    files,
    moduleDeps,
  };
}
