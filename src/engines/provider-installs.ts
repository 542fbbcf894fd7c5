// `init`s sharing one provider plugin cache (TF_PLUGIN_CACHE_DIR): only those that may install into it wait for
// each other. Terraform documents concurrent use of the cache as unsupported, and OpenTofu 1.11.6 (which locks
// the cache since 1.10) still failed one init in three runs of the end-to-end test here when two installed into
// one folder at once. An init whose providers an earlier init of this run already put into the cache installs
// nothing there, so it runs beside the others.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { ExecResult } from '../process/exec.js';
import type { Stack } from '../stacks/discover.js';

const installs = pLimit(1);
/** Footprints whose first init succeeded: their providers are in the cache. */
const cached = new Set<string>();

const STRING = /"(?:[^"\\\n]|\\.)*"/g;
/** Lines whose strings can name a provider or its version: block labels, `source` and `version`. */
const PROVIDER_LINE = /^\s*(resource|data|ephemeral|provider|list)\s|\b(source|version)\b/;

/**
 * What an init may install. `null`: nothing (no lock file, and the configuration uses only the built-in
 * `terraform_*` resources: no `required_providers`, `provider` or `module` block). `undefined`: not known, because
 * the folder has no lock file (without one, OpenTofu installs into the cache on every init, and two such inits
 * at once crashed OpenTofu 1.11.6 in the test here). Else a digest of the lock file, the configuration with the
 * string values that cannot name a provider blanked (stacks that differ only in names and inputs share one),
 * the init options, the engine, the cache folder and the stack's own environment. A folder that calls modules
 * gets a footprint of its own (a module's providers are not in the folder's text).
 */
export async function providerFootprint(
  stack: Partial<Pick<Stack, 'initArgs' | 'backendConfig' | 'env'>>,
  cwd: string,
  binary: string,
  cacheDir: string,
): Promise<string | null | undefined> {
  const names = (await readdir(cwd).catch(() => [] as string[]))
    .filter((name) => name.endsWith('.tf') || name.endsWith('.tf.json') || name === '.terraform.lock.hcl')
    .sort();
  const texts = await Promise.all(
    names.map((name) => readFile(path.join(cwd, name), 'utf8').catch(() => undefined)),
  );
  if (texts.includes(undefined)) return undefined;
  if (!names.includes('.terraform.lock.hcl'))
    return names.every((name, index) => name.endsWith('.tf') && builtinOnly(texts[index]!))
      ? null
      : undefined;
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([binary, cacheDir, stack.initArgs ?? [], stack.backendConfig ?? [], stack.env ?? {}]),
  );
  names.forEach((name, index) => {
    hash.update(`\0${name}\0`);
    hash.update(name.endsWith('.tf') ? configShape(texts[index]!, cwd) : texts[index]!);
  });
  return hash.digest('hex');
}

/** No provider but the built-in one: no `required_providers`, `provider`, `module`, only `terraform_*` types. */
export function builtinOnly(text: string): boolean {
  if (/\b(required_providers|provider|module)\b/.test(text)) return false;
  const types = [...text.matchAll(/^\s*(?:resource|data|ephemeral|list)\s+"([^"]*)"/gm)].map(
    (match) => match[1]!,
  );
  return types.every((type) => type.startsWith('terraform_'));
}

/** HCL text with the strings of lines that cannot name a provider blanked; `required_providers` kept whole. */
export function configShape(text: string, cwd: string): string {
  let keepDepth = 0;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*module\s/.test(line)) return `${line}\0${cwd}`;
      if (keepDepth > 0 || /\brequired_providers\b/.test(line)) {
        keepDepth += (line.match(/\{/g)?.length ?? 0) - (line.match(/\}/g)?.length ?? 0);
        return line;
      }
      return PROVIDER_LINE.test(line) ? line : line.replace(STRING, '""');
    })
    .join('\n');
}

/**
 * Runs `init` against the shared cache: alone while its footprint has not been installed yet, beside the others
 * once an init of the same footprint succeeded, at once when it installs nothing. An init that failed beside the others is run once more alone
 * (its footprint guess may have been wrong and it may have raced an install).
 */
export async function cacheInit(
  footprint: string | null | undefined,
  init: () => Promise<ExecResult>,
): Promise<ExecResult> {
  const install = async (): Promise<ExecResult> => {
    const result = await init();
    if (typeof footprint === 'string' && result.exitCode === 0) cached.add(footprint);
    return result;
  };
  if (footprint === null) return init();
  if (footprint === undefined) return installs(install);
  if (!cached.has(footprint)) {
    // Waits behind the installs; when one of the same footprint succeeded meanwhile, runs beside the others.
    const result = await installs(() => (cached.has(footprint) ? Promise.resolve(undefined) : install()));
    if (result) return result;
  }
  const beside = await init();
  return beside.exitCode === 0 ? beside : installs(install);
}
