// One way to get an engine for a stack: the stack's own `engine:`, else the run's default.
import type { Stack } from '../stacks/discover.js';
import { which } from '../process/exec.js';
import { ansibleEngine } from './ansible.js';
import type { EngineChoice, EngineName } from './names.js';
import { terraformEngine } from './terraform.js';
import { terragruntEngine } from './terragrunt.js';
import type { Engine } from './types.js';

export type {
  Engine,
  EngineContext,
  FingerprintSalt,
  PlanMode,
  PlanOptions,
  StackApplyResult,
  StackPlanResult,
} from './types.js';
export type { EngineChoice, EngineName } from './names.js';
export { engineEnvironment } from './terraform.js';

const engines = new Map<EngineName, Engine>();

export function engineNamed(name: EngineName): Engine {
  let engine = engines.get(name);
  if (!engine) {
    engine =
      name === 'ansible'
        ? ansibleEngine()
        : name === 'terragrunt'
          ? terragruntEngine()
          : terraformEngine(name);
    engines.set(name, engine);
  }
  return engine;
}

/** The engine that plans and applies `stack`. */
export function engineFor(stack: Pick<Stack, 'engine'>, fallback: EngineName): Engine {
  return engineNamed(stack.engine ?? fallback);
}

/** `auto`: tofu when on PATH, else terraform. */
export async function resolveEngineChoice(choice: EngineChoice): Promise<EngineName> {
  if (choice !== 'auto') return choice;
  return (await which('tofu')) ? 'tofu' : 'terraform';
}
