// The README is what users decide by: its tables of inputs and outputs must be action.yml's, its config
// reference the JSON Schema's, its config examples valid, and every message in its troubleshooting one the code
// can really print.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const action = parseYaml(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
};

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  definitions?: Record<string, SchemaNode>;
}
const schema = JSON.parse(
  readFileSync(path.join(ROOT, 'schema/stackgate.schema.json'), 'utf8'),
) as SchemaNode;

/** The section of the README under a heading, up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}"`);
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const rest = readme.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

/** Rows of the first markdown table in a text, as cells. */
function tableRows(text: string): string[][] {
  const lines = text.split('\n').filter((line) => line.startsWith('|'));
  return lines.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim()),
  );
}

const codeNames = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');

describe('README inputs and outputs tables', () => {
  const inputs = tableRows(section('## Inputs'));
  const outputs = tableRows(section('## Outputs'));

  it("list action.yml's inputs, in its order", () => {
    expect(inputs.map((row) => codeNames(row[0] ?? '')[0])).toEqual(Object.keys(action.inputs));
  });

  it.each(Object.entries(action.inputs))("give %s action.yml's default", (name, input) => {
    const row = inputs.find((cells) => codeNames(cells[0] ?? '')[0] === name)!;
    const cell = row[1] ?? '';
    if (input.default) expect(cell).toBe(`\`${input.default}\``);
    // No default in action.yml: the table says in words what empty means, e.g. "(all)" or "CPU count".
    else expect(cell).not.toMatch(/`/);
  });

  it("list action.yml's outputs", () => {
    const names = outputs.flatMap((row) => codeNames(row[0] ?? ''));
    expect(names.sort()).toEqual(Object.keys(action.outputs).sort());
  });
});

function resolve(node: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const name = node.$ref.replace('#/definitions/', '');
  return schema.definitions?.[name] ?? node;
}

interface SchemaKey {
  key: string;
  node: SchemaNode;
  required: boolean;
}

/** Every key of the schema as the reference names it: `stacks[].name`, `secrets.allow`. */
function schemaKeys(node: SchemaNode, prefix = ''): SchemaKey[] {
  const keys: SchemaKey[] = [];
  for (const [name, raw] of Object.entries(node.properties ?? {})) {
    const child = resolve(raw);
    const key = `${prefix}${name}`;
    keys.push({ key, node: child, required: node.required?.includes(name) ?? false });
    if (child.items) keys.push(...schemaKeys(resolve(child.items), `${key}[].`));
    // `defaults` takes the keys of `stacks[]` (one row says so; a test below checks the schema agrees).
    if (child.properties && key !== 'defaults') keys.push(...schemaKeys(child, `${key}.`));
  }
  return keys;
}

describe('README config reference', () => {
  const rows = tableRows(section('### Config reference'));
  const keys = schemaKeys(schema);

  it('has a row for every key of the schema, and none it lacks', () => {
    expect(rows.map((row) => codeNames(row[0] ?? '')[0]).sort()).toEqual(
      keys.map((entry) => entry.key).sort(),
    );
  });

  it.each(keys.map((entry) => [entry.key, entry] as const))(
    '%s: its values, default and requiredness as the schema says',
    (key, entry) => {
      const [, type = '', byDefault = ''] = rows.find((row) => codeNames(row[0] ?? '')[0] === key)!;
      for (const value of entry.node.enum ?? []) expect(codeNames(type)).toContain(String(value));
      if (entry.required) expect(byDefault).toBe('required');
      else expect(byDefault).not.toBe('required');
      if (entry.node.default !== undefined) expect(byDefault).toBe(`\`${String(entry.node.default)}\``);
    },
  );

  it('`defaults` takes every key of `stacks[]` but name, path, depends-on and apply, as its row says', () => {
    const stackKeys = Object.keys(schema.definitions?.stack?.properties ?? {});
    const defaultKeys = Object.keys(schema.definitions?.defaults?.properties ?? {});
    expect(defaultKeys).toEqual(
      stackKeys.filter((key) => !['name', 'path', 'depends-on', 'apply'].includes(key)),
    );
    const [, , , meaning = ''] = rows.find((row) => codeNames(row[0] ?? '')[0] === 'defaults')!;
    for (const key of ['name', 'path', 'depends-on', 'apply']) expect(codeNames(meaning)).toContain(key);
  });

  it('every config example in the README is valid by the schema', () => {
    const config = section('## `.stackgate.yml`');
    const blocks = [...config.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    for (const block of blocks) {
      // Fragments leave out the version line the full file starts with.
      const document = { version: 1, ...(parseYaml(block) as Record<string, unknown>) };
      expect(validate(document) ? [] : validate.errors).toEqual([]);
    }
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    return statSync(file).isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

describe('README troubleshooting', () => {
  const source = sourceFiles(path.join(ROOT, 'src'))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  // Each entry is a list item starting with the message(s) in bold code; `…` stands for what varies.
  const messages = section('## Troubleshooting')
    .split('\n')
    .filter((line) => line.startsWith('- **`'))
    .flatMap((line) =>
      [...line.slice(0, line.indexOf('**: ') + 2).matchAll(/\*\*`(.+?)`\*\*/g)].map(
        (match) => match[1] ?? '',
      ),
    );

  it('covers the errors users meet', () => {
    expect(messages.length).toBeGreaterThanOrEqual(12);
  });

  it.each(messages)('"%s" is a message the code prints', (message) => {
    const fragments = message
      .split('…')
      .map((fragment) => fragment.trim())
      .filter((fragment) => fragment.length >= 6);
    expect(fragments.length).toBeGreaterThan(0);
    for (const fragment of fragments) expect(source).toContain(fragment);
  });
});

describe('README picture', () => {
  it('shows a real comment: docs/comment.md is what the renderer writes, marker and metadata included', () => {
    expect(readme).toContain('](docs/comment.png)');
    const markdown = readFileSync(path.join(ROOT, 'docs/comment.md'), 'utf8');
    expect(markdown.startsWith('<!-- stackgate:comment -->')).toBe(true);
    expect(markdown).toMatch(/<!-- stackgate:meta \{"version":1,"command":"plan"/);
    expect(statSync(path.join(ROOT, 'docs/comment.png')).size).toBeGreaterThan(10_000);
  });
});
