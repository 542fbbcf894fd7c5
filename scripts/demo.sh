#!/usr/bin/env bash
# The README's "main job": plans every stack of examples/demo with a real engine and prints the report.
# Uses the tofu or terraform already on PATH; builds OpenTofu from source only when neither is there.
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKGATE_TOOLS="${STACKGATE_TOOLS:-$HOME/.cache/stackgate-tools}"
say() { echo "demo: $*" >&2; }

# The engine: one on PATH first, then an OpenTofu built here before, else build one.
engine=""
for candidate in tofu terraform; do
  if command -v "$candidate" >/dev/null 2>&1; then
    engine="$candidate"
    say "using $(command -v "$candidate") ($(TF_CLI_CONFIG_FILE=/dev/null "$candidate" version 2>/dev/null | head -1))"
    break
  fi
done
parts="provider"
if [ -z "$engine" ]; then
  engine="tofu"
  if [ -x "$STACKGATE_TOOLS/bin/tofu" ]; then
    say "using $STACKGATE_TOOLS/bin/tofu ($("$STACKGATE_TOOLS/bin/tofu" version | head -1)), built here before"
  else
    say "neither tofu nor terraform is on PATH: building OpenTofu from source once (about 3 to 8 minutes on"
    say "2 cores, most of it the module download; Go 1.25+ needed). Install tofu or terraform to skip this."
    parts="provider tofu"
  fi
fi

# The demo's stacks use hashicorp/local: served from a local mirror, so the demo needs no registry.
start=$(date +%s)
bash scripts/install-test-tools.sh $parts >&2
[ "$(( $(date +%s) - start ))" -lt 5 ] || say "tools ready in $(( $(date +%s) - start ))s"
[ -f dist/cli.js ] || npm run --silent build
export PATH="$PATH:$STACKGATE_TOOLS/bin"
export TF_CLI_CONFIG_FILE="$STACKGATE_TOOLS/tofurc"
# Any Node 20+ runs the CLI. Plans leave only .terraform/ folders behind (ignored by git), no state.
exec node dist/cli.js plan examples/demo --engine "$engine" "$@"
