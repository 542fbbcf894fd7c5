// A fake `tofu` for fault tests: a bash script placed first on PATH. Stacks whose env sets STACKGATE_FAKE get a
// misbehaving engine (crash, hang, flood, bad bytes, odd plan JSON); every other stack is handed to the real tofu,
// so one run mixes real plans and a broken one. Everything the fake starts carries `marker` on its command line,
// so a test can look for leftovers with `pgrep -f marker`.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What the fake does for a stack with `env: { STACKGATE_FAKE: <mode> }`. */
export type FakeMode =
  | 'segv' // plan: the engine kills itself with SIGSEGV
  | 'hang' // plan: sleeps 600 s in the foreground
  | 'hang-stubborn' // plan: starts a provider-like child that ignores SIGTERM and holds no pipe, then sleeps
  | 'flood' // plan: 10 MB of output, then fails
  | 'bad-bytes' // plan: bytes that are not UTF-8, then fails
  | 'format-version' // show -json: {"format_version":"9.0"}
  | 'not-json' // show -json: text that is not JSON
  | 'odd-shape'; // show -json: format 1.x, but resource_changes is not a list

export interface FakeEngine {
  /** Folder holding `tofu`: put it first on PATH. */
  bin: string;
  /** Unique text on the command line of every process the fake starts. */
  marker: string;
  remove(): void;
}

export const FLOOD_BYTES = 10 * 1024 * 1024;

function script(realTofu: string, bin: string): string {
  return `#!/usr/bin/env bash
# Fake tofu for Stackgate's bad-input tests.
mode="\${STACKGATE_FAKE:-}"
if [ -z "$mode" ]; then exec ${JSON.stringify(realTofu)} "$@"; fi
nap=${JSON.stringify(path.join(bin, 'nap'))}
case "$1" in
  version|-version|--version)
    echo "OpenTofu v1.9.0"
    echo "on linux_amd64"
    exit 0 ;;
  init)
    echo '{"@level":"info","@message":"OpenTofu has been successfully initialized!","type":"init_output"}'
    exit 0 ;;
  fmt|workspace)
    exit 0 ;;
  validate)
    echo '{"format_version":"1.0","valid":true,"error_count":0,"warning_count":0,"diagnostics":[]}'
    exit 0 ;;
  plan)
    out=""
    for arg in "$@"; do
      case "$arg" in -out=*) out="\${arg#-out=}" ;; esac
    done
    case "$mode" in
      segv)
        echo '{"@level":"info","@message":"Planning...","type":"log"}'
        kill -SEGV $$ ;;
      hang)
        "$nap" 600
        exit 1 ;;
      hang-stubborn)
        ( trap '' TERM; exec "$nap" 600 ) </dev/null >/dev/null 2>&1 &
        "$nap" 600
        exit 1 ;;
      flood)
        yes 'fake engine output line, over and over, to flood the log' | head -c ${FLOOD_BYTES}
        echo
        echo 'Error: the fake engine gave up after flooding its output' >&2
        exit 1 ;;
      bad-bytes)
        printf 'Error: bad bytes \\xff\\xfe\\xc3\\x28 in \\x80\\x81 output\\n'
        printf 'Error: bad bytes \\xff\\xfe\\xc3\\x28 in \\x80\\x81 output\\n' >&2
        exit 1 ;;
    esac
    printf 'fake plan' > "$out"
    echo '{"@level":"info","@message":"Plan: 1 to add, 0 to change, 0 to destroy.","type":"change_summary","changes":{"add":1,"change":0,"import":0,"remove":0,"operation":"plan"}}'
    exit 2 ;;
  show)
    case "$mode" in
      format-version) echo '{"format_version":"9.0"}' ;;
      not-json) echo '<html><body>502 Bad Gateway</body></html>' ;;
      odd-shape) echo '{"format_version":"1.2","terraform_version":"1.9.0","resource_changes":"nope","planned_values":{}}' ;;
      *) echo '{"format_version":"1.2","terraform_version":"1.9.0","planned_values":{},"resource_changes":[]}' ;;
    esac
    exit 0 ;;
esac
echo "fake tofu: unexpected command: $*" >&2
exit 1
`;
}

export function createFakeEngine(realTofu: string): FakeEngine {
  const root = mkdtempSync(path.join(os.tmpdir(), 'stackgate-fake-engine-'));
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  // `nap` is sleep under a name inside the marked folder, so its command line carries the marker.
  symlinkSync('/usr/bin/sleep', path.join(bin, 'nap'));
  const tofu = path.join(bin, 'tofu');
  writeFileSync(tofu, script(realTofu, bin));
  chmodSync(tofu, 0o755);
  return { bin, marker: root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
