#!/usr/bin/env bash
# `npm run bench`: times Stackgate's core (JSON.parse, parse + redact, comment and summary rendering) on a real
# 10,000-resource OpenTofu plan, against `tofu show -json` of the same plan. Prints a Markdown table for the
# README and writes it to bench/results.md; exits non-zero when a goal or a GitHub size limit is missed.
# Then the monorepo figure (scripts/bench-monorepo.ts): N real tofu stacks in one `command: plan` run of the
# action bundled from the current source, against a sequential init / plan -out / show -json loop, written to
# bench/monorepo.md (STACKGATE_BENCH_SIZES, default 16,24; STACKGATE_BENCH_ROUNDS, default 3). Last, the
# affected selection over 1,000 stacks and 5,000 changed files (scripts/bench-selection.ts, bench/selection.md).
#
# The planned configuration is cached under $STACKGATE_TOOLS/bench/<hash of config and tofu version>, so a
# rerun skips init and plan. Set STACKGATE_BENCH_PROFILE=<dir> to write a V8 CPU profile of the bench there.
#
# Then the secret scanner against gitleaks (scripts/bench-secrets.ts) on a generated 10,000-file repository,
# written to bench/secrets.md. gitleaks is built from the Go module proxy on first use; when that build fails,
# the comparison is skipped with a message and the rest of the bench still counts.
# `bash scripts/bench.sh secrets` runs the secret-scanning comparison alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKGATE_TOOLS="${STACKGATE_TOOLS:-$HOME/.cache/stackgate-tools}"
NODE="$STACKGATE_TOOLS/node24/bin/node"

bench_secrets() { # writes bench/secrets.md; returns non-zero when a goal is missed
  if ! bash scripts/install-test-tools.sh gitleaks >&2 || ! [ -x "$STACKGATE_TOOLS/bin/gitleaks" ]; then
    echo "bench: gitleaks is not available (its build failed, see above): secret-scanning comparison skipped" >&2
    return 0
  fi
  local out status=0
  out="$(mktemp -d)"
  npx ncc build scripts/bench-secrets.ts -o "$out" --quiet --transpile-only
  mkdir -p bench
  "$NODE" "$out/index.js" "$STACKGATE_TOOLS/bin/gitleaks" bench/secrets.md || status=$?
  rm -rf "$out"
  [ -f bench/secrets.md ] && npx prettier --log-level warn --write bench/secrets.md
  return "$status"
}

if [ "${1:-}" = secrets ]; then
  bash scripts/install-test-tools.sh node >&2
  bench_secrets
  exit
fi

bash scripts/install-test-tools.sh >&2
# The machine may point TF_CLI_CONFIG_FILE elsewhere; use the tools' own (offline provider mirror).
export TF_CLI_CONFIG_FILE="$STACKGATE_TOOLS/tofurc"
TOFU="$STACKGATE_TOOLS/bin/tofu"

# 10,000 resources: mostly terraform_data with nested inputs, a sensitive variable flowing into some, JSON
# documents in strings, and a few local_file resources (planning them writes nothing).
write_config() {
  cat >"$1/main.tf" <<'HCL'
terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "2.9.0" }
  }
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = "bench-Sup3r-s3cret"
}

locals {
  tiers = ["web", "api", "worker", "batch"]
}

resource "terraform_data" "node" {
  count = 8800
  input = {
    name   = format("node-%05d", count.index)
    tier   = local.tiers[count.index % length(local.tiers)]
    index  = count.index
    labels = { team = "platform", shard = tostring(count.index % 16), env = "bench" }
    ports  = [80, 443, 8000 + count.index % 100]
    disk   = { size_gb = 20 + count.index % 5 * 10, encrypted = true }
  }
}

# Tofu marks the connection string sensitive; `api_token` is hidden by its name.
resource "terraform_data" "db" {
  count = 600
  input = {
    name      = format("db-%04d", count.index)
    dsn       = "postgres://app:${var.db_password}@db-${count.index}.internal:5432/app"
    api_token = sha1("bench-${count.index}")
    port      = 5432
  }
  triggers_replace = [count.index]
}

