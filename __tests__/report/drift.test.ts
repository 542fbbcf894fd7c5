// The drift renderers: the issue body and the dashboard stay within GitHub's 65,536 characters however much
// drifted or however many stacks there are, trim fairly, and keep code blocks closed and markers exact.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkStackDrift } from '../../src/commands/drift.js';
import type { Engine, StackPlanResult } from '../../src/engines/types.js';
import type { Plan, ResourceChange } from '../../src/plan/model.js';
import { parseTerraformPlan } from '../../src/plan/terraform-json.js';
import {
  DASHBOARD_MARKER,
  driftMarker,
  ISSUE_BODY_MAX_LENGTH,
  renderDashboard,
  renderDriftIssueBody,
  renderDriftSummary,
  stackOfDriftBody,
  type DashboardRow,
  type DriftStackResult,
} from '../../src/report/drift.js';
import type { Stack } from '../../src/stacks/discover.js';
import { parseDashboardState } from '../../src/report/dashboard-state.js';
import { readMarkdown } from './markdown-check.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tofu-plans');

function fixturePlan(name: string): Plan {
  return parseTerraformPlan(JSON.parse(readFileSync(join(FIXTURES, name, 'plan.json'), 'utf8')), name);
}

function bigChange(index: number, size: number): ResourceChange {
  const [template] = fixturePlan('drift_refresh_only').drift;
  return {
    ...template!,
    address: `tfcoremock_simple_resource.r${index}`,
    name: `r${index}`,
    before: { id: `id-${index}`, string: 'x'.repeat(size) },
    after: { id: `id-${index}`, string: 'y'.repeat(size) },
  };
}

function drifted(name: string, drift: ResourceChange[]): DriftStackResult {
  return {
    name,
    path: `stacks/${name}`,
    engine: 'tofu',
    state: 'drifted',
    drift,
    pendingState: 'none',
    pending: [],
    pendingOutputs: 0,
    errors: [],
  };
}

const context = {
  firstSeen: '2026-01-01T00:00:00Z',
  lastChecked: '2026-01-02T00:00:00Z',
  repository: 'octo/infra',
  sha: 'a'.repeat(40),
  branch: 'main',
  runUrl: 'https://github.com/octo/infra/actions/runs/1',
};

describe('drift issue body', () => {
  it('renders the real refresh-only drift like tofu shows it, behind an exact marker', () => {
    const stack = drifted('app', fixturePlan('drift_refresh_only').drift);
    const body = renderDriftIssueBody(stack, context);
    expect(body.split('\n')[0]).toBe(driftMarker('app'));
    expect(stackOfDriftBody(body)).toBe('app');
    expect(body).toContain('!     string = "Hello, world!" -> "Hello, drift!"');
    expect(body).toContain('| First seen | 2026-01-01T00:00:00Z |');
    expect(body).toContain('| Last checked | 2026-01-02T00:00:00Z |');
    expect(readMarkdown(body).fencesBalanced).toBe(true);
  });

  it('keeps markers of similar names apart and round-trips any name', () => {
    for (const name of ['app', 'app-2', 'a b/c', 'ünï --> x', '<!--']) {
      expect(stackOfDriftBody(driftMarker(name))).toBe(name);
    }
    expect(stackOfDriftBody(driftMarker('app-2'))).not.toBe('app');
    expect(driftMarker('x --> <script>')).not.toMatch(/-->.*-->/);
  });

  it('stays within 65,536 characters with huge drift, trimming every resource fairly', () => {
    const changes = [bigChange(0, 200), ...Array.from({ length: 30 }, (_, i) => bigChange(i + 1, 20_000))];
    const body = renderDriftIssueBody(drifted('big', changes), context);
    expect(body.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_LENGTH);
    expect(readMarkdown(body).fencesBalanced).toBe(true);
    // The small diff is whole; every big one got a share and says it was cut.
    expect(body).toContain('x'.repeat(200));
    expect(body.match(/cut to fit/g)?.length).toBe(30);
    expect(body).toContain("the full drift is in the [run's summary]");
    for (let i = 0; i <= 30; i++) expect(body).toContain(`tfcoremock_simple_resource.r${i}`);
  });

  it('stays within the limit with thousands of drifted resources', () => {
    const changes = Array.from({ length: 3000 }, (_, i) => bigChange(i, 10));
    const body = renderDriftIssueBody(drifted('many', changes), context);
    expect(body.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_LENGTH);
    expect(readMarkdown(body).fencesBalanced).toBe(true);
    expect(body).toContain('and 2950 more');
  });
});

