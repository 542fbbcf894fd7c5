// Loads `.stackgate.yml`: YAML with positions, checked against the JSON Schema, then against the repository
// (unique names, stack paths that exist inside it). Every mistake is reported at its file, line and column.
import { realpath, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import {
  isAlias,
  isMap,
  isScalar,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type YAMLSeq,
} from 'yaml';
import validateSchema from './schema-validator.js';
import {
  type AnsibleStackConfig,
  ConfigError,
  APPLY_REQUIREMENTS,
  type ApplyMode,
  type ApplyRequirement,
  type ConfigProblem,
  type EngineName,
  type LoadedConfig,
  type PolicyAction,
  type PolicyConfig,
  type StackConfig,
  isBackendPair,
} from './types.js';

export { ConfigError };

/** Reads and checks the config; `undefined` when the file does not exist. Throws `ConfigError` on mistakes. */
export async function loadConfig(
  workspace: string,
  configPath = '.stackgate.yml',
  /** The repository root, which var files may not leave; found from `.git` upwards when not given. */
  repoRoot?: string,
): Promise<LoadedConfig | undefined> {
  const file = toPosix(path.normalize(configPath));
  try {
    return await loadConfigFile(workspace, configPath, file, repoRoot ?? (await gitRoot(workspace)));
  } catch (error) {
    // Every failure is a config problem at a place in the file, never a bare library message: the report
    // turns red like it does for a syntax error.
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([
      { file, line: 1, column: 1, message: `cannot load the config: ${(error as Error).message}` },
    ]);
  }
}

async function loadConfigFile(
  workspace: string,
  configPath: string,
  file: string,
  repoRoot: string | undefined,
): Promise<LoadedConfig | undefined> {
  const absolutePath = path.resolve(workspace, configPath);
  const text = await readConfigText(absolutePath, file);
  if (text === undefined) return undefined;

  const lineCounter = new LineCounter();
  // prettyErrors off: yaml's own message without its code frame; the position comes from `pos`.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locator = new Locator(file, doc, lineCounter);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => locator.atOffset(syntaxErrorOffset(text, error), error.message)),
    );
  }

  let data: unknown;
  try {
    // Stryker disable next-line ObjectLiteral: yaml's own default maxAliasCount is also 100; the option only makes it explicit
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // An alias bomb (aliases of aliases, billions of nodes) or an alias to nothing: point at the first alias.
    throw new ConfigError([
      locator.atOffset(firstAliasOffset(doc), `cannot load the YAML: ${(error as Error).message}`),
    ]);
  }
  const problems = [
    ...schemaProblems(data, locator),
    ...(await repositoryProblems(data, workspace, locator, repoRoot)),
  ];
  if (problems.length > 0) throw new ConfigError(sortProblems(problems));
  return toLoadedConfig(data as RawConfig, file, absolutePath);
}

/** Aliases a config may expand (yaml's own default): enough for sharing, far from a bomb. */
const MAX_ALIAS_COUNT = 100;

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      // Every node yaml parsed carries its range.
      offset = node.range![0];
      return visit.BREAK;
    },
  });
  return offset;
}

