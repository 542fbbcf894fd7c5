// The per-stack line of a plan run's log: the engine's message only once both door checks have masked what they
// found; from a repository, so never a workflow command.
import { describe, expect, it } from 'vitest';
import { plannedLine } from '../../src/commands/plan.js';

const done = { status: 'fulfilled', value: [] } as const;
const failed = { status: 'rejected', reason: new Error('scan failed') } as const;

describe('plannedLine', () => {
  it('says the engine’s message when every door check settled well', () => {
    expect(plannedLine('prod/app', { status: 'errored', message: 'init failed' }, [done, done])).toBe(
      'prod/app: errored (init failed)',
    );
    expect(plannedLine('prod/app', { status: 'planned' }, [done, done])).toBe('prod/app: planned');
  });

  it('leaves the message out when a door check failed (it may not have masked a value the message quotes)', () => {
    const line = plannedLine('prod/app', { status: 'errored', message: 'bad key AKIA0123456789ABCDEF' }, [
      done,
      failed,
    ]);
    expect(line).toBe('prod/app: errored');
  });

  it('never lets a stack name or message start a workflow command', () => {
    const line = plannedLine('x\n::add-mask::y', { status: 'errored', message: '::stop-commands::z' }, [
      done,
    ]);
    expect(line).not.toMatch(/^::|\n/m);
    expect(line).not.toContain('::stop-commands::');
  });
});
