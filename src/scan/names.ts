// The one notion of a secret-looking name, shared by the secret scanner (files of the change), the plan
// redaction (values in plans and diagnostics), the formatter-diff redaction and the masking of engine inputs.
// A name the scanner flags is a name whose value no report shows, and the other way round.

/** Splits `dbPassword`, `db-password`, `DB_PASSWORD` and `spring.datasource.password` into lower-case words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]/)
    .filter((word) => word !== '');
}

// Words that name a secret on their own, matched whole or in the plural (`pwds`, `cookies`), besides those ending
// in a suffix below (`secrets`, `passwords`, `tokens`). Only the singular is looked up: each entry is its own.
const SECRET_WORDS = new Set([
  'pass',
  'pwd',
  'auth',
  'authorization',
  'credential',
  'apikey',
  'privatekey',
  'secretkey',
  'accesskey',
  'signingkey',
  'authkey',
  'connectionstring',
  'sas',
  'jwt',
  'bearer',
  'cookie',
]);

// A word ending in one of these names a secret, alone or as a compound: `password`, `pgpassword`, `dbpass` is not
// (too short a stem to tell from `compass`), `clientsecret`, `accesstoken`, `mysqlpwd` is not (`pwd` alone only).
const SECRET_SUFFIXES = ['password', 'passwd', 'passphrase', 'secret', 'token'];

// Consecutive words that name a secret together; `key` alone does not (`key_name`, a map key). Phrases with a
// secret word in them (`secret_key`, `auth_key`, `client_secret`) need no entry.
const SECRET_SEQUENCES: readonly string[][] = [
  'api_key',
  'access_key',
  'private_key',
  'signing_key',
  'encryption_key',
  'master_key',
  'session_key',
  'account_key',
  'shared_key',
  'connection_string',
].map((phrase) => phrase.split('_'));

// A secret word followed by one of these names metadata about the secret, not the secret: `password_length`,
// `token_ttl`, `secret_name`, `private_key_path`.
const METADATA_LAST_WORDS = new Set([
  'path',
  'file',
  'filename',
  'dir',
  'name',
  'arn',
  'url',
  'uri',
  'endpoint',
  'length',
  'ttl',
  'type',
  'version',
  'algorithm',
  'format',
  'policy',
  'ref',
  'reference',
  'method',
  'mode',
  'enabled',
  'count',
  'expiry',
  'expiration',
  'rotation',
]);

function singular(word: string): string {
  return word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

function isSecretWord(word: string): boolean {
  const stem = singular(word);
  return SECRET_WORDS.has(stem) || SECRET_SUFFIXES.some((suffix) => stem.endsWith(suffix));
}

function containsSequence(words: readonly string[], sequence: readonly string[]): boolean {
  return words.some((_, start) =>
    sequence.every((word, offset) => {
      const at = words[start + offset];
      return at !== undefined && singular(at) === word;
    }),
  );
}

/**
 * True when a name looks like it holds a secret, matched on whole words and their plurals (`token`, `tokens`,
 * `github_token`, `pgpassword`, `Authorization`; never `tokenizer`, `passwordless`, `secretary`).
 */
export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  const last = words[words.length - 1];
  // Stryker disable next-line ConditionalExpression: with no words, every check below answers false as well
  if (last === undefined) return false;
  if (METADATA_LAST_WORDS.has(last)) return false;
  // An ID names a key rather than being one (`private_key_id`, `access_key_id`); Vault's `secret_id` is one.
  if (last === 'id' && words[words.length - 2] !== 'secret') return false;
  return words.some(isSecretWord) || SECRET_SEQUENCES.some((sequence) => containsSequence(words, sequence));
}

/**
 * Values Stackgate hands to an engine under a secret-looking name (a config `env` entry, a runner `TF_VAR_…`):
 * they are masked in the log before the engine starts, and hidden from diagnostics.
 */
export function secretEnvironmentValues(...envs: Record<string, string | undefined>[]): string[] {
  const values = new Set<string>();
  for (const env of envs) {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined || value.trim().length < 3 || !isSecretName(name)) continue;
      values.add(value);
      for (const line of value.split(/\r?\n/)) if (line.trim().length >= 3) values.add(line);
    }
  }
  return [...values];
}