async function readConfigText(absolutePath: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(absolutePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError([
      { file, line: 1, column: 1, message: `cannot read: ${(error as Error).message}` },
    ]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Positions: a JSON pointer (ajv's instancePath) walked through the YAML document to the node it names.

type Segment = string;

class Locator {
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  atOffset(offset: number, message: string): ConfigProblem {
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, column: col, message };
  }

  /** The value at `segments`; an empty value (`path:`) points at its key instead. */
  atValue(segments: Segment[], message: string): ConfigProblem {
    const { key, value } = this.find(segments);
    const empty = isScalar(value) && value.value === null && value.source === '';
    return this.atNode(empty ? (key ?? value) : (value ?? key), message);
  }

  /** The key `name` of the mapping at `segments` (an unknown or invalid key). */
  atKey(segments: Segment[], name: string, message: string): ConfigProblem {
    const { value } = this.find(segments);
    const pair = isMap(value) ? value.items.find((item) => keyText(item.key) === name) : undefined;
    return this.atNode((pair?.key as Node | undefined) ?? value, message);
  }

  private atNode(node: Node | undefined | null, message: string): ConfigProblem {
    // Every node yaml parsed carries its range; an empty file has no node at all.
    return this.atOffset(node ? node.range![0] : 0, message);
  }

  private find(segments: Segment[]): { key?: Node; value?: Node } {
    let value = this.resolve(this.doc.contents);
    let key: Node | undefined;
    for (const segment of segments) {
      if (isMap(value)) {
        // The last pair of a key, as in the data: `1:` and `"1":` are two keys in YAML, one in JSON.
        const pair = value.items.findLast((item) => keyText(item.key) === segment);
        // A key merged in by `<<` (YAML 1.1) is no pair of this mapping: point at the mapping.
        if (!pair) break;
        key = pair.key as Node;
        value = this.resolve(pair.value);
      } else {
        // The walk follows the data ajv checked, so a value on the way that is no mapping is a list, and
        // every index an ajv instancePath or a check names exists in it.
        key = undefined;
        value = this.resolve((value as YAMLSeq).items[Number(segment)]);
      }
    }
    return { key, value };
  }

  private resolve(node: unknown): Node | undefined {
    if (isAlias(node)) return node.resolve(this.doc) ?? undefined;
    return (node as Node | null) ?? undefined;
  }
}

/** A key as the data names it: yaml turns a null key (`~:`, `null:`) into `""`. */
function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value ?? '') : String(key);
}

function pointerSegments(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const unique = new Map(problems.map((p) => [`${p.line}:${p.column}:${p.message}`, p]));
  return [...unique.values()].sort((a, b) => a.line - b.line || a.column - b.column);
}

// ---------------------------------------------------------------------------------------------------------
// Schema errors, rewritten for people.

function schemaProblems(data: unknown, locator: Locator): ConfigProblem[] {
  if (validateSchema(data)) return [];
  // Stryker disable next-line ArrayDeclaration: ajv sets errors whenever validate returns false
  const errors = validateSchema.errors ?? [];
  const anyOfs = errors.filter((error) => error.keyword === 'anyOf');
  const problems: ConfigProblem[] = [];
  for (const error of errors) {
    if (error.keyword === 'propertyNames') continue; // its inner error names the key
    if (anyOfs.some((anyOf) => isBranchOf(error, anyOf))) continue; // summarised by the anyOf error
    problems.push(describeError(error, errors, data, locator));
  }
  return problems;
}

function isBranchOf(error: ErrorObject, anyOf: ErrorObject): boolean {
  return error.instancePath === anyOf.instancePath && error.schemaPath.startsWith(`${anyOf.schemaPath}/`);
}

function describeError(
  error: ErrorObject,
  all: ErrorObject[],
  data: unknown,
  locator: Locator,
): ConfigProblem {
  const segments = pointerSegments(error.instancePath);
  const label = labelOf(segments, data);
  const where = label ? ` in \`${label}\`` : '';
  const subject = label ? `\`${label}\`` : 'the config';
  const params = error.params as Record<string, unknown>;
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>;

  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys((parentSchema.properties ?? {}) as object);
      if (label === 'defaults' && stackOnlyKeys().includes(name)) {
        return locator.atKey(segments, name, `\`${name}\` cannot have a default: ${stackOnlyKeysReason()}`);
      }
      return locator.atKey(segments, name, `unknown key \`${name}\`${where}${suggestion(name, allowed)}`);
    }
    case 'required':
      return locator.atValue(
        segments,
        `${subject} is missing the required key \`${String(params.missingProperty)}\``,
      );
    case 'anyOf': {
      const options = all
        // Every anyOf branch of the schema is a `required` (a test checks it).
        .filter((branch) => isBranchOf(branch, error))
        .map((branch) => `\`${String(branch.params.missingProperty)}\``);
      return locator.atValue(segments, `${subject} needs at least one of ${options.join(', ')}`);
    }
    case 'type':
      return locator.atValue(segments, `${subject} must be ${typeNames(params.type)}`);
    case 'const':
      return locator.atValue(
        segments,
        `${subject} must be ${String(params.allowedValue)} (got ${show(error.data)})`,
      );
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((value) => `\`${String(value)}\``).join(', ');
      return locator.atValue(segments, `${subject} must be one of ${allowed} (got ${show(error.data)})`);
    }
    case 'pattern': {
      const rule = String(parentSchema.patternErrorMessage);
      if (error.propertyName !== undefined) {
        return locator.atKey(segments, error.propertyName, `key \`${error.propertyName}\`${where} ${rule}`);
      }
      return locator.atValue(segments, `${subject} ${rule}`);
    }
    case 'minLength':
    case 'minItems':
      return locator.atValue(segments, `${subject} must not be empty`);
    case 'uniqueItems': {
      // Stryker disable next-line ArrayDeclaration: uniqueItems applies to lists only, so error.data is always one
      const list = Array.isArray(error.data) ? error.data : [];
      const twice = list[Number(params.i)];
      return locator.atValue(segments, `${subject} lists ${show(twice)} more than once`);
    }
    case 'minimum':
      return locator.atValue(segments, `${subject} must be at least ${String(params.limit)}`);
    // Stryker disable next-line all: every keyword the schema uses has its own case above
    default:
      // Stryker disable next-line all: every keyword the schema uses has its own case above
      return locator.atValue(segments, `${subject} ${error.message ?? 'is not valid'}`);
  }
}

