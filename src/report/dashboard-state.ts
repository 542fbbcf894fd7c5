// The dashboard's memory: the last known state of every stack (drift, pending, last apply), kept in the
// dashboard issue body as one hidden line that Stackgate writes last. An apply reads it back to rewrite the
// table with its own rows changed, without checking every other stack again. Pure: rows in, text out, and back.
//
// The line is trusted only as Stackgate wrote it: it must be the body's last line, the only one of its kind, and
// carry the digest of everything above it. A body someone edited (a note added, a look-alike line planted, the
// JSON changed by hand) fails that check and the whole state is ignored; so is JSON that does not validate.
// The next drift run writes it afresh from the stacks themselves.
import { createHash } from 'node:crypto';
import { hiddenJson } from './markdown.js';

const STATE_TAG = 'stackgate:dashboard-state';
const STATE_LINE = /^<!-- stackgate:dashboard-state ([0-9a-f]{32}) (\{.*\}) -->$/;

export type StoredDrift = 'clean' | 'drifted' | 'errored' | 'skipped' | 'unknown';
export type StoredPending = 'none' | 'pending' | 'errored' | 'skipped' | 'unknown';

export interface LastApply {
  sha: string;
  pullNumber?: number;
  /** ISO time. */
  at: string;
  by: string;
}

/** What the dashboard remembers of one stack between runs (the engine and lock are read afresh each time). */
export interface StoredRow {
  name: string;
  drift: StoredDrift;
  /** ISO time the drift was first seen. */
  driftSince?: string;
  issueNumber?: number;
  issueUrl?: string;
  pending: StoredPending;
  pendingCount?: number;
  /** ISO time this stack's drift was last checked. */
  checkedAt?: string;
  /** `null`: the deployments say the stack was never applied; absent: not known. */
  lastApply?: LastApply | null;
}

/** One row as stored: short keys, defaults left out, so hundreds of stacks fit beside the table. */
interface Encoded {
  n: string;
  d?: StoredDrift;
  s?: string;
  i?: number;
  u?: string;
  p?: StoredPending;
  c?: number;
  /** 0: never checked, where most rows were. */
  k?: string | 0;
  /** [commit, pull request or 0, when, by whom], or 0 for never applied. */
  a?: [string, number, string, string] | 0;
}

interface EncodedState {
  v: 1;
  /** The check time most rows share; a row's own `k` overrides it. */
  k?: string;
  rows: Encoded[];
}

/** Times are kept to the minute (all the dashboard shows): `2026-01-02T03:04Z`. */
function minute(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 16)}Z` : iso;
}

function encodeRow(row: StoredRow, commonCheck: string | undefined): Encoded {
  const apply = row.lastApply;
  return {
    n: row.name,
    ...(row.drift !== 'clean' ? { d: row.drift } : {}),
    ...(row.driftSince ? { s: minute(row.driftSince) } : {}),
    ...(row.issueNumber !== undefined ? { i: row.issueNumber } : {}),
    ...(row.issueUrl ? { u: row.issueUrl } : {}),
    ...(row.pending !== 'none' ? { p: row.pending } : {}),
    ...(row.pendingCount ? { c: row.pendingCount } : {}),
    ...(row.checkedAt !== commonCheck ? { k: row.checkedAt ? minute(row.checkedAt) : (0 as const) } : {}),
    ...(apply === null
      ? { a: 0 as const }
      : apply
        ? { a: [apply.sha.slice(0, 12), apply.pullNumber ?? 0, minute(apply.at), apply.by] as Encoded['a'] }
        : {}),
  };
}

function mostCommon(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const value of values) if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** The digest of the visible text and the state together: editing either breaks it. */
function digestOf(visible: string, json: string): string {
  return createHash('sha256').update(`${visible.trimEnd()}\n${json}`, 'utf8').digest('hex').slice(0, 32);
}

/**
 * The state JSON for `rows` (most important first) within `budget` characters: past it, rows are left out
 * from the end (the clean ones), and an apply shows those as not checked until the next drift run.
 */
export function encodeDashboardState(rows: readonly StoredRow[], budget: number): string {
  const k = mostCommon(rows.map((row) => row.checkedAt && minute(row.checkedAt)));
  const encoded = rows.map((row) =>
    hiddenJson(encodeRow({ ...row, ...(row.checkedAt ? { checkedAt: minute(row.checkedAt) } : {}) }, k)),
  );
  const head = hiddenJson({ v: 1, ...(k ? { k } : {}), rows: [] } satisfies EncodedState).slice(0, -2);
  let length = head.length + 2;
  let kept = 0;
  for (const row of encoded) {
    if (length + row.length + 1 > budget) break;
    length += row.length + 1;
    kept += 1;
  }
  return `${head}${encoded.slice(0, kept).join(',')}]}`;
}

/** The hidden last line of the body: the digest of the visible text above it, then the state. */
export function dashboardStateLine(visible: string, json: string): string {
  return `<!-- ${STATE_TAG} ${digestOf(visible, json)} ${json} -->`;
}

/** The fixed characters `dashboardStateLine` adds around the JSON. */
export const STATE_LINE_OVERHEAD = `<!-- ${STATE_TAG}  -->`.length + 32 + 1;

// ---- reading it back (untrusted) -----------------------------------------------------------------------

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z$/;
const ISSUE_URL = /^https:\/\/[^\s()<>"'`]{1,300}\/issues\/\d{1,10}$/;
const SHORT_SHA = /^[0-9a-f]{7,40}$/;
const DRIFTS: readonly string[] = ['clean', 'drifted', 'errored', 'skipped', 'unknown'];
const PENDINGS: readonly string[] = ['none', 'pending', 'errored', 'skipped', 'unknown'];

