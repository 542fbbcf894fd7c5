// Every real OpenTofu fixture: parse plan.json, render it, and compare with tofu's own human plan text.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTerraformPlan } from '../../src/plan/terraform-json.js';
import { renderComment, renderStackSection } from '../../src/report/markdown.js';
import type { StackReport } from '../../src/report/types.js';
import { detailsBalanced, readMarkdown } from './markdown-check.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tofu-plans');
const cases = readdirSync(FIXTURES).sort();

function load(name: string): { json: unknown; text: string } {
  return {
    json: JSON.parse(readFileSync(join(FIXTURES, name, 'plan.json'), 'utf8')),
    text: readFileSync(join(FIXTURES, name, 'plan'), 'utf8'),
  };
}

function stackOf(name: string, json: unknown): StackReport {
  const plan = parseTerraformPlan(json, `${name}/plan.json`);
  return { name, path: `stacks/${name}`, engine: 'tofu', status: 'planned', plan, diagnostics: [] };
}

/** The part of tofu's text that describes changes: everything before the "Saved the plan" trailer. */
function changeText(text: string): string {
  return text.split('Saved the plan to:')[0] ?? text;
}

const CHANGE_LINE = /^\s*(?:[-+~]|-\/\+|\+\/-|<=)\s/;

/** Quoted strings tofu shows on +/-/~ lines and on identifying `id = "…"` lines. */
function quotedValues(text: string): string[] {
  const values: string[] = [];
  for (const line of changeText(text).split('\n')) {
    if (!CHANGE_LINE.test(line) && !/^\s+id\s+= "/.test(line)) continue;
    for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"/g))
      values.push(JSON.parse(`"${match[1]}"`) as string);
  }
  return values;
}

/** Lines inside `<<-EOT … EOT` heredocs, without their diff markers. */
function heredocLines(text: string): string[] {
  const lines: string[] = [];
  let inside = false;
  for (const line of changeText(text).split('\n')) {
    if (/<<-EOT\s*$/.test(line)) inside = true;
    else if (/^\s*EOT\b/.test(line)) inside = false;
    else if (inside) lines.push(line.replace(/^\s*[-+~]?\s+/, '').trim());
  }
  return lines.filter((line) => line !== '');
}

/** `~ key = A -> B` with scalar A and B: the arrow pair must appear as is. */
function scalarChanges(text: string): string[] {
  const pairs: string[] = [];
  for (const line of changeText(text).split('\n')) {
    const match = /^\s*~\s+\S+\s+=\s+(.+?) -> (.+?)(?: # forces replacement)?$/.exec(line);
    if (match && !/[[{(]$/.test(match[1]!) && !/^[[{]/.test(match[1]!))
      pairs.push(`${match[1]} -> ${match[2]}`);
  }
  return pairs;
}

function tofuCounts(text: string): { add: number; change: number; destroy: number } | undefined {
  const match = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\./.exec(text);
  return match ? { add: Number(match[1]), change: Number(match[2]), destroy: Number(match[3]) } : undefined;
}

function changedAddresses(json: unknown): string[] {
  const root = json as {
    resource_changes?: { address: string; previous_address?: string; change: { actions: string[] } }[];
  };
  return (root.resource_changes ?? [])
    .filter((rc) => rc.change.actions.join() !== 'no-op' || rc.previous_address)
    .flatMap((rc) => [rc.address, ...(rc.previous_address ? [rc.previous_address] : [])]);
}

describe('every tofu fixture', () => {
  it('has fixtures to test', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  describe.each(cases)('%s', (name) => {
    const { json, text } = load(name);
    const stack = stackOf(name, json);
    const section = renderStackSection(stack);

    it('counts as tofu’s Plan: line', () => {
      const expected = tofuCounts(text);
      const { add, change, destroy } = stack.plan!.counts;
      if (expected) expect({ add, change, destroy }).toEqual(expected);
      else expect({ add, change, destroy }).toEqual({ add: 0, change: 0, destroy: 0 });
    });

    it('shows every changed address', () => {
      for (const address of changedAddresses(json)) expect(section).toContain(address);
    });

    it('shows the quoted values tofu shows', () => {
      const missing = quotedValues(text).filter((value) => !section.includes(value));
      expect(missing).toEqual([]);
    });

    it('shows multi-line string lines and scalar changes', () => {
      const collapsed = section.replace(/ +/g, ' ');
      expect(heredocLines(text).filter((line) => !section.includes(line))).toEqual([]);
      expect(scalarChanges(text).filter((pair) => !collapsed.includes(pair))).toEqual([]);
    });

    it('renders balanced markdown in a comment', () => {
      const { body } = renderComment({
        command: 'plan',
        header: '',
        repository: 'o/r',
        sha: 'abc',
        stacks: [stack],
      });
      const shape = readMarkdown(body);
      expect(shape.fencesBalanced).toBe(true);
      expect(detailsBalanced(shape.outside)).toBe(true);
    });
  });
});

describe('fixture specifics', () => {
  const section = (name: string): string => renderStackSection(stackOf(name, load(name).json));

  it('marks the attributes that force replacement', () => {
    expect(section('simple_object_replace')).toMatch(/id = "a0ed13ec[^\n]+# forces replacement/);
    expect(section('replace_within_list')).toContain('# forces replacement');
  });

  it('shows JSON strings as jsonencode and multi-line strings as heredocs', () => {
    expect(section('basic_json_string_update')).toMatch(/string = jsonencode\(/);
    expect(section('basic_json_string_update')).toContain('"string" -> "a new string"');
    expect(section('basic_multiline_string_update')).toMatch(/<<-EOT\n(.*\n)*- +two\n/);
  });

  it('shows unknown values and unchanged counts', () => {
    expect(section('local_provider_basic')).toMatch(/id += \(known after apply\)/);
    expect(section('simple_object_replace')).toContain('# (1 unchanged attribute hidden)');
    expect(section('replace_within_list')).toContain('# (2 unchanged elements hidden)');
  });

  it('shows drift apart from the changes', () => {
    const text = section('drift_relevant_attributes');
    const [changes, drift] = text.split('#### Drift');
    expect(drift).toContain('tfcoremock_simple_resource.base has changed');
    expect(drift).toContain('"Hello, world!" -> "Hello, drift!"');
    expect(changes).not.toContain('"Hello, world!" -> "Hello, drift!"');
  });

  it('lists pure moves under Moves', () => {
    expect(section('moved_simple')).toMatch(
      /#### Moves\n\n- `tfcoremock_simple_resource.first` → `tfcoremock_simple_resource.second`/,
    );
    expect(section('moved_with_update')).toContain('# (moved from tfcoremock_simple_resource.base)');
  });

  it('shows output changes', () => {
    const text = section('variables_and_outputs');
    expect(text).toContain('#### Outputs');
    expect(text).toMatch(/\+ list_empty_default +=  ?\[\]/);
  });
});
