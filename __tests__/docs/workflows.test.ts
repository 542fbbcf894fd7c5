// Every workflow a user may copy (examples/workflows/ and the README's quick start) and action.yml itself,
// checked by GitHub's own workflow parser and schema (@actions/workflow-parser), and every `with:` of the
// action's steps checked against the inputs action.yml declares.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples/workflows');
const trace = new NoOperationTraceWriter();

function readmeYamlBlocks(): { name: string; content: string }[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  // Workflows only: yaml blocks with both `on:` and `jobs:` at the top level.
  return [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => {
      const heading = [...readme.slice(0, match.index).matchAll(/^#+ (.+)$/gm)].pop()?.[1] ?? 'top';
      return { name: `README.md, ${heading}`, content: match[1] ?? '' };
    })
    .filter((block) => /^on:/m.test(block.content) && /^jobs:/m.test(block.content));
}

const workflows = [
  ...readdirSync(EXAMPLES)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => ({
      name: `examples/workflows/${file}`,
      content: readFileSync(path.join(EXAMPLES, file), 'utf8'),
    })),
  ...readmeYamlBlocks(),
];

function errorsOf(name: string, content: string): string[] {
  const result = parseWorkflow({ name, content }, trace);
  return result.context.errors.getErrors().map((error) => error.message);
}

const actionInputs = Object.keys(
  (parseYaml(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> })
    .inputs,
);

describe('workflows users copy', () => {
  it('include the examples and the README quick start', () => {
    expect(workflows.map((workflow) => workflow.name)).toEqual(
      expect.arrayContaining(['examples/workflows/plan.yml', 'README.md, Quick start']),
    );
    expect(workflows.length).toBeGreaterThanOrEqual(4);
  });

  it('the parser catches a broken workflow (so a pass below means something)', () => {
    const broken = 'on: pull_request\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    stepz: []\n';
    expect(errorsOf('broken.yml', broken).join('\n')).toMatch(/stepz/);
  });

  it.each(workflows.map((workflow) => [workflow.name, workflow.content] as const))(
    '%s is valid by the workflow schema and uses only inputs action.yml declares',
    async (name, content) => {
      expect(errorsOf(name, content)).toEqual([]);
      const parsed = parseWorkflow({ name, content }, trace);
      const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
      expect(template.errors ?? []).toEqual([]);
      const raw = parseYaml(content) as {
        jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
      };
      const steps = Object.values(raw.jobs).flatMap((job) => job.steps ?? []);
      const ours = steps.filter((step) => step.uses?.startsWith('stackgate/stackgate@'));
      expect(ours.length).toBeGreaterThan(0);
      for (const step of ours) {
        expect(step.uses).toBe('stackgate/stackgate@v0');
        for (const input of Object.keys(step.with ?? {})) expect(actionInputs).toContain(input);
      }
      // A workflow that writes comments and check runs says so: the default token may be read-only.
      expect(content).toMatch(/permissions:/);
    },
  );
});

describe('action.yml', () => {
  it('is valid by the action schema', () => {
    const content = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
    const result = parseAction({ name: 'action.yml', content }, trace);
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    const action = convertActionTemplate(result.context, result.value!);
    expect(action.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' });
  });
});
