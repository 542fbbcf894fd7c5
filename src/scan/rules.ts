// The rules of the secret scanner: token shapes with a fixed prefix (found anywhere on a line), and the tests
// that decide whether a value assigned to a secret-looking name is a real secret rather than a reference,
// a placeholder or ordinary text. Everything here favours few false positives: a finding fails the gate.
import { isSecretName, nameWords } from './names.js';

/** A secret recognised by its own shape, wherever it appears on a line. */
export interface TokenRule {
  id: string;
  /** Human name; may depend on the match (GitHub token kinds). */
  title: (secret: string) => string;
  /** Global, with indices (`dg`); the `secret` group is the value reported, masked and registered. */
  pattern: RegExp;
  /** The line must also contain this, to tell a real connection string or SAS URL from a lookalike. */
  context?: RegExp;
  /** Matches that are not secrets after all (a URL's password that names a variable or a word). */
  reject?: (secret: string) => boolean;
}

/**
 * The password of a URL that is a stand-in, not a password: a word such as `password`, a variable or template
 * (`$DB_PASS`, `${var.x}`, `{{ pw }}`, `{password}`, `%s`, `:password`), or a placeholder.
 */
export function isStandInPassword(secret: string): boolean {
  if (/^(?:pass(?:word|wd)?|pwd|secret|user(?:name)?|admin|root|guest|test)$/i.test(secret)) return true;
  if (/^(?:%\w|:\w+$)|[{}]/.test(secret)) return true;
  return isReference(secret) || isPlaceholder(secret);
}

const GITHUB_KINDS: Record<string, string> = {
  ghp: 'GitHub personal access token',
  gho: 'GitHub OAuth access token',
  ghu: 'GitHub App user-to-server token',
  ghs: 'GitHub App installation token',
  ghr: 'GitHub refresh token',
};

const GITLAB_KINDS: Record<string, string> = {
  glpat: 'GitLab personal access token',
  glptt: 'GitLab pipeline trigger token',
  gldt: 'GitLab deploy token',
  glrt: 'GitLab runner token',
  glcbt: 'GitLab CI/CD job token',
  glsoat: 'GitLab OAuth application secret',
};

