// Contract checking against GitHub's own OpenAPI description (@octokit/openapi). The description is loaded once
// per process; route matchers are compiled up front (cheap), ajv validators lazily per operation (the spec is
// 13 MB and has ~1,200 operations, most never called by a test).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type Json = unknown;
type SchemaNode = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: SchemaNode;
  'x-multi-segment'?: boolean;
}

interface Operation {
  operationId: string;
  parameters?: SchemaNode[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: SchemaNode }> };
  responses?: Record<string, SchemaNode>;
  externalDocs?: { url?: string };
}

interface Spec {
  paths: Record<string, Record<string, Operation | SchemaNode[]>>;
  components: Record<string, Record<string, SchemaNode>>;
}

export interface Route {
  method: string;
  template: string;
  operationId: string;
  documentationUrl: string;
  params: Parameter[];
  operation: Operation;
  regex: RegExp;
  paramNames: string[];
  /** Literal characters in the template: more literal text wins when two templates match. */
  literalLength: number;
  multiSegments: number;
}

export interface RouteMatch {
  route: Route;
  /** Path parameters, percent-decoded (Octokit sends `heads%2Fmain` for a ref). */
  params: Record<string, string>;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head']);

let cached: { spec: Spec; routes: Route[] } | undefined;

function loadSpec(): { spec: Spec; routes: Route[] } {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as Spec;
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method) || Array.isArray(op) || !op.operationId) continue;
      const params = [...shared, ...(op.parameters ?? [])].map(
        (p) => resolveRef(spec, p) as unknown as Parameter,
      );
      routes.push(compileRoute(method.toUpperCase(), template, op, params));
    }
  }
  // Most specific first: `/commits/{ref}/status` must beat `/commits/{ref}` whose ref may span segments.
  routes.sort((a, b) => b.literalLength - a.literalLength || a.multiSegments - b.multiSegments);
  cached = { spec, routes };
  return cached;
}

function compileRoute(method: string, template: string, operation: Operation, params: Parameter[]): Route {
  const paramNames: string[] = [];
  let multiSegments = 0;
  const pattern = template
    .replace(/[.*+?^${}()|[\]\\]/g, (ch) => `\\${ch}`)
    .replace(/\\\{(\w+)\\\}/g, (_m, name) => {
      paramNames.push(name as string);
      const multi = params.some((p) => p.in === 'path' && p.name === name && p['x-multi-segment']);
      if (multi) multiSegments += 1;
      return multi ? '(.+)' : '([^/]+)';
    });
  return {
    method,
    template,
    operationId: operation.operationId,
    documentationUrl: operation.externalDocs?.url ?? 'https://docs.github.com/rest',
    params,
    operation,
    regex: new RegExp(`^${pattern}/?$`),
    paramNames,
    literalLength: template.replace(/\{\w+\}/g, '').length,
    multiSegments,
  };
}

function resolveRef(spec: Spec, node: SchemaNode): SchemaNode {
  let current = node;
  for (let depth = 0; typeof current.$ref === 'string' && depth < 20; depth += 1) {
    const parts = current.$ref.replace(/^#\//, '').split('/');
    current = parts.reduce<SchemaNode>((acc, key) => acc[key] as SchemaNode, spec as unknown as SchemaNode);
  }
  return current;
}

/** Finds the operation for a request; `undefined` when GitHub has no such route (it answers 404). */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  const { routes } = loadSpec();
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.regex.exec(rawPath);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
      params[name] = safeDecode(m[i + 1] ?? '');
    });
    return { route, params };
  }
  return undefined;
}

/** Finds a route by operationId or by `METHOD /template`, for fault injection and logs. */
export function findRoute(key: string): Route | undefined {
  const { routes } = loadSpec();
  return routes.find((r) => r.operationId === key || `${r.method} ${r.template}` === key);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Schemas: OpenAPI 3.0 → plain JSON Schema that ajv understands, with only the components this operation uses.

/** Copies an OpenAPI schema into JSON Schema: `$ref`s into `definitions`, `nullable` into a `null` type. */
function toJsonSchema(spec: Spec, root: SchemaNode): SchemaNode {
  const definitions: Record<string, SchemaNode> = {};
  const pending: string[] = [];
  const convert = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(convert);
    if (!node || typeof node !== 'object') return node;
    const src = node as SchemaNode;
    if (typeof src.$ref === 'string') {
      const name = src.$ref.replace(/^#\/components\/schemas\//, '');
      if (!(name in definitions) && !pending.includes(name)) pending.push(name);
      return { $ref: `#/definitions/${name}` };
    }
    const out: SchemaNode = {};
    for (const [key, value] of Object.entries(src)) {
      if (key === 'nullable' || key === 'example' || key === 'examples' || key === 'description') continue;
      // `properties` holds names, not schemas: convert each value, keep every key.
      if (key === 'properties' && value && typeof value === 'object') {
        out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
      } else {
        out[key] = convert(value);
      }
    }
    if (src.nullable === true) {
      if (typeof out.type === 'string') {
        out.type = [out.type, 'null'];
        if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      } else {
        return { anyOf: [out, { type: 'null' }] };
      }
    }
    return out;
  };
  const schema = convert(root) as SchemaNode;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    definitions[name] = {}; // placeholder first: cycles stop here
    definitions[name] = convert(spec.components.schemas?.[name] ?? {}) as SchemaNode;
  }
  return { ...schema, definitions };
}