# JSON in a string: rendered decoded, and scanned for secret-looking keys.
resource "terraform_data" "policy" {
  count = 400
  input = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:ListBucket"]
      Resource = ["arn:aws:s3:::bench-${count.index}", "arn:aws:s3:::bench-${count.index}/*"]
    }]
  })
}

resource "local_file" "config" {
  count    = 200
  filename = "${path.module}/out/config-${count.index}.ini"
  content  = "[app]\nid = ${count.index}\ntier = ${local.tiers[count.index % length(local.tiers)]}\n"
}

output "node_names" {
  value = terraform_data.node[*].input.name
}

output "db_dsn" {
  value     = terraform_data.db[0].input.dsn
  sensitive = true
}
HCL
}

mkdir -p "$STACKGATE_TOOLS/bench"
work="$(mktemp -d "$STACKGATE_TOOLS/bench/tmp.XXXXXX")"
bundle="$(mktemp -d)"
trap 'rm -rf "$work" "$bundle"' EXIT

write_config "$work"
hash="$( { cat "$work/main.tf"; "$TOFU" version | head -1; } | sha256sum | cut -c1-16)"
plan_dir="$STACKGATE_TOOLS/bench/$hash"

if [ -f "$plan_dir/plan.tfplan" ]; then
  echo "bench: reusing the plan in $plan_dir (planned in $(cat "$plan_dir/plan-seconds") s)" >&2
else
  echo "bench: tofu init + plan of 10,000 resources in $work (takes a minute or more)" >&2
  (cd "$work" && "$TOFU" init -input=false -no-color >init.log)
  # The graph walk is CPU-bound: a couple of workers per core keeps both busy without thrashing.
  parallelism=$(($(nproc) * 2))
  start=$(date +%s.%N)
  (cd "$work" && "$TOFU" plan -input=false -lock=false -no-color -parallelism="$parallelism" \
    -out=plan.tfplan >plan.log) || { tail -20 "$work/plan.log" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f\n", e - s }' >"$work/plan-seconds"
  echo "bench: planned in $(cat "$work/plan-seconds") s (-parallelism=$parallelism): $(grep '^Plan:' "$work/plan.log")" >&2
  # Publish the finished plan in one step, so an interrupted run never leaves a half-made cache entry.
  rm -rf "$plan_dir"
  mv "$work" "$plan_dir"
fi

# Node cannot run the project's `.js`-suffixed TypeScript imports directly: bundle the entry first.
# Transpile only: type errors are `npm run typecheck`'s to report, and must not stop a measurement.
npx ncc build scripts/bench.ts -o "$bundle" --quiet --transpile-only
node_flags=()
if [ -n "${STACKGATE_BENCH_PROFILE:-}" ]; then
  mkdir -p "$STACKGATE_BENCH_PROFILE"
  node_flags=(--cpu-prof --cpu-prof-dir="$STACKGATE_BENCH_PROFILE")
fi
mkdir -p bench
status=0
"$NODE" "${node_flags[@]}" "$bundle/index.js" "$plan_dir" "$TOFU" bench/results.md || status=$?

# The monorepo figure runs the action as the runner does, so it bundles the action from the current source, as
# `npm run build` does (the ESM toolkit does not bundle with --transpile-only).
npx ncc build src/index.ts -o "$bundle/action" --quiet
npx ncc build scripts/bench-monorepo.ts -o "$bundle/monorepo" --quiet --transpile-only
cp action.yml "$bundle/action.yml"
"$NODE" "$bundle/monorepo/index.js" "$TOFU" "$NODE" "$bundle/action/index.js" bench/monorepo.md || status=$?

# Affected selection at size: 1,000 stacks, a module graph four levels deep, 5,000 changed files.
npx ncc build scripts/bench-selection.ts -o "$bundle/selection" --quiet --transpile-only
"$NODE" "$bundle/selection/index.js" bench/selection.md || status=$?

bench_secrets || status=$?

# Keep the committed tables in the project's style (`npm run lint` checks them); the figures still count.
for table in bench/results.md bench/monorepo.md bench/selection.md; do
  [ -f "$table" ] && npx prettier --log-level warn --write "$table"
done
exit "$status"
