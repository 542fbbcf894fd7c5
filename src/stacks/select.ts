// The stacks a pull request's change affects, the stacks it deletes, and the reads nobody can trace: what
// `command: plan` needs from src/stacks, from repository paths of the changed files.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { inModulesFolder, terraformFolders, type Stack } from './discover.js';
import { matchesStackPatterns, selectAffected } from './affected.js';
import { repositoryFile, stackInputs, type Layout, type UnresolvedRead } from './inputs.js';
import { isConfigFile } from './modules.js';
import { RepoTree } from './tree.js';
import type { Finding } from '../report/findings.js';

export interface ChangeSelection {
  affected: Stack[];
  unaffected: Stack[];
  /** Folders (relative to the working directory) of stacks the change deletes: their resources are orphaned. */
  removed: string[];
  /** Reads whose path is not static, once each, with the stacks whose modules make them. */
  unresolved: (UnresolvedRead & { stacks: string[] })[];
}

export interface ChangeOptions {
  /** The config file, relative to the working directory. */
  configPath: string;
  /** True when the stacks were discovered (no `stacks` in a config): only then can a deleted folder be one. */
  discovered: boolean;
  /** The `stacks` input: a removed stack is reported only when it would have been selected. */
  patterns: readonly string[];
}

export async function selectForChange(
  layout: Layout,
  stacks: readonly Stack[],
  changedFiles: readonly string[],
  options: ChangeOptions,
  tree = new RepoTree(),
): Promise<ChangeSelection> {
  const inputs = await stackInputs(layout, stacks, tree);
  const folders = new Set(await terraformFolders(layout.repoRoot, tree));
  const removed = options.discovered ? await removedFolders(layout, changedFiles, folders, inputs) : [];
  const { affected, unaffected } = selectAffected(inputs, changedFiles, {
    configFile: repositoryFile(layout, options.configPath),
    boundaries: [...folders, ...removed.map((folder) => repositoryFile(layout, folder))],
  });
  const unresolved = new Map<string, UnresolvedRead & { stacks: string[] }>();
  for (const input of inputs) {
    for (const read of input.unresolved) {
      const key = `${read.file}:${read.line}:${read.fn}`;
      const entry = unresolved.get(key) ?? { ...read, stacks: [] };
      if (!entry.stacks.includes(input.stack.name)) entry.stacks.push(input.stack.name);
      unresolved.set(key, entry);
    }
  }
  return {
    affected: affected.map((input) => input.stack),
    unaffected: unaffected.map((input) => input.stack),
    removed: removed.filter(
      (folder) => options.patterns.length === 0 || matchesStackPatterns(folder, folder, options.patterns),
    ),
    unresolved: [...unresolved.values()],
  };
}

/**
 * Folders whose configuration files the change deletes (or renames away) and that hold none any more: stacks
 * that were discovered on the base branch. Not counted: folders inside a `modules` folder, and folders a stack
 * still calls as a module (deleting a module breaks its callers' plans, which is loud already).
 */
async function removedFolders(
  layout: Layout,
  changedFiles: readonly string[],
  terraformFolders: Set<string>,
  inputs: Awaited<ReturnType<typeof stackInputs>>,
): Promise<string[]> {
  const prefix = layout.workingDirectory ? `${layout.workingDirectory}/` : '';
  const used = new Set(inputs.flatMap((input) => input.folders));
  const removed = new Set<string>();
  for (const file of changedFiles) {
    if (!isConfigFile(path.posix.basename(file)) || !file.startsWith(prefix)) continue;
    const folder = path.posix.dirname(file);
    if (terraformFolders.has(folder) || used.has(folder)) continue;
    const exists = await lstat(path.join(layout.repoRoot, file)).then(
      () => true,
      () => false,
    );
    if (exists) continue;
    const relative = folder.slice(prefix.length) || '.';
    if (!inModulesFolder(relative)) removed.add(relative);
  }
  return [...removed].sort();
}

/** The label that lets a pull request delete a stack's folder: its resources were destroyed or moved first. */
export const ALLOW_REMOVAL_LABEL = 'allow-stack-removal';

/** Each removed stack as a blocking finding (waived by the label), saying what to do. */
export function removedStackFindings(removed: readonly string[], labels: readonly string[]): Finding[] {
  const waived = labels.includes(ALLOW_REMOVAL_LABEL);
  return removed.map((folder) => ({
    kind: 'stack',
    severity: 'error',
    stack: folder,
    title: 'Stack removed',
    message:
      `This change deletes the stack ${folder}, but not its resources: after the merge nothing plans or ` +
      `applies them any more. Destroy them first (\`tofu destroy\` in ${folder} on the base branch), or, ` +
      `when another stack manages them now, take them out of this stack's state (\`tofu state rm\`); then add ` +
      `the label ${ALLOW_REMOVAL_LABEL} to this pull request.`,
    ...(waived ? { waivedBy: ALLOW_REMOVAL_LABEL } : {}),
  }));
}

/** The hint for a read whose path is not static. */
export function unresolvedReadHint(read: UnresolvedRead & { stacks: string[] }): string {
  return (
    `${read.fn}() here reads a path Stackgate cannot work out before planning, so a change to that file alone ` +
    `plans nothing; list it under when-modified of ${read.stacks.join(', ')} in .stackgate.yml`
  );
}
