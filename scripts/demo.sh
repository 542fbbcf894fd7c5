#!/usr/bin/env bash
# The README's "main job": plans every stack of examples/demo with the real tofu and prints the report.
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKGATE_TOOLS="${STACKGATE_TOOLS:-$HOME/.cache/stackgate-tools}"
bash scripts/install-test-tools.sh >&2
[ -f dist/cli.js ] || npm run --silent build
export PATH="$STACKGATE_TOOLS/bin:$PATH"
export TF_CLI_CONFIG_FILE="$STACKGATE_TOOLS/tofurc"
exec "$STACKGATE_TOOLS/node24/bin/node" dist/cli.js plan examples/demo "$@"
