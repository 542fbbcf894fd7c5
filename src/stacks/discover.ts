// The stacks of a config repository: those the config declares, or, without a config (or without `stacks`
// in it), the Terraform/OpenTofu folders that are root modules (see discoverFolders for the rules).
import path from 'node:path';
import { configuredStack } from '../config/load.js';
import type { LoadedConfig, StackConfig } from '../config/types.js';
import { folderFacts, isConfigFile, resolveModuleFolder } from './modules.js';
import { RepoTree } from './tree.js';

/** One unit planned and applied on its own; `path` is posix, relative to the workspace (`.` for the root). */
export type Stack = StackConfig;

/** Folders never searched: tool caches, VCS data, dependencies, and anything hidden. */
const SKIPPED_FOLDERS = new Set(['.terraform', '.git', 'node_modules']);

export async function discoverStacks(
  workspace: string,
  config: LoadedConfig | undefined,
  tree = new RepoTree(),
): Promise<Stack[]> {
  if (config?.stacks) return config.stacks.map(copyStack);
  const defaults = config?.defaults;
  // A folder with a terragrunt.hcl is a Terragrunt unit, even when it holds .tf files too. Shared include files
  // and sourced modules among them are dropped later, from Terragrunt's own answer (engines/terragrunt.ts).
  const units = new Set(await configFolders(workspace, (name) => name === 'terragrunt.hcl', tree));
  const folders = (await discoverFolders(workspace, tree)).stacks.filter((folder) => !units.has(folder));
  const stacks = folders.map((folder) =>
    defaults ? configuredStack({ name: folder, path: folder }, defaults) : discoveredStack(folder),
  );
  const unitStacks = [...units].map((folder): Stack => {
    const stack = defaults
      ? configuredStack({ name: folder, path: folder }, defaults)
      : discoveredStack(folder);
    return { ...stack, engine: 'terragrunt' };
  });
  return [...stacks, ...unitStacks].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A Terraform folder that discovery does not take as a stack, and why. */
export interface ModuleFolder {
  folder: string;
  reason: 'called' | 'linked' | 'modules-folder';
}

/**
 * Without a config, which Terraform folders are stacks. In order, the first rule that applies decides:
 * a folder declaring a backend (`terraform { backend "…" }` or `cloud {}`) is a stack, even when another folder
 * also calls it as a module; a folder another folder calls as a local module (resolving symlinks) is a module,
 * and so is one whose configuration files are symlinked into another folder; a folder inside a
 * folder named `modules` is a module (one nothing calls yet, or its `examples/`); every other folder is a stack.
 */
export async function discoverFolders(
  workspace: string,
  tree = new RepoTree(),
): Promise<{ stacks: string[]; modules: ModuleFolder[] }> {
  const folders = await terraformFolders(workspace, tree);
  const called = new Set<string>();
  const backends = new Set<string>();
  const linked = new Set<string>();
  const realPath = (rel: string) => tree.realPath(workspace, rel);
  // Folders are read in parallel (each only adds to the sets; the order comes from `folders` below).
  const readOne = async (folder: string): Promise<void> => {
    const facts = await folderFacts(path.join(workspace, folder), tree);
    if ([...facts.values()].some((file) => file.backend)) backends.add(folder);
    for (const call of [...facts.values()].flatMap((file) => file.calls)) {
      const target = resolveModuleFolder(folder, call.source);
      if (target === undefined || target === folder) continue;
      called.add(target);
      // Through a symlinked folder, the module's real folder is the one called.
      const real = await realPath(target);
      if (real !== undefined && real !== folder) called.add(real);
    }
    // A folder whose configuration files are linked into another one is part of that one, like a module.
    for (const entry of await tree.list(path.join(workspace, folder))) {
      if (!entry.isSymbolicLink() || !isConfigFile(entry.name)) continue;
      const real = await realPath(folder === '.' ? entry.name : `${folder}/${entry.name}`);
      const target = real === undefined ? undefined : path.posix.dirname(real);
      if (target !== undefined && target !== folder) linked.add(target);
    }
  };
  await Promise.all(folders.map(readOne));
  const stacks: string[] = [];
  const modules: ModuleFolder[] = [];
  for (const folder of folders) {
    if (backends.has(folder)) stacks.push(folder);
    else if (called.has(folder)) modules.push({ folder, reason: 'called' });
    else if (linked.has(folder)) modules.push({ folder, reason: 'linked' });
    else if (inModulesFolder(folder)) modules.push({ folder, reason: 'modules-folder' });
    else stacks.push(folder);
  }
  return { stacks, modules };
}

/** A path with a folder named `modules` in it: where modules live by convention. */
export function inModulesFolder(folder: string): boolean {
  return folder.split('/').includes('modules');
}

function discoveredStack(folder: string): Stack {
  return { name: folder, path: folder, workspace: 'default', varFiles: [], env: {}, whenModified: [] };
}

/** A copy, so callers may change a stack without changing the loaded config. */
function copyStack(stack: StackConfig): Stack {
  return {
    ...stack,
    varFiles: [...stack.varFiles],
    ...(stack.backendConfig ? { backendConfig: [...stack.backendConfig] } : {}),
    env: { ...stack.env },
    whenModified: [...stack.whenModified],
    ...(stack.dependsOn ? { dependsOn: [...stack.dependsOn] } : {}),
  };
}

/**
 * Every folder (posix, relative, sorted) holding configuration files (`*.tf`, `*.tf.json`, `*.tofu`,
 * `*.tofu.json`, symlinked ones included). Symlinked folders are not walked (no loops, no duplicates).
 */
export async function terraformFolders(workspace: string, tree = new RepoTree()): Promise<string[]> {
  return configFolders(workspace, isConfigFile, tree);
}

/** Every folder (posix, relative, sorted) holding a file whose name `wanted` accepts; walked as above. */
async function configFolders(
  workspace: string,
  wanted: (name: string) => boolean,
  tree: RepoTree,
): Promise<string[]> {
  const found: string[] = [];
  const visit = async (folder: string): Promise<void> => {
    const entries = await tree.list(path.join(workspace, folder));
    if (entries.some((entry) => !entry.isDirectory() && wanted(entry.name))) found.push(folder);
    const subfolders = entries.filter(
      (entry) => entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.'),
    );
    await Promise.all(
      subfolders.map((entry) => visit(folder === '.' ? entry.name : `${folder}/${entry.name}`)),
    );
  };
  await visit('.');
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
