// Masking of what Stackgate hands an engine: values under a secret-looking name (the config's `env`, the
// runner's `TF_VAR_…` and other variables) are registered with the runner before the engine starts, so an
// engine error that echoes one is masked in the log; reports get the same values hidden by `redactDiagnostics`.
import * as core from '@actions/core';
import { secretEnvironmentValues } from '../scan/names.js';

/** Masks every secret-named value of the environments and returns them, for redacting engine output. */
export function maskEngineInputs(...envs: Record<string, string | undefined>[]): string[] {
  const secrets = secretEnvironmentValues(...envs);
  for (const secret of secrets) core.setSecret(secret);
  return secrets;
}
