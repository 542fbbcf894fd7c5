// What an Ansible stack reads besides its own folder, so a change to any of it plans the stack: the playbook and
// the files it imports statically, its roles (and their dependencies) in the conventional places, the inventory
// with its group_vars/host_vars, extra vars files and a vault password file in the repository. Paths with
// Jinja in them cannot be followed; `when-modified` covers those.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { Stack } from './discover.js';

const MAX_FILES = 500;

type Yaml = unknown;

function isObject(value: Yaml): value is Record<string, Yaml> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function exists(absolute: string): Promise<'file' | 'folder' | undefined> {
  const info = await stat(absolute).catch(() => undefined);
  if (!info) return undefined;
  return info.isDirectory() ? 'folder' : 'file';
}

async function loadYaml(absolute: string): Promise<Yaml> {
  try {
    // Vault tags and other custom tags parse as their text; a file that is not YAML contributes nothing more.
    return parse(await readFile(absolute, 'utf8'), {
      customTags: [
        { tag: '!vault', resolve: (s: string) => s },
        { tag: '!unsafe', resolve: (s: string) => s },
      ],
      logLevel: 'silent',
    });
  } catch {
    return undefined;
  }
}

const TASK_FILE_KEYS = [
  'include_tasks',
  'import_tasks',
  'ansible.builtin.include_tasks',
  'ansible.builtin.import_tasks',
];
const PLAYBOOK_KEYS = ['import_playbook', 'ansible.builtin.import_playbook'];
const ROLE_KEYS = [
  'include_role',
  'import_role',
  'ansible.builtin.include_role',
  'ansible.builtin.import_role',
];
const TEMPLATE_KEYS = ['template', 'ansible.builtin.template', 'copy', 'ansible.builtin.copy'];

function fileArgument(value: Yaml): string | undefined {
  if (typeof value === 'string') return value.trim().split(/\s+/)[0];
  if (isObject(value) && typeof value.file === 'string') return value.file;
  return undefined;
}

function roleName(value: Yaml): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    const name = value.role ?? value.name;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

const templated = (text: string) => text.includes('{{') || text.includes('{%');

/** Collects the inputs of one stack; every path is posix and relative to the workspace. */
class Collector {
  /** Relative path → whether it is a folder. */
  readonly found = new Map<string, boolean>();
  private readonly seen = new Set<string>();
  private readonly roleDirs: string[];

  constructor(
    private readonly workspace: string,
    private readonly stackDir: string,
    roleDirs: string[],
  ) {
    this.roleDirs = roleDirs;
  }

  private relative(absolute: string): string | undefined {
    const relative = path.relative(this.workspace, absolute);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
    return relative.split(path.sep).join('/');
  }

  async add(absolute: string): Promise<'file' | 'folder' | undefined> {
    const relative = this.relative(absolute);
    if (!relative) return undefined;
    const kind = await exists(absolute);
    if (kind) this.found.set(relative, kind === 'folder');
    return kind;
  }

  /** A playbook or task file: itself, and what it imports, recursively. */
  async yamlFile(absolute: string, kind: 'playbook' | 'tasks', templatesDir: string): Promise<void> {
    if (this.seen.has(absolute) || this.seen.size >= MAX_FILES) return;
    this.seen.add(absolute);
    if ((await this.add(absolute)) !== 'file') return;
    const data = await loadYaml(absolute);
    if (!Array.isArray(data)) return;
    const dir = path.dirname(absolute);
    if (kind === 'playbook') {
      // group_vars/host_vars beside a playbook apply to it.
      await this.add(path.join(dir, 'group_vars'));
      await this.add(path.join(dir, 'host_vars'));
    }
    for (const entry of data) await this.entry(entry, dir, kind, templatesDir);
  }

  private async entry(
    entry: Yaml,
    dir: string,
    kind: 'playbook' | 'tasks',
    templatesDir: string,
  ): Promise<void> {
    if (!isObject(entry)) return;
    for (const key of PLAYBOOK_KEYS) {
      const file = fileArgument(entry[key]);
      if (file && !templated(file)) await this.yamlFile(path.resolve(dir, file), 'playbook', templatesDir);
    }
    for (const key of TASK_FILE_KEYS) {
      const file = fileArgument(entry[key]);
      if (file && !templated(file)) await this.yamlFile(path.resolve(dir, file), 'tasks', templatesDir);
    }
    for (const key of ROLE_KEYS) {
      const name = roleName(entry[key]);
      if (name && !templated(name)) await this.role(name, dir);
    }
    for (const key of TEMPLATE_KEYS) {
      const args = entry[key];
      const src = isObject(args) && typeof args.src === 'string' ? args.src : undefined;
      if (!src || templated(src)) continue;
      const sub = key.endsWith('template') ? 'templates' : 'files';
      for (const candidate of [
        path.resolve(templatesDir, sub, src),
        path.resolve(dir, sub, src),
        path.resolve(dir, src),
      ]) {
        if (await this.add(candidate)) break;
      }
    }
    if (kind === 'playbook') {
      for (const file of Array.isArray(entry.vars_files) ? entry.vars_files : []) {
        if (typeof file === 'string' && !templated(file)) await this.add(path.resolve(dir, file));
      }
      for (const role of Array.isArray(entry.roles) ? entry.roles : []) {
        const name = roleName(role);
        if (name && !templated(name)) await this.role(name, dir);
      }
    }
    for (const section of ['tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always']) {
      const items = entry[section];
      if (Array.isArray(items)) for (const item of items) await this.entry(item, dir, 'tasks', templatesDir);
    }
  }

