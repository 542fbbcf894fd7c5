// What the drift and dashboard end-to-end tests share: a stack that manages one real file with the `local`
// provider, an apply with tofu itself (outside Stackgate: no deployment recorded), and a scheduled drift run.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { runAction, TOOLS, type ActionRun } from './harness.js';

/** A stack whose one resource is the file `<live>/<name>.txt` holding `content`. */
export function localFileStack(live: string, name: string, content: string): string {
  return `resource "local_file" "${name}" {
  filename = "${path.join(live, `${name}.txt`)}"
  content  = "${content}"
}
`;
}

/** Applies a stack with tofu itself, as a person would have. */
export function applyWithTofu(repoDir: string, name: string): void {
  const env = { ...process.env, TF_CLI_CONFIG_FILE: path.join(TOOLS, 'tofurc'), TF_IN_AUTOMATION: '1' };
  const cwd = path.join(repoDir, 'stacks', name);
  const tofu = path.join(TOOLS, 'bin', 'tofu');
  execFileSync(tofu, ['init', '-input=false', '-no-color'], { cwd, env, stdio: 'pipe' });
  execFileSync(tofu, ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd, env, stdio: 'pipe' });
}

/** `command: drift` on a `schedule` event at the repository's checked-out commit. */
export function runScheduledDrift(options: {
  repoDir: string;
  apiUrl: string;
  repository: string;
  inputs?: Record<string, string>;
}): Promise<ActionRun> {
  const [, name = ''] = options.repository.split('/');
  return runAction({
    workspace: options.repoDir,
    eventName: 'schedule',
    payload: {
      schedule: '17 3 * * *',
      repository: { name, full_name: options.repository, default_branch: 'main' },
    },
    apiUrl: options.apiUrl,
    repository: options.repository,
    sha: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: options.repoDir, encoding: 'utf8' }).trim(),
    inputs: { command: 'drift', ...options.inputs },
  });
}
