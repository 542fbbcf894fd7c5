#!/usr/bin/env bash
# `npm run picture`: regenerates docs/comment.png, the README's picture of a real sticky comment. Plans
# examples/demo with the real engine (the one on PATH, else the test tools' tofu), renders the comment with the
# action's own renderer, and screenshots its HTML with a headless Chromium from Debian's packages
# (`apt-get install chromium`).
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKGATE_TOOLS="${STACKGATE_TOOLS:-$HOME/.cache/stackgate-tools}"
command -v chromium >/dev/null 2>&1 || {
  echo "comment-picture: needs chromium on PATH (Debian: apt-get install chromium)" >&2
  exit 1
}
bash scripts/install-test-tools.sh provider tofu node >&2
export PATH="$PATH:$STACKGATE_TOOLS/bin"
export TF_CLI_CONFIG_FILE="$STACKGATE_TOOLS/tofurc"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npx ncc build scripts/comment-picture.ts -o "$work/bundle" --quiet --transpile-only
"$STACKGATE_TOOLS/node24/bin/node" "$work/bundle/index.js" "${STACKGATE_PICTURE_ENGINE:-auto}" "$work/comment.html"
mkdir -p docs
# Tall enough for the whole comment; the white margin below is cut by the size of the page.
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=860,1050 --screenshot="$work/comment.png" "file://$work/comment.html" >/dev/null 2>&1
cp "$work/comment.png" docs/comment.png
cp "$work/comment.md" docs/comment.md
echo "comment-picture: wrote docs/comment.png and docs/comment.md (the markdown it shows)" >&2
