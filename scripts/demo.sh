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
    say "using $STACKGATE_TOOLS/bin/tofu ($(TF_CLI_CONFIG_FILE=/dev/null "$STACKGATE_TOOLS/bin/tofu" version 2>/dev/null | head -1)), built here before"
  else
    say "neither tofu nor terraform is on PATH: building OpenTofu from source once (about 3 to 8 minutes on"
    say "2 cores, most of it the module download; Go 1.25+ needed). Install tofu or terraform to skip this."
    parts="provider tofu"
  fi
fi

# The demo's stacks use hashicorp/local. A mirror built here before serves it; else the engine's own registry
# (a download of a few MB); only when that is unreachable is the provider built from source into a mirror.
mirror="$STACKGATE_TOOLS/providers/registry.opentofu.org/hashicorp/local"
export TF_PLUGIN_CACHE_DIR="$STACKGATE_TOOLS/plugin-cache"
mkdir -p "$TF_PLUGIN_CACHE_DIR"
probe_registry() {
  local probe
  probe="$(mktemp -d)"
  printf 'terraform {\n  required_providers {\n    local = { source = "hashicorp/local" }\n  }\n}\n' >"$probe/main.tf"
  (cd "$probe" && PATH="$PATH:$STACKGATE_TOOLS/bin" "$engine" init -input=false -backend=false -no-color >/dev/null 2>&1)
  local status=$?
  rm -rf "$probe"
  return $status
}
if [ -d "$mirror" ] && [ "$parts" = "provider" ]; then
  export TF_CLI_CONFIG_FILE="$STACKGATE_TOOLS/tofurc"
elif [ "$parts" = "provider" ] && probe_registry; then
  say "providers come from $engine's registry"
  parts=""
else
  [ "$parts" = "provider" ] && say "$engine's registry is unreachable: building the provider from source (a few minutes)"
  export TF_CLI_CONFIG_FILE="$STACKGATE_TOOLS/tofurc"
fi
if [ -n "$parts" ]; then
  start=$(date +%s)
  # shellcheck disable=SC2086 # the parts are separate words
  bash scripts/install-test-tools.sh $parts >&2
  [ "$(( $(date +%s) - start ))" -lt 5 ] || say "tools ready in $(( $(date +%s) - start ))s"
fi
# The Ansible stack needs ansible-playbook: one on PATH, else ansible-core installed here (a venv, seconds from
# PyPI). Without python3 the demo still runs and its report says ansible-playbook is not installed.
export PATH="$PATH:$STACKGATE_TOOLS/bin"
if command -v ansible-playbook >/dev/null 2>&1; then
  say "using $(command -v ansible-playbook) ($(ansible-playbook --version 2>/dev/null | head -1))"
else
  say "ansible-playbook is not on PATH: installing ansible-core into $STACKGATE_TOOLS/ansible"
  bash scripts/install-test-tools.sh ansible >&2 || true
  command -v ansible-playbook >/dev/null 2>&1 ||
    say "ansible-playbook is still missing (python3 with venv needed): the web-hosts stack will report it is not installed"
fi
[ -f dist/cli.js ] || npm run --silent build
# Any Node 20+ runs the CLI. Plans leave only .terraform/ folders behind (ignored by git), no state.
exec node dist/cli.js plan examples/demo --engine "$engine" "$@"