describe('job summary', () => {
  it('lists every stack and keeps drift and pending changes apart', () => {
    const drift = fixturePlan('drift_refresh_only').drift;
    const pending = fixturePlan('local_provider_basic').changes;
    const summary = renderDriftSummary({
      repository: 'octo/infra',
      sha: 'b'.repeat(40),
      branch: 'main',
      checkedAt: '2026-01-02T00:00:00Z',
      stacks: [
        drifted('app', drift),
        { ...drifted('web', []), state: 'clean', pendingState: 'pending', pending },
        {
          ...drifted('db', []),
          state: 'errored',
          pendingState: 'errored',
          errors: [{ step: 'both plans', message: 'init failed', diagnostics: [] }],
        },
      ],
    });
    expect(summary).toContain('1 drifted, 1 with pending changes, 1 errored, 0 clean');
    const drifts = summary.indexOf('#### Drift');
    const pendings = summary.indexOf('#### Pending');
    expect(drifts).toBeGreaterThan(0);
    expect(pendings).toBeGreaterThan(drifts);
    expect(summary.slice(drifts, pendings)).toContain('Hello, drift!');
    expect(summary.slice(pendings)).not.toContain('Hello, drift!');
    expect(summary).toContain('both plans failed');
    expect(readMarkdown(summary).fencesBalanced).toBe(true);
  });

  it('stays within its byte budget', () => {
    const changes = Array.from({ length: 40 }, (_, i) => bigChange(i, 50_000));
    const summary = renderDriftSummary(
      { repository: 'o/r', sha: 'c'.repeat(40), checkedAt: 'now', stacks: [drifted('big', changes)] },
      { maxBytes: 200_000 },
    );
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(200_000);
    expect(readMarkdown(summary).fencesBalanced).toBe(true);
  });
});