// Each shape below follows the provider's own description of its token format (its documentation or the
// announcement of the format); a token is matched whole, never inside a longer word.
export const TOKEN_RULES: readonly TokenRule[] = [
  {
    id: 'aws-access-key-id',
    title: () => 'AWS access key ID',
    pattern: /(?<![A-Za-z0-9])(?<secret>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9])/dg,
  },
  {
    id: 'github-token',
    title: (secret) => GITHUB_KINDS[secret.slice(0, 3)] ?? 'GitHub token',
    pattern: /(?<![A-Za-z0-9_])(?<secret>gh[pousr]_[A-Za-z0-9]{36,251})(?![A-Za-z0-9_])/dg,
  },
  {
    id: 'github-fine-grained-token',
    title: () => 'GitHub fine-grained personal access token',
    pattern: /(?<![A-Za-z0-9_])(?<secret>github_pat_[A-Za-z0-9_]{36,244})(?![A-Za-z0-9_])/dg,
  },
  {
    id: 'gitlab-token',
    title: (secret) => GITLAB_KINDS[secret.slice(0, secret.indexOf('-'))] ?? 'GitLab token',
    pattern:
      /(?<![A-Za-z0-9_-])(?<secret>(?:glpat|glptt|gldt|glrt|glcbt|glsoat)-[A-Za-z0-9_.-]{20,})(?![A-Za-z0-9_-])/dg,
  },
  {
    id: 'slack-token',
    title: () => 'Slack token',
    pattern:
      /(?<![A-Za-z0-9_-])(?<secret>(?:xox[bpaer]|xapp)-[A-Za-z0-9][A-Za-z0-9-]{14,})(?![A-Za-z0-9_-])/dg,
  },
  {
    id: 'slack-webhook',
    title: () => 'Slack incoming webhook URL',
    pattern:
      /(?<secret>https?:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{16,})(?![A-Za-z0-9])/dg,
  },
  {
    // Stripe: secret and restricted keys of live mode (test-mode keys move no money).
    id: 'stripe-live-key',
    title: (secret) => (secret.startsWith('rk_') ? 'Stripe restricted live key' : 'Stripe live secret key'),
    pattern: /(?<![A-Za-z0-9_])(?<secret>[sr]k_live_[A-Za-z0-9]{24,247})(?![A-Za-z0-9_])/dg,
  },
  {
    // SendGrid: `SG.`, a 22-character key id, `.`, a 43-character secret (base64url).
    id: 'sendgrid-api-key',
    title: () => 'SendGrid API key',
    pattern: /(?<![A-Za-z0-9_.-])(?<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/dg,
  },
  {
    // DigitalOcean: personal access (dop), OAuth (doo) and refresh (dor) tokens, 64 hex characters.
    id: 'digitalocean-token',
    title: () => 'DigitalOcean token',
    pattern: /(?<![A-Za-z0-9_])(?<secret>do[opr]_v1_[a-f0-9]{64})(?![A-Za-z0-9_])/dg,
  },
  {
    // OpenAI: project, service-account and admin keys, and legacy user keys; all carry `T3BlbkFJ`
    // (base64 of `OpenAI`) in the middle.
    id: 'openai-api-key',
    title: () => 'OpenAI API key',
    pattern:
      /(?<![A-Za-z0-9_-])(?<secret>sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,200}|[A-Za-z0-9]{20})T3BlbkFJ[A-Za-z0-9_-]{20,200})(?![A-Za-z0-9_-])/dg,
  },
  {
    // Anthropic: `sk-ant-api03-…` and admin keys `sk-ant-admin01-…`.
    id: 'anthropic-api-key',
    title: () => 'Anthropic API key',
    pattern: /(?<![A-Za-z0-9_-])(?<secret>sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,200})(?![A-Za-z0-9_-])/dg,
  },
  {
    // Twilio API key SIDs are `SK` and 32 hex characters; plain hex is common, so the line must say Twilio.
    id: 'twilio-api-key',
    title: () => 'Twilio API key',
    pattern: /(?<![A-Za-z0-9])(?<secret>SK[0-9a-f]{32})(?![A-Za-z0-9])/dg,
    context: /twilio/i,
  },
  {
    // A signed JSON Web Token: base64url header and payload (both JSON objects, so `eyJ`) and a signature.
    id: 'jwt',
    title: () => 'JSON Web Token',
    pattern:
      /(?<![A-Za-z0-9_-])(?<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])/dg,
  },
  {
    // npm access tokens: `npm_` and 36 alphanumerics.
    id: 'npm-token',
    title: () => 'npm access token',
    pattern: /(?<![A-Za-z0-9_])(?<secret>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/dg,
  },
  {
    // PyPI API tokens are macaroons whose first bytes always encode the `pypi.org` location.
    id: 'pypi-token',
    title: () => 'PyPI API token',
    pattern: /(?<![A-Za-z0-9_-])(?<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})(?![A-Za-z0-9_-])/dg,
  },
  {
    // Google API keys: `AIza` and 35 base64url characters.
    id: 'google-api-key',
    title: () => 'Google API key',
    pattern: /(?<![A-Za-z0-9_-])(?<secret>AIza[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])/dg,
  },
  {
    // Hugging Face user access tokens: `hf_` and 34 letters.
    id: 'huggingface-token',
    title: () => 'Hugging Face access token',
    pattern: /(?<![A-Za-z0-9_])(?<secret>hf_[A-Za-z]{34})(?![A-Za-z0-9_])/dg,
  },
  {
    // Docker Hub personal and organisation access tokens.
    id: 'docker-hub-token',
    title: () => 'Docker Hub access token',
    pattern: /(?<![A-Za-z0-9_])(?<secret>dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,})(?![A-Za-z0-9_-])/dg,
  },
  {
    // HashiCorp Vault service and batch tokens (`hvs.`, `hvb.`) since Vault 1.10.
    id: 'vault-token',
    title: () => 'Vault token',
    pattern: /(?<![A-Za-z0-9_.-])(?<secret>hv[sb]\.[A-Za-z0-9_-]{24,})(?![A-Za-z0-9_-])/dg,
  },
  {
    // HCP Terraform / Terraform Enterprise API tokens: a 14-character id, `.atlasv1.`, a long secret.
    id: 'terraform-cloud-token',
    title: () => 'Terraform Cloud API token',
    pattern: /(?<![A-Za-z0-9_-])(?<secret>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,})(?![A-Za-z0-9_=-])/dg,
  },
  {
    // Grafana: service account tokens (`glsa_`, 32 characters, `_`, an 8-hex checksum) and Cloud tokens
    // (`glc_` and base64).
    id: 'grafana-token',
    title: (secret) =>
      secret.startsWith('glsa_') ? 'Grafana service account token' : 'Grafana Cloud access token',
    pattern:
      /(?<![A-Za-z0-9_])(?<secret>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})(?![A-Za-z0-9_+/=])/dg,
  },
  {
    // New Relic user API keys: `NRAK-` and 27 upper-case alphanumerics.
    id: 'new-relic-user-key',
    title: () => 'New Relic user API key',
    pattern: /(?<![A-Za-z0-9_-])(?<secret>NRAK-[A-Z0-9]{27})(?![A-Za-z0-9_-])/dg,
  },
  {
    // Shopify: admin API access tokens, shared secrets, custom and private app tokens, 32 hex characters.
    id: 'shopify-token',
    title: () => 'Shopify access token',
    pattern: /(?<![A-Za-z0-9_])(?<secret>shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})(?![A-Za-z0-9_])/dg,
  },
  {
    // Credentials in a URL: `scheme://user:password@host` (databases, brokers, Git remotes, proxies).
    id: 'url-credentials',
    title: () => 'Password in a URL',
    pattern:
      /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/[^\s:@/?#'"`]*:(?<secret>[^\s@/?#'"`]+)@[A-Za-z0-9_.[\]-]+/dg,
    reject: isStandInPassword,
  },
  {
    // The account key is the secret; the rest of the connection string is harmless and useful context.
    id: 'azure-storage-connection-string',
    title: () => 'Azure connection string key',
    pattern: /(?<![A-Za-z0-9])(?:AccountKey|SharedAccessKey)=(?<secret>[A-Za-z0-9+/]{40,}={0,2})/dg,
    context: /DefaultEndpointsProtocol=|Endpoint=sb:\/\//i,
  },
  {
    // `sig=` is common in URLs; only a SAS (which always carries a service version `sv=`) counts.
    id: 'azure-sas-signature',
    title: () => 'Azure SAS token signature',
    pattern: /[?&;]sig=(?<secret>[A-Za-z0-9%+/]{30,}(?:=|%3D){0,2})/dgi,
    context: /[?&;=]sv=\d{4}-\d{2}-\d{2}/,
  },
];

