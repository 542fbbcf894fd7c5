// What Stackgate reads from Terragrunt's own output: rendered configurations, its debug log, saved plan inputs.
import { describe, expect, it } from 'vitest';
import { factsFromRendered, mockOutputNotes, staleInputs } from '../../src/engines/terragrunt.js';

const WORKSPACE = '/repo';

describe('factsFromRendered (render-json --with-metadata)', () => {
  const rendered = {
    dependency: {
      vpc: {
        metadata: { found_in_file: '/repo/live/app/terragrunt.hcl' },
        value: { config_path: '../vpc', mock_outputs: { vpc_id: 'mock' } },
      },
    },
    dependencies: {
      metadata: { found_in_file: '/repo/live/common.hcl' },
      value: { paths: ['../db', '/elsewhere/x'] },
    },
    inputs: {
      env: { metadata: { found_in_file: '/repo/live/root.hcl' }, value: 'dev' },
      vpc_id: { metadata: { found_in_file: '/repo/live/app/terragrunt.hcl' }, value: 'mock' },
    },
    terraform: {
      metadata: { found_in_file: '/repo/live/app/terragrunt.hcl' },
      value: { source: '../../modules//svc?ref=x' },
    },
  };

  it('gives the files values come from, the local source and the dependencies, relative to the workspace', () => {
    expect(factsFromRendered(rendered, WORKSPACE, '/repo/live/app')).toEqual({
      includes: ['live/common.hcl', 'live/root.hcl'],
      source: 'modules/svc',
      dependencies: ['live/db', 'live/vpc'],
    });
  });

  it('leaves out a remote source', () => {
    for (const source of [
      'git::https://example.com/m.git//svc',
      'tfr:///org/m/aws?version=1.0.0',
      'github.com/o/m',
    ]) {
      const facts = factsFromRendered(
        { terraform: { metadata: null, value: { source } } },
        WORKSPACE,
        '/repo/u',
      );
      expect(facts.source).toBeUndefined();
    }
  });
});

describe('mockOutputNotes (Terragrunt v0.58.0 debug log)', () => {
  const line =
    'time=2026-12-03T12:10:44Z level=debug msg=WARNING: config /repo/live/vpc/terragrunt.hcl is a dependency of /repo/live/app/terragrunt.hcl that has no outputs, but mock outputs provided and returning those in dependency output.';

  it('names each dependency whose mock outputs stood in, once, as a warning on the unit', () => {
    const notes = mockOutputNotes(`${line}\n${line}\nother\n`, WORKSPACE, { path: 'live/app' });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      severity: 'warning',
      summary: 'Mock outputs of live/vpc: placeholders, not real values',
      file: 'live/app/terragrunt.hcl',
    });
  });

  it('says nothing when no mock output was used', () => {
    expect(mockOutputNotes('level=debug msg=Running command: tofu plan\n', WORKSPACE, { path: 'x' })).toEqual(
      [],
    );
  });
});

describe('staleInputs', () => {
  const rendered = {
    inputs: {
      env: { metadata: null, value: 'dev' },
      vpc_id: { metadata: null, value: 'vpc-real' },
      tags: { metadata: null, value: { b: 1, a: 2 } },
    },
  };

  it('names the inputs whose value differs from the saved plan, whatever the key order', () => {
    const variables = {
      env: { value: 'dev' },
      vpc_id: { value: 'mock-vpc-id' },
      tags: { value: { a: 2, b: 1 } },
    };
    expect(staleInputs(rendered, variables)).toEqual(['vpc_id']);
  });

  it('is empty when the plan holds the same values', () => {
    const variables = {
      env: { value: 'dev' },
      vpc_id: { value: 'vpc-real' },
      tags: { value: { a: 2, b: 1 } },
    };
    expect(staleInputs(rendered, variables)).toEqual([]);
  });
});
