#!/usr/bin/env bash
# Fails when the committed dist/ is not what src/ builds to.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
# The bundle's third-party licences ship beside it (ncc --license); a release without them is incomplete.
if [ ! -s dist/licenses.txt ]; then
  echo "dist/licenses.txt is missing: run 'npm run build' and commit dist/." >&2
  exit 1
fi
if [ -n "$(git status --porcelain -- dist src/config/schema-validator.js)" ]; then
  echo "dist/ is stale: run 'npm run build' and commit dist/ (and src/config/schema-validator.js)." >&2
  git status --short -- dist src/config/schema-validator.js >&2
  git --no-pager diff --stat -- dist >&2
  exit 1
fi
echo "dist/ is up to date"