/** `stacks[0].var-files`, using the data to tell list indexes from keys. */
function labelOf(segments: Segment[], data: unknown): string {
  let label = '';
  let current = data;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      label += `[${segment}]`;
      current = current[Number(segment)];
    } else {
      label += label ? `.${segment}` : segment;
      // Stryker disable next-line OptionalChaining: an ajv instancePath names values that exist, so current is never undefined before its last segment
      current = (current as Record<string, unknown> | undefined)?.[segment];
    }
  }
  return label;
}

// The lists below are built on each call, not once at import: a change to them must reach the tests that use
// them (mutation testing attributes module-level code to whichever test loaded the module first).
const typeNameTable = (): Record<string, string> => ({
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
});

function typeNames(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  const table = typeNameTable();
  return types.map((name: string) => table[name] ?? name).join(' or ');
}

function show(value: unknown): string {
  // With verbose on, ajv always gives error.data, and a uniqueItems index is inside its list.
  return `\`${JSON.stringify(value)}\``;
}

/**
 * Where to point for a YAML syntax error. An unclosed quote is found where the parser gave up (often the end of
 * the file); the person needs the line where the quote opened.
 */
function syntaxErrorOffset(
  text: string,
  error: { code: string; message: string; pos: [number, number] },
): number {
  const quote = /Missing closing (["'])quote/.exec(error.message)?.[1];
  if (!quote) return error.pos[0];
  // Stryker disable next-line ArithmeticOperator: pos[0] is the text's length, and any start past its end searches all of it
  // The quote the message names opened in the text, so it is always found.
  return text.lastIndexOf(quote, Math.max(0, error.pos[0] - 1));
}

/** `; did you mean `var-files`?` for a close key, else the list of allowed keys. */
export function suggestion(name: string, allowed: string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // A third of the name may be wrong (var_file → var-files); beyond that a guess misleads more than helps.
  // Without any allowed key, bestDistance stays Infinity: best is set whenever this holds.
  if (bestDistance <= Math.max(2, Math.floor(name.length / 3))) {
    return `; did you mean \`${best!}\`?`;
  }
  return allowed.length > 0 ? ` (allowed: ${allowed.map((key) => `\`${key}\``).join(', ')})` : '';
}

export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// ---------------------------------------------------------------------------------------------------------
// Checks the schema cannot express: unique names, stack paths inside the repository, positive timeouts.
// They run on whatever parts have the right types, so one run reports every mistake.

async function repositoryProblems(
  data: unknown,
  workspace: string,
  locator: Locator,
  repoRoot: string | undefined,
): Promise<ConfigProblem[]> {
  const config = isObject(data) ? data : {};
  // Stryker disable next-line ArrayDeclaration: every check skips a string item, as it skips an empty list
  const stacks = Array.isArray(config.stacks) ? config.stacks : [];
  // Stryker disable next-line ArrayDeclaration: every check skips a string item, as it skips an empty list
  const policies = Array.isArray(config.policies) ? config.policies : [];
  const defaults = isObject(config.defaults) ? config.defaults : {};
  const problems = [
    ...duplicateNames(stacks, 'stacks', 'stack', locator),
    ...duplicateNames(policies, 'policies', 'policy', locator),
    ...dependencyProblems(stacks, locator),
    ...engineArgProblems(defaults, ['defaults'], locator),
    ...defaultsProblems(defaults, config.stacks === undefined, locator),
  ];
  const realWorkspace = await realpath(workspace);
  for (const [index, own] of stacks.entries()) {
    if (!isObject(own)) continue;
    const stack = withDefaults(own, defaults);
    // Where a key's value was written: in the stack, or in `defaults` (then the message names the stack).
    const at = (key: string, ...rest: string[]): Segment[] =>
      key in own ? ['stacks', String(index), key, ...rest] : ['defaults', key, ...rest];
    const forStack = (key: string, message: string): string =>
      key in own ? message : `${message} (the default, for stack \`${String(own.name)}\`)`;
    if (typeof stack.path === 'string') {
      const message = await stackPathProblem(stack.path, stack.engine, workspace, realWorkspace);
      if (message) problems.push(locator.atValue(['stacks', String(index), 'path'], message));
    }
    if (Array.isArray(stack['var-files'])) {
      for (const [fileIndex, varFile] of stack['var-files'].entries()) {
        if (typeof varFile !== 'string' || typeof stack.path !== 'string') continue;
        const message = await varFileProblem(varFile, stack.path, workspace, repoRoot);
        if (message) {
          problems.push(locator.atValue(at('var-files', String(fileIndex)), forStack('var-files', message)));
        }
      }
    }
    if (Array.isArray(stack['backend-config'])) {
      for (const [entryIndex, entry] of stack['backend-config'].entries()) {
        if (typeof entry !== 'string' || typeof stack.path !== 'string' || isBackendPair(entry)) continue;
        const message = await varFileProblem(entry, stack.path, workspace, repoRoot, 'backend config file');
        if (message) {
          problems.push(
            locator.atValue(at('backend-config', String(entryIndex)), forStack('backend-config', message)),
          );
        }
      }
    }
    problems.push(...engineArgProblems(own, ['stacks', String(index)], locator));
    problems.push(...(await engineKeyProblems(own, stack, index, workspace, locator, at, forStack)));
    if (
      typeof stack.timeout === 'string' &&
      DURATION.test(stack.timeout) &&
      parseDuration(stack.timeout) === 0
    ) {
      problems.push(locator.atValue(at('timeout'), 'timeout must be longer than zero'));
    }
  }
  return problems;
}

