// HCL source text with its values taken out, for showing the shape of a line (a formatter diff) and nothing
// it holds: every string literal becomes `"…"` (with whatever its `${…}`/`%{…}` templates hold, nested string
// literals included) and every comment's text becomes `…` (`#`, `//` and `/* … */`, across lines).

/** Whether a line starts inside a `/* … *\/` comment. */
export interface HclLineState {
  inBlockComment: boolean;
}

export const HIDDEN_LITERAL = '…';

/** Index just past the string literal opening at `start` (a `"`), templates and their nested strings included. */
function stringEnd(line: string, start: number): number {
  let index = start + 1;
  while (index < line.length) {
    const char = line[index];
    if (char === '\\') {
      index += 2;
    } else if (char === '"') {
      return index + 1;
    } else if ((char === '$' || char === '%') && line[index + 1] === '{') {
      index = templateEnd(line, index + 2);
    } else {
      index += 1;
    }
  }
  return line.length;
}

/** Index just past the `}` closing a template whose body starts at `start`. */
function templateEnd(line: string, start: number): number {
  let depth = 1;
  let index = start;
  while (index < line.length) {
    const char = line[index];
    if (char === '"') {
      index = stringEnd(line, index);
      continue;
    }
    if (char === '{') depth += 1;
    if (char === '}') {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
    index += 1;
  }
  return line.length;
}

/** One line with its literals and comments hidden; `state` carries a block comment into the next line. */
export function hideLiterals(line: string, state: HclLineState): string {
  let out = '';
  let index = 0;
  while (index < line.length) {
    if (state.inBlockComment) {
      const close = line.indexOf('*/', index);
      const lead = /^\s*/.exec(line.slice(index))?.[0] || (out === '' ? '' : ' ');
      if (close === -1) return `${out}${lead}${HIDDEN_LITERAL}`;
      out += `${lead}${HIDDEN_LITERAL} */`;
      index = close + 2;
      state.inBlockComment = false;
      continue;
    }
    const char = line[index];
    const next = line[index + 1];
    if (char === '#' || (char === '/' && next === '/')) {
      const marker = char === '#' ? '#' : '//';
      return `${out}${marker} ${HIDDEN_LITERAL}`;
    }
    if (char === '/' && next === '*') {
      out += '/*';
      index += 2;
      state.inBlockComment = true;
      continue;
    }
    if (char === '"') {
      out += `"${HIDDEN_LITERAL}"`;
      index = stringEnd(line, index);
      continue;
    }
    out += char;
    index += 1;
  }
  return out;
}

/** The state at the start of each line of a file (index 0 is line 1), for a diff hunk starting mid-file. */
export function lineStates(text: string): HclLineState[] {
  const state: HclLineState = { inBlockComment: false };
  return text.split('\n').map((line) => {
    const at = { ...state };
    hideLiterals(line, state);
    return at;
  });
}
