// run(): settings → command → reports → exit status. The one place that sets the job's result.
import * as core from '@actions/core';
import { runPlan, type CommandResult } from './commands/plan.js';
import { readSettings } from './settings.js';

export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    if (settings.token) core.setSecret(settings.token);
    const result: CommandResult = await runPlan(settings);
    for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value);
    if (result.failure) core.setFailed(result.failure);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
