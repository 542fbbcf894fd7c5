// StrykerJS over the pure core, with the fast unit tests (vitest.mutation.config.ts). Run through
// `npm run mutation` (scripts/mutation.sh), which uses Node 24, runs this and stryker.leaks.config.mjs, merges
// their reports into reports/mutation/mutation.{json,html} and checks the scores against mutation-scores.json.
//
// Static mutants (module-level code, run once at import) are not scored here: each needs a fresh module graph
// and every related test, which took hours on 2 cores. The files where a missed constant is a leak (redaction
// and secret rules, with their word lists and patterns) run in stryker.leaks.config.mjs, statics included.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  plugins: ['@stryker-mutator/vitest-runner'],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 2,
  mutate: [
    'src/plan/terraform-json.ts',
    'src/plan/model.ts',
    'src/plan/policy.ts',
    'src/report/diff.ts',
    'src/report/markdown.ts',
    'src/stacks/affected.ts',
    'src/config/load.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/core/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/core/mutation.json' },
  clearTextReporter: {
    allowColor: false,
    logTests: false,
    reportTests: false,
    reportMutants: false,
    reportScoreTable: true,
  },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 10_000,
  warnings: { slow: false },
};
