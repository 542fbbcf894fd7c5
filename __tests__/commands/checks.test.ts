// The door checks' file handling: formatter diffs never show a secret heredoc, and secret scanning reads only
// regular files inside the workspace.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { githubToken, privateKey, pseudoRandom } from '../support/planted.js';

const masked = vi.hoisted(() => [] as string[]);
vi.mock('@actions/core', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@actions/core')>()),
  setSecret: (secret: string) => masked.push(secret),
}));

const { listWorkspaceFiles, redactFormatDiff, scanSecrets } = await import('../../src/commands/checks.js');

let root: string;
let workspace: string;
let outside: string;

async function write(folder: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
    await writeFile(path.join(folder, name), content);
  }
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'stackgate-checks-'));
  workspace = path.join(root, 'workspace');
  outside = path.join(root, 'outside');
  await mkdir(workspace);
  await mkdir(outside);
  masked.length = 0;
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('redactFormatDiff', () => {
  // Low-entropy lines the scanner would not flag: only the heredoc rule hides them.
  const PHRASE = 'correct horse battery staple';
  const SECOND = 'second line of the secret';

  it('hides a secret heredoc whole, body and closing marker, keeping each diff prefix', async () => {
    const file = 'stacks/app/main.tf';
    await write(workspace, {
      [file]: `locals {\n   password=<<EOT\n${PHRASE}\n${SECOND}\nEOT\n   region =   "eu-west-1"\n}\n`,
    });
    const diff = [
      '--- old/main.tf',
      '+++ new/main.tf',
      '@@ -1,7 +1,7 @@',
      ' locals {',
      '-   password=<<EOT',
      '+  password = <<EOT',
      ` ${PHRASE}`,
      ` ${SECOND}`,
      ' EOT',
      '-   region =   "eu-west-1"',
      '+  region = "eu-west-1"',
      ' }',
    ].join('\n');

    const redacted = await redactFormatDiff(workspace, file, diff);

    expect(redacted).not.toContain('horse');
    expect(redacted).not.toContain('second line');
    expect(redacted.split('\n')).toEqual([
      '--- old/main.tf',
      '+++ new/main.tf',
      '@@ -1,7 +1,7 @@',
      ' locals {',
      '-   password=(sensitive value)',
      '+  password = (sensitive value)',
      ' (sensitive value)',
      ' (sensitive value)',
      ' (sensitive value)',
      // fmt only moves whitespace: no value is needed to review it, so none is shown.
      '-   region =   "…"',
      '+  region = "…"',
      ' }',
    ]);
  });

  it('knows `<<-` heredocs with any marker, on either side of the diff, and hides every heredoc body', async () => {
    const file = 'main.tf';
    await write(workspace, {
      [file]: `"db_token" =   <<-SECRET_VALUE\n  ${PHRASE}\n  SECRET_VALUE\nnote = <<EOT\nhello world\nEOT\n`,
    });
    const diff = [
      '--- old/main.tf',
      '+++ new/main.tf',
      '@@ -1,6 +1,6 @@',
      '-"db_token" =   <<-SECRET_VALUE',
      `-  ${PHRASE}`,
      '-  SECRET_VALUE',
      '+"db_token" = <<-SECRET_VALUE',
      `+  ${PHRASE}`,
      '+  SECRET_VALUE',
      ' note = <<EOT',
      ' hello world',
      ' EOT',
    ].join('\n');

    const lines = (await redactFormatDiff(workspace, file, diff)).split('\n');

    expect(lines.slice(3)).toEqual([
      '-"db_token" =   (sensitive value)',
      '-(sensitive value)',
      '-(sensitive value)',
      '+"db_token" = (sensitive value)',
      '+(sensitive value)',
      '+(sensitive value)',
      ' note = <<EOT',
      ' (sensitive value)',
      ' (sensitive value)',
    ]);
  });

  it('hides the values of a sensitive variable, nested maps and lists, whatever their names', async () => {
    const file = 'vars.tf';
    await write(workspace, {
      [file]: 'variable "db" {\nsensitive = true\ndefault = "Pw-one-111"\n}\n',
    });
    const diff = [
      '--- old/vars.tf',
      '+++ new/vars.tf',
      '@@ -1,4 +1,4 @@',
      ' variable "db" {',
      '-sensitive = true',
      '-default = "Pw-one-111"',
      '+  sensitive = true',
      '+  default   = "Pw-one-111"',
      '+  nested    = { prod = "Pw-two-222", list = ["Pw-three-333"] }',
      ' }',
    ].join('\n');

    const redacted = await redactFormatDiff(workspace, file, diff);

    for (const value of ['Pw-one-111', 'Pw-two-222', 'Pw-three-333']) expect(redacted).not.toContain(value);
    expect(redacted).toContain('+  default   = "…"');
    expect(redacted).toContain(' variable "…" {');
  });

  it('hides the heredoc lines of a hunk that starts inside a secret heredoc', async () => {
    const file = 'main.tf';
    const body = Array.from({ length: 8 }, (_, i) => `${PHRASE} ${i}`);
    await write(workspace, {
      [file]: ['locals {', '  secret = <<EOT', ...body, 'EOT', 'x   = 1', '}', ''].join('\n'),
    });
    // Lines 8–12 of the file: the opener (line 2) is outside the hunk.
    const diff = [
      '--- old/main.tf',
      '+++ new/main.tf',
      '@@ -8,5 +8,5 @@',
      ` ${body[5]}`,
      ` ${body[6]}`,
      ` ${body[7]}`,
      ' EOT',
      '-x   = 1',
      '+x = 1',
    ].join('\n');

    const lines = (await redactFormatDiff(workspace, file, diff)).split('\n');

    expect(lines.slice(3)).toEqual([
      ' (sensitive value)',
      ' (sensitive value)',
      ' (sensitive value)',
      ' (sensitive value)',
      '-x   = 1',
      '+x = 1',
    ]);
  });

  it('does not read a file that is a symlink out of the workspace', async () => {
    const token = githubToken(501);
    await write(outside, { 'creds.tf': `github_token = "${token}"\n` });
    await symlink(path.join(outside, 'creds.tf'), path.join(workspace, 'main.tf'));

    await redactFormatDiff(
      workspace,
      'main.tf',
      '--- old/main.tf\n+++ new/main.tf\n@@ -1 +1 @@\n-x=1\n+x = 1',
    );

    expect(masked).not.toContain(token);
  });
});

