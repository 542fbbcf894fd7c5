// The one list of engine names: the config's `engine:`, the `engine` input and every report use it.
export const ENGINE_NAMES = ['terraform', 'tofu', 'ansible', 'terragrunt'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
/** What the `engine` input accepts: `auto` picks tofu when it is on PATH, else terraform. */
export type EngineChoice = 'auto' | Exclude<EngineName, 'ansible' | 'terragrunt'>;
