// StrykerJS over the pure core, with the fast unit tests (vitest.mutation.config.ts). Run through
// `npm run mutation` (scripts/mutation.sh), which uses Node 24 and checks the scores against mutation-scores.json.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  plugins: ['@stryker-mutator/vitest-runner'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  mutate: [
    'src/plan/terraform-json.ts',
    'src/plan/model.ts',
    'src/plan/redact.ts',
    'src/plan/policy.ts',
    'src/report/diff.ts',
    'src/report/markdown.ts',
    'src/stacks/affected.ts',
    'src/config/load.ts',
    'src/scan/rules.ts',
    'src/scan/secrets.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: {
    allowColor: false,
    logTests: false,
    reportTests: false,
    reportMutants: true,
    reportScoreTable: true,
  },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 10_000,
};
