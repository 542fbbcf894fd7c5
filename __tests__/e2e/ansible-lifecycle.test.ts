// An Ansible stack after review, end to end: dist/index.js as the runner runs it, the real ansible-playbook
// and ansible-lint (localhost, ansible_connection=local, files in a temporary folder), the GitHub stand-in.
// `/stackgate apply` runs exactly what was reviewed and changes the files; drift is check mode on a schedule;
// validate puts ansible-lint findings at their lines. A vaulted value never reaches anything a person reads.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAction, TOOLS, type ActionRun } from '../support/harness.js';
import { issueCommentPayload } from '../support/payloads.js';
import { runOnPullRequest } from '../support/pull-request.js';
import { createRepo, type TestRepo } from '../support/repo.js';
import { startStandIn, type StandIn } from '../support/standin/index.js';

const REPO = 'octo/hosts';
const [OWNER, NAME] = REPO.split('/') as [string, string];
const VAULT_PASSWORD = 'vault-pass-for-tests-5521';
const SECRET = 'S3cretDbPassw0rdQ';

let gh: StandIn;
let repo: TestRepo;
let target: string;
let baseSha: string;

const CONFIG = `version: 1
stacks:
  - name: hosts
    path: ansible
    engine: ansible
    playbook: site.yml
    inventory: inventory.ini
    vault-password-env: VAULT_PASS
drift:
  labels: [infra]
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

function playbook(banner: string): string {
  return `- name: Configure hosts
  hosts: all
  gather_facts: false
  tasks:
    - name: App settings
      ansible.builtin.template:
        src: templates/app.conf.j2
        dest: "{{ target_dir }}/app.conf"
        mode: "0600"
    - name: Banner
      ansible.builtin.copy:
        dest: "{{ target_dir }}/banner"
        content: "${banner}\\n"
        mode: "0644"
`;
}

const env = (): Record<string, string> => ({ VAULT_PASS: VAULT_PASSWORD });

function sha(): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo.dir, encoding: 'utf8' }).trim();
}

function plan(headSha: string, files: string[], inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runOnPullRequest({
    gh,
    repository: REPO,
    workspace: repo.dir,
    number: 4,
    headSha,
    baseSha,
    files,
    env: env(),
    inputs,
  });
}

function comment(body: string, author: string): Promise<ActionRun> {
  const record = gh.addComment(REPO, 4, body, author);
  return runAction({
    workspace: repo.dir,
    eventName: 'issue_comment',
    payload: issueCommentPayload({ owner: OWNER, repo: NAME, number: 4, commentId: record.id, body, author }),
    apiUrl: gh.url,
    repository: REPO,
    sha: baseSha,
    ref: 'refs/heads/main',
    inputs: { command: 'apply' },
    env: env(),
  });
}

function drift(): Promise<ActionRun> {
  return runAction({
    workspace: repo.dir,
    eventName: 'schedule',
    payload: { schedule: '17 3 * * *', repository: { name: NAME, full_name: REPO, default_branch: 'main' } },
    apiUrl: gh.url,
    repository: REPO,
    sha: sha(),
    inputs: { command: 'drift' },
    env: env(),
  });
}

function sticky(): string {
  const found = gh.state
    .comments(REPO, 4)
    .filter((c) => c.body.startsWith('<!-- stackgate:comment') && c.user.type === 'Bot');
  expect(found).toHaveLength(1);
  return found[0]!.body;
}

function expectNoSecret(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(VAULT_PASSWORD);
  }
}

beforeEach(async () => {
  gh = await startStandIn({ repos: [REPO] });
  gh.setCollaborator(REPO, 'alice', 'write');
  gh.setCollaborator(REPO, 'bob', 'write');
  target = mkdtempSync(path.join(tmpdir(), 'sg-hosts-'));
  writeFileSync(path.join(target, 'banner'), 'old banner\n');
  repo = createRepo({
    '.stackgate.yml': CONFIG,
    'ansible/site.yml': playbook('old banner'),
    'ansible/templates/app.conf.j2': 'db_password={{ db_password }}\nport=8080\n',
    'ansible/inventory.ini': `localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}" target_dir=${target}\n`,
    'ansible/group_vars/all.yml': vaulted('db_password', SECRET),
  });
  baseSha = repo.commit('hosts');
  gh.setRef(REPO, 'refs/heads/main', baseSha);
});

afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('an Ansible stack through apply, drift and validate', { timeout: 400_000 }, () => {
  it('applies the reviewed check mode on /stackgate apply: the files change, the comment and deployment say so, no secret anywhere', async () => {
    repo.write({ 'ansible/site.yml': playbook('maintenance window: sundays') });
    const head = repo.commit('new banner');
    const planned = await plan(head, ['ansible/site.yml']);
    expect(planned.exitCode, planned.stdout).toBe(0);
    expect(sticky()).toContain('-old banner\n+maintenance window: sundays');
    expect(readFileSync(path.join(target, 'banner'), 'utf8')).toBe('old banner\n');
    gh.addReview(REPO, 4, { user: 'bob', state: 'APPROVED', commitId: head });

    const run = await comment('/stackgate apply', 'alice');
    expect(run.stderr).toBe('');
    expect(run.exitCode, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual(['hosts']);
    // The real run changed the real files, the vaulted value included.
    expect(readFileSync(path.join(target, 'banner'), 'utf8')).toBe('maintenance window: sundays\n');
    expect(readFileSync(path.join(target, 'app.conf'), 'utf8')).toBe(`db_password=${SECRET}\nport=8080\n`);
    const body = sticky();
    expect(body).toContain('Applied by alice');
    expect(body).toContain('🚀 applied');
    const [deployment, ...more] = gh.state.deployments(REPO, 'stackgate/hosts');
    expect(more).toEqual([]);
    expect(deployment?.sha).toBe(head);
    expect(deployment?.statuses.map((status) => status.state)).toEqual(['in_progress', 'success']);
    expectNoSecret(
      body,
      run.visibleText,
      planned.visibleText,
      JSON.stringify(gh.state.deployments(REPO)),
      JSON.stringify(gh.state.checkRuns(REPO, head)),
    );
  });

  it('refuses to apply when an input changed since review though check mode would give the same result, and when a host changed', async () => {
    repo.write({ 'ansible/site.yml': playbook('new banner') });
    const head = repo.commit('new banner');
    expect((await plan(head, ['ansible/site.yml'])).exitCode).toBe(0);
    gh.addReview(REPO, 4, { user: 'bob', state: 'APPROVED', commitId: head });

    // The checkout now holds a different vars file (same outcome on the host: only a comment added).
    const vars = path.join(repo.dir, 'ansible', 'group_vars', 'all.yml');
    const reviewed = readFileSync(vars, 'utf8');
    writeFileSync(vars, `# edited after review\n${reviewed}`);
    const changedInput = await comment('/stackgate apply', 'alice');
    expect(changedInput.exitCode).toBe(1);
    expect(changedInput.outputs['failure-reason']).toBe('plan-changed');
    expect(readFileSync(path.join(target, 'banner'), 'utf8')).toBe('old banner\n');
    expect(gh.state.deployments(REPO)).toHaveLength(0);

    // Back to the reviewed inputs, but the host was edited by hand since the review.
    writeFileSync(vars, reviewed);
    writeFileSync(path.join(target, 'app.conf'), 'hand edit\n');
    const changedHost = await comment('/stackgate apply', 'alice');
    expect(changedHost.exitCode).toBe(1);
    expect(changedHost.outputs['failure-reason']).toBe('plan-changed');
    expect(readFileSync(path.join(target, 'banner'), 'utf8')).toBe('old banner\n');
    expect(readFileSync(path.join(target, 'app.conf'), 'utf8')).toBe('hand edit\n');
    expectNoSecret(sticky(), changedInput.visibleText, changedHost.visibleText);
  });

  it('reports a hand edit on the host as drift in an issue and on the dashboard, changes nothing, and closes the issue once fixed', async () => {
    // Bring the host to what Git describes, as an apply would.
    writeFileSync(path.join(target, 'banner'), 'old banner\n', { mode: 0o644 });
    chmodSync(path.join(target, 'banner'), 0o644);
    writeFileSync(path.join(target, 'app.conf'), `db_password=${SECRET}\nport=8080\n`, { mode: 0o600 });
    const clean = await drift();
    expect(clean.exitCode, clean.stdout).toBe(0);
    expect(clean.outputs['drift-count']).toBe('0');

    writeFileSync(path.join(target, 'app.conf'), `db_password=${SECRET}\nport=9999\n`);
    const drifted = await drift();
    expect(drifted.exitCode, drifted.stdout).toBe(0);
    expect(JSON.parse(drifted.outputs.drifted ?? '[]')).toEqual(['hosts']);
    const [issue, ...more] = gh.state.issues(REPO, { label: 'stackgate:drift' });
    expect(more).toEqual([]);
    expect(issue?.title).toBe('Drift detected: hosts');
    expect(issue?.labels.sort()).toEqual(['infra', 'stackgate:drift']);
    expect(issue?.body).toContain('App settings');
    expect(issue?.body).toContain('-port=9999');
    expect(issue?.body).toContain('+port=8080');
    const dashboard = gh.state.issues(REPO, { label: 'stackgate:dashboard' });
    expect(dashboard).toHaveLength(1);
    expect(dashboard[0]?.body).toMatch(/\| `hosts`.*drifted since/);
    // Check mode changed nothing, and the vaulted value stays hidden on the issue.
    expect(readFileSync(path.join(target, 'app.conf'), 'utf8')).toBe(`db_password=${SECRET}\nport=9999\n`);
    expectNoSecret(issue?.body ?? '', dashboard[0]?.body ?? '', drifted.visibleText);

    writeFileSync(path.join(target, 'app.conf'), `db_password=${SECRET}\nport=8080\n`);
    const fixed = await drift();
    expect(fixed.exitCode, fixed.stdout).toBe(0);
    expect(fixed.outputs['drift-count']).toBe('0');
    expect(gh.state.issue(REPO, issue?.number ?? 0)?.state).toBe('closed');
  });

  it('puts ansible-lint findings at their file and line on the validate check run', async () => {
    repo.write({
      'ansible/site.yml': `${playbook('x')}    - name: Run a command
      shell: echo hi
`,
    });
    const head = repo.commit('lint me');
    const run = await plan(head, ['ansible/site.yml'], { command: 'validate' });
    expect(run.stderr).toBe('');
    const check = gh.state.checkRuns(REPO, head).find((c) => c.name === 'stackgate/validate');
    expect(check?.annotations).toContainEqual(
      expect.objectContaining({
        path: 'ansible/site.yml',
        start_line: 16,
        annotation_level: 'warning',
        message: expect.stringContaining('fqcn[action-core]'),
      }),
    );
    expect(check?.annotations).toContainEqual(
      expect.objectContaining({
        path: 'ansible/site.yml',
        start_line: 15,
        message: expect.stringContaining('no-changed-when'),
      }),
    );
    // Lint findings are warnings: the playbook is valid, so the gate passes.
    expect(check?.conclusion).not.toBe('failure');
    expect(existsSync(path.join(target, 'app.conf'))).toBe(false);
    expectNoSecret(run.visibleText, JSON.stringify(check));
  });
});