/** Stack keys that only a stack itself can set: `defaults` refuses them. */
const stackOnlyKeys = (): string[] => ['name', 'path', 'depends-on', 'apply'];
const stackOnlyKeysReason = (): string =>
  'each stack sets its own `name`, `path` and `depends-on`; apply settings for every stack are the top-level `apply`';

/**
 * A stack with the defaults for the keys it does not set. A stack's own value replaces the default whole (lists
 * and mappings are not merged), except `env`, merged by variable name with the stack's value winning. A key of
 * one engine (Ansible's `playbook`, Terraform's `var-files`) is given only to stacks of that engine.
 */
export function withDefaults(
  stack: Record<string, unknown>,
  defaults: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stack };
  const engine = 'engine' in stack ? stack.engine : defaults.engine;
  for (const [key, value] of Object.entries(defaults)) {
    if (!keyFitsEngine(key, engine)) continue;
    if (key === 'env' && isObject(value) && isObject(stack.env)) merged.env = { ...value, ...stack.env };
    else if (!(key in stack)) merged[key] = value;
  }
  return merged;
}

function keyFitsEngine(key: string, engine: unknown): boolean {
  if (ansibleKeys().includes(key)) return engine === 'ansible';
  if (terraformKeys().includes(key)) return engine !== 'ansible';
  return true;
}

/** Without `stacks`, discovery finds Terraform/OpenTofu folders: a default engine of another kind cannot fit. */
function defaultsProblems(
  defaults: Record<string, unknown>,
  discovering: boolean,
  locator: Locator,
): ConfigProblem[] {
  if (!discovering || defaults.engine !== 'ansible') return [];
  return [
    locator.atValue(
      ['defaults', 'engine'],
      'without `stacks`, the stacks are the Terraform/OpenTofu folders discovery finds: `engine: ansible` cannot be their default (declare the Ansible stacks under `stacks`)',
    ),
  ];
}

const ansibleKeys = (): string[] => [
  'playbook',
  'inventory',
  'limit',
  'tags',
  'extra-vars-files',
  'check-args',
  'vault-password-env',
  'vault-password-file',
];
const terraformKeys = (): string[] => [
  'workspace',
  'var-files',
  'backend-config',
  'init-args',
  'plan-args',
  'apply-args',
];

type ArgsKey = 'init-args' | 'plan-args' | 'apply-args';
const everyStep = (): ArgsKey[] => ['init-args', 'plan-args', 'apply-args'];

