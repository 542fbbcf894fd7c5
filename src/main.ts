// run(): settings → command → reports → exit status. The one place that sets the job's result.
import * as core from '@actions/core';
import { runPlan } from './commands/plan.js';
import { annotateConfigError, configFailureMessage, type CommandResult } from './commands/shared.js';
import { runValidate } from './commands/validate.js';
import { ConfigError } from './config/types.js';
import { readSettings, type Settings } from './settings.js';

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
      core.setFailed(configFailureMessage(error));
      return;
    }
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
