// run(): settings → command → reports → exit status. The one place that sets the job's result.
import * as core from '@actions/core';
import { runPlan } from './commands/plan.js';
import type { CommandResult } from './commands/shared.js';
import { runValidate } from './commands/validate.js';
import { ConfigError } from './config/types.js';
import { readSettings, repositoryPath, type Settings } from './settings.js';

/** Each config problem becomes an error annotation at its file, line and column. */
function annotateConfigError(error: ConfigError, settings: Settings | undefined): void {
  for (const problem of error.problems) {
    core.error(problem.message, {
      title: 'Stackgate config',
      file: settings ? repositoryPath(settings, problem.file) : problem.file,
      startLine: problem.line,
      startColumn: problem.column,
    });
  }
}

export async function run(): Promise<void> {
  let settings: Settings | undefined;
  try {
    settings = readSettings();
    if (settings.token) core.setSecret(settings.token);
    const result: CommandResult =
      settings.command === 'validate' ? await runValidate(settings) : await runPlan(settings);
    for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value);
    if (result.failure) core.setFailed(result.failure);
  } catch (error) {
    if (error instanceof ConfigError) {
      annotateConfigError(error, settings);
      core.setFailed(`The Stackgate config has ${error.problems.length} problem(s):\n${error.message}`);
      return;
    }
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