/** Options Stackgate sets itself or that would break its flow, with the steps they are refused in and why. */
const refusedOptions = (): { option: string; keys: ArgsKey[]; reason: string }[] => [
  { option: '-input', keys: everyStep(), reason: 'Stackgate never prompts (it sets -input=false)' },
  {
    option: '-json',
    keys: everyStep(),
    reason: 'Stackgate reads the machine-readable output itself (it sets -json)',
  },
  { option: '-no-color', keys: everyStep(), reason: 'Stackgate sets it already' },
  { option: '-chdir', keys: everyStep(), reason: 'the stack runs in its `path`; set `path` instead' },
  {
    option: '-out',
    keys: ['plan-args'],
    reason: 'Stackgate saves the plan itself, to apply exactly what was reviewed',
  },
  {
    option: '-detailed-exitcode',
    keys: ['plan-args'],
    reason: 'Stackgate reads the exit status itself (it sets -detailed-exitcode)',
  },
  {
    option: '-refresh-only',
    keys: ['plan-args', 'apply-args'],
    reason: 'drift runs plan with -refresh-only themselves; a pull request plans the configuration',
  },
  {
    option: '-destroy',
    keys: ['plan-args', 'apply-args'],
    reason:
      'a destroy plan would hide the changes under review; remove the resources from the configuration instead',
  },
  {
    option: '-auto-approve',
    keys: ['apply-args'],
    reason: 'apply runs the reviewed saved plan, which needs no approval',
  },
  {
    option: '-var-file',
    keys: ['plan-args', 'apply-args'],
    reason: 'use the stack key `var-files`, which also counts the file as an input of the stack',
  },
  {
    option: '-backend-config',
    keys: ['init-args'],
    reason: 'use the stack key `backend-config`, which also counts the file as an input of the stack',
  },
  { option: '-backend', keys: ['init-args'], reason: 'plan and apply need the backend' },
  { option: '-migrate-state', keys: ['init-args'], reason: 'Stackgate never moves state' },
  { option: '-force-copy', keys: ['init-args'], reason: 'Stackgate never moves state' },
  {
    option: '-var',
    keys: ['apply-args'],
    reason: 'apply runs the saved plan, which holds the variables; put -var in `plan-args`',
  },
  {
    option: '-target',
    keys: ['apply-args'],
    reason: 'apply runs the saved plan exactly; put -target in `plan-args`',
  },
  {
    option: '-replace',
    keys: ['apply-args'],
    reason: 'apply runs the saved plan exactly; put -replace in `plan-args`',
  },
];

/** Options in `init-args`, `plan-args` and `apply-args` that would break the flow, or are no options at all. */
function engineArgProblems(
  stack: Record<string, unknown>,
  where: Segment[],
  locator: Locator,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of everyStep()) {
    const args = stack[key];
    if (!Array.isArray(args)) continue;
    for (const [argIndex, arg] of args.entries()) {
      if (typeof arg !== 'string' || arg === '') continue;
      const at = [...where, key, String(argIndex)];
      if (!arg.startsWith('-')) {
        problems.push(
          locator.atValue(
            at,
            `\`${key}\` takes options starting with - (got \`${arg}\`); the stack's folder and plan file are Stackgate's`,
          ),
        );
        continue;
      }
      const option = arg.replace(/^--/, '-').split('=')[0] ?? arg;
      const refused = refusedOptions().find((entry) => entry.option === option && entry.keys.includes(key));
      if (refused) {
        problems.push(locator.atValue(at, `\`${option}\` is not allowed in \`${key}\`: ${refused.reason}`));
      }
    }
  }
  return problems;
}

/** Keys of the other engine, a missing playbook or inventory, and Ansible files that do not exist. */
async function engineKeyProblems(
  own: Record<string, unknown>,
  stack: Record<string, unknown>,
  index: number,
  workspace: string,
  locator: Locator,
  where: (key: string, ...rest: string[]) => Segment[],
  forStack: (key: string, message: string) => string,
): Promise<ConfigProblem[]> {
  const at = ['stacks', String(index)];
  const problems: ConfigProblem[] = [];
  const ansible = stack.engine === 'ansible';
  // Only the stack's own keys: a default of the other engine is simply not given to it.
  for (const key of ansible ? terraformKeys() : ansibleKeys()) {
    if (key in own) {
      const message = ansible
        ? `\`${key}\` is for Terraform/OpenTofu stacks; an Ansible stack takes ${ansibleKeys()
            .slice(0, 6)
            .map((k) => `\`${k}\``)
            .join(', ')}`
        : `\`${key}\` is for Ansible stacks only (add \`engine: ansible\`)`;
      problems.push(locator.atKey(at, key, message));
    }
  }
  if (!ansible || typeof stack.path !== 'string') return problems;
  const stackPath = normalizeStackPath(stack.path);
  const info = await stat(path.resolve(workspace, stackPath)).catch(() => undefined);
  if (!info) return problems; // the path problem is reported already
  const folder = info.isDirectory() ? stackPath : path.posix.dirname(stackPath);
  if (stack.playbook === undefined && info.isDirectory()) {
    problems.push(
      locator.atValue(at, `Ansible stack \`${String(stack.name)}\` is missing the required key \`playbook\``),
    );
  }
  if (stack.inventory === undefined) {
    problems.push(
      locator.atValue(
        at,
        `Ansible stack \`${String(stack.name)}\` is missing the required key \`inventory\``,
      ),
    );
  }
  const files: [string, string[], unknown][] = [
    ['playbook', where('playbook'), stack.playbook],
    ['inventory', where('inventory'), stack.inventory],
    ...(Array.isArray(stack['extra-vars-files'])
      ? stack['extra-vars-files'].map((file, i): [string, string[], unknown] => [
          'extra-vars-files',
          where('extra-vars-files', String(i)),
          file,
        ])
      : []),
  ];
  for (const [key, at, file] of files) {
    // An empty name (refused by the schema) joins to the stack's folder, which exists: nothing more to say.
    if (typeof file !== 'string') continue;
    const relative = path.posix.normalize(path.posix.join(folder, file));
    if (path.posix.isAbsolute(file) || relative === '..' || relative.startsWith('../')) {
      problems.push(
        locator.atValue(
          at,
          forStack(key, `\`${file}\` must be relative to the stack and inside the repository`),
        ),
      );
    } else if (!(await stat(path.resolve(workspace, relative)).catch(() => undefined))) {
      problems.push(
        locator.atValue(at, forStack(key, `\`${file}\` does not exist (looked for ${relative})`)),
      );
    }
  }
  return problems;
}

