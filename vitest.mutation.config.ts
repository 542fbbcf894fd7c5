// The fast unit tests only (no e2e, no stand-in, no real tofu): what `npm run mutation` runs against each mutant.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      '__tests__/plan/**/*.test.ts',
      '__tests__/report/**/*.test.ts',
      '__tests__/stacks/**/*.test.ts',
      '__tests__/config/**/*.test.ts',
      '__tests__/scan/**/*.test.ts',
      '__tests__/commands/**/*.test.ts',
    ],
    testTimeout: 30_000,
  },
});
