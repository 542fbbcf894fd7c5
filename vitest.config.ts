import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const WORKFLOW_PARSER = '/node_modules/@actions/workflow-parser/';

export default defineConfig({
  plugins: [
    {
      // The package ships source maps pointing at sources it does not ship: load it without them.
      name: 'workflow-parser-without-source-maps',
      load(id) {
        if (!id.includes(WORKFLOW_PARSER) || !id.endsWith('.js')) return null;
        return { code: readFileSync(id, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, ''), map: null };
      },
    },
  ],
  test: {
    include: ['__tests__/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // End-to-end tests spawn real tofu; two cores are the machine's limit.
    maxWorkers: 2,
    // @actions/workflow-parser imports its schema JSON without an import attribute, which Node refuses;
    // vite's transform handles it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