const formats = {
  // ajv-formats is not installed: GitHub's formats, checked simply (or not at all where GitHub is lenient).
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uri: /^[a-z][a-z0-9+.-]*:/i,
  email: /^[^\s@]+@[^\s@]+$/,
  'uri-template': true,
  int64: true,
  int32: true,
  binary: true,
  hostname: true,
  uuid: true,
  ipv4: true,
  ipv6: true,
  regex: true,
  password: true,
  byte: true,
} as const;

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, coerceTypes, validateSchema: false });
  for (const [name, check] of Object.entries(formats)) ajv.addFormat(name, check);
  return ajv;
}

let bodyAjv: Ajv | undefined;
let paramAjv: Ajv | undefined;

interface Validators {
  path: ValidateFunction;
  query: ValidateFunction;
  body?: ValidateFunction;
  bodyRequired: boolean;
  /** Top-level body keys the spec names; anything else is "not a permitted key" for implemented operations. */
  bodyKeys?: Set<string>;
  /** Top-level required keys of each 2xx JSON response, for checking the stand-in's own answers. */
  /** Per 2xx status, the required top-level fields of each allowed shape (several for a `oneOf`). */
  responseRequired: Map<string, string[][]>;
}

const validators = new Map<string, Validators>();

function compileValidators(route: Route): Validators {
  const hit = validators.get(route.operationId);
  if (hit) return hit;
  const { spec } = loadSpec();
  bodyAjv ??= makeAjv(false);
  paramAjv ??= makeAjv(true); // params arrive as strings: "5" must count as an integer
  const group = (where: 'path' | 'query'): SchemaNode => {
    const params = route.params.filter((p) => p.in === where);
    return toJsonSchema(spec, {
      type: 'object',
      properties: Object.fromEntries(params.map((p) => [p.name, p.schema ?? {}])),
      required: params.filter((p) => p.required).map((p) => p.name),
    });
  };
  const content = route.operation.requestBody?.content?.['application/json'];
  let body: ValidateFunction | undefined;
  let bodyKeys: Set<string> | undefined;
  if (content?.schema) {
    const raw = resolveRef(spec, content.schema);
    body = bodyAjv.compile(toJsonSchema(spec, raw));
    bodyKeys = topLevelKeys(spec, raw);
  }
  const responseRequired = new Map<string, string[][]>();
  for (const [status, response] of Object.entries(route.operation.responses ?? {})) {
    if (!status.startsWith('2')) continue;
    const schema = (
      resolveRef(spec, response).content as Record<string, { schema?: SchemaNode }> | undefined
    )?.['application/json']?.schema;
    if (!schema) continue;
    let resolved = resolveRef(spec, schema);
    if (resolved.type === 'array' && resolved.items)
      resolved = resolveRef(spec, resolved.items as SchemaNode);
    const shapes = [resolved.oneOf, resolved.anyOf].find(Array.isArray) as SchemaNode[] | undefined;
    const required = (shapes ?? [resolved])
      .map((shape) => resolveRef(spec, shape).required)
      .filter((fields): fields is string[] => Array.isArray(fields));
    if (required.length > 0) responseRequired.set(status, required);
  }
  const compiled: Validators = {
    path: paramAjv.compile(group('path')),
    query: paramAjv.compile(group('query')),
    body,
    bodyRequired: route.operation.requestBody?.required === true,
    bodyKeys,
    responseRequired,
  };
  validators.set(route.operationId, compiled);
  return compiled;
}

