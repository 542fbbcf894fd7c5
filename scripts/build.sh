#!/usr/bin/env bash
# Bundles the action (dist/index.js) and the local CLI (dist/cli.js) with ncc. Builds beside dist/ and swaps it
# in at the end, so dist/ is never missing or half-written while something else reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d .build-XXXXXX)"
trap 'rm -rf "$out"' EXIT
npx ncc build src/index.ts -o "$out/action" --license licenses.txt --quiet
npx ncc build src/cli.ts -o "$out/cli" --quiet
mv "$out/action" "$out/dist"
mv "$out/cli/index.js" "$out/dist/cli.js"
chmod +x "$out/dist/cli.js"
if [ -d dist ]; then mv dist "$out/old"; fi
mv "$out/dist" dist
