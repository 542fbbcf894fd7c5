// Planted secrets for tests, generated at run time behind the real prefixes, so the repository itself never
// holds a literal that looks like a live credential.
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz0123456789`;

export function pseudoRandom(alphabet: string, length: number, seed: number): string {
  let state = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet.charAt(Math.floor(state / 65536) % alphabet.length);
  }
  return out;
}

const join = (...parts: string[]) => parts.join('');

export function awsAccessKeyId(seed: number): string {
  return join('AK', 'IA', pseudoRandom(`${UPPER}234567`, 16, seed));
}

export function awsSecretAccessKey(seed: number): string {
  return pseudoRandom(`${ALNUM}+/`, 40, seed);
}

export function githubToken(seed: number): string {
  return join('gh', 'p_', pseudoRandom(ALNUM, 36, seed));
}

export function gitlabToken(seed: number): string {
  return join('gl', 'pat-', pseudoRandom(ALNUM, 20, seed));
}

export function slackToken(seed: number): string {
  return join('xo', 'xb-', pseudoRandom('0123456789', 12, seed), '-', pseudoRandom(ALNUM, 24, seed + 1));
}

export function privateKeyBody(seed: number): string {
  const body = pseudoRandom(`${ALNUM}+/`, 256, seed).match(/.{1,64}/g) ?? [];
  return body.join('\n');
}

export function privateKey(seed: number): string {
  return `${join('-----BEGIN RSA ', 'PRIVATE KEY-----')}\n${privateKeyBody(seed)}\n${join('-----END RSA ', 'PRIVATE KEY-----')}`;
}

export function azureAccountKey(seed: number): string {
  return `${pseudoRandom(`${ALNUM}+/`, 86, seed)}==`;
}

export function genericPassword(seed: number): string {
  return pseudoRandom(`${ALNUM}!#%`, 24, seed);
}
