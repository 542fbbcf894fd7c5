#!/usr/bin/env node
// The local CLI over the same core as the action: plan stacks on a laptop, or render a saved plan.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.js';
import { engineEnvironment, engineFor, resolveEngineChoice } from './engines/index.js';
import { parseTerraformPlan } from './plan/terraform-json.js';
import { planToJson, renderStackSection, renderSummary } from './report/markdown.js';
import type { RunReport, StackReport } from './report/types.js';
import { splitList } from './settings.js';
import { filterStacks } from './stacks/affected.js';
import { discoverStacks } from './stacks/discover.js';
import { forEachStack } from './stacks/runner.js';

const USAGE = `Usage:
  stackgate plan [PATH] [--stacks NAMES] [--engine tofu|terraform] [--parallelism N] [--format markdown|json]
      Plans every stack of the config repository at PATH (default: .) and prints the report.
  stackgate render PLAN.json [--format markdown|json]
      Prints the comment section for a saved \`tofu show -json\` / \`terraform show -json\` output.
`;

class UsageError extends Error {}

async function render(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'markdown' } },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('render takes exactly one plan file');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: cannot read a JSON plan: ${(error as Error).message}`, { cause: error });
  }
  const plan = parseTerraformPlan(json, file);
  if (values.format === 'json') {
    process.stdout.write(`${JSON.stringify(planToJson(plan), null, 2)}\n`);
  } else if (values.format === 'markdown') {
    const stack: StackReport = {
      name: path.basename(file, '.json'),
      path: path.dirname(file),
      engine: 'tofu',
      status: plan.hasChanges ? 'planned' : 'no-changes',
      plan,
      diagnostics: [],
    };
    process.stdout.write(`${renderStackSection(stack)}\n`);
  } else {
    throw new UsageError(`unknown --format '${values.format}': expected markdown or json`);
  }
  return 0;
}

async function plan(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      stacks: { type: 'string', default: '' },
      engine: { type: 'string' },
      parallelism: { type: 'string', default: String(os.availableParallelism()) },
      format: { type: 'string', default: 'markdown' },
    },
  });
  if (values.format !== 'markdown' && values.format !== 'json') {
    throw new UsageError(`unknown --format '${values.format}': expected markdown or json`);
  }
  const workspace = path.resolve(positionals[0] ?? '.');
  const config = await loadConfig(workspace, '.stackgate.yml');
  let stacks = await discoverStacks(workspace, config);
  const patterns = splitList(values.stacks);
  if (patterns.length > 0) stacks = filterStacks(stacks, patterns);
  if (values.engine !== undefined && values.engine !== 'tofu' && values.engine !== 'terraform') {
    throw new UsageError(`unknown --engine '${values.engine}': expected tofu or terraform`);
  }
  const fallback = await resolveEngineChoice(values.engine ?? 'auto');
  const parallelism = Math.max(1, Number(values.parallelism) || 1);
  const env = engineEnvironment(process.env, Math.min(parallelism, stacks.length));
  // Saved plans hold raw sensitive values: a fresh folder only this user can read, removed afterwards.
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'stackgate-cli-'));
  let reports: StackReport[];
  try {
    await chmod(tempDir, 0o700);
    // The action's runner: never two stacks of one folder at once, and every stack settles before the folder
    // goes, so one failing never leaves the others writing into it.
    reports = await forEachStack(stacks, parallelism, async (stack): Promise<StackReport> => {
      const engine = engineFor(stack, fallback);
      process.stderr.write(`planning ${stack.name} with ${engine.name}…\n`);
      const result = await engine.plan(stack, { workspace, env, tempDir }, { repository: workspace });
      return { name: stack.name, path: stack.path, engine: engine.name, ...result };
    });
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
  const report: RunReport = { command: 'plan', header: '', repository: workspace, sha: '', stacks: reports };
  if (values.format === 'json') {
    const stacksJson = reports.map((stack) => ({
      name: stack.name,
      path: stack.path,
      engine: stack.engine,
      status: stack.status,
      message: stack.message,
      ...(stack.plan ? planToJson(stack.plan) : {}),
    }));
    process.stdout.write(`${JSON.stringify(stacksJson, null, 2)}\n`);
  } else {
    process.stdout.write(`${renderSummary(report)}\n`);
  }
  return reports.some((stack) => stack.status === 'errored') ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'render':
        return await render(rest);
      case 'plan':
        return await plan(rest);
      case undefined:
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    process.stderr.write(`stackgate: ${(error as Error).message}\n`);
    if (error instanceof UsageError) process.stderr.write(`\n${USAGE}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
