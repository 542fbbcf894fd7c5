#!/usr/bin/env bash
# `npm run mutation`: StrykerJS over the pure core with the fast unit tests (vitest.mutation.config.ts) on
# Node 24 (vitest 5 needs Node >= 22.12), 2 workers, in two runs: stryker.config.mjs (plan parsing, policies,
# rendering, affected stacks, config loading; static mutants not scored) and stryker.leaks.config.mjs
# (redaction and secret rules, every mutant scored). Merges their reports into reports/mutation/mutation.json
# and mutation.html, then fails when a file's score is below the one recorded in mutation-scores.json
# (scripts/mutation-check.ts). Too slow for CI: run it before each release (see the README).
#
#   npm run mutation                              every core file, checked against mutation-scores.json
#   npm run mutation -- src/plan/redact.ts        only the files named (the others are not checked)
#   npm run mutation -- --record                  check, then record the new scores (never lower) and
#                                                 rewrite the README table
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKGATE_TOOLS="${STACKGATE_TOOLS:-$HOME/.cache/stackgate-tools}"
NODE="$STACKGATE_TOOLS/node24/bin/node"
[ -x "$NODE" ] || bash scripts/install-test-tools.sh >&2
[ -d node_modules ] || npm ci

check_args=()
files=()
for arg in "$@"; do
  case "$arg" in
    --record) check_args+=(--record) ;;
    -*) echo "mutation: unknown option $arg" >&2 && exit 2 ;;
    *) files+=("$arg") ;;
  esac
done

mutated() { "$NODE" --input-type=module -e "console.log((await import('./$1')).default.mutate.join('\n'))"; }
core=()
leaks=()
if [ "${#files[@]}" -eq 0 ]; then
  mapfile -t core < <(mutated stryker.config.mjs)
  mapfile -t leaks < <(mutated stryker.leaks.config.mjs)
else
  check_args+=(--partial)
  mapfile -t known_leaks < <(mutated stryker.leaks.config.mjs)
  mapfile -t known_core < <(mutated stryker.config.mjs)
  for file in "${files[@]}"; do
    if printf '%s\n' "${known_leaks[@]}" | grep -qxF "$file"; then leaks+=("$file")
    elif printf '%s\n' "${known_core[@]}" | grep -qxF "$file"; then core+=("$file")
    else echo "mutation: $file is in neither stryker.config.mjs nor stryker.leaks.config.mjs" >&2 && exit 2
    fi
  done
fi

rm -rf reports/mutation
stryker() {
  local IFS=,
  "$NODE" node_modules/@stryker-mutator/core/bin/stryker.js run "$1" --mutate "${*:2}"
}
[ "${#core[@]}" -eq 0 ] || stryker stryker.config.mjs "${core[@]}"
[ "${#leaks[@]}" -eq 0 ] || stryker stryker.leaks.config.mjs "${leaks[@]}"
"$NODE" scripts/mutation-check.ts "${check_args[@]}"
if [[ " ${check_args[*]} " == *" --record "* ]]; then
  npx prettier --log-level warn --write README.md mutation-scores.json
fi
