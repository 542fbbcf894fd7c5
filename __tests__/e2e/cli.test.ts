// The local CLI (dist/cli.js) as a user runs it.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, TOOLS } from '../support/harness.js';
import { createRepo, dataStack } from '../support/repo.js';

const CLI = path.join(PROJECT_ROOT, 'dist/cli.js');
const FIXTURES = path.join(PROJECT_ROOT, '__tests__/fixtures/tofu-plans');

function cli(args: string[], cwd = PROJECT_ROOT, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${path.join(TOOLS, 'bin')}:${process.env.PATH ?? ''}`,
      TF_CLI_CONFIG_FILE: path.join(TOOLS, 'tofurc'),
      ...env,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('stackgate render', () => {
  it('prints the comment section of a saved plan', () => {
    const result = cli(['render', path.join(FIXTURES, 'simple_object_replace/plan.json')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('<details>');
    expect(result.stdout).toContain('tfcoremock_object.object');
    expect(result.stdout).toMatch(/must be replaced/);
  });

  it('prints counts and changes as JSON with --format json', () => {
    const result = cli(['render', path.join(FIXTURES, 'moved_with_update/plan.json'), '--format', 'json']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as {
      counts: Record<string, number>;
      hasChanges: boolean;
      changes: { address: string; action: string; previousAddress?: string }[];
    };
    expect(Object.keys(json.counts).sort()).toEqual(
      ['add', 'change', 'destroy', 'drift', 'import', 'move', 'read', 'replace'].sort(),
    );
    expect(json.hasChanges).toBe(true);
    const text = readFileSync(path.join(FIXTURES, 'moved_with_update/plan'), 'utf8');
    const [, add, change, destroy] = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/.exec(text) ?? [];
    expect([json.counts.add, json.counts.change, json.counts.destroy]).toEqual([
      Number(add),
      Number(change),
      Number(destroy),
    ]);
    expect(json.changes.some((change) => change.previousAddress !== undefined)).toBe(true);
  });

  it('names the file and exits non-zero for something that is not a plan', () => {
    const file = path.join(os.tmpdir(), `not-a-plan-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    const result = cli(['render', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(file);
    expect(result.stdout).toBe('');
  });

  it('rejects an unknown command with the usage', () => {
    const result = cli(['deploy']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command 'deploy'");
    expect(result.stderr).toContain('Usage:');
  });
});

describe('stackgate plan', () => {
  it('plans every local stack with the real tofu and prints the report', () => {
    const repo = createRepo({
      'net/main.tf': dataStack('vpc', '10.1.0.0/16'),
      'app/main.tf': dataStack('app', 'v9'),
    });
    const result = cli(['plan', repo.dir]);
    expect(result.stderr).toContain('planning app');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\| app \|/m);
    expect(result.stdout).toMatch(/^\| net \|/m);
    expect(result.stdout).toContain('"v9"');
    expect(result.stdout).toContain('"10.1.0.0/16"');
  });

  it('keeps saved plans in a folder only the user can read, and removes it afterwards', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'stackgate-clitmp-'));
    try {
      // A tofu in front of the real one notes the mode of the CLI's folders each time it is called.
      const modes = path.join(tmp, 'modes.log');
      const script = [
        '#!/usr/bin/env bash',
        `for dir in ${JSON.stringify(tmp)}/stackgate-cli-*; do`,
        `  [ -d "$dir" ] && { stat -c '%a' "$dir" 2>/dev/null || stat -f '%Lp' "$dir"; } >> ${JSON.stringify(modes)}`,
        'done',
        `exec ${JSON.stringify(path.join(TOOLS, 'bin/tofu'))} "$@"`,
        '',
      ].join('\n');
      writeFileSync(path.join(tmp, 'tofu'), script);
      chmodSync(path.join(tmp, 'tofu'), 0o755);
      const repo = createRepo({ 'app/main.tf': dataStack('app', 'v1') });

      const result = cli(['plan', repo.dir], PROJECT_ROOT, {
        TMPDIR: tmp,
        PATH: `${tmp}:${path.join(TOOLS, 'bin')}:${process.env.PATH ?? ''}`,
      });

      expect(result.status).toBe(0);
      expect(new Set(readFileSync(modes, 'utf8').trim().split('\n'))).toEqual(new Set(['700']));
      expect(readdirSync(tmp).filter((name) => name.startsWith('stackgate-cli-'))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('exits 1 and shows the error when a stack does not plan', () => {
    const repo = createRepo({ 'app/main.tf': 'resource "terraform_data" "x" {\n  input = var.missing\n}\n' });
    const result = cli(['plan', repo.dir, '--format', 'json']);
    expect(result.status).toBe(1);
    const stacks = JSON.parse(result.stdout) as { name: string; status: string }[];
    expect(stacks).toEqual([expect.objectContaining({ name: 'app', status: 'errored' })]);
  });
});
