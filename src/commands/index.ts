// The command registry: each command declares the events it accepts; main.ts looks the command up here, so a
// new command is one entry and an event a command does not understand is refused with the list it does.
import type { Command, EventContext } from '../settings.js';
import { runApply } from './apply.js';
import type { CommandResult, RunContext } from './context.js';
import { runDetect } from './detect.js';
import { runDrift } from './drift.js';
import { runPlan } from './plan.js';
import { runReport } from './report.js';
import { runValidate } from './validate.js';

export interface CommandSpec {
  name: Command;
  /** Workflow events the command runs on. */
  events: readonly string[];
  run(ctx: RunContext): Promise<CommandResult>;
}

const CHANGE_EVENTS = [
  'pull_request',
  'pull_request_target',
  'push',
  'workflow_dispatch',
  'schedule',
  'merge_group',
] as const;

const MATRIX_EVENTS = ['pull_request', 'push', 'workflow_dispatch'] as const;

export const COMMAND_REGISTRY: Readonly<Record<Command, CommandSpec>> = {
  plan: { name: 'plan', events: CHANGE_EVENTS, run: runPlan },
  validate: { name: 'validate', events: CHANGE_EVENTS, run: runValidate },
  // issue_comment: `/stackgate apply|plan|unlock`; push: apply on merge; pull_request: a closed pull request
  // releases its locks.
  apply: { name: 'apply', events: ['issue_comment', 'push', 'pull_request'], run: runApply },
  // Drift is checked on the default branch, on a timer or by hand; never on a pull request's code.
  drift: { name: 'drift', events: ['schedule', 'workflow_dispatch'], run: runDrift },
  // The matrix: detect lists the affected stacks, a plan job per entry uploads its plan, report publishes.
  detect: { name: 'detect', events: MATRIX_EVENTS, run: runDetect },
  report: { name: 'report', events: MATRIX_EVENTS, run: runReport },
};

/** The command to run for this event, or an error that says what would work. */
export function commandFor(name: string, event: EventContext): CommandSpec {
  const spec = (COMMAND_REGISTRY as Record<string, CommandSpec | undefined>)[name];
  if (!spec) {
    throw new Error(`Unknown command '${name}'; expected one of ${Object.keys(COMMAND_REGISTRY).join(', ')}`);
  }
  if (!spec.events.includes(event.eventName)) {
    throw new Error(
      `Stackgate's '${name}' command does not run on '${event.eventName || '(none)'}' events; trigger it on ${spec.events.join(', ')}.`,
    );
  }
  // pull_request_target runs with a write token and secrets: running a fork's code there would hand both to
  // whoever opened the pull request (providers and external data sources run arbitrary code).
  if (event.eventName === 'pull_request_target' && event.pullRequest?.fromFork) {
    throw new Error(
      'Refusing to plan a fork pull request on pull_request_target: its code would run with your secrets and a write token. Use the pull_request event (see SECURITY.md).',
    );
  }
  return spec;
}