function isTime(value: unknown): value is string {
  return typeof value === 'string' && ISO_TIME.test(value);
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** One stored row, or undefined when any field is not what Stackgate writes. */
function decodeRow(raw: unknown, commonCheck: string | undefined): StoredRow | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const row = raw as Record<string, unknown>;
  const known = new Set(['n', 'd', 's', 'i', 'u', 'p', 'c', 'k', 'a']);
  if (Object.keys(row).some((key) => !known.has(key))) return undefined;
  const { n, d = 'clean', s, i, u, p = 'none', c, a } = row;
  const k = row.k === 0 ? undefined : (row.k ?? commonCheck);
  if (typeof n !== 'string' || n.length === 0 || n.length > 300) return undefined;
  if (typeof d !== 'string' || !DRIFTS.includes(d)) return undefined;
  if (typeof p !== 'string' || !PENDINGS.includes(p)) return undefined;
  if (s !== undefined && !isTime(s)) return undefined;
  if (k !== undefined && !isTime(k)) return undefined;
  if (i !== undefined && !isCount(i, 1)) return undefined;
  if (u !== undefined && (typeof u !== 'string' || !ISSUE_URL.test(u))) return undefined;
  if (c !== undefined && !isCount(c, 0)) return undefined;
  let lastApply: LastApply | null | undefined;
  if (a === 0) {
    lastApply = null;
  } else if (a !== undefined) {
    if (!Array.isArray(a) || a.length !== 4) return undefined;
    const [sha, pull, at, by] = a as unknown[];
    if (typeof sha !== 'string' || !SHORT_SHA.test(sha) || !isCount(pull, 0) || !isTime(at)) return undefined;
    if (typeof by !== 'string' || by.length > 100) return undefined;
    lastApply = { sha, ...(pull > 0 ? { pullNumber: pull } : {}), at, by };
  }
  return {
    name: n,
    drift: d as StoredDrift,
    ...(s !== undefined ? { driftSince: s } : {}),
    ...(i !== undefined ? { issueNumber: i } : {}),
    ...(u !== undefined ? { issueUrl: u } : {}),
    pending: p as StoredPending,
    ...(c !== undefined ? { pendingCount: c } : {}),
    ...(k !== undefined ? { checkedAt: k } : {}),
    ...(lastApply !== undefined ? { lastApply } : {}),
  };
}

/**
 * The state Stackgate stored in a dashboard body, by stack; undefined when there is none, when the body was
 * edited since Stackgate wrote it, or when anything in it does not validate.
 */
export function parseDashboardState(body: string): Map<string, StoredRow> | undefined {
  const text = body.replace(/\r\n/g, '\n').trimEnd();
  if (text.split(STATE_TAG).length !== 2) return undefined;
  const cut = text.lastIndexOf('\n');
  const match = STATE_LINE.exec(text.slice(cut + 1));
  if (cut < 0 || !match?.[1] || !match[2]) return undefined;
  if (match[1] !== digestOf(text.slice(0, cut), match[2])) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(match[2]);
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const state = raw as { v?: unknown; k?: unknown; rows?: unknown };
  if (state.v !== 1 || !Array.isArray(state.rows) || state.rows.length > 20_000) return undefined;
  if (state.k !== undefined && !isTime(state.k)) return undefined;
  const rows = new Map<string, StoredRow>();
  for (const entry of state.rows) {
    const row = decodeRow(entry, state.k as string | undefined);
    if (!row || rows.has(row.name)) return undefined;
    rows.set(row.name, row);
  }
  return rows;
}
