// Throw-away config repositories in temporary folders, committed with real git so base and head exist.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestRepo {
  dir: string;
  write(files: Record<string, string>): void;
  remove(file: string): void;
  commit(message: string): string;
  /** Moves the work tree to a commit (detached), as a workflow's checkout of that commit. */
  checkout(sha: string): void;
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.test',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.test',
    },
  }).trim();
}

export function createRepo(files: Record<string, string>): TestRepo {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackgate-repo-'));
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  const repo: TestRepo = {
    dir,
    write(more) {
      for (const [file, content] of Object.entries(more)) {
        const target = path.join(dir, file);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, content);
      }
    },
    remove(file) {
      rmSync(path.join(dir, file), { force: true });
    },
    commit(message) {
      git(dir, ['add', '-A']);
      git(dir, ['commit', '--quiet', '--allow-empty', '-m', message]);
      return git(dir, ['rev-parse', 'HEAD']);
    },
    checkout(sha) {
      git(dir, ['checkout', '--quiet', '--detach', sha]);
    },
  };
  repo.write(files);
  return repo;
}

/** A small stack on the builtin terraform_data resource: no provider needed. */
export function dataStack(name: string, value: string, extra = ''): string {
  return `resource "terraform_data" "${name}" {
  input = {
    name  = "${name}"
    value = "${value}"
  }
}

output "${name}_value" {
  value = terraform_data.${name}.input.value
}
${extra}`;
}
