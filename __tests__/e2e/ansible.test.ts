// A mixed pull request, end to end: dist/index.js as the runner runs it, the real tofu and the real
// ansible-playbook (localhost, ansible_connection=local, files in a temporary folder), the GitHub stand-in.
// One comment and one gate for both engines; a vaulted value never reaches anything a person can read.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOOLS } from '../support/harness.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, dataStack, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/hybrid';
const VAULT_PASSWORD = 'vault-pass-for-tests-7781';
const SECRET = 'Pr0dDbPassw0rdXyz';

let gh: StandIn;
let repo: TestRepo;
let target: string;
let baseSha: string;

const CONFIG = `version: 1
stacks:
  - name: cloud
    path: stacks/cloud
    engine: tofu
  - name: hosts
    path: ansible
    engine: ansible
    playbook: site.yml
    inventory: inventory.ini
    vault-password-env: VAULT_PASS
`;

function vaulted(name: string, value: string): string {
  const passwordFile = path.join(mkdtempSync(path.join(tmpdir(), 'sg-vault-')), 'pass');
  writeFileSync(passwordFile, VAULT_PASSWORD);
  return execFileSync(
    path.join(TOOLS, 'bin', 'ansible-vault'),
    ['encrypt_string', '--vault-password-file', passwordFile, value, '--name', name],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

function playbook(content: string): string {
  return `- name: configure hosts
  hosts: all
  gather_facts: false
  tasks:
    - name: app settings
      ansible.builtin.template:
        src: templates/app.conf.j2
        dest: "{{ target_dir }}/app.conf"
    - name: banner
      ansible.builtin.copy:
        dest: "{{ target_dir }}/banner"
        content: "${content}\\n"
`;
}

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  target = mkdtempSync(path.join(tmpdir(), 'sg-hosts-'));
  writeFileSync(path.join(target, 'banner'), 'old banner\n');
  repo = createRepo({
    '.stackgate.yml': CONFIG,
    'stacks/cloud/main.tf': dataStack('bucket', 'v1'),
    'ansible/site.yml': playbook('old banner'),
    'ansible/templates/app.conf.j2': 'db_password={{ db_password }}\nport=8080\n',
    'ansible/inventory.ini': `localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}" target_dir=${target}\n`,
    'ansible/group_vars/all.yml': vaulted('db_password', SECRET),
  });
  baseSha = repo.commit('hybrid repository');
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

function plan(
  headSha: string,
  files: string[],
  env: Record<string, string> = { VAULT_PASS: VAULT_PASSWORD },
) {
  return runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: 3,
    headSha,
    baseSha,
    files,
    env,
  });
}

const stickyComments = () =>
  gh.state.comments(REPO, 3).filter((comment) => comment.body.startsWith('<!-- stackgate:comment'));

describe('a mixed Terraform + Ansible pull request', { timeout: 400_000 }, () => {
  it('plans both in one comment and one gate, with the check-mode diff and no secret anywhere', async () => {
    repo.write({
      'stacks/cloud/main.tf': dataStack('bucket', 'v2'),
      'ansible/site.yml': playbook('maintenance window: sundays'),
    });
    const head = repo.commit('change both');
    const run = await plan(head, ['stacks/cloud/main.tf', 'ansible/site.yml']);

    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const comments = stickyComments();
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body).toContain('| cloud | tofu | 1 | 0 | 0 | 0 | 📝 changes |');
    expect(body).toContain('| hosts | ansible | 0 | 2 | 0 | 0 | 📝 changes |');
    expect(body).toContain('**Check mode:** 2 changed, 0 ok on 1 host.');
    expect(body).toContain('-old banner\n+maintenance window: sundays');
    expect(body).toContain('+db_password=(sensitive value)');
    expect(body).toContain('🔒 1 sensitive value hidden.');
    expect(body).toContain('terraform_data.bucket');
    // Check mode changed nothing on the host.
    expect(readFileSync(path.join(target, 'banner'), 'utf8')).toBe('old banner\n');
    expect(existsSync(path.join(target, 'app.conf'))).toBe(false);
    // Neither the vaulted value nor the vault password reaches the comment, the summary or the log.
    for (const text of [body, run.visibleText, JSON.stringify(gh.state.checkRuns(REPO, head))]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(VAULT_PASSWORD);
    }
    // The runner masks both in the log too.
    expect(run.stdout).toContain(`::add-mask::${SECRET}`);
    const checks = gh.state.checkRuns(REPO, head);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'stackgate/plan', conclusion: 'success' });
    const summary = JSON.parse(run.outputs.summary ?? '{}') as Record<
      string,
      { status: string; change: number }
    >;
    expect(summary.hosts).toMatchObject({ status: 'planned', change: 2 });
  });

  it('fails the gate when a task fails on a host, naming task and host at the task line', async () => {
    repo.write({
      'ansible/site.yml': `${playbook('x')}    - name: copy a missing file
      ansible.builtin.copy:
        src: files/missing.txt
        dest: "{{ target_dir }}/missing"
`,
    });
    const head = repo.commit('break a task');
    const run = await plan(head, ['ansible/site.yml']);

    expect(run.exitCode).toBe(1);
    const body = stickyComments()[0]!.body;
    expect(body).toContain('Task “copy a missing file” failed on host localhost');
    expect(body).toMatch(/\| hosts \| ansible \|.*❌ errored/);
    // Only the Ansible stack was affected.
    expect(body).toMatch(/\| cloud \| tofu \|.*not planned/);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    expect(check.conclusion).toBe('failure');
    expect(check.annotations).toContainEqual(
      expect.objectContaining({ path: 'ansible/site.yml', start_line: 13, annotation_level: 'failure' }),
    );
    expect(run.visibleText).not.toContain(SECRET);
  });

  it('annotates a playbook syntax error at its line', async () => {
    repo.write({
      'ansible/site.yml': `${playbook('x')}    - name: broken\n      ansible.builtin.debug:\n        msg: hi\n       var: bad\n`,
    });
    const head = repo.commit('syntax error');
    const run = await plan(head, ['ansible/site.yml']);

    expect(run.exitCode).toBe(1);
    const check = gh.state.checkRuns(REPO, head)[0]!;
    expect(check.annotations).toContainEqual(
      expect.objectContaining({ path: 'ansible/site.yml', start_line: 16, annotation_level: 'failure' }),
    );
  });

  it('says clearly that ansible-playbook is missing, and still plans the Terraform stack', async () => {
    const bin = mkdtempSync(path.join(tmpdir(), 'sg-bin-'));
    mkdirSync(bin, { recursive: true });
    symlinkSync(path.join(TOOLS, 'bin', 'tofu'), path.join(bin, 'tofu'));
    repo.write({ 'stacks/cloud/main.tf': dataStack('bucket', 'v2'), 'ansible/site.yml': playbook('y') });
    const head = repo.commit('both again');
    const run = await plan(head, ['stacks/cloud/main.tf', 'ansible/site.yml'], {
      PATH: `${bin}:/usr/bin:/bin`,
      VAULT_PASS: VAULT_PASSWORD,
    });

    expect(run.exitCode).toBe(1);
    const body = stickyComments()[0]!.body;
    expect(body).toContain('ansible-playbook is not on PATH');
    expect(body).toContain('terraform_data.bucket');
  });
});
