# Stackgate's stdout callback for ansible-playbook (ansible-core 2.15 and later, 2.19 included).
# It records every task result per host (status, the diff as unified text, the task's file and line) and writes
# one JSON document to the file named by STACKGATE_ANSIBLE_RESULT when the play ends. It also collects the
# plaintext of vaulted values (inline !vault and vault-encrypted files) so Stackgate can hide them in reports.
# stdout gets one line per result without values, for the run log.
from __future__ import annotations

DOCUMENTATION = """
name: stackgate
type: stdout
short_description: per-task, per-host results as one JSON file for Stackgate
description: Writes task results, diffs and vaulted plaintexts to the file in STACKGATE_ANSIBLE_RESULT.
"""

import json
import os
import sys

from ansible.plugins.callback import CallbackBase

try:  # 2.19: vaulted values are EncryptedString objects or strings tagged VaultedValue
    from ansible.parsing.vault import EncryptedString  # type: ignore
except ImportError:  # pragma: no cover - older cores
    EncryptedString = None
try:
    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode  # type: ignore
except ImportError:  # pragma: no cover
    AnsibleVaultEncryptedUnicode = None
try:
    from ansible._internal._datatag._tags import VaultedValue  # type: ignore
except ImportError:  # pragma: no cover
    VaultedValue = None

MAX_DIFF = 256 * 1024
MAX_VAULT_FILE = 1024 * 1024


def _is_vaulted(value):
    if EncryptedString is not None and isinstance(value, EncryptedString):
        return True
    if AnsibleVaultEncryptedUnicode is not None and isinstance(value, AnsibleVaultEncryptedUnicode):
        return True
    if VaultedValue is not None:
        try:
            return VaultedValue.is_tagged_on(value)
        except Exception:
            return False
    return False


def _plain(value):
    try:
        return str(value)
    except Exception:  # undecryptable: nothing to hide, it never reaches a report in plaintext
        return None


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'stackgate'

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._results = []
        self._secrets = set()
        self._warnings = []
        self._play = None
        self._scanned_hosts = set()
        self._scanned_dirs = set()

    # ---- secrets --------------------------------------------------------------------------------------

    def _collect(self, value, inside_vault=False, depth=0):
        if depth > 40:
            return
        vaulted = inside_vault or _is_vaulted(value)
        if isinstance(value, dict):
            for item in value.values():
                self._collect(item, vaulted, depth + 1)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self._collect(item, vaulted, depth + 1)
        elif vaulted:
            text = _plain(value)
            if text:
                self._secrets.add(text)
                for line in text.splitlines():
                    if line.strip():
                        self._secrets.add(line.strip())

    def _scan_vault_files(self, folder):
        folder = os.path.realpath(folder)
        if folder in self._scanned_dirs or not os.path.isdir(folder):
            return
        self._scanned_dirs.add(folder)
        try:
            from ansible.parsing.vault import VaultLib, VaultSecretsContext  # type: ignore
            secrets = VaultSecretsContext.current().secrets
        except Exception:
            try:
                from ansible.parsing.vault import VaultLib  # type: ignore
                secrets = self._play._loader._vault.secrets  # type: ignore[union-attr]
            except Exception:
                return
        if not secrets:
            return
        vault = VaultLib(secrets=secrets)
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith('.') and d != 'node_modules']
            for name in files:
                path = os.path.join(root, name)
                try:
                    if os.path.getsize(path) > MAX_VAULT_FILE:
                        continue
                    with open(path, 'rb') as handle:
                        data = handle.read()
                    if not data.startswith(b'$ANSIBLE_VAULT;'):
                        continue
                    plaintext = vault.decrypt(data).decode('utf-8', 'replace')
                except Exception:
                    continue
                try:
                    import yaml  # PyYAML ships with ansible-core

                    self._collect(yaml.safe_load(plaintext), True)
                except Exception:
                    self._collect(plaintext, True)

    def _scan_host(self, host):
        name = host.get_name()
        if name in self._scanned_hosts or self._play is None:
            return
        self._scanned_hosts.add(name)
        try:
            manager = self._play.get_variable_manager()
            self._collect(manager.get_vars(play=self._play, host=host))
        except Exception as error:  # never let secret hunting break a run
            self._warnings.append('could not inspect the variables of %s: %s' % (name, error))

    # ---- results --------------------------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        self._scan_vault_files(os.path.dirname(os.path.abspath(playbook._file_name)))

    def v2_playbook_on_play_start(self, play):
        self._play = play
        try:
            for source in play.get_variable_manager()._inventory._sources:  # type: ignore[attr-defined]
                self._scan_vault_files(source if os.path.isdir(source) else os.path.dirname(source))
        except Exception:
            pass

    def _record(self, result, status):
        task = result._task
        host = result._host
        self._scan_host(host)
        data = result._result
        no_log = bool(data.get('_ansible_no_log')) or bool(getattr(task, 'no_log', False)) or 'censored' in data
        path = task.get_path() or ''
        file, _, line = path.rpartition(':')
        entry = {
            'task': task.get_name() or task.action,
            'action': task.action,
            'host': host.get_name(),
            'status': status,
            'changed': bool(data.get('changed')) and status in ('ok', 'changed'),
            'file': file or path,
            'line': int(line) if line.isdigit() else None,
            'no_log': no_log,
        }
        if data.get('_ansible_item_label') is not None and not no_log:
            entry['item'] = str(data.get('_ansible_item_label'))
        if not no_log:
            diff = data.get('diff')
            if diff:
                text = self._get_diff(diff)
                if text:
                    entry['diff'] = text[:MAX_DIFF]
            msg = data.get('msg') or data.get('stderr') or data.get('reason')
            if msg and status in ('failed', 'unreachable'):
                entry['msg'] = str(msg)[:4000]
        elif status in ('failed', 'unreachable'):
            entry['msg'] = 'the output has been hidden (no_log: true)'
        if entry['changed']:
            entry['status'] = 'changed'
        self._results.append(entry)
        self._display.display('%s | %s | %s' % (entry['status'], entry['host'], entry['task']))

    def v2_runner_on_ok(self, result):
        if result._result.get('results') is not None:  # a loop: its items were recorded one by one
            if any(r.get('changed') for r in result._result['results']):
                return
            if result._result.get('results'):
                return
        self._record(result, 'ok')

    def v2_runner_item_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_item_on_failed(self, result):
        self._record(result, 'failed')

    def v2_runner_item_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if result._result.get('results'):
            return
        self._record(result, 'ok' if ignore_errors else 'failed')

    def v2_runner_on_skipped(self, result):
        if result._result.get('results'):
            return
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for name in sorted(stats.processed.keys()):
            hosts[name] = stats.summarize(name)
        try:
            from ansible.release import __version__ as ansible_version
        except ImportError:  # pragma: no cover
            ansible_version = None
        document = {
            'version': 1,
            'ansible_version': ansible_version,
            'results': self._results,
            'hosts': hosts,
            'secrets': sorted(self._secrets),
            'warnings': self._warnings,
        }
        target = os.environ.get('STACKGATE_ANSIBLE_RESULT')
        text = json.dumps(document)
        if target:
            with open(target, 'w', encoding='utf-8') as handle:
                handle.write(text)
        else:
            sys.stdout.write(text + '\n')