describe('scanSecrets', () => {
  it('skips symlinked files and files under a symlinked folder that lead out of the workspace', async () => {
    const inside = githubToken(511);
    const linkedFile = githubToken(512);
    const linkedFolder = githubToken(513);
    await write(workspace, { 'stacks/app/main.tf': `github_token = "${inside}"\n` });
    await write(outside, {
      'creds.tf': `github_token = "${linkedFile}"\n`,
      'dir/main.tf': `github_token = "${linkedFolder}"\n`,
    });
    await symlink(path.join(outside, 'creds.tf'), path.join(workspace, 'stacks/app/creds.tf'));
    await symlink(path.join(outside, 'dir'), path.join(workspace, 'stacks/linked'));

    const findings = await scanSecrets(
      workspace,
      ['stacks/app/main.tf', 'stacks/app/creds.tf', 'stacks/linked/main.tf', '../outside/creds.tf'],
      [],
    );

    expect(findings.map((finding) => finding.file)).toEqual(['stacks/app/main.tf']);
    expect(masked).toContain(inside);
    expect(masked).not.toContain(linkedFile);
    expect(masked).not.toContain(linkedFolder);
  });

  it('skips a symlink even when it points inside the workspace', async () => {
    const value = pseudoRandom('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789', 24, 521);
    await write(workspace, { 'real.tfvars': `db_password = "${value}"\n` });
    await symlink(path.join(workspace, 'real.tfvars'), path.join(workspace, 'alias.tfvars'));

    const findings = await scanSecrets(workspace, ['alias.tfvars', 'real.tfvars'], []);

    expect(findings.map((finding) => finding.file)).toEqual(['real.tfvars']);
  });

  it('finds a secret in a heredoc of a .tofu file', async () => {
    const value = pseudoRandom('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789', 24, 531);
    await write(workspace, { 'stacks/app/main.tofu': `locals {\n  password = <<EOT\n${value}\nEOT\n}\n` });

    const findings = await scanSecrets(workspace, ['stacks/app/main.tofu'], []);

    expect(findings.map((finding) => [finding.file, finding.line])).toEqual([['stacks/app/main.tofu', 3]]);
    expect(masked).toContain(value);
  });

  it('reads every text file, whatever its name, and names the binary and oversized files it skipped', async () => {
    const token = githubToken(541);
    await write(workspace, {
      'keys/id_rsa': `${privateKey(542)}\n`,
      Dockerfile: `FROM alpine\nENV GH=${token}\n`,
      'templates/user-data.tftpl': `#!/bin/sh\nexport GH=${token}\n`,
      'docs/setup.md': `Run with GH=${token}\n`,
      'allowed/blob.bin': 'x\u0000y',
    });
    await writeFile(path.join(workspace, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
    await writeFile(path.join(workspace, 'dump.sql'), `-- ${token}\n`.padEnd(2 * 1024 * 1024 + 1, 'x'));

    const findings = await scanSecrets(
      workspace,
      [
        'keys/id_rsa',
        'Dockerfile',
        'templates/user-data.tftpl',
        'docs/setup.md',
        'logo.png',
        'dump.sql',
        'allowed/blob.bin',
      ],
      ['allowed/**'],
    );

    expect(findings.map((finding) => [finding.file, finding.severity])).toEqual([
      ['keys/id_rsa', 'error'],
      ['Dockerfile', 'error'],
      ['templates/user-data.tftpl', 'error'],
      ['docs/setup.md', 'error'],
      [undefined, 'notice'],
    ]);
    expect(findings.at(-1)?.message).toBe(
      'Not scanned for secrets: 1 binary file(s) (logo.png) and 1 file(s) over 2 MiB (dump.sql).',
    );
  });

  it('lists five skipped files of a kind, then a count', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `img/${i}.png`);
    for (const name of names) await write(workspace, { [name]: '\u0000' });
    const findings = await scanSecrets(workspace, names, []);
    expect(findings.map((finding) => finding.message)).toEqual([
      'Not scanned for secrets: 7 binary file(s) (img/0.png, img/1.png, img/2.png, img/3.png, img/4.png and 2 more).',
    ]);
  });
});

describe('listWorkspaceFiles', () => {
  it('lists every regular file, sorted, without .git, .terraform, node_modules or anything a symlink leads to', async () => {
    await write(workspace, {
      'stacks/b/main.tf': '',
      'stacks/a/main.tf': '',
      'stacks/a/.terraform/providers/p': '',
      '.git/config': '',
      'node_modules/x/index.js': '',
      'README.md': '',
      '.stackgate.yml': '',
    });
    await write(outside, { 'credentials.tf': '' });
    await symlink(outside, path.join(workspace, 'linked'));
    await symlink(path.join(outside, 'credentials.tf'), path.join(workspace, 'stacks/creds.tf'));
    expect(listWorkspaceFiles(workspace)).toStrictEqual([
      '.stackgate.yml',
      'README.md',
      'stacks/a/main.tf',
      'stacks/b/main.tf',
    ]);
  });
});
