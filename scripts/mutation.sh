#!/usr/bin/env bash
# `npm run mutation`: StrykerJS over the pure core (stryker.config.mjs) with the fast unit tests
# (vitest.mutation.config.ts) on Node 24 (vitest 5 needs Node >= 22.12), 2 workers. Writes
# reports/mutation/mutation.html and mutation.json, then fails when a file's score is below the one recorded in
# mutation-scores.json (scripts/mutation-check.ts). Too slow for CI (about 20 minutes on 2 cores): run it
# before each release.
#
#   npm run mutation                                   every core file, checked against mutation-scores.json
#   npm run mutation -- --mutate src/plan/redact.ts    one file while raising its tests (others not checked)
#   npm run mutation -- --record                       check, then record the new scores (never lower) and
#                                                      rewrite the README table
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKGATE_TOOLS="${STACKGATE_TOOLS:-$HOME/.cache/stackgate-tools}"
NODE="$STACKGATE_TOOLS/node24/bin/node"
[ -x "$NODE" ] || bash scripts/install-test-tools.sh >&2
[ -d node_modules ] || npm ci

check_args=()
stryker_args=()
for arg in "$@"; do
  case "$arg" in
    --record) check_args+=(--record) ;;
    --mutate | --mutate=* | -m) check_args+=(--partial) stryker_args+=("$arg") ;;
    *) stryker_args+=("$arg") ;;
  esac
done

rm -f reports/mutation/mutation.json
"$NODE" node_modules/@stryker-mutator/core/bin/stryker.js run "${stryker_args[@]}"
"$NODE" scripts/mutation-check.ts "${check_args[@]}"
if [[ " ${check_args[*]} " == *" --record "* ]]; then
  npx prettier --log-level warn --write README.md mutation-scores.json
fi
