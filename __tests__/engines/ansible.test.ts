// The Ansible engine against the real ansible-playbook: localhost with ansible_connection=local, changing files
// in a temporary folder. Plan shows the diff and changes nothing; apply changes the files; vaulted values and
// the vault password never reach a result; a syntax error is reported at its line.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ansibleEngine } from '../../src/engines/ansible.js';
import type { EngineContext } from '../../src/engines/types.js';
import type { Stack } from '../../src/stacks/discover.js';
import { renderComment } from '../../src/report/markdown.js';

const VAULT_PASSWORD = 'correct-horse-battery-staple';
const SECRET = 'Sup3rS3cretDbPass';

let workspace: string;
let target: string;
let context: EngineContext;

function write(files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
    writeFileSync(path.join(workspace, file), text);
  }
}

/** An inline `!vault` value encrypted by the real ansible-vault. */
function vaulted(name: string, value: string): string {
  const passwordFile = path.join(workspace, '..', 'vault-pass');
  writeFileSync(passwordFile, VAULT_PASSWORD);
  return execFileSync(
    'ansible-vault',
    ['encrypt_string', '--vault-password-file', passwordFile, value, '--name', name],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
}

function stack(overrides: Partial<NonNullable<Stack['ansible']>> = {}): Stack {
  return {
    name: 'hosts',
    path: 'ansible',
    workspace: 'default',
    varFiles: [],
    env: {},
    whenModified: [],
    ansible: {
      playbook: 'site.yml',
      inventory: 'inventory.ini',
      tags: [],
      extraVarsFiles: [],
      checkArgs: [],
      vaultPasswordEnv: 'VAULT_PASS',
      ...overrides,
    },
  };
}

const PLAYBOOK = `- name: configure
  hosts: all
  gather_facts: false
  tasks:
    - name: message of the day
      ansible.builtin.copy:
        dest: "{{ target_dir }}/motd"
        content: "welcome to {{ site_name }}\\n"
    - name: database settings
      ansible.builtin.template:
        src: templates/db.conf.j2
        dest: "{{ target_dir }}/db.conf"
    - name: hidden settings
      ansible.builtin.copy:
        dest: "{{ target_dir }}/hidden.conf"
        content: "token={{ db_password }}\\n"
      no_log: true
    - name: only on debian
      ansible.builtin.debug:
        msg: never
      when: false
`;

beforeEach(() => {
  const root = mkdtempSync(path.join(tmpdir(), 'sg-ansible-'));
  workspace = path.join(root, 'repo');
  target = path.join(root, 'target');
  mkdirSync(workspace);
  mkdirSync(target);
  writeFileSync(path.join(target, 'motd'), 'welcome to the old site\n');
  write({
    'ansible/site.yml': PLAYBOOK,
    'ansible/templates/db.conf.j2': 'host=db.internal\npassword={{ db_password }}\n',
    'ansible/inventory.ini': `localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}" target_dir=${target}\n`,
  });
  write({ 'ansible/group_vars/all.yml': `site_name: example.test\n${vaulted('db_password', SECRET)}` });
  context = {
    workspace,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, VAULT_PASS: VAULT_PASSWORD },
    tempDir: path.join(root, 'tmp'),
  };
});

const salt = { repository: 'octo/infra', pullNumber: 7 };

