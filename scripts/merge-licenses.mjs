// ncc writes one licence file per chunk of the bundle (`[name].licenses.txt`; the toolkits that are loaded on
// first use are chunks of their own). This merges them into one dist/licenses.txt: each package once, sorted,
// in ncc's own format (name, licence, text; entries apart by a blank line).
// Usage: node scripts/merge-licenses.mjs OUT.txt CHUNK.licenses.txt...
import { readFileSync, writeFileSync } from 'node:fs';

const PACKAGE = /^(@[a-z0-9._~-]+\/)?[a-z0-9._~-]+$/;
/** The line after a package name: a licence id or expression (`MIT`, `(MIT OR Apache-2.0)`, `MIT/X11`). */
const LICENCE_ID = /^\(?[A-Za-z0-9.+/-]+( (OR|AND|WITH) [A-Za-z0-9.+/-]+\)?)*\)?$/;

/**
 * Entries of one file: an entry starts, after a blank line, at a package-name line followed by a licence-id line,
 * a blank line or the end (ncc leaves out what a package does not declare). Text before the first start would be
 * an entry this could not read: the build stops rather than drop it.
 */
function entries(text, file) {
  const lines = text.replace(/\r\n/g, '\n').trimEnd().split('\n');
  const starts = lines.flatMap((line, index) => {
    const next = lines[index + 1] ?? '';
    return (index === 0 || lines[index - 1] === '') &&
      PACKAGE.test(line) &&
      (next === '' || LICENCE_ID.test(next))
      ? [index]
      : [];
  });
  if (lines.join('') !== '' && starts[0] !== 0) {
    throw new Error(`${file}: cannot read the licence entry at its start: ${JSON.stringify(lines[0])}`);
  }
  return starts.map((start, n) => ({
    name: lines[start],
    text: lines
      .slice(start, starts[n + 1] ?? lines.length)
      .join('\n')
      .trimEnd(),
  }));
}

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error('usage: merge-licenses.mjs OUT.txt CHUNK.licenses.txt...');
  process.exit(2);
}
const byName = new Map();
for (const input of inputs) {
  for (const entry of entries(readFileSync(input, 'utf8'), input)) {
    const known = byName.get(entry.name);
    if (known !== undefined && known !== entry.text) {
      console.error(`merge-licenses: ${entry.name} has two different texts; keeping both`);
      byName.set(`${entry.name}\0${byName.size}`, entry.text);
    } else byName.set(entry.name, entry.text);
  }
}
const merged = [...byName.keys()].sort().map((name) => byName.get(name));
writeFileSync(out, `${merged.join('\n\n')}\n`);
