// What a matrix job hands to `command: report`: a versioned JSON document of its part of the run report, made
// from the redacted model only (the raw secrets the redaction collected are never in it). Plan values keep
// their markers: every object is tagged, so nothing in plan data can turn into a marker on the way back.
// Pure: text in, typed value out; a document that does not fit is an ArtifactFormatError, never a guess.
import { createHash } from 'node:crypto';
import {
  DeepValueMarker,
  EncodedJson,
  SensitiveMarker,
  UnknownMarker,
  type OutputChange,
  type Plan,
  type PlanValue,
  type ResourceChange,
} from '../plan/model.js';
import { SENSITIVE, UNKNOWN } from '../plan/redact.js';
import { ENGINE_NAMES, type EngineName } from '../engines/names.js';
import type { PolicyViolation } from '../plan/policy.js';
import type { Finding } from './findings.js';
import type { StackReport, StackStatus } from './types.js';

/** Raised when a document is not one this version reads: the version, or the first field that is wrong. */
export class ArtifactFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactFormatError';
  }
}

export const ARTIFACT_VERSION = 1;
export const PLAN_ARTIFACT_KIND = 'stackgate-plan';
export const DETECT_ARTIFACT_KIND = 'stackgate-detect';

/** Who made a document: the same header, commit and pull request must hold for every part of one report. */
export interface ArtifactRun {
  header: string;
  sha: string;
  pullNumber?: number;
  runAttempt: string;
}

export interface ArtifactStack {
  name: string;
  path: string;
  engine: EngineName;
}

/** One matrix job's plan: its `stacks` input, what it planned, and what it found. */
export interface PlanArtifact extends ArtifactRun {
  kind: typeof PLAN_ARTIFACT_KIND;
  version: typeof ARTIFACT_VERSION;
  /** The job's `stacks` input (the matrix entry), as names. */
  entry: string[];
  stacks: StackReport[];
  findings: Finding[];
  policyViolations: PolicyViolation[];
  openDrift: { stack: string; issue: number }[];
  /** Set when the job stopped before it could plan: why. */
  error?: string;
}

/** `command: detect`'s selection: the matrix entries the report expects, and the stacks left out. */
export interface DetectArtifact extends ArtifactRun {
  kind: typeof DETECT_ARTIFACT_KIND;
  version: typeof ARTIFACT_VERSION;
  /** Stack names per matrix entry, in matrix order. */
  entries: string[][];
  affected: ArtifactStack[];
  unaffected: ArtifactStack[];
  /** Findings about the whole change (deleted stacks). */
  findings: Finding[];
}

// ---------------------------------------------------------------------------------------------- plan values

type Encoded = null | boolean | number | string | Encoded[] | { $: string; [key: string]: Encoded };

function encodeValue(value: PlanValue | undefined): Encoded | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => encodeValue(item) ?? null);
  if (value instanceof SensitiveMarker) return { $: 'sensitive', changed: value.changed };
  if (value instanceof UnknownMarker) return { $: 'unknown' };
  if (value instanceof DeepValueMarker) return { $: 'deep', digest: value.digest };
  if (value instanceof EncodedJson) return { $: 'json', value: encodeValue(value.decoded) ?? null };
  const entries: Record<string, Encoded> = {};
  for (const [key, item] of Object.entries(value)) entries[key] = encodeValue(item) ?? null;
  return { $: 'object', value: entries as Encoded };
}

const SENSITIVE_CHANGED = new SensitiveMarker(true);

function decodeValue(raw: unknown, where: string): PlanValue {
  if (raw === null || typeof raw === 'boolean' || typeof raw === 'number' || typeof raw === 'string')
    return raw;
  if (Array.isArray(raw)) return raw.map((item, i) => decodeValue(item, `${where}[${i}]`));
  if (!isRecord(raw)) throw new ArtifactFormatError(`${where}: not a plan value`);
  switch (raw.$) {
    case 'sensitive':
      return raw.changed === true ? SENSITIVE_CHANGED : SENSITIVE;
    case 'unknown':
      return UNKNOWN;
    case 'deep':
      return new DeepValueMarker(text(raw.digest, `${where}.digest`));
    case 'json':
      return new EncodedJson(decodeValue(raw.value, `${where}.value`));
    case 'object': {
      if (!isRecord(raw.value)) throw new ArtifactFormatError(`${where}.value: expected an object`);
      const object: { [key: string]: PlanValue } = {};
      for (const [key, item] of Object.entries(raw.value)) object[key] = decodeValue(item, `${where}.${key}`);
      return object;
    }
    default:
      throw new ArtifactFormatError(`${where}: unknown value tag ${JSON.stringify(raw.$)}`);
  }
}

