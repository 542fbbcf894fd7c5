// Secret findings as a SARIF 2.1.0 log, for GitHub code scanning (github/codeql-action/upload-sarif). Pure: the
// findings in, the log out. A finding carries only the masked form, so the log never holds a secret.
import { createHash } from 'node:crypto';
import { TOKEN_RULES } from '../scan/rules.js';
import { GENERIC_RULE } from '../scan/secrets.js';

export interface SarifSecret {
  rule: string;
  title: string;
  masked: string;
  /** Path relative to the repository root (posix). */
  uri: string;
  line: number;
  column: number;
  endColumn: number;
  /** Set when the secret is in a commit's version of the file, no longer in the tree. */
  commit?: string;
  /** What the finding says (the masked form only). */
  message: string;
}

// The parts of SARIF 2.1.0 written here (the tests check the whole against the official schema).
interface Text {
  text: string;
  markdown?: string;
}

export interface ReportingDescriptor {
  id: string;
  name: string;
  shortDescription: Text;
  fullDescription: Text;
  help: Text;
  defaultConfiguration: { level: 'error' };
  properties: Record<string, unknown>;
}

export interface Result {
  ruleId: string;
  ruleIndex: number;
  level: 'error';
  message: Text;
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: string };
      region: { startLine: number; startColumn: number; endColumn?: number };
    };
  }>;
  partialFingerprints: Record<string, string>;
  properties?: Record<string, unknown>;
}

export interface Log {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: { driver: { name: string; rules: ReportingDescriptor[] } };
    invocations: Array<{
      executionSuccessful: boolean;
      toolExecutionNotifications: Array<{ level: 'note'; message: Text }>;
    }>;
    results: Result[];
  }>;
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const FINGERPRINT = 'stackgate/v1';

/** The scanner's rules that are not token shapes. */
const OTHER_RULES: ReadonlyArray<readonly [string, string]> = [
  ['private-key', 'Private key'],
  ['gcp-service-account-key', 'GCP service account private key'],
  ['aws-secret-access-key', 'AWS secret access key'],
  [GENERIC_RULE, 'Secret assigned to a secret-looking name'],
];

/** Every rule of the scanner: id and a title that does not depend on a match. */
export function scannerRules(): Array<{ id: string; title: string }> {
  return [
    ...TOKEN_RULES.map((rule) => ({ id: rule.id, title: rule.title('') })),
    ...OTHER_RULES.map(([id, title]) => ({ id, title })),
  ];
}

/** A repository path as a relative URI reference: each segment percent-encoded (spaces, `#`, `?`, `%`). */
function pathUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

/** `aws-access-key-id` → `AwsAccessKeyId`: SARIF's rule name is an identifier-like word. */
function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

const HELP =
  'A secret committed to the repository stays in its Git history. Remove it, rotate it at its provider, and ' +
  'read it from a secret store or a CI secret instead. A false positive: add a `stackgate:allow-secret` ' +
  'comment on the line or the line above, or list the file under `secrets.allow` in `.stackgate.yml`.';

function descriptor(rule: { id: string; title: string }): ReportingDescriptor {
  return {
    id: rule.id,
    name: ruleName(rule.id),
    shortDescription: { text: `Possible ${rule.title.charAt(0).toLowerCase()}${rule.title.slice(1)}` },
    fullDescription: { text: `${rule.title} committed to the repository.` },
    help: { text: HELP, markdown: HELP },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['security', 'secret'], precision: 'high', 'security-severity': '9.0' },
  };
}

/**
 * A fingerprint that survives edits elsewhere in the file and a rebase (no line, no commit): rule, path, masked
 * form and the how-manieth such finding it is, hashed.
 */
function fingerprint(secret: SarifSecret, occurrence: number): string {
  return createHash('sha256')
    .update([secret.rule, secret.uri, secret.masked, String(occurrence)].join('\0'))
    .digest('hex');
}

export function renderSarif(secrets: readonly SarifSecret[], notices: readonly string[] = []): Log {
  const rules = scannerRules();
  for (const secret of secrets) {
    if (!rules.some((rule) => rule.id === secret.rule)) rules.push({ id: secret.rule, title: secret.title });
  }
  const seen = new Map<string, number>();
  const results = secrets.map((secret): Result => {
    const key = [secret.rule, secret.uri, secret.masked].join('\0');
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    return {
      ruleId: secret.rule,
      ruleIndex: rules.findIndex((rule) => rule.id === secret.rule),
      level: 'error',
      message: { text: secret.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: pathUri(secret.uri), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: secret.line,
              startColumn: secret.column,
              ...(secret.endColumn > secret.column ? { endColumn: secret.endColumn } : {}),
            },
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT]: fingerprint(secret, occurrence) },
      ...(secret.commit ? { properties: { commit: secret.commit } } : {}),
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Stackgate', rules: rules.map(descriptor) } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: notices.map((text) => ({ level: 'note', message: { text } })),
          },
        ],
        results,
      },
    ],
  };
}