// Private keys span lines; found on the whole text. PGP blocks end with `BLOCK`.
export const PRIVATE_KEY_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/g;
// A placeholder like `-----BEGIN PRIVATE KEY-----\n<your key>\n-----END…` is not a key: a real one has
// hundreds of base64 characters.
export const MIN_PRIVATE_KEY_BODY = 64;

// GCP service-account JSON: both markers in one document; the private key is what leaks.
export const GCP_SERVICE_ACCOUNT = /"type"\s*:\s*"service_account"/;
export const GCP_PRIVATE_KEY = /"private_key"\s*:\s*"(?<secret>(?:[^"\\]|\\.)+)"/dg;

/**
 * `name = value` in HCL, `name: value` in YAML, `"name": "value"` in JSON, `name=value` in INI, env and
 * inventory lines (several per line). `=` must not be part of `==`/`=>`; a bare `:` needs the space YAML
 * requires, which keeps `https://` and `a:b` out.
 */
export const ASSIGNMENT =
  /(?<![\w.$-])(?<q>["']?)(?<name>[A-Za-z_][\w.-]*)\k<q>[ \t]*(?:=(?![=>~])|:(?=[\s"']))[ \t]*(?<value>"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']+)/dg;

export { isSecretName, nameWords };

/** `aws_secret_access_key`, `AWS_SECRET_KEY`, `SecretAccessKey`, `secret_key`. */
export function isAwsSecretName(name: string): boolean {
  const words = nameWords(name);
  const joined = `_${words.join('_')}_`;
  return joined.includes('_secret_access_key_') || joined.includes('_secret_key_');
}

