#!/usr/bin/env bash
# Bundles the action (dist/index.js) and the local CLI (dist/cli.js) with ncc.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist .build-cli
npx ncc build src/index.ts -o dist --license licenses.txt --quiet
npx ncc build src/cli.ts -o .build-cli --quiet
mv .build-cli/index.js dist/cli.js
rm -rf .build-cli
chmod +x dist/cli.js