describe('dashboard', () => {
  const updated = {
    repository: 'octo/infra',
    sha: 'd'.repeat(40),
    branch: 'main',
    updatedAt: '2026-01-02T00:00:00Z',
  };

  function rows(count: number, attention: number): DashboardRow[] {
    return Array.from({ length: count }, (_, i) => ({
      name: `stack-${String(i).padStart(4, '0')}-${'n'.repeat(40)}`,
      engine: 'tofu',
      drift: i < attention ? 'drifted' : 'clean',
      ...(i < attention
        ? { driftSince: '2026-01-01T00:00:00Z', issueNumber: i + 1, issueUrl: `https://x/${i}` }
        : {}),
      pending: 'none',
    }));
  }

  it('shows every stack with its engine, drift, pending, lock and last apply', () => {
    const body = renderDashboard(
      [
        {
          name: 'app',
          engine: 'tofu',
          drift: 'drifted',
          driftSince: '2026-01-01T10:20:00Z',
          issueNumber: 3,
          issueUrl: 'u',
          pending: 'none',
        },
        {
          name: 'web',
          engine: 'terraform',
          drift: 'clean',
          pending: 'pending',
          pendingCount: 2,
          lock: { pullNumber: 9, by: 'alice' },
          lastApply: { sha: 'e'.repeat(40), pullNumber: 8, at: '2026-01-01T09:00:00Z', by: 'bob' },
        },
        { name: 'old', engine: 'tofu', drift: 'unknown', pending: 'unknown' },
      ],
      updated,
    );
    expect(body.split('\n')[0]).toBe(DASHBOARD_MARKER);
    expect(body).toContain('| `app` | OpenTofu | ⚠️ drifted since 2026-01-01 10:20 ([#3](u)) | none |');
    expect(body).toContain(
      '| `web` | Terraform | ✅ clean | 📝 2 changes | 🔒 #9 (alice) | `eeeeeee` #8, 2026-01-01 09:00, bob |',
    );
    expect(body).toContain('| `old` | OpenTofu | — not checked | — |');
  });

  it('fits hundreds of stacks, keeping every one that needs attention before the clean ones', () => {
    const body = renderDashboard(rows(1500, 40), updated);
    expect(body.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_LENGTH);
    for (let i = 0; i < 40; i++) expect(body).toContain(`[#${i + 1}](https://x/${i})`);
    expect(body).toMatch(/## Clean \(1460\)/);
    expect(body).toMatch(/and \d+ more$/m);
  });

  it('says never for a stack never applied, and marks a check older than the last apply', () => {
    const body = renderDashboard(
      [
        { name: 'fresh', engine: 'tofu', drift: 'clean', pending: 'none', lastApply: null },
        {
          name: 'app',
          engine: 'tofu',
          drift: 'drifted',
          checkedAt: '2026-01-01T00:00:00Z',
          pending: 'none',
          lastApply: { sha: 'f'.repeat(40), pullNumber: 4, at: '2026-01-01T08:00:00Z', by: 'carol' },
        },
      ],
      updated,
    );
    expect(body).toContain('| `fresh` | OpenTofu | ✅ clean | none |  | never |');
    expect(body).toContain(
      '| `app` | OpenTofu | ⚠️ drifted, checked before the last apply | none |  | `fffffff` #4, 2026-01-01 08:00, carol |',
    );
  });

  it('escapes whoever the deployment names, so no one is mentioned or markup injected', () => {
    const body = renderDashboard(
      [
        {
          name: 'app',
          engine: 'tofu',
          drift: 'clean',
          pending: 'none',
          lastApply: { sha: 'a'.repeat(40), at: '2026-01-01T08:00:00Z', by: '@team <img src=x>' },
          lock: { pullNumber: 2, by: '@ops|x' },
        },
      ],
      updated,
    );
    const row = body.split('\n').find((line) => line.startsWith('| `app`')) ?? '';
    expect(row).not.toMatch(/(^|[^\\])@team/);
    expect(row).not.toContain('<img');
    expect(row.split(' | ')).toHaveLength(6);
  });

  it('stores every row in a hidden last line and reads it back', () => {
    const input: DashboardRow[] = [
      {
        name: 'app',
        engine: 'tofu',
        drift: 'drifted',
        driftSince: '2026-01-01T10:20:00Z',
        issueNumber: 3,
        issueUrl: 'https://github.com/octo/infra/issues/3',
        pending: 'pending',
        pendingCount: 2,
        checkedAt: '2026-01-02T00:00:00Z',
        lock: { pullNumber: 9, by: 'alice' },
        lastApply: { sha: 'e'.repeat(40), pullNumber: 8, at: '2026-01-01T09:00:00Z', by: 'bob' },
      },
      { name: 'web <x>', engine: 'terraform', drift: 'clean', pending: 'none', lastApply: null },
      { name: 'old', engine: 'tofu', drift: 'unknown', pending: 'unknown' },
    ];
    const body = renderDashboard(input, updated);
    const last = body.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^<!-- stackgate:dashboard-state [0-9a-f]{32} \{.*\} -->$/);
    expect(last).not.toContain('<x>');
    const state = parseDashboardState(body);
    expect(state?.get('app')).toEqual({
      name: 'app',
      drift: 'drifted',
      driftSince: '2026-01-01T10:20Z',
      issueNumber: 3,
      issueUrl: 'https://github.com/octo/infra/issues/3',
      pending: 'pending',
      pendingCount: 2,
      checkedAt: '2026-01-02T00:00Z',
      lastApply: { sha: 'eeeeeeeeeeee', pullNumber: 8, at: '2026-01-01T09:00Z', by: 'bob' },
    });
    expect(state?.get('web <x>')).toEqual({
      name: 'web <x>',
      drift: 'clean',
      pending: 'none',
      lastApply: null,
    });
    expect(state?.get('old')).toEqual({ name: 'old', drift: 'unknown', pending: 'unknown' });
  });

  it('ignores the state once anyone edited the body, planted a look-alike, or broke the JSON', () => {
    const body = renderDashboard(
      [{ name: 'app', engine: 'tofu', drift: 'drifted', pending: 'none', issueNumber: 3 }],
      updated,
    );
    expect(parseDashboardState(body)).toBeDefined();
    const lines = body.trimEnd().split('\n');
    const stateLine = lines.at(-1) ?? '';
    const visible = lines.slice(0, -1).join('\n');
    // A note added above the table.
    expect(parseDashboardState(`${visible}\n\nplease look at app\n${stateLine}\n`)).toBeUndefined();
    // A look-alike planted after the real line, or before it.
    const forged = stateLine.replace('"d":"drifted"', '"d":"clean"');
    expect(parseDashboardState(`${body}${forged}\n`)).toBeUndefined();
    expect(parseDashboardState(`${forged}\n${body}`)).toBeUndefined();
    // The JSON changed by hand (the digest no longer matches), or broken.
    expect(parseDashboardState(`${visible}\n${forged}\n`)).toBeUndefined();
    expect(
      parseDashboardState(`${visible}\n${stateLine.replace('"rows":[', '"rows":[{')}\n`),
    ).toBeUndefined();
    // CRLF line ends, as an editor might save them, still read.
    expect(parseDashboardState(body.replace(/\n/g, '\r\n'))?.get('app')?.drift).toBe('drifted');
  });

  it('rejects stored values Stackgate never writes, with a matching digest', async () => {
    const { dashboardStateLine } = await import('../../src/report/dashboard-state.js');
    const visible = '<!-- stackgate:dashboard -->\n# x';
    const read = (json: string) => parseDashboardState(`${visible}\n${dashboardStateLine(visible, json)}\n`);
    expect(read('{"v":1,"rows":[{"n":"app"}]}')?.get('app')?.drift).toBe('clean');
    for (const bad of [
      '{"v":2,"rows":[]}',
      '{"v":1,"rows":[{"n":"app","d":"exploded"}]}',
      '{"v":1,"rows":[{"n":"app","u":"javascript:alert(1)"}]}',
      '{"v":1,"rows":[{"n":"app","a":["zz",1,"2026-01-01T00:00:00Z","x"]}]}',
      '{"v":1,"rows":[{"n":"app","a":["abcdef1",1,"yesterday","x"]}]}',
      '{"v":1,"rows":[{"n":"app","i":-1}]}',
      '{"v":1,"rows":[{"n":"app","extra":1}]}',
      '{"v":1,"rows":[{"n":"app"},{"n":"app"}]}',
      '{"v":1,"rows":[{"n":""}]}',
    ]) {
      expect(read(bad), bad).toBeUndefined();
    }
  });

  it('fits 400 applied stacks with the full state of every one, and every stack that needs attention', () => {
    const many: DashboardRow[] = Array.from({ length: 400 }, (_, i) => ({
      name: `team-${i % 7}/service-${String(i).padStart(3, '0')}-prod`,
      engine: 'tofu',
      drift: i % 20 === 0 ? 'drifted' : 'clean',
      ...(i % 20 === 0
        ? {
            driftSince: '2026-01-01T00:00:00Z',
            issueNumber: 1000 + i,
            issueUrl: `https://github.com/octo/infra/issues/${1000 + i}`,
          }
        : {}),
      pending: i % 33 === 0 ? 'pending' : 'none',
      ...(i % 33 === 0 ? { pendingCount: 3 } : {}),
      checkedAt: '2026-01-02T00:00:00Z',
      ...(i % 50 === 0 ? { lock: { pullNumber: 7, by: 'alice' } } : {}),
      lastApply: {
        sha: i.toString(16).padStart(40, 'c'),
        pullNumber: 100 + i,
        at: '2026-01-01T09:00:00Z',
        by: `engineer-${i % 13}`,
      },
    }));
    const body = renderDashboard(many, updated);
    expect(body.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_LENGTH);
    const state = parseDashboardState(body);
    expect(state?.size).toBe(400);
    expect(state?.get('team-1/service-001-prod')?.lastApply?.by).toBe('engineer-1');
    for (const row of many.filter((r) => r.drift === 'drifted' || r.pending === 'pending' || r.lock)) {
      expect(body).toContain(`| \`${row.name}\` |`);
    }
    expect(body).toMatch(/## Clean \(\d+\)/);
  });

  it('keeps the stacks that need attention in the state first when even the state must be cut', () => {
    const big = rows(3000, 100).map((row) =>
      row.issueNumber ? { ...row, issueUrl: `https://github.com/octo/infra/issues/${row.issueNumber}` } : row,
    );
    const body = renderDashboard(big, updated);
    expect(body.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_LENGTH);
    const state = parseDashboardState(body);
    expect(state).toBeDefined();
    expect(state!.size).toBeGreaterThan(100);
    expect(state!.size).toBeLessThan(3000);
    for (const row of big.slice(0, 100)) expect(state!.get(row.name)?.drift).toBe('drifted');
  });

  it('cuts even the stacks that need attention when there are thousands, and says so', () => {
    const body = renderDashboard(rows(3000, 3000), updated);
    expect(body.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_LENGTH);
    expect(body).toMatch(/and \d+ more stack\(s\) that need attention/);
  });
});

describe('drift and pending from the two plans', () => {
  const stack: Stack = {
    name: 'app',
    path: 'app',
    workspace: 'default',
    varFiles: [],
    env: {},
    whenModified: [],
  };
  const context = { workspace: '/w', env: {}, tempDir: '/t' };
  const salt = { repository: 'o/r' };

  function engine(answers: Record<'refresh-only' | 'normal', StackPlanResult | Error>): Engine {
    return {
      name: 'tofu',
      available: () => Promise.resolve(true),
      check: () => Promise.resolve({ format: [], diagnostics: [] }),
      apply: () => Promise.reject(new Error('never applies')),
      inspect: () => Promise.reject(new Error('never inspects')),
      planFile: () => Promise.reject(new Error('never asked')),
      plan: (_stack, _context, _salt, options) => {
        const answer = answers[options?.mode ?? 'normal'];
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
    };
  }

  const planned = (plan: Plan): StackPlanResult => ({
    status: 'planned',
    plan,
    diagnostics: [],
    durationMs: 1,
  });

  it('does not count the change that would undo drift as pending', async () => {
    const drift = fixturePlan('local_provider_delete');
    const refresh = { ...drift, drift: drift.changes, changes: [] };
    const undo = fixturePlan('local_provider_basic');
    const address = refresh.drift[0]?.address ?? '';
    const normal = { ...undo, changes: undo.changes.map((c) => ({ ...c, address })), outputs: [] };
    const result = await checkStackDrift(
      stack,
      engine({ 'refresh-only': planned(refresh), normal: planned(normal) }),
      context,
      salt,
    );
    expect(result.state).toBe('drifted');
    expect(result.pendingState).toBe('none');
  });

  it('turns an engine that throws into that stack’s error, and keeps the other plan’s result', async () => {
    const result = await checkStackDrift(
      stack,
      engine({ 'refresh-only': new Error('boom'), normal: planned(fixturePlan('local_provider_basic')) }),
      context,
      salt,
    );
    expect(result.state).toBe('errored');
    expect(result.errors.map((e) => e.message)).toEqual(['refresh-only plan: boom']);
    expect(result.pendingState).toBe('pending');
  });
});
