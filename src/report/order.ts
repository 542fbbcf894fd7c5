// The order stacks and files are listed in, the same on every runner.

/**
 * Case-insensitive, then by UTF-16 code unit (upper case first). No locale: its order would follow the
 * runner's, and the first `localeCompare` of a process loads ICU's collator (about 10 ms, at the end of every
 * run).
 */
export function compareNames(a: string, b: string): number {
  const lowerA = a.toLowerCase();
  const lowerB = b.toLowerCase();
  if (lowerA !== lowerB) return lowerA < lowerB ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
