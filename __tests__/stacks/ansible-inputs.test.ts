// Affected-stack detection for Ansible stacks: roles (and their dependencies), group_vars/host_vars, included
// task files, templates, inventories and extra vars outside the stack's folder make a change touch the stack.
import { afterEach, describe, expect, it } from 'vitest';
import { ansibleInputs } from '../../src/stacks/ansible-inputs.js';
import { selectForChange } from '../../src/stacks/select.js';
import type { Stack } from '../../src/stacks/discover.js';
import { makeWorkspace, removeWorkspace } from './helpers.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeWorkspace));
});

const web: Stack = {
  name: 'web-hosts',
  path: 'playbooks/web',
  engine: 'ansible',
  workspace: 'default',
  varFiles: [],
  env: {},
  whenModified: [],
  ansible: {
    playbook: 'site.yml',
    inventory: '../../inventories/prod/hosts.ini',
    tags: [],
    extraVarsFiles: ['../../vars/prod.yml'],
    checkArgs: [],
  },
};
const tofu: Stack = {
  name: 'network',
  path: 'stacks/network',
  workspace: 'default',
  varFiles: [],
  env: {},
  whenModified: [],
};

const LAYOUT = {
  'playbooks/web/ansible.cfg': '[defaults]\nroles_path = ../../roles:~/.ansible/roles\n',
  'playbooks/web/site.yml': `- import_playbook: ../common/base.yml
- hosts: web
  vars_files: [../../vars/common.yml]
  roles:
    - nginx
    - role: "{{ dynamic_role }}"
  tasks:
    - ansible.builtin.include_tasks: ../../shared/tasks/users.yml
    - name: motd
      ansible.builtin.template:
        src: motd.j2
        dest: /etc/motd
    - block:
        - ansible.builtin.import_role:
            name: firewall
`,
  'playbooks/web/templates/motd.j2': 'hello\n',
  'playbooks/common/base.yml': '- hosts: all\n  tasks: []\n',
  'roles/nginx/tasks/main.yml': '- ansible.builtin.include_tasks: ../../../shared/tasks/tls.yml\n',
  'roles/nginx/meta/main.yml': 'dependencies:\n  - role: common\n',
  'roles/nginx/templates/nginx.conf.j2': 'server {}\n',
  'roles/common/tasks/main.yml': '[]\n',
  'roles/firewall/tasks/main.yml': '[]\n',
  'roles/unused/tasks/main.yml': '[]\n',
  'shared/tasks/users.yml': '[]\n',
  'shared/tasks/tls.yml': '[]\n',
  'shared/tasks/other.yml': '[]\n',
  'inventories/prod/hosts.ini': 'web1\n',
  'inventories/prod/group_vars/web.yml': 'port: 80\n',
  'inventories/staging/hosts.ini': 'web9\n',
  'vars/prod.yml': 'a: 1\n',
  'vars/common.yml': 'b: 2\n',
  'stacks/network/main.tf': '',
};

describe('Ansible stack inputs', () => {
  it('follows the playbook to its roles, role dependencies, task files, templates, inventory and vars', async () => {
    const root = await makeWorkspace(LAYOUT);
    folders.push(root);
    expect(await ansibleInputs(root, web)).toEqual({
      folders: ['inventories/prod/group_vars', 'roles/common', 'roles/firewall', 'roles/nginx'],
      files: [
        'inventories/prod/hosts.ini',
        'playbooks/common/base.yml',
        'playbooks/web/ansible.cfg',
        'playbooks/web/site.yml',
        'playbooks/web/templates/motd.j2',
        'shared/tasks/tls.yml',
        'shared/tasks/users.yml',
        'vars/common.yml',
        'vars/prod.yml',
      ],
    });
  });

  it('makes a change to any of them affect the stack, and only the stack', async () => {
    const root = await makeWorkspace(LAYOUT);
    folders.push(root);
    const stacks = [web, tofu];
    const affectedBy = async (file: string) =>
      (
        await selectForChange({ repoRoot: root, workingDirectory: '' }, stacks, [file], {
          configPath: '.stackgate.yml',
          discovered: false,
          patterns: [],
        })
      ).affected.map((stack) => stack.name);
    for (const file of [
      'roles/nginx/templates/nginx.conf.j2',
      'roles/common/tasks/main.yml',
      'inventories/prod/group_vars/web.yml',
      'shared/tasks/tls.yml',
      'vars/prod.yml',
      'playbooks/web/templates/motd.j2',
    ]) {
      expect(await affectedBy(file), file).toEqual(['web-hosts']);
    }
    for (const file of [
      'roles/unused/tasks/main.yml',
      'inventories/staging/hosts.ini',
      'shared/tasks/other.yml',
    ]) {
      expect(await affectedBy(file), file).toEqual([]);
    }
    expect(await affectedBy('stacks/network/main.tf')).toEqual(['network']);
  });
});