/** An AWS secret access key: 40 base64 characters, mixed case (a 40-char hex digest is not one). */
export function isAwsSecretShape(value: string): boolean {
  return /^[A-Za-z0-9/+]{40}$/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value);
}

// Substrings of values that are obviously not real secrets.
const PLACEHOLDER_MARKERS = [
  'changeme',
  'change_me',
  'change-me',
  'example',
  'replace_me',
  'replace-me',
  'replaceme',
  'dummy',
  'placeholder',
  'redacted',
  'your_',
  'your-',
  'fixme',
  'todo',
  '***',
  '...',
  '…',
];

export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  if (/<[^>]*>/.test(value)) return true; // `<your key>`, `prefix-<key>`
  // Case-sensitive: a stand-in is `xxxx` or `XXXX`, while a random token body may well hold `xXX`.
  if (value.includes('xxx') || value.includes('XXX')) return true;
  return PLACEHOLDER_MARKERS.some((marker) => lower.includes(marker));
}

/**
 * A value that names another value rather than holding one: Terraform references and functions, template
 * and shell interpolation, YAML tags/anchors/block markers, ansible-vault blobs.
 */
export function isReference(value: string): boolean {
  if (/\$\{|\{\{|\{%|\$\(|%\(/.test(value)) return true; // ${x}, {{ vault_x }}, {% %}, $(cmd), %(x)s
  if (/^[$!&*|>@]/.test(value)) return true; // $ENV, $ANSIBLE_VAULT;…, !vault, &anchor, *alias, |, >, @file
  if (/^(?:var|local|data|module|each|count|self|path|terraform)\.[\w.[\]"-]+$/.test(value)) return true;
  if (/^[A-Za-z_][\w.:]*\(/.test(value)) return true; // lookup(...), file("..."), env('X')
  return false;
}

/** Values with a recognisable non-secret shape: paths, URLs, ARNs, e-mail addresses. */
export function isOrdinaryShape(value: string): boolean {
  return (
    /^(?:~|\.{1,2})\//.test(value) ||
    /^\/(?:[\w.@-]+\/)+[\w.@-]*$/.test(value) || // two or more segments: a lone `/` starts base64 too
    /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ||
    /^arn:/.test(value) ||
    /^[^@\s/]+@[^@\s/]+\.[a-z]{2,}$/i.test(value) ||
    /\.(?:pem|key|crt|cer|json|txt|ya?ml|tf|tfvars|ini|conf|env|p12|pfx)$/i.test(value)
  );
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...value].length;
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

export const MIN_GENERIC_LENGTH = 12;

/**
 * Random enough to be a secret, with a threshold per character class: a hex string can reach at most 4 bits
 * per character, a mixed one more. Short values cannot reach a fixed threshold (12 distinct characters give
 * log2(12) ≈ 3.58 bits), so the bar is 85% of that maximum, capped by the class threshold.
 */
export function isHighEntropy(value: string): boolean {
  if (value.length < MIN_GENERIC_LENGTH || /\s/.test(value)) return false;
  if (/^[\d.,:_-]+$/.test(value)) return false; // numbers, ports, dates, versions, account IDs
  const entropy = shannonEntropy(value);
  const unseparated = value.replace(/-/g, '');
  if (/^[0-9a-f]+$/.test(unseparated) || /^[0-9A-F]+$/.test(unseparated)) {
    return unseparated.length >= 16 && entropy >= 3.0; // hex digests, UUIDs
  }
  // Letters alone (with separators) are mostly words and identifiers (`X-Api-Token-Header`): a random
  // value that long almost always has a digit or symbol, so the bar is high without one.
  if (/^[A-Za-z._-]+$/.test(value)) return entropy >= 4.0;
  const classes = [
    /[a-z]/,
    /[A-Z]/,
    /\d/,
    // Stryker disable next-line Regex: equivalent; a value that reaches here without a symbol has a letter and a digit (two classes either way), and a value of symbols alone stays under two
    /[^A-Za-z0-9._-]/,
  ].filter((re) => re.test(value)).length;
  if (classes < 2) return entropy >= 4.0;
  return entropy >= Math.min(3.5, 0.85 * Math.log2(value.length));
}