function encodeChange(change: ResourceChange): unknown {
  return { ...change, before: encodeValue(change.before), after: encodeValue(change.after) };
}

function encodeOutput(output: OutputChange): unknown {
  return { ...output, before: encodeValue(output.before), after: encodeValue(output.after) };
}

/** The plan without its raw secrets: those stay in the job that found them. */
function encodePlan(plan: Plan): unknown {
  return {
    ...plan,
    secrets: [],
    changes: plan.changes.map(encodeChange),
    drift: plan.drift.map(encodeChange),
    outputs: plan.outputs.map(encodeOutput),
  };
}

function encodeStack(stack: StackReport): unknown {
  return { ...stack, ...(stack.plan ? { plan: encodePlan(stack.plan) } : {}) };
}

export function encodePlanArtifact(artifact: PlanArtifact): string {
  return JSON.stringify({ ...artifact, stacks: artifact.stacks.map(encodeStack) });
}

export function encodeDetectArtifact(artifact: DetectArtifact): string {
  return JSON.stringify(artifact);
}

// ---------------------------------------------------------------------------------------------- reading

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new ArtifactFormatError(`${where}: expected a string`);
  return value;
}

function optionalText(value: unknown, where: string): string | undefined {
  return value === undefined ? undefined : text(value, where);
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new ArtifactFormatError(`${where}: expected a list`);
  return value;
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new ArtifactFormatError(`${where}: expected an object`);
  return value;
}

function wholeNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new ArtifactFormatError(`${where}: expected a whole number`);
  return value;
}

const STATUSES: readonly StackStatus[] = [
  'planned',
  'no-changes',
  'errored',
  'unaffected',
  'skipped',
  'applied',
  'apply-failed',
];

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new ArtifactFormatError(`${where}: expected one of ${allowed.join(', ')}`);
  return value as T;
}

function decodeStackRef(raw: unknown, where: string): ArtifactStack {
  const stack = record(raw, where);
  return {
    name: text(stack.name, `${where}.name`),
    path: text(stack.path, `${where}.path`),
    engine: oneOf(stack.engine, ENGINE_NAMES, `${where}.engine`),
  };
}

/** A change's or an output's `before` and `after`, decoded; the rest of the record as it is. */
function withValues<T>(item: Record<string, unknown>, where: string): T {
  const decoded: Record<string, unknown> = { ...item };
  for (const side of ['before', 'after'] as const) {
    if (item[side] !== undefined) decoded[side] = decodeValue(item[side], `${where}.${side}`);
  }
  return decoded as T;
}

function decodeChange(raw: unknown, where: string): ResourceChange {
  const change = record(raw, where);
  text(change.address, `${where}.address`);
  text(change.action, `${where}.action`);
  list(change.replacePaths, `${where}.replacePaths`);
  return withValues<ResourceChange>(change, where);
}

function decodeOutput(raw: unknown, where: string): OutputChange {
  const output = record(raw, where);
  text(output.name, `${where}.name`);
  return withValues<OutputChange>(output, where);
}

function decodePlan(raw: unknown, where: string): Plan {
  const plan = record(raw, where);
  record(plan.counts, `${where}.counts`);
  list(plan.diagnostics, `${where}.diagnostics`);
  return {
    ...(plan as unknown as Plan),
    secrets: [],
    changes: list(plan.changes, `${where}.changes`).map((c, i) => decodeChange(c, `${where}.changes[${i}]`)),
    drift: list(plan.drift, `${where}.drift`).map((c, i) => decodeChange(c, `${where}.drift[${i}]`)),
    outputs: list(plan.outputs, `${where}.outputs`).map((o, i) => decodeOutput(o, `${where}.outputs[${i}]`)),
  };
}

function decodeStack(raw: unknown, where: string): StackReport {
  const stack = record(raw, where);
  const ref = decodeStackRef(stack, where);
  return {
    ...(stack as unknown as StackReport),
    ...ref,
    status: oneOf(stack.status, STATUSES, `${where}.status`),
    diagnostics: list(stack.diagnostics, `${where}.diagnostics`) as StackReport['diagnostics'],
    message: optionalText(stack.message, `${where}.message`),
    fingerprint: optionalText(stack.fingerprint, `${where}.fingerprint`),
    appliesOnMerge: stack.appliesOnMerge === true ? true : undefined,
    ...(stack.plan !== undefined ? { plan: decodePlan(stack.plan, `${where}.plan`) } : {}),
  };
}

