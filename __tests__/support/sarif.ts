// The official SARIF 2.1.0 JSON schema (OASIS, as shipped in @microsoft/jest-sarif) compiled with ajv, for tests
// that check what Stackgate writes for code scanning.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';

// Both are CommonJS with a default export: under NodeNext the class is the module's `default`.
const Ajv = AjvDraft04.default;
const addFormats = ajvFormats.default;

const require = createRequire(import.meta.url);
const SCHEMA = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

export function sarifValidator(): (log: unknown) => string[] {
  // The schema's `language` pattern is not valid with the `u` flag; its meaning does not need it.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  return (log) =>
    validate(log)
      ? []
      : (validate.errors ?? []).map(
          (error: { instancePath: string; message?: string }) =>
            `${error.instancePath} ${error.message ?? ''}`,
        );
}
