// Safe markdown for text that comes from plans, configs and engines: it can never close its code block or
// <details>, inject HTML, @-mention anyone, or link an issue.

const ZERO_WIDTH_SPACE = '\u200b';

// ANSI escape sequences (CSI, OSC and two-character ones), then every other control character but tab and
// newline: C0, DEL, C1, and the bidirectional overrides that make text read differently than it is.
const ANSI_SEQUENCE =
  // eslint-disable-next-line no-control-regex
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|\u009b[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text without ANSI escapes or control characters: only tab and newline are kept (CRLF becomes LF). */
export function stripControl(text: string): string {
  // A lone carriage return would let text overwrite the line it sits on in a terminal-like log view.
  return text.replace(ANSI_SEQUENCE, '').replace(CONTROL, '').replace(/\r\n/g, '\n').replace(/\r/g, '');
}

/**
 * One line for the run log from repository text (stack names, folders, engine messages): no control characters,
 * newlines shown as `⏎`, and nothing the runner reads as a workflow command (`::name::` at the start of a line,
 * the legacy `##[name]` anywhere).
 */
export function logSafe(text: string): string {
  return stripControl(text)
    .replace(/\r\n|\r|\n/g, ' ⏎ ')
    .replace(/:(?=:)/g, `:${ZERO_WIDTH_SPACE}`)
    .replace(/##\[/g, `#${ZERO_WIDTH_SPACE}#[`);
}

/** Breaks GitHub's autolinks (`https://…`, `www.…`) so repository text in a table cell never becomes a link. */
export function neutralizeAutolinks(text: string): string {
  return text
    .replace(/([A-Za-z][A-Za-z0-9+.-]*):\/\//g, `$1:${ZERO_WIDTH_SPACE}//`)
    .replace(/\b(www)\./gi, `$1${ZERO_WIDTH_SPACE}.`);
}

/** Escapes HTML so text can sit in raw HTML (`<summary>`) or in markdown without becoming a tag. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Breaks `@user` and `#123` (also `GH-123`) so GitHub neither notifies nor links. */
export function neutralizeReferences(text: string): string {
  return text
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZERO_WIDTH_SPACE}`)
    .replace(/#(?=\d)/g, `#${ZERO_WIDTH_SPACE}`)
    .replace(/\bGH-(?=\d)/gi, (match) => `${match}${ZERO_WIDTH_SPACE}`);
}

/** Markdown punctuation that could start emphasis, links, tables or strikethrough. */
const MARKDOWN_SPECIALS = /[\\`*_[\]|~!]/g;

/** Plain inline text: one line, no HTML, no markdown formatting, no mentions. */
export function escapeText(text: string): string {
  const oneLine = stripControl(text).replace(/\r?\n|\r/g, ' ');
  return neutralizeAutolinks(
    neutralizeReferences(escapeHtml(oneLine).replace(MARKDOWN_SPECIALS, (char) => `\\${char}`)),
  );
}

/** Text for raw HTML contexts such as `<summary>`: markdown is not processed there, entities are. */
export function escapeHtmlText(text: string): string {
  return neutralizeAutolinks(neutralizeReferences(escapeHtml(stripControl(text).replace(/\r?\n|\r/g, ' '))));
}

function longestRun(text: string, char: string): number {
  // Scans from one occurrence to the next: most texts (every diff block) hold none at all.
  let longest = 0;
  for (let start = text.indexOf(char); start !== -1;) {
    let end = start + 1;
    while (text[end] === char) end += 1;
    longest = Math.max(longest, end - start);
    start = text.indexOf(char, end);
  }
  return longest;
}

/**
 * An inline code span that its content cannot close. `|` is escaped because GFM splits table cells on it
 * even inside code spans. Code spans are never linked or mentioned, so no other escaping is needed.
 */
export function inlineCode(text: string): string {
  const oneLine = stripControl(text)
    .replace(/\r?\n|\r/g, ' ')
    .replace(/\|/g, '\\|');
  const fence = '`'.repeat(longestRun(oneLine, '`') + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') || oneLine.trim() === '' ? ' ' : '';
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

/** The fence for a block: longer than any backtick run in the content, so the content cannot close it. */
export function fenceFor(content: string): string {
  return '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
}

/** A fenced code block; its content is shown verbatim and cannot end the block early. */
export function codeBlock(raw: string, language = ''): string {
  const content = stripControl(raw);
  const fence = fenceFor(content);
  const body = content.endsWith('\n') ? content : `${content}\n`;
  return `${fence}${language}\n${body}${fence}\n`;
}
