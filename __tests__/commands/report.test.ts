// `command: report` over an in-memory artifact transport: what it makes of the matrix jobs' results when some
// are missing, failed before planning, repeated by a re-run, unreadable, or report the same finding twice.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runReport } from '../../src/commands/report.js';
import type { RunContext } from '../../src/commands/context.js';
import type { ArtifactInfo, ArtifactTransport } from '../../src/github/artifacts.js';
import {
  detectArtifactName,
  encodeDetectArtifact,
  encodePlanArtifact,
  planArtifactName,
  type PlanArtifact,
} from '../../src/report/artifact.js';
import type { Finding } from '../../src/report/findings.js';
import type { StackReport } from '../../src/report/types.js';
import type { Settings } from '../../src/settings.js';

const SHA = 'c'.repeat(40);

function memory(): ArtifactTransport & { put(name: string, body: string): void } {
  const stored: (ArtifactInfo & { body: string })[] = [];
  return {
    put(name, body) {
      stored.push({ id: stored.length + 1, name, body });
    },
    async upload(name, body) {
      this.put(name, body);
    },
    async list() {
      return stored.map(({ id, name }) => ({ id, name }));
    },
    async download(artifact) {
      return stored.find((entry) => entry.id === artifact.id)?.body ?? '';
    },
  };
}

function context(transport: ArtifactTransport): RunContext {
  const settings = {
    command: 'report',
    commentHeader: '',
    comment: true,
    workingDirectory: '',
    event: { owner: 'octo', repo: 'infra', sha: SHA, runAttempt: '2', pullRequest: { number: 7 } },
  } as unknown as Settings;
  return {
    settings,
    env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://x/' },
    artifacts: transport,
  };
}

const ref = (name: string) => ({ name, path: name, engine: 'tofu' as const });

function planned(name: string, status: StackReport['status'] = 'no-changes'): StackReport {
  return { ...ref(name), status, diagnostics: [] };
}

function plan(entry: string[], part: Partial<PlanArtifact> = {}, attempt = '1'): [string, string] {
  return [
    planArtifactName('', entry, attempt),
    encodePlanArtifact({
      kind: 'stackgate-plan',
      version: 1,
      header: '',
      sha: SHA,
      pullNumber: 7,
      runAttempt: attempt,
      entry,
      stacks: entry.map((name) => planned(name)),
      findings: [],
      policyViolations: [],
      openDrift: [],
      ...part,
    }),
  ];
}

const secretFinding: Finding = {
  kind: 'secret',
  severity: 'error',
  file: 'stacks/a/main.tf',
  line: 3,
  title: 'AWS access key',
  message: 'looks like an AWS access key id',
};

let transport: ReturnType<typeof memory>;

beforeEach(() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackgate-report-'));
  const summary = path.join(dir, 'summary.md');
  writeFileSync(summary, '');
  process.env.GITHUB_STEP_SUMMARY = summary;
  transport = memory();
  transport.put(
    detectArtifactName('', '1'),
    encodeDetectArtifact({
      kind: 'stackgate-detect',
      version: 1,
      header: '',
      sha: SHA,
      pullNumber: 7,
      runAttempt: '1',
      entries: [['a'], ['b'], ['c', 'd']],
      affected: ['a', 'b', 'c', 'd'].map(ref),
      unaffected: [ref('z')],
      findings: [],
    }),
  );
});

describe('command: report', () => {
  it('merges every job into one report: all stacks, unaffected ones too, one copy of a shared finding', async () => {
    transport.put(...plan(['a'], { findings: [secretFinding] }));
    transport.put(...plan(['b'], { findings: [secretFinding], stacks: [planned('b', 'planned')] }));
    transport.put(...plan(['d', 'c']));
    const result = await runReport(context(transport));
    expect(result.report?.stacks.map((stack) => [stack.name, stack.status])).toEqual([
      ['a', 'no-changes'],
      ['b', 'planned'],
      ['c', 'no-changes'],
      ['d', 'no-changes'],
      ['z', 'unaffected'],
    ]);
    expect(result.report?.findings).toEqual([secretFinding]);
    expect(result.failure).toMatch(/AWS access key/);
    expect(result.outputs['has-changes']).toBe('true');
  });

  it('names the stacks of a job that left nothing, and of a job that failed before planning', async () => {
    transport.put(...plan(['a']));
    transport.put(...plan(['c', 'd'], { stacks: [], error: "No stack matches 'c'" }));
    const result = await runReport(context(transport));
    expect(result.failure).toContain('Plan failed for 3 stack(s)');
    expect(result.failure).toContain(
      'b (no plan: the matrix job for b left no result (it failed, was cancelled or skipped))',
    );
    expect(result.failure).toContain(
      "c (the matrix job for c, d failed before planning: No stack matches 'c')",
    );
    expect(result.failure).toContain('d (the matrix job for c, d failed before planning');
  });

  it('takes the latest attempt of a re-run job', async () => {
    transport.put(...plan(['a'], { stacks: [{ ...planned('a', 'errored'), message: 'init failed' }] }, '1'));
    transport.put(...plan(['a'], {}, '2'));
    transport.put(...plan(['b']));
    transport.put(...plan(['c', 'd']));
    const result = await runReport(context(transport));
    expect(result.failure).toBeUndefined();
    expect(result.report?.stacks.find((stack) => stack.name === 'a')?.status).toBe('no-changes');
  });

  it('fails the gate on an artifact it cannot read, naming it', async () => {
    transport.put(...plan(['a']));
    transport.put(...plan(['b']));
    transport.put(...plan(['c', 'd']));
    const [name] = plan(['x']);
    transport.put(name, '{"kind":"stackgate-plan","version":9}');
    const result = await runReport(context(transport));
    expect(result.failure).toContain(`The artifact ${name} cannot be used`);
    expect(result.failure).toContain('version 9');
  });
});
