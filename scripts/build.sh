#!/usr/bin/env bash
# Bundles the action (dist/index.js) and the local CLI (dist/cli.js) with ncc. Builds beside dist/ and swaps it
# in at the end, so dist/ is never missing or half-written while something else reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d .build-XXXXXX)"
trap 'rm -rf "$out"' EXIT
# The config schema, compiled ahead of time into src/ (committed; a test checks it is current).
node scripts/schema-validator.mjs
# The action loads its larger toolkits (cache, artifacts) on first use: ncc puts each in a chunk beside
# index.js, with a licence file per chunk, merged into the one licenses.txt.
npx ncc build src/index.ts -o "$out/action" --license '[name].licenses.txt' --quiet
node scripts/merge-licenses.mjs "$out/action/licenses.txt" "$out"/action/*.licenses.txt
find "$out/action" -name '*.licenses.txt' ! -name licenses.txt -delete
npx ncc build src/cli.ts -o "$out/cli" --quiet
# The CLI is one file (dist/cli.js): a chunk of its own would be left behind.
if [ "$(find "$out/cli" -name '*.js' | wc -l)" -ne 1 ]; then
  echo "build: the CLI bundle split into chunks; dist/ keeps only cli.js" >&2
  exit 1
fi
mv "$out/action" "$out/dist"
mv "$out/cli/index.js" "$out/dist/cli.js"
chmod +x "$out/dist/cli.js"
if [ -d dist ]; then mv dist "$out/old"; fi
mv "$out/dist" dist
