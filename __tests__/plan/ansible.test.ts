// The pure side of Ansible plans: the callback document parsed into the plan model, error blocks at file and
// line, and redaction of vaulted plaintexts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CALLBACK_SOURCE } from '../../src/engines/ansible/callback.js';
import {
  ansibleErrors,
  ansibleLintFindings,
  ansiblePlan,
  redactText,
  stableDiff,
  type AnsibleRunDocument,
} from '../../src/plan/ansible.js';

const document: AnsibleRunDocument = {
  version: 1,
  results: [
    {
      task: 'motd',
      action: 'ansible.builtin.copy',
      host: 'web1',
      status: 'changed',
      file: '/repo/ansible/site.yml',
      line: 5,
      diff: '--- before: /etc/motd\n+++ after: /etc/motd\n@@ -1 +1 @@\n-old\n+new hunter2pass\n',
    },
    {
      task: 'motd',
      action: 'ansible.builtin.copy',
      host: 'web2',
      status: 'ok',
      file: '/repo/ansible/site.yml',
      line: 5,
    },
    {
      task: 'secret',
      action: 'ansible.builtin.copy',
      host: 'web1',
      status: 'changed',
      no_log: true,
      diff: 'x',
    },
    {
      task: 'pkg',
      action: 'ansible.builtin.apt',
      host: 'web2',
      status: 'failed',
      file: '/repo/ansible/site.yml',
      line: 9,
      msg: 'no hunter2pass',
    },
  ],
  hosts: {},
  secrets: ['hunter2pass', 'ab'],
};

describe('Ansible plan model', () => {
  it('makes each changed task-host pair a change, a failed one an error at the task line', () => {
    const plan = ansiblePlan(document, { workspace: '/repo' });
    expect(plan.tasks).toEqual({ changed: 2, ok: 1, failed: 1, skipped: 0, unreachable: 0, hosts: 2 });
    expect(plan.counts.change).toBe(2);
    expect(plan.changes.map((change) => change.address)).toEqual(['web1: motd', 'web1: secret']);
    expect(plan.changes[0]!.textDiff).toBe(
      '# web1: motd — ansible.builtin.copy (ansible/site.yml:5)\n--- before: /etc/motd\n+++ after: /etc/motd\n@@ -1 +1 @@\n-old\n+new (sensitive value)',
    );
    expect(plan.changes[1]!.textDiff).toContain('(diff hidden: the task sets no_log)');
    expect(plan.diagnostics).toEqual([
      {
        severity: 'error',
        summary: 'Task “pkg” failed on host web2',
        detail: 'no (sensitive value)',
        file: 'ansible/site.yml',
        line: 9,
      },
    ]);
    expect(plan.redactedCount).toBe(2);
    // Too short to hide without hiding ordinary words.
    expect(plan.secrets).toEqual(['hunter2pass']);
  });

  it('redacts the longest secret first', () => {
    expect(redactText('a=abcdef b=abc', ['abc', 'abcdef'])).toBe('a=(sensitive value) b=(sensitive value)');
  });

  it('counts only diffs that hid a value as redacted', () => {
    const plan = ansiblePlan(
      {
        version: 1,
        hosts: {},
        secrets: ['hunter2pass'],
        results: [
          {
            task: 't',
            action: 'ansible.builtin.template',
            host: 'h',
            status: 'changed',
            diff: '--- before\n+++ after: /root/.ansible/tmp/ansible-local-1a/tmpb/t.j2\n@@ -0,0 +1 @@\n+x\n',
          },
        ],
      },
      { workspace: '/repo' },
    );
    expect(plan.redactedCount).toBe(0);
    expect(plan.changes[0]!.textDiff).toContain('+++ after: t.j2');
  });

  it('drops the temporary folder of a rendered template from the diff header', () => {
    expect(
      stableDiff('--- before\n+++ after: /root/.ansible/tmp/ansible-local-2087kuj/tmps2en0/db.conf.j2\n'),
    ).toBe('--- before\n+++ after: db.conf.j2\n');
  });

  it('reads [ERROR] blocks at their origin and never copies the code frame', () => {
    const stderr =
      '[ERROR]: YAML parsing failed: While parsing a block mapping did not find expected key.\nOrigin: /repo/ansible/site.yml:8:8\n\n6       copy:\n8        content: s3cret\n         ^ column 8\n';
    expect(ansibleErrors(stderr, '/repo')).toEqual([
      {
        severity: 'error',
        summary: 'YAML parsing failed: While parsing a block mapping did not find expected key.',
        file: 'ansible/site.yml',
        line: 8,
        column: 8,
      },
    ]);
  });

  it('embeds the callback plugin exactly as the Python file in the repository', () => {
    const file = readFileSync(new URL('../../src/engines/ansible/stackgate.py', import.meta.url), 'utf8');
    expect(CALLBACK_SOURCE).toBe(file);
  });
});

describe('ansible-lint findings', () => {
  const report = JSON.stringify([
    {
      check_name: 'no-changed-when',
      description: 'Commands should not change things if nothing needs doing.',
      url: 'https://example.invalid/rules/no-changed-when/',
      location: { path: 'site.yml', lines: { begin: 15 } },
    },
    {
      check_name: 'fqcn[action-core]',
      description: 'Use FQCN for shell (token hunter2).',
      location: { path: 'roles/web/tasks/main.yml', positions: { begin: { line: 4, column: 7 } } },
    },
    {
      check_name: 'outside',
      description: 'x',
      location: { path: '../../etc/elsewhere.yml', lines: { begin: 1 } },
    },
    'not an issue',
  ]);

  it('places each finding as a warning at its repository path and line, redacting secrets', () => {
    const found = ansibleLintFindings(report, '/ws/ansible', '/ws', ['hunter2']);
    expect(found).toEqual([
      {
        severity: 'warning',
        summary: 'ansible-lint no-changed-when: Commands should not change things if nothing needs doing.',
        detail: 'See https://example.invalid/rules/no-changed-when/',
        file: 'ansible/site.yml',
        line: 15,
      },
      {
        severity: 'warning',
        summary: 'ansible-lint fqcn[action-core]: Use FQCN for shell (token (sensitive value)).',
        file: 'ansible/roles/web/tasks/main.yml',
        line: 4,
        column: 7,
      },
      { severity: 'warning', summary: 'ansible-lint outside: x', line: 1 },
    ]);
  });

  it('gives nothing for output that is not a report', () => {
    expect(ansibleLintFindings('WARNING: oops', '/ws/a', '/ws', [])).toEqual([]);
    expect(ansibleLintFindings('{"a":1}', '/ws/a', '/ws', [])).toEqual([]);
  });
});