function decodeFinding(raw: unknown, where: string): Finding {
  const finding = record(raw, where);
  text(finding.title, `${where}.title`);
  text(finding.message, `${where}.message`);
  oneOf(finding.severity, ['error', 'warning', 'notice'] as const, `${where}.severity`);
  return finding as unknown as Finding;
}

function decodeRun(doc: Record<string, unknown>, kind: string): ArtifactRun {
  if (doc.kind !== kind) throw new ArtifactFormatError(`not a ${kind} document`);
  if (doc.version !== ARTIFACT_VERSION) {
    throw new ArtifactFormatError(
      `${kind} version ${JSON.stringify(doc.version)}; this Stackgate reads version ${ARTIFACT_VERSION} (use the same Stackgate version in every job)`,
    );
  }
  return {
    header: text(doc.header, 'header'),
    sha: text(doc.sha, 'sha'),
    ...(doc.pullNumber !== undefined ? { pullNumber: wholeNumber(doc.pullNumber, 'pullNumber') } : {}),
    runAttempt: text(doc.runAttempt, 'runAttempt'),
  };
}

function parse(body: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (error) {
    throw new ArtifactFormatError(`not JSON (${(error as Error).message})`);
  }
  return record(doc, 'document');
}

export function decodePlanArtifact(body: string): PlanArtifact {
  const doc = parse(body);
  const run = decodeRun(doc, PLAN_ARTIFACT_KIND);
  const violations = list(doc.policyViolations, 'policyViolations').map((raw, i) => {
    const violation = record(raw, `policyViolations[${i}]`);
    text(violation.policy, `policyViolations[${i}].policy`);
    text(violation.message, `policyViolations[${i}].message`);
    return violation as unknown as PolicyViolation;
  });
  return {
    kind: PLAN_ARTIFACT_KIND,
    version: ARTIFACT_VERSION,
    ...run,
    entry: list(doc.entry, 'entry').map((name, i) => text(name, `entry[${i}]`)),
    stacks: list(doc.stacks, 'stacks').map((raw, i) => decodeStack(raw, `stacks[${i}]`)),
    findings: list(doc.findings, 'findings').map((raw, i) => decodeFinding(raw, `findings[${i}]`)),
    policyViolations: violations,
    openDrift: list(doc.openDrift, 'openDrift').map((raw, i) => {
      const drift = record(raw, `openDrift[${i}]`);
      return {
        stack: text(drift.stack, `openDrift[${i}].stack`),
        issue: wholeNumber(drift.issue, `openDrift[${i}].issue`),
      };
    }),
    ...(doc.error !== undefined ? { error: text(doc.error, 'error') } : {}),
  };
}

export function decodeDetectArtifact(body: string): DetectArtifact {
  const doc = parse(body);
  const run = decodeRun(doc, DETECT_ARTIFACT_KIND);
  return {
    kind: DETECT_ARTIFACT_KIND,
    version: ARTIFACT_VERSION,
    ...run,
    entries: list(doc.entries, 'entries').map((entry, i) =>
      list(entry, `entries[${i}]`).map((name, j) => text(name, `entries[${i}][${j}]`)),
    ),
    affected: list(doc.affected, 'affected').map((raw, i) => decodeStackRef(raw, `affected[${i}]`)),
    unaffected: list(doc.unaffected, 'unaffected').map((raw, i) => decodeStackRef(raw, `unaffected[${i}]`)),
    findings: list(doc.findings, 'findings').map((raw, i) => decodeFinding(raw, `findings[${i}]`)),
  };
}

// ---------------------------------------------------------------------------------------------- names

function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Artifacts of one comment header share a prefix; `report` reads only its own. */
function prefix(kind: string, header: string): string {
  return `${kind}-${digest(header, 8)}-`;
}

/** One name per header, matrix entry and run attempt (a re-run job cannot reuse an artifact's name). */
export function planArtifactName(header: string, entry: readonly string[], runAttempt: string): string {
  return `${prefix(PLAN_ARTIFACT_KIND, header)}${digest([...entry].sort().join('\n'), 16)}-a${runAttempt}.json`;
}

export function detectArtifactName(header: string, runAttempt: string): string {
  return `${prefix(DETECT_ARTIFACT_KIND, header)}a${runAttempt}.json`;
}

export function isPlanArtifactName(name: string, header: string): boolean {
  return name.startsWith(prefix(PLAN_ARTIFACT_KIND, header));
}

export function isDetectArtifactName(name: string, header: string): boolean {
  return name.startsWith(prefix(DETECT_ARTIFACT_KIND, header));
}

/** The key that ties a plan artifact to its matrix entry, whatever the order of the names. */
export function entryKey(entry: readonly string[]): string {
  return [...entry].sort().join('\n');
}
