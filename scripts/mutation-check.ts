// Reads Stryker's JSON report and compares each file's mutation score with the one recorded in
// mutation-scores.json: the score of a file may only go up. Run by scripts/mutation.sh (`npm run mutation`).
//
// Merges the reports of the two Stryker runs (reports/mutation/core/ and reports/mutation/leaks/) into
// reports/mutation/mutation.json and mutation.html first.
//
// Usage: node scripts/mutation-check.ts [--partial] [--record]
//   --partial  the run mutated only some files (`npm run mutation -- --mutate FILE`): files missing from the
//              report are not an error
//   --record   after a passing check, write the new scores to mutation-scores.json and the README table
//              (never lowers a recorded score: a drop fails before anything is written)
// Exit status: 0 when no score dropped, 1 when one did or a recorded file is missing, 2 on a usage error.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SCORES = path.join(ROOT, 'mutation-scores.json');
const README = path.join(ROOT, 'README.md');
const START = '<!-- mutation:start -->';
const END = '<!-- mutation:end -->';

interface Mutant {
  status: string;
  mutatorName: string;
  replacement?: string;
  statusReason?: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { mutants: Mutant[] }>;
  [key: string]: unknown;
}
interface FileScore {
  file: string;
  mutants: number;
  killed: number;
  survived: number;
  noCoverage: number;
  equivalent: number;
  staticSkipped: number;
  errors: number;
  score: number;
  survivors: Mutant[];
}

const args = process.argv.slice(2);
const partial = args.includes('--partial');
const record = args.includes('--record');
if (args.some((a) => a !== '--partial' && a !== '--record')) {
  console.error('usage: node scripts/mutation-check.ts [--partial] [--record]');
  process.exit(2);
}
const REPORTS = path.join(ROOT, 'reports', 'mutation');
const parts = ['core', 'leaks']
  .map((run) => path.join(REPORTS, run, 'mutation.json'))
  .filter((file) => existsSync(file))
  .map((file) => JSON.parse(readFileSync(file, 'utf8')) as Report);
if (parts.length === 0) {
  console.error(`${REPORTS}: no Stryker report (run \`npm run mutation\` first)`);
  process.exit(2);
}
const report: Report = { ...parts[0], files: Object.assign({}, ...parts.map((p) => p.files)) };
writeFileSync(path.join(REPORTS, 'mutation.json'), JSON.stringify(report));
writeFileSync(path.join(REPORTS, 'mutation.html'), html(report));

/** The page Stryker's HTML reporter writes, for the merged report. */
function html(merged: Report): string {
  const require = createRequire(import.meta.url);
  const elements = require.resolve('mutation-testing-elements/dist/mutation-test-elements.js', {
    paths: [path.dirname(require.resolve('@stryker-mutator/core/package.json'))],
  });
  const json = JSON.stringify(merged).replace(/</g, '\\u003c');
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8"><script>',
    readFileSync(elements, 'utf8'),
    '</script></head><body><mutation-test-report-app titlePostfix="Stryker"></mutation-test-report-app><script>',
    `document.querySelector('mutation-test-report-app').report = ${json};`,
    '</script></body></html>',
  ].join('\n');
}

/** Ignored by `ignoreStatic` (stryker.config.mjs), not by a disable comment. */
function isStaticSkip(m: Mutant): boolean {
  return m.status === 'Ignored' && (m.statusReason ?? '').startsWith('Static mutant');
}

/** Stryker's own score: killed and timed-out mutants over every valid mutant that is not ignored. */
function scoreOf(file: string, mutants: Mutant[]): FileScore {
  const count = (...statuses: string[]): number => mutants.filter((m) => statuses.includes(m.status)).length;
  const killed = count('Killed', 'Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = killed + survived + noCoverage;
  return {
    file,
    mutants: mutants.length,
    killed,
    survived,
    noCoverage,
    equivalent: mutants.filter((m) => m.status === 'Ignored' && !isStaticSkip(m)).length,
    staticSkipped: mutants.filter(isStaticSkip).length,
    errors: count('CompileError', 'RuntimeError'),
    // Floored to two decimals so a recorded value compares exactly with a recomputed one.
    score: valid === 0 ? 100 : Math.floor((killed / valid) * 10_000) / 100,
    survivors: mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage'),
  };
}

const scores = Object.entries(report.files)
  .map(([file, data]) => scoreOf(path.relative(ROOT, path.resolve(ROOT, file)), data.mutants))
  .sort((a, b) => a.file.localeCompare(b.file));
const recorded = existsSync(SCORES)
  ? (JSON.parse(readFileSync(SCORES, 'utf8')) as Record<string, number>)
  : {};

const problems: string[] = [];
for (const s of scores) {
  const floor = recorded[s.file];
  const mark = floor === undefined ? 'new' : s.score < floor ? `DROPPED from ${floor}` : `recorded ${floor}`;
  console.log(
    `${s.file}: ${s.score.toFixed(2)} % (${s.killed} killed, ${s.survived} survived, ${s.noCoverage} no coverage, ` +
      `${s.equivalent} equivalent, ${s.staticSkipped} static not scored, ${s.errors} errors) — ${mark}`,
  );
  for (const m of s.survivors) {
    const at = `${s.file}:${m.location.start.line}:${m.location.start.column}`;
    console.log(`  ${m.status.padEnd(10)} ${at} ${m.mutatorName} → ${(m.replacement ?? '').split('\n')[0]}`);
  }
  if (floor !== undefined && s.score < floor)
    problems.push(`${s.file}: ${s.score} % is below its recorded ${floor} %`);
}
if (!partial) {
  for (const file of Object.keys(recorded)) {
    if (!scores.some((s) => s.file === file)) problems.push(`${file}: recorded but missing from the report`);
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(`mutation score check failed: ${p}`);
  process.exit(1);
}
console.log('mutation scores: none below its recorded value');

if (record) {
  const next: Record<string, number> = { ...recorded };
  for (const s of scores) next[s.file] = Math.max(s.score, recorded[s.file] ?? 0);
  const ordered = Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(SCORES, `${JSON.stringify(ordered, null, 2)}\n`);
  const readme = readFileSync(README, 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  const byFile = new Map(scores.map((s) => [s.file, s]));
  // A file not in this run keeps the counts of its last measured row.
  const lastCounts = new Map<string, string>();
  for (const line of from >= 0 && to > from ? readme.slice(from, to).split('\n') : []) {
    const cells = line.split('|').map((cell) => cell.trim());
    const file = /^`(.+)`$/.exec(cells[1] ?? '')?.[1];
    if (file && cells.length === 9) lastCounts.set(file, cells.slice(2, 7).join(' | '));
  }
  const rows = Object.entries(ordered).map(([file, score]) => {
    const s = byFile.get(file);
    const detail = s
      ? `${s.mutants} | ${s.killed} | ${s.survived + s.noCoverage} | ${s.equivalent} | ${s.staticSkipped}`
      : (lastCounts.get(file) ?? '– | – | – | – | –');
    return `| \`${file}\` | ${detail} | ${score.toFixed(2)} % |`;
  });
  const table = [
    '| File | Mutants | Killed | Surviving | Equivalent (disabled with a reason) | Static, not scored | Score |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  if (from >= 0 && to > from) {
    writeFileSync(README, `${readme.slice(0, from + START.length)}\n\n${table}\n\n${readme.slice(to)}`);
  }
  console.log(`recorded in ${path.relative(ROOT, SCORES)} and the README`);
}