  /** A role folder: the first of the conventional places that has it, and the roles its meta depends on. */
  async role(name: string, fromDir: string): Promise<void> {
    const key = `role:${name}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const candidates = [
      ...(name.includes('/') || name.startsWith('.') ? [path.resolve(fromDir, name)] : []),
      path.resolve(fromDir, 'roles', name),
      ...this.roleDirs.map((dir) => path.resolve(dir, name)),
      path.resolve(this.stackDir, 'roles', name),
    ];
    for (const candidate of candidates) {
      if ((await exists(candidate)) !== 'folder') continue;
      await this.add(candidate);
      const meta = await loadYaml(path.join(candidate, 'meta', 'main.yml'));
      const dependencies = isObject(meta) && Array.isArray(meta.dependencies) ? meta.dependencies : [];
      for (const dependency of dependencies) {
        const dependencyName = roleName(dependency);
        if (dependencyName && !templated(dependencyName))
          await this.role(dependencyName, path.dirname(candidate));
      }
      // Task files a role includes from elsewhere (`include_tasks: ../../shared/x.yml`).
      await this.yamlFile(path.join(candidate, 'tasks', 'main.yml'), 'tasks', candidate);
      return;
    }
  }
}

/** `roles_path` of the stack's ansible.cfg, resolved against the stack's folder. */
async function configuredRoleDirs(stackDir: string): Promise<string[]> {
  const text = await readFile(path.join(stackDir, 'ansible.cfg'), 'utf8').catch(() => '');
  const match = /^\s*roles_path\s*=\s*(.+)$/m.exec(text);
  if (!match?.[1]) return [];
  return match[1]
    .split(':')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('~') && !entry.startsWith('$'))
    .map((entry) => path.resolve(stackDir, entry));
}

export interface AnsibleInputs {
  /** Folders whose files all count (roles, group_vars, inventory folders). */
  folders: string[];
  files: string[];
}

/** Files and folders (posix, relative to `workspace`) whose changes affect this Ansible stack. */
export async function ansibleInputs(workspace: string, stack: Stack): Promise<AnsibleInputs> {
  const config = stack.ansible;
  if (!config) return { folders: [], files: [] };
  const stackDir = path.resolve(workspace, stack.path);
  const collector = new Collector(workspace, stackDir, await configuredRoleDirs(stackDir));
  await collector.add(path.join(stackDir, 'ansible.cfg'));
  await collector.yamlFile(path.resolve(stackDir, config.playbook), 'playbook', stackDir);
  const inventory = path.resolve(stackDir, config.inventory);
  const kind = await collector.add(inventory);
  const inventoryDir = kind === 'folder' ? inventory : path.dirname(inventory);
  await collector.add(path.join(inventoryDir, 'group_vars'));
  await collector.add(path.join(inventoryDir, 'host_vars'));
  for (const file of config.extraVarsFiles) await collector.add(path.resolve(stackDir, file));
  if (config.vaultPasswordFile) await collector.add(path.resolve(workspace, config.vaultPasswordFile));
  // A file inside a folder that is already an input says nothing more.
  const entries = [...collector.found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const folders = entries.filter(([, folder]) => folder).map(([name]) => name);
  const kept = entries.filter(([name]) => !folders.some((folder) => name.startsWith(`${folder}/`)));
  return {
    folders: kept.filter(([, folder]) => folder).map(([name]) => name),
    files: kept.filter(([, folder]) => !folder).map(([name]) => name),
  };
}

async function filesUnder(absolute: string, limit: number): Promise<string[]> {
  const entries = await readdir(absolute, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort()
    .slice(0, limit);
}

/**
 * A digest of the contents of every input of the stack (playbook, inventory, vars, roles, templates): what was
 * reviewed is what is applied only when this is the same at apply time. Paths are relative to `workspace`.
 */
export async function ansibleInputsDigest(workspace: string, stack: Stack): Promise<string> {
  const inputs = await ansibleInputs(workspace, stack);
  const files = new Set(inputs.files.map((file) => path.resolve(workspace, file)));
  for (const folder of inputs.folders)
    for (const file of await filesUnder(path.resolve(workspace, folder), MAX_FILES)) files.add(file);
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    const content = await readFile(file).catch(() => undefined);
    const digest = content ? createHash('sha256').update(content).digest('hex') : 'missing';
    hash.update(`${path.relative(workspace, file).split(path.sep).join('/')}\0${digest}\n`);
  }
  return `sha256:${hash.digest('hex')}`;
}
