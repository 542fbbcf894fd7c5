#!/usr/bin/env bash
# The README's test command: installs the real test tools when missing, rebuilds dist/, and runs the suite on
# Node 24 (the runtime action.yml declares) with the real tofu on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKGATE_TOOLS="${STACKGATE_TOOLS:-$HOME/.cache/stackgate-tools}"
bash scripts/install-test-tools.sh
[ -d node_modules ] || npm ci
npm run --silent build
export PATH="$STACKGATE_TOOLS/bin:$PATH"
export TF_CLI_CONFIG_FILE="$STACKGATE_TOOLS/tofurc"
results="$(mktemp)"
status=0
"$STACKGATE_TOOLS/node24/bin/node" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json \
  --outputFile.json="$results" "$@" || status=$?
# One plain closing line with the counts, whatever reporter is in use.
"$STACKGATE_TOOLS/node24/bin/node" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" || true
rm -f "$results"
exit "$status"
