// Test helpers: a small reader of the markdown GitHub will see, to check structure and safety.

export interface MarkdownShape {
  /** Text outside fenced code blocks (where HTML, mentions and references would be live). */
  outside: string;
  /** Contents of the fenced code blocks. */
  blocks: string[];
  /** Every fence that opened also closed. */
  fencesBalanced: boolean;
}

export function readMarkdown(body: string): MarkdownShape {
  const outside: string[] = [];
  const blocks: string[] = [];
  let fence: string | undefined;
  let current: string[] = [];
  for (const line of body.split('\n')) {
    if (fence === undefined) {
      const open = /^ {0,3}(`{3,})[^`]*$/.exec(line);
      if (open?.[1]) {
        fence = open[1];
        current = [];
      } else {
        outside.push(line);
      }
    } else if (new RegExp(`^ {0,3}\`{${fence.length},}\\s*$`).test(line)) {
      blocks.push(current.join('\n'));
      fence = undefined;
    } else {
      current.push(line);
    }
  }
  return { outside: outside.join('\n'), blocks, fencesBalanced: fence === undefined };
}

export function countOf(text: string, pattern: RegExp): number {
  return [
    ...text.matchAll(
      new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
    ),
  ].length;
}

/** `<details>` opened and closed the same number of times, never closing before opening. */
export function detailsBalanced(outside: string): boolean {
  let depth = 0;
  for (const match of outside.matchAll(/<(\/?)details\b[^>]*>/g)) {
    depth += match[1] ? -1 : 1;
    if (depth < 0) return false;
  }
  return depth === 0;
}
