import { describe, expect, it } from 'vitest';

describe('test runtime', () => {
  it('is Node 24, the runtime action.yml declares', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
