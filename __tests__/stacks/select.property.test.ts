// Property: in a generated repository of stacks, local modules, symlinks and file reads, a change to any file a
// stack reads selects that stack. The generator keeps its own record of what each stack reads.
import fc from 'fast-check';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverStacks } from '../../src/stacks/discover.js';
import { selectForChange } from '../../src/stacks/select.js';
import { makeWorkspace, removeWorkspace } from './helpers.js';

/** How a folder reads data file K; every stack and module sits two folders deep, so `../../` is the root. */
const READ_FORMS = [
  (k: number) => `file("../../data/d${k}.txt")`,
  (k: number) => `file("\${path.module}/../../data/d${k}.txt")`,
  (k: number) => `templatefile("\${path.root}/../../data/d${k}.txt", {})`,
  (k: number) => `"\${filebase64("\${path.module}/../../data/d${k}.txt")}"`,
  (k: number) => `<<-EOT\n    \${filemd5("../../data/d${k}.txt")}\n  EOT`,
  (k: number) => `fileset("\${path.module}/../../data", "d${k}.*")`,
];

/** The forms relative to `path.module`. */
const MODULE_FORMS = new Set([1, 3, 5]);

interface FolderSpec {
  /** Modules called (indexes). */
  calls: number[];
  /** Data files read, each with the form used. */
  reads: { file: number; form: number }[];
}

interface StackSpec extends FolderSpec {
  /** Write the module calls in JSON syntax. */
  json: boolean;
  /** Call modules through a symlinked folder `vendor -> ../../modules`. */
  throughLink: boolean;
  /** Common files symlinked into the stack as `.tf` files. */
  linkedCommon: number[];
}

const MODULES = 4;
const DATA = 5;
const COMMON = 2;

const folderSpec = (calls: fc.Arbitrary<number[]>) =>
  fc.record({
    calls,
    reads: fc.array(fc.record({ file: fc.nat(DATA - 1), form: fc.nat(READ_FORMS.length - 1) }), {
      maxLength: 3,
    }),
  });

const repository = fc.record({
  stacks: fc.array(
    fc
      .tuple(
        folderSpec(fc.uniqueArray(fc.nat(MODULES - 1), { maxLength: 2 })),
        fc.boolean(),
        fc.boolean(),
        fc.uniqueArray(fc.nat(COMMON - 1), { maxLength: 2 }),
      )
      .map(([spec, json, throughLink, linkedCommon]): StackSpec => ({
        ...spec,
        json,
        throughLink,
        linkedCommon,
      })),
    { minLength: 1, maxLength: 4 },
  ),
  // Module J may call only modules after it: local module calls cannot loop.
  modules: fc.tuple(
    ...Array.from({ length: MODULES }, (_, j) =>
      folderSpec(fc.uniqueArray(fc.integer({ min: j + 1, max: MODULES }), { maxLength: 2 })).map((spec) => ({
        ...spec,
        calls: spec.calls.filter((c) => c < MODULES),
      })),
    ),
  ),
});

type Repository = { stacks: StackSpec[]; modules: FolderSpec[] };

function hcl(spec: FolderSpec, source: (j: number) => string, withCalls = true): string {
  const locals = spec.reads.map((read, i) => `  r${i} = ${READ_FORMS[read.form]!(read.file)}`).join('\n');
  const calls = withCalls
    ? spec.calls.map((j) => `module "m${j}" {\n  source = "${source(j)}"\n}\n`).join('')
    : '';
  return `resource "terraform_data" "x" {}\nlocals {\n${locals}\n}\n${calls}`;
}

/** Files, links, and the model: the repository paths each stack reads. */
function build(repo: Repository) {
  const files: Record<string, string> = {};
  const links: Record<string, string> = {};
  const reads = new Map<string, Set<string>>();
  for (let k = 0; k < DATA; k++) files[`data/d${k}.txt`] = `${k}\n`;
  files['data/unused.txt'] = '';
  for (let c = 0; c < COMMON; c++) files[`common/c${c}.tf`] = `locals {\n  c${c} = ${c}\n}\n`;
  repo.modules.forEach((spec, j) => {
    files[`modules/m${j}/main.tf`] = hcl(spec, (n) => `../m${n}`);
  });
  repo.stacks.forEach((spec, i) => {
    const folder = `stacks/s${i}`;
    const source = (j: number) => (spec.throughLink ? `./vendor/m${j}` : `../../modules/m${j}`);
    files[`${folder}/main.tf`] = hcl(spec, source, !spec.json);
    if (spec.json) {
      const module = Object.fromEntries(spec.calls.map((j) => [`m${j}`, { source: source(j) }]));
      files[`${folder}/calls.tf.json`] = JSON.stringify({ module });
    }
    if (spec.throughLink) links[`${folder}/vendor`] = '../../modules';
    for (const c of spec.linkedCommon) links[`${folder}/c${c}.tf`] = `../../common/c${c}.tf`;

    const read = new Set<string>([`${folder}/main.tf`]);
    if (spec.json) read.add(`${folder}/calls.tf.json`);
    for (const c of spec.linkedCommon) read.add(`common/c${c}.tf`);
    // Terraform joins `path.module` lexically: through the `vendor` link, `${path.module}/../../data` is the
    // stack's own `data/` folder, not the repository's.
    const visit = (s: FolderSpec, linked: boolean) =>
      s.reads.forEach((r) =>
        read.add(
          linked && MODULE_FORMS.has(r.form) ? `${folder}/data/d${r.file}.txt` : `data/d${r.file}.txt`,
        ),
      );
    visit(spec, false);
    const queue = [...spec.calls];
    const seen = new Set<number>();
    for (let j = queue.shift(); j !== undefined; j = queue.shift()) {
      if (seen.has(j)) continue;
      seen.add(j);
      read.add(`modules/m${j}/main.tf`);
      visit(repo.modules[j]!, spec.throughLink);
      queue.push(...repo.modules[j]!.calls);
    }
    reads.set(folder, read);
  });
  return { files, links, reads };
}

describe('selection, as a property', () => {
  it('a change to any file a stack reads selects that stack; an unrelated file selects none', async () => {
    await fc.assert(
      fc.asyncProperty(repository, async (repo) => {
        const { files, links, reads } = build(repo);
        const root = await makeWorkspace(files);
        try {
          for (const [from, to] of Object.entries(links)) await symlink(to, path.join(root, from));
          const stacks = await discoverStacks(root, undefined);
          // `common/` is a stack of its own unless its files are linked into one (then it is part of that one).
          const linked = repo.stacks.some((stack) => stack.linkedCommon.length > 0);
          const expected = [...reads.keys(), ...(linked ? [] : ['common'])].sort();
          expect(stacks.map((stack) => stack.path).sort()).toEqual(expected);
          const layout = { repoRoot: root, workingDirectory: '' };
          const options = { configPath: '.stackgate.yml', discovered: true, patterns: [] };
          for (const [folder, read] of reads) {
            for (const file of read) {
              const { affected } = await selectForChange(layout, stacks, [file], options);
              expect(
                affected.map((stack) => stack.path),
                `${file} is read by ${folder}`,
              ).toContain(folder);
            }
          }
          const { affected } = await selectForChange(layout, stacks, ['data/unused.txt'], options);
          expect(affected).toEqual([]);
        } finally {
          await removeWorkspace(root);
        }
      }),
      { numRuns: 25 },
    );
  });
});
