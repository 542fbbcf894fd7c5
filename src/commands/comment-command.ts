// `/stackgate <verb> [stack…]` in a pull request comment, parsed strictly: only a comment whose first line is
// exactly that is a command; anything else is ignored. A near miss of a known verb gets a helpful reply.

export const VERBS = ['apply', 'plan', 'unlock'] as const;
export type Verb = (typeof VERBS)[number];

export type ParsedComment =
  | { kind: 'command'; verb: Verb; stacks: string[] }
  | { kind: 'unknown'; word: string; suggestion?: Verb }
  | { kind: 'ignored' };

const PREFIX = '/stackgate';
/** Stack names as the config allows them in a comment: no spaces, no markdown. */
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function parseComment(body: string): ParsedComment {
  const lines = body.replace(/\r\n?/g, '\n').trim().split('\n');
  const first = lines[0]?.trim() ?? '';
  const words = first.split(/[ \t]+/);
  if (words[0] !== PREFIX) return { kind: 'ignored' };
  // Only the command line counts; anything after it must be blank (no hidden second command).
  if (lines.slice(1).some((line) => line.trim() !== '')) return { kind: 'ignored' };
  const [, verb = '', ...stacks] = words;
  if ((VERBS as readonly string[]).includes(verb)) {
    const bad = stacks.find((stack) => !STACK_NAME.test(stack));
    if (bad !== undefined) return { kind: 'unknown', word: `${verb} ${bad}` };
    return { kind: 'command', verb: verb as Verb, stacks: [...new Set(stacks)] };
  }
  const lower = verb.toLowerCase();
  const suggestion = VERBS.find((known) => distance(lower, known) <= 2);
  return { kind: 'unknown', word: verb, ...(suggestion ? { suggestion } : {}) };
}