/**
 * `depends-on` names stacks of this file, not the stack itself, and forms no cycle. An unknown name is reported at
 * its list item (with the closest name); a cycle once, at the `depends-on` key of its first stack in the file,
 * naming the whole loop.
 */
function dependencyProblems(stacks: unknown[], locator: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = stacks.flatMap((stack) =>
    isObject(stack) && typeof stack.name === 'string' ? [stack.name] : [],
  );
  const edges = new Map<string, string[]>();
  const indexOf = new Map<string, number>();
  for (const [index, stack] of stacks.entries()) {
    if (!isObject(stack) || !Array.isArray(stack['depends-on'])) continue;
    const name = typeof stack.name === 'string' ? stack.name : undefined;
    for (const [item, dependency] of stack['depends-on'].entries()) {
      if (typeof dependency !== 'string' || dependency === '') continue;
      const at = ['stacks', String(index), 'depends-on', String(item)];
      if (dependency === name) {
        problems.push(locator.atValue(at, `stack \`${name}\` cannot depend on itself`));
      } else if (!names.includes(dependency)) {
        const others = names.filter((other) => other !== name);
        problems.push(
          locator.atValue(
            at,
            `\`depends-on\` names no stack of this file: \`${dependency}\`${suggestion(dependency, others)}`,
          ),
        );
      }
    }
    if (name !== undefined && !indexOf.has(name)) {
      // Every dependency but the stack itself: a name of no stack, or no name at all (both reported above), leads
      // nowhere and closes no cycle.
      edges.set(
        name,
        (stack['depends-on'] as string[]).filter((dependency) => dependency !== name),
      );
      indexOf.set(name, index);
    }
  }
  for (const cycle of dependencyCycles(edges)) {
    const first = cycle[0]!;
    problems.push(
      locator.atKey(
        ['stacks', String(indexOf.get(first))],
        'depends-on',
        `\`depends-on\` forms a cycle: ${[...cycle, first].map((name) => `\`${name}\``).join(' → ')}; a stack cannot wait for itself`,
      ),
    );
  }
  return problems;
}

/** Each cycle of the graph once, starting at its stack that comes first in `edges` (the file's order). */
export function dependencyCycles(edges: Map<string, readonly string[]>): string[][] {
  const order = [...edges.keys()];
  const done = new Set<string>();
  const cycles: string[][] = [];
  // The trail is the walk so far, ending at the stack visited now.
  const visit = (trail: string[]): void => {
    const name = trail.at(-1)!;
    const at = trail.indexOf(name);
    if (at < trail.length - 1) {
      const cycle = trail.slice(at, -1);
      // Rotate so the stack earliest in the file leads. Each loop is found once: every stack is walked once
      // (`done`), so each edge is looked at once, and a loop is found only at its closing edge.
      // Stryker disable next-line EqualityOperator: the stacks of a loop are distinct, so their indexes never tie
      const start = cycle.reduce((best, item) => (order.indexOf(item) < order.indexOf(best) ? item : best));
      cycles.push([...cycle.slice(cycle.indexOf(start)), ...cycle.slice(0, cycle.indexOf(start))]);
      return;
    }
    if (done.has(name)) return;
    for (const next of edges.get(name) ?? []) visit([...trail, next]);
    done.add(name);
  };
  for (const name of order) visit([name]);
  return cycles;
}

function duplicateNames(items: unknown[], key: string, kind: string, locator: Locator): ConfigProblem[] {
  const firstLine = new Map<string, number>();
  const problems: ConfigProblem[] = [];
  for (const [index, item] of items.entries()) {
    if (!isObject(item) || typeof item.name !== 'string') continue;
    const at = [key, String(index), 'name'];
    const first = firstLine.get(item.name);
    if (first === undefined) {
      // Stryker disable next-line StringLiteral: only the line of this position is used
      firstLine.set(item.name, locator.atValue(at, '').line);
    } else {
      problems.push(
        locator.atValue(at, `duplicate ${kind} name \`${item.name}\` (first used on line ${first})`),
      );
    }
  }
  return problems;
}

