// Redaction and secret rules: a surviving mutant here is a secret nobody would notice leaking, so every mutant
// is scored, static ones (the word lists and patterns defined at module level) included. See stryker.config.mjs.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  ignoreStatic: false,
  mutate: ['src/plan/redact.ts', 'src/scan/names.ts', 'src/scan/rules.ts', 'src/scan/secrets.ts'],
  htmlReporter: { fileName: 'reports/mutation/leaks/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/leaks/mutation.json' },
};