// Each ansible-playbook start costs seconds on a busy machine; apply runs three.
describe('Ansible engine (real ansible-playbook)', { timeout: 300_000 }, () => {
  it('is available when ansible-playbook is on PATH', async () => {
    expect(await ansibleEngine().available()).toBe(true);
  });

  it('plans with check mode: per task-host results and unified diffs, nothing changed on the host', async () => {
    const result = await ansibleEngine().plan(stack(), context, salt);
    expect(result.message).toBeUndefined();
    expect(result.status).toBe('planned');
    const plan = result.plan!;
    expect(plan.tasks).toEqual({ changed: 3, ok: 0, failed: 0, skipped: 1, unreachable: 0, hosts: 1 });
    expect(plan.counts.change).toBe(3);
    expect(plan.engineVersion).toMatch(/^2\.19\./);
    const motd = plan.changes.find((change) => change.address === 'localhost: message of the day')!;
    expect(motd.textDiff).toContain('-welcome to the old site\n+welcome to example.test');
    expect(motd.textDiff).toContain('(ansible/site.yml:5)');
    // Check mode changed nothing.
    expect(readFileSync(path.join(target, 'motd'), 'utf8')).toBe('welcome to the old site\n');
    expect(existsSync(path.join(target, 'db.conf'))).toBe(false);
    expect(result.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);

    const body = renderComment({
      command: 'plan',
      header: '',
      repository: 'octo/infra',
      sha: 'abc',
      stacks: [
        { name: 'hosts', path: 'ansible', engine: 'ansible', status: result.status, plan, diagnostics: [] },
      ],
    }).body;
    expect(body).toContain('| hosts | ansible | 0 | 3 | 0 | 0 | 📝 changes |');
    expect(body).toContain('3 changed, 0 ok, 1 skipped on 1 host');
    expect(body).toContain('+welcome to example.test');
    expect(body).toContain('(diff hidden: the task sets no_log)');
  });

  it('never lets a vaulted value or the vault password reach the plan, and shows (sensitive value)', async () => {
    const result = await ansibleEngine().plan(stack(), context, salt);
    const plan = result.plan!;
    const db = plan.changes.find((change) => change.address === 'localhost: database settings')!;
    expect(db.textDiff).toContain('+password=(sensitive value)');
    const visible = JSON.stringify({ ...plan, secrets: [] }) + JSON.stringify(result.diagnostics);
    expect(visible).not.toContain(SECRET);
    expect(visible).not.toContain(VAULT_PASSWORD);
    // The raw values are handed over for masking in the log, and nothing else.
    expect(plan.secrets).toContain(SECRET);
    expect(plan.secrets).toContain(VAULT_PASSWORD);
    expect(plan.redactedCount).toBeGreaterThanOrEqual(2);
    // No plan file or temporary file holds the password.
    const record = readFileSync(result.planFile!, 'utf8');
    expect(record).not.toContain(VAULT_PASSWORD);
    expect(record).not.toContain(SECRET);
  });

  it('hides values from a vault-encrypted file too', async () => {
    const passwordFile = path.join(workspace, '..', 'vault-pass');
    write({
      'ansible/host_vars/localhost.yml': 'api_token: FileVaultToken123\n',
      'ansible/group_vars/all.yml': 'site_name: "{{ api_token }}"\ndb_password: plainpass\n',
    });
    execFileSync(
      'ansible-vault',
      ['encrypt', '--vault-password-file', passwordFile, 'ansible/host_vars/localhost.yml'],
      {
        cwd: workspace,
        stdio: 'ignore',
      },
    );
    const result = await ansibleEngine().plan(stack(), context, salt);
    expect(result.status).toBe('planned');
    const motd = result.plan!.changes.find((change) => change.address === 'localhost: message of the day')!;
    expect(motd.textDiff).toContain('+welcome to (sensitive value)');
    expect(JSON.stringify({ ...result.plan, secrets: [] })).not.toContain('FileVaultToken123');
  });

  it('applies for real after confirming the hosts still match the reviewed plan', async () => {
    const engine = ansibleEngine();
    const planned = await engine.plan(stack(), context, salt);
    const applied = await engine.apply(stack(), context, planned.planFile!);
    expect(applied.message).toBeUndefined();
    expect(applied.status).toBe('applied');
    expect(applied.applied).toEqual([
      'localhost: message of the day',
      'localhost: database settings',
      'localhost: hidden settings',
    ]);
    expect(readFileSync(path.join(target, 'motd'), 'utf8')).toBe('welcome to example.test\n');
    expect(readFileSync(path.join(target, 'db.conf'), 'utf8')).toBe(`host=db.internal\npassword=${SECRET}\n`);
    // Planning again: nothing left to change.
    const again = await engine.plan(stack(), context, salt);
    expect(again.status).toBe('no-changes');
    expect(again.plan!.tasks).toMatchObject({ changed: 0, ok: 3, skipped: 1 });
  });

  it('refuses to apply when a host changed since the plan was reviewed', async () => {
    const engine = ansibleEngine();
    const planned = await engine.plan(stack(), context, salt);
    writeFileSync(path.join(target, 'motd'), 'edited by hand\n');
    const applied = await engine.apply(stack(), context, planned.planFile!);
    expect(applied.status).toBe('errored');
    expect(applied.message).toContain('no longer match the reviewed plan');
    expect(readFileSync(path.join(target, 'motd'), 'utf8')).toBe('edited by hand\n');
  });

  it('makes a failed task an error naming the task and host, at the task line', async () => {
    write({
      'ansible/site.yml': `- hosts: all
  gather_facts: false
  tasks:
    - name: needs a missing file
      ansible.builtin.copy:
        src: files/missing.txt
        dest: "{{ target_dir }}/x"
`,
    });
    const result = await ansibleEngine().plan(stack(), context, salt);
    expect(result.status).toBe('errored');
    const error = result.plan!.diagnostics.find((d) => d.severity === 'error')!;
    expect(error.summary).toBe('Task “needs a missing file” failed on host localhost');
    expect(error).toMatchObject({ file: 'ansible/site.yml', line: 4 });
    expect(result.message).toContain('needs a missing file');
  });

  it('makes an unreachable host an error naming it', async () => {
    write({
      'ansible/inventory.ini':
        'ghost.invalid ansible_host=203.0.113.1 target_dir=/nonexistent ansible_connection=ssh ansible_ssh_common_args="-o ConnectTimeout=1"\n',
    });
    const result = await ansibleEngine().plan(stack(), context, salt);
    expect(result.status).toBe('errored');
    expect(result.plan!.tasks!.unreachable).toBe(1);
    expect(result.plan!.diagnostics[0]!.summary).toBe(
      'Task “message of the day” could not reach host ghost.invalid',
    );
  });

  it('reports a syntax error at its file and line in validate and in plan, without the source text', async () => {
    write({
      'ansible/site.yml': `- hosts: all
  tasks:
    - name: fine
      ansible.builtin.debug:
        msg: "{{ db_password }}"
    - name: broken
      ansible.builtin.copy:
        dest: /tmp/x
       content: bad
`,
    });
    const checked = await ansibleEngine().check(stack(), context, { validate: true });
    expect(checked.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', file: 'ansible/site.yml', line: 9, column: 8 }),
    ]);
    expect(checked.diagnostics[0]!.summary).toContain('YAML parsing failed');
    expect(JSON.stringify(checked)).not.toContain('content: bad');
    const planned = await ansibleEngine().plan(stack(), context, salt);
    expect(planned.status).toBe('errored');
    expect(planned.diagnostics[0]).toMatchObject({ file: 'ansible/site.yml', line: 9 });
  });

  it('says clearly when the vault password variable is not set', async () => {
    const result = await ansibleEngine().plan(stack(), { ...context, env: { PATH: process.env.PATH } }, salt);
    expect(result.status).toBe('errored');
    expect(result.message).toBe(
      "the vault password variable VAULT_PASS is not set (map the secret in the job's env)",
    );
  });

  it('passes limit and tags to the run', async () => {
    const result = await ansibleEngine().plan(stack({ tags: ['nothing-has-this-tag'] }), context, salt);
    expect(result.status).toBe('no-changes');
    expect(result.plan!.tasks!.changed).toBe(0);
  });
});