/** Why a stack path is unusable, or undefined when it is a folder inside the repository. */
async function stackPathProblem(
  raw: string,
  engine: unknown,
  workspace: string,
  realWorkspace: string,
): Promise<string | undefined> {
  const shown = `stack path \`${raw}\``;
  // Windows' rule takes in both `C:\infra` and the POSIX `/infra`.
  if (path.win32.isAbsolute(raw)) return `${shown} must be relative to the repository`;
  const normalized = normalizeStackPath(raw);
  if (normalized === '..' || normalized.startsWith('../')) return `${shown} is outside the repository`;
  const absolute = path.resolve(workspace, normalized);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) return `${shown} does not exist`;
  // `stat` follows symlinks: compare real paths so a link cannot lead the engine outside the checkout.
  const real = await realpath(absolute);
  if (!isInside(realWorkspace, real))
    return `${shown} resolves through a symlink to ${real}, outside the repository`;
  // An Ansible stack may name its playbook file; Terraform/OpenTofu stacks are folders.
  if (!info.isDirectory() && engine !== 'ansible') return `${shown} is not a folder`;
  if (
    engine === 'terragrunt' &&
    !(await stat(path.join(absolute, 'terragrunt.hcl')).catch(() => undefined))
  ) {
    return `${shown} holds no terragrunt.hcl: a Terragrunt stack is a unit's folder`;
  }
  return undefined;
}

/**
 * Why a var file is unusable: absolute, or leaving the repository (`../` past its root, or a symlink that leads
 * out). A var file outside the stack's folder but inside the repository is fine.
 */
async function varFileProblem(
  raw: string,
  stackPath: string,
  workspace: string,
  repoRoot: string | undefined,
  kind = 'var file',
): Promise<string | undefined> {
  const shown = `${kind} \`${raw}\``;
  if (path.posix.isAbsolute(raw) || path.win32.isAbsolute(raw) || /^~/.test(raw)) {
    return `${shown} must be relative to the stack's folder, inside the repository`;
  }
  if (repoRoot === undefined) return undefined;
  const joined = path.posix.normalize(`${normalizeStackPath(stackPath)}/${raw.replace(/\\/g, '/')}`);
  const absolute = path.resolve(workspace, joined);
  if (!isInside(path.resolve(repoRoot), absolute)) return `${shown} is outside the repository`;
  const [real, realRoot] = await Promise.all([
    realpath(absolute).catch(() => undefined),
    // Stryker disable next-line ArrowFunction: the repository holds the workspace, which exists, so its realpath does not fail
    realpath(repoRoot).catch(() => path.resolve(repoRoot)),
  ]);
  if (real !== undefined && !isInside(realRoot, real)) {
    return `${shown} resolves through a symlink to ${real}, outside the repository`;
  }
  return undefined;
}