/** The property names an object body may have at its top level, across `allOf`/`anyOf`/`oneOf` branches. */
function topLevelKeys(spec: Spec, schema: SchemaNode): Set<string> | undefined {
  const keys = new Set<string>();
  let objectLike = false;
  const visit = (node: SchemaNode): void => {
    const s = resolveRef(spec, node);
    if (s.properties && typeof s.properties === 'object') {
      objectLike = true;
      for (const key of Object.keys(s.properties)) keys.add(key);
    }
    for (const combo of ['allOf', 'anyOf', 'oneOf']) {
      const branches = s[combo];
      if (Array.isArray(branches)) for (const b of branches) visit(b as SchemaNode);
    }
  };
  visit(schema);
  return objectLike ? keys : undefined;
}

export interface RequestToCheck {
  params: Record<string, string>;
  query: Record<string, string>;
  /** Parsed JSON body, or `undefined` when the request had none. */
  body: Json;
  /** Close the body at its top level (real GitHub answers 422 for unknown fields on these). */
  closedBody: boolean;
}

export interface ContractFault {
  /** 404 for a path parameter of the wrong shape (GitHub finds no resource), 422 for the rest. */
  status: 404 | 422;
  faults: string[];
}

/** Checks a request against its operation; returns GitHub-style fault lines, or undefined when it conforms. */
export function checkRequest(route: Route, req: RequestToCheck): ContractFault | undefined {
  const v = compileValidators(route);
  // Copies: ajv coerces in place.
  if (!v.path({ ...req.params })) return { status: 404, faults: describeErrors(v.path.errors) };
  const faults: string[] = [];
  if (!v.query({ ...req.query })) faults.push(...describeErrors(v.query.errors));
  if (v.body) {
    if (req.body === undefined) {
      if (v.bodyRequired) faults.push('Request body is required.');
    } else {
      if (req.closedBody && v.bodyKeys && isPlainObject(req.body)) {
        for (const key of Object.keys(req.body)) {
          if (!v.bodyKeys.has(key)) faults.push(`"${key}" is not a permitted key.`);
        }
      }
      if (!v.body(req.body)) faults.push(...describeErrors(v.body.errors));
    }
  }
  return faults.length > 0 ? { status: 422, faults: [...new Set(faults)] } : undefined;
}

/** Top-level required fields a 2xx answer lacks (the stand-in checks its own answers with this). */
export function missingResponseFields(route: Route, status: number, body: Json): string[] {
  const shapes = compileValidators(route).responseRequired.get(String(status));
  if (!shapes) return [];
  const items = Array.isArray(body) ? body : [body];
  const missing = new Set<string>();
  for (const item of items) {
    if (!isPlainObject(item)) continue;
    // An item conforms when it has every required field of one allowed shape; else report the closest shape.
    const lacking = shapes
      .map((required) => required.filter((key) => !(key in item)))
      .sort((a, b) => a.length - b.length)[0];
    for (const key of lacking ?? []) missing.add(key);
  }
  return [...missing];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ajv errors → the sentences GitHub's validator writes ("Only 65535 characters are allowed; …"). */
function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  const list = errors ?? [];
  // An anyOf/oneOf failure explains itself; drop the per-branch noise underneath it.
  const combos = list.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.schemaPath);
  const relevant = list.filter(
    (e) => !combos.some((path) => e.schemaPath !== path && e.schemaPath.startsWith(path)),
  );
  return relevant.map((e) => {
    const where = e.instancePath ? `For '${e.instancePath.replace(/^\//, '')}', ` : '';
    const data = e.data;
    switch (e.keyword) {
      case 'required':
        return `${where}"${String(e.params.missingProperty)}" wasn't supplied.`;
      case 'maxLength':
        return `${where}Only ${String(e.params.limit)} characters are allowed; ${String((data as string).length)} were supplied.`;
      case 'maxItems':
        return `${where}No more than ${String(e.params.limit)} items are allowed; ${String((data as unknown[]).length)} were supplied.`;
      case 'enum':
        return `${where}${JSON.stringify(data)} is not a member of ${JSON.stringify(e.params.allowedValues)}.`;
      case 'type':
        return `${where}${JSON.stringify(data)} is not ${article(String(e.params.type))}.`;
      case 'anyOf':
      case 'oneOf':
        return `${where}No subschema in "${e.keyword}" matched.`;
      case 'additionalProperties':
        return `${where}"${String(e.params.additionalProperty)}" is not a permitted key.`;
      default:
        return `${where}${e.message ?? 'is invalid'}.`;
    }
  });
}

function article(type: string): string {
  const first = type.split(',')[0] ?? type;
  return /^[aeiou]/.test(first) ? `an ${first}` : `a ${first}`;
}
