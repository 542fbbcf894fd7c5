// The stacks of a config repository: those the config declares, or, without a config (or without `stacks`
// in it), every Terraform/OpenTofu folder that is not merely a local module of another folder.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig, StackConfig } from '../config/types.js';
import { directModuleFolders } from './modules.js';

/** One unit planned and applied on its own; `path` is posix, relative to the workspace (`.` for the root). */
export type Stack = StackConfig;

/** Folders never searched: tool caches, VCS data, dependencies, and anything hidden. */
const SKIPPED_FOLDERS = new Set(['.terraform', '.git', 'node_modules']);

export async function discoverStacks(workspace: string, config: LoadedConfig | undefined): Promise<Stack[]> {
  if (config?.stacks) return config.stacks.map(copyStack);
  const folders = await terraformFolders(workspace);
  const modules = new Set<string>();
  for (const folder of folders) {
    for (const called of await directModuleFolders(workspace, folder)) modules.add(called);
  }
  return folders.filter((folder) => !modules.has(folder)).map(discoveredStack);
}

function discoveredStack(folder: string): Stack {
  return { name: folder, path: folder, workspace: 'default', varFiles: [], env: {}, whenModified: [] };
}

/** A copy, so callers may change a stack without changing the loaded config. */
function copyStack(stack: StackConfig): Stack {
  return {
    ...stack,
    varFiles: [...stack.varFiles],
    env: { ...stack.env },
    whenModified: [...stack.whenModified],
  };
}

/** Every folder (posix, relative, sorted) holding `*.tf` files. Symlinked folders are not followed (no loops). */
export async function terraformFolders(workspace: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (folder: string): Promise<void> => {
    const entries = await readdir(path.join(workspace, folder), { withFileTypes: true });
    if (entries.some((entry) => !entry.isDirectory() && entry.name.endsWith('.tf'))) found.push(folder);
    for (const entry of entries) {
      if (!entry.isDirectory() || SKIPPED_FOLDERS.has(entry.name) || entry.name.startsWith('.')) continue;
      await visit(folder === '.' ? entry.name : `${folder}/${entry.name}`);
    }
  };
  await visit('.');
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