/** The repository holding `folder`: the nearest folder upwards with a `.git`, if any. */
async function gitRoot(folder: string): Promise<string | undefined> {
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    if (await stat(path.join(dir, '.git')).catch(() => undefined)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Posix, normalised, no trailing slash, `.` for the root. */
export function normalizeStackPath(raw: string): string {
  // Stryker disable next-line Regex: path.posix.normalize collapses repeated slashes, so at most one trails
  const normalized = path.posix.normalize(raw).replace(/\/+$/, '');
  return normalized === '' ? '.' : normalized;
}

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `90s`, `30m`, `1h30m` → milliseconds. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  const [hours, minutes, seconds] = [match[1], match[2], match[3]].map((part) => Number(part ?? 0));
  return (((hours ?? 0) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0)) * 1000;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

// ---------------------------------------------------------------------------------------------------------
// The validated YAML, camelCased with defaults.

interface RawStack {
  name: string;
  path: string;
  engine?: EngineName;
  workspace?: string;
  'var-files'?: string[];
  'backend-config'?: string[];
  'init-args'?: string[];
  'plan-args'?: string[];
  'apply-args'?: string[];
  env?: Record<string, string | number | boolean>;
  'when-modified'?: string[];
  timeout?: string;
  playbook?: string;
  inventory?: string;
  limit?: string;
  tags?: string[];
  'extra-vars-files'?: string[];
  'check-args'?: string[];
  'vault-password-env'?: string;
  'vault-password-file'?: string;
  'depends-on'?: string[];
  apply?: RawApply;
}

interface RawApply {
  on?: ApplyMode;
  requirements?: ApplyRequirement[];
}

interface RawPolicy {
  name: string;
  deny?: PolicyAction[];
  resources?: string[];
  'unless-label'?: string;
  level?: 'error' | 'warning';
  'max-changes'?: number;
  'require-attributes'?: Record<string, string[]>;
}

interface RawConfig {
  version: 1;
  stacks?: RawStack[];
  defaults?: Omit<RawStack, 'name' | 'path' | 'depends-on' | 'apply'>;
  policies?: RawPolicy[];
  secrets?: { allow?: string[] };
  apply?: RawApply;
  drift?: { labels?: string[]; assignees?: string[]; dashboard?: boolean; 'show-in-pr'?: boolean };
}

function toLoadedConfig(raw: RawConfig, file: string, absolutePath: string): LoadedConfig {
  return {
    file,
    absolutePath,
    version: raw.version,
    stacks: raw.stacks?.map((stack) => configuredStack(stack, raw.defaults)),
    ...(raw.defaults ? { defaults: { ...raw.defaults } } : {}),
    policies: (raw.policies ?? []).map(toPolicyConfig),
    secrets: { allow: raw.secrets?.allow ?? [] },
    apply: {
      on: raw.apply?.on ?? 'comment',
      requirements: raw.apply?.requirements ?? [...APPLY_REQUIREMENTS],
    },
    drift: {
      labels: raw.drift?.labels ?? [],
      assignees: raw.drift?.assignees ?? [],
      dashboard: raw.drift?.dashboard ?? true,
      showInPr: raw.drift?.['show-in-pr'] ?? true,
    },
  };
}

/**
 * A stack of the config, or one discovery found (`{ name, path }`), with the config's `defaults` for the keys it
 * does not set (see `withDefaults`).
 */
export function configuredStack(stack: { name: string; path: string }, defaults?: object): StackConfig {
  const raw = defaults ? withDefaults({ ...stack }, { ...defaults }) : stack;
  return toStackConfig(raw as RawStack);
}

function toStackConfig(raw: RawStack): StackConfig {
  const stack: StackConfig = {
    name: raw.name,
    path: normalizeStackPath(raw.path),
    workspace: raw.workspace ?? 'default',
    varFiles: raw['var-files'] ?? [],
    env: Object.fromEntries(Object.entries(raw.env ?? {}).map(([key, value]) => [key, String(value)])),
    whenModified: raw['when-modified'] ?? [],
  };
  if (raw.engine) stack.engine = raw.engine;
  if (raw['backend-config']) stack.backendConfig = [...raw['backend-config']];
  if (raw['init-args']) stack.initArgs = [...raw['init-args']];
  if (raw['plan-args']) stack.planArgs = [...raw['plan-args']];
  if (raw['apply-args']) stack.applyArgs = [...raw['apply-args']];
  if (raw.timeout) stack.timeoutMs = parseDuration(raw.timeout);
  if (raw['depends-on']?.length) stack.dependsOn = [...raw['depends-on']];
  if (raw.apply) {
    stack.apply = {
      ...(raw.apply.on ? { on: raw.apply.on } : {}),
      ...(raw.apply.requirements ? { requirements: [...raw.apply.requirements] } : {}),
    };
  }
  if (raw.engine === 'ansible') {
    // Without `playbook` the path names the playbook file (the loader checked): the stack is its folder.
    const playbook = raw.playbook ?? path.posix.basename(stack.path);
    if (raw.playbook === undefined) stack.path = path.posix.dirname(stack.path);
    const ansible: AnsibleStackConfig = {
      playbook,
      inventory: raw.inventory ?? '',
      tags: raw.tags ?? [],
      extraVarsFiles: raw['extra-vars-files'] ?? [],
      checkArgs: raw['check-args'] ?? [],
    };
    if (raw.limit) ansible.limit = raw.limit;
    if (raw['vault-password-env']) ansible.vaultPasswordEnv = raw['vault-password-env'];
    if (raw['vault-password-file']) ansible.vaultPasswordFile = raw['vault-password-file'];
    stack.ansible = ansible;
  }
  return stack;
}

function toPolicyConfig(raw: RawPolicy): PolicyConfig {
  const policy: PolicyConfig = {
    name: raw.name,
    deny: raw.deny ?? [],
    level: raw.level ?? 'error',
    requireAttributes: raw['require-attributes'] ?? {},
  };
  if (raw.resources) policy.resources = raw.resources;
  if (raw['unless-label']) policy.unlessLabel = raw['unless-label'];
  if (raw['max-changes'] !== undefined) policy.maxChanges = raw['max-changes'];
  return policy;
}
