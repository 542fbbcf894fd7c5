// Ansible stacks: recognised by the config, not yet planned or applied by this version. The engine says so in
// every answer, so an Ansible stack shows up in the report with the reason instead of silently disappearing.
import type { Engine } from './types.js';

export const ANSIBLE_NOT_SUPPORTED = 'Ansible stacks are not supported by this version of Stackgate yet';

export function ansibleEngine(): Engine {
  return {
    name: 'ansible',
    // Nothing is run, so nothing needs installing: the plan answers "not supported" instead of "not installed".
    available: () => Promise.resolve(true),
    check: () => Promise.resolve({ format: [], diagnostics: [] }),
    plan: () =>
      Promise.resolve({ status: 'skipped', diagnostics: [], message: ANSIBLE_NOT_SUPPORTED, durationMs: 0 }),
    apply: () =>
      Promise.resolve({
        status: 'errored',
        diagnostics: [],
        message: ANSIBLE_NOT_SUPPORTED,
        applied: [],
        durationMs: 0,
      }),
  };
}
