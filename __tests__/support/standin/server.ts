// The HTTP side: one request goes route → auth → JSON → contract → fault → repository → permission → handler,
// and every request lands in the call log. Contract breaches (what real GitHub would reject as malformed) also
// land in `violations`, so a test can assert there were none.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArtifactService } from './artifacts.js';
import { ActiveFault, defaultFaultBody, type Fault, type FaultHandle, type FaultRequest } from './faults.js';
import { checkRequest, isPlainObject, matchRoute, missingResponseFields, type Route } from './openapi.js';
import {
  accountHandlers,
  GitHubError,
  handlers,
  type AccountHandler,
  type Answer,
  type RouteContext,
} from './routes.js';
import type { Permission, StandInState, TokenInfo } from './state.js';

export interface CallRecord {
  seq: number;
  method: string;
  /** Path without the query string, as sent (percent-encoding kept). */
  path: string;
  query: Record<string, string>;
  /** GitHub's operationId, or undefined for a route GitHub does not have. */
  operationId?: string;
  /** `METHOD /template`. */
  route?: string;
  params: Record<string, string>;
  /** 0 when the connection was dropped without an answer. */
  status: number;
  requestBody: unknown;
  responseBody: unknown;
  responseHeaders: Record<string, string>;
  token?: string;
  /** Set when an injected fault shaped this answer. */
  fault?: 'status' | 'delay' | 'drop';
}

export interface Violation {
  operationId?: string;
  method: string;
  path: string;
  status: number;
  /** Why GitHub would reject the request, e.g. `checks/create (POST /repos/o/r/check-runs): "foo" is not a permitted key.` */
  fault: string;
}

export interface ServerOptions {
  /** Login of tokens that were not registered (default `github-actions[bot]`). */
  defaultLogin: string;
  htmlUrl: string;
  rateLimit: number;
}

const DOCS = 'https://docs.github.com/rest';
const LEVEL: Record<Permission, number> = { none: 0, read: 1, write: 2 };

export class StandInServer {
  readonly calls: CallRecord[] = [];
  readonly violations: Violation[] = [];
  private readonly faults: ActiveFault[] = [];
  private readonly server: Server;
  /** The runner's artifact service (results API and blob storage), on the same port. */
  readonly artifacts: ArtifactService = new ArtifactService(() => this.url, this.violations);
  private readonly resetAt = Math.floor(Date.now() / 1000) + 3600;
  url = '';

  constructor(
    readonly state: StandInState,
    private readonly options: ServerOptions,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in the stand-in itself: answer 500 and make it visible.
        this.violations.push({
          method: req.method ?? '',
          path: req.url ?? '',
          status: 500,
          fault: `stand-in error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Server Error' }));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  inject(fault: Fault): FaultHandle {
    const active = new ActiveFault(fault);
    this.faults.push(active);
    return active;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.url);
    const call: CallRecord = {
      seq: this.calls.length + 1,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      params: {},
      status: 0,
      requestBody: raw.length > 0 ? parsedOrText(raw) : undefined,
      responseBody: undefined,
      responseHeaders: {},
    };
    this.calls.push(call);
    const send = (answer: Answer): void => this.send(res, call, answer);
    const reject = (status: number, body: Record<string, unknown>, fault: string): void => {
      const where = call.operationId
        ? `${call.operationId} (${method} ${call.path})`
        : `${method} ${call.path}`;
      this.violations.push({
        operationId: call.operationId,
        method,
        path: call.path,
        status,
        fault: `${where}: ${fault}`,
      });
      send({ status, body });
    };

    if (this.artifacts.handles(url.pathname)) {
      call.route = `${method} ${url.pathname.replace(/\/artifact-blobs\/.*/, '/artifact-blobs/…')}`;
      call.status = await this.artifacts.handle(req, res, url, raw);
      return;
    }
    if (method === 'POST' && url.pathname === '/graphql') {
      const answer = this.graphql(req, raw, call, reject);
      if (answer) send(answer);
      return;
    }
    const match = matchRoute(method, url.pathname);
    if (!match) {
      reject(
        404,
        { message: 'Not Found', documentation_url: DOCS, status: '404' },
        "no such route in GitHub's API",
      );
      return;
    }
    const { route, params } = match;
    call.operationId = route.operationId;
    call.route = `${route.method} ${route.template}`;
    call.params = params;
    const docs = route.documentationUrl;

    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) {
      send({
        status: 401,
        body: { message: 'Requires authentication', documentation_url: docs, status: '401' },
      });
      return;
    }
    call.token = token;
    const identity: TokenInfo = this.state.tokens.get(token) ?? {
      token,
      login: this.options.defaultLogin,
      userType: this.options.defaultLogin.endsWith('[bot]') ? 'Bot' : 'User',
    };

    let body: unknown;
    if (raw.length > 0) {
      body = tryParse(raw);
      if (body === INVALID_JSON) {
        reject(
          400,
          { message: 'Problems parsing JSON', documentation_url: docs, status: '400' },
          'body is not JSON',
        );
        return;
      }
    }

    const handler = handlers[route.operationId] ?? accountHandlers[route.operationId];
    const contract = checkRequest(route, {
      params,
      query: call.query,
      body,
      closedBody: handler !== undefined,
    });
    if (contract) {
      const text = contract.faults.join('\n');
      const answer =
        contract.status === 404
          ? { message: 'Not Found', documentation_url: docs, status: '404' }
          : { message: `Invalid request.\n\n${text}`, documentation_url: docs, status: '422' };
      reject(contract.status, answer, text);
      return;
    }
    if (!handler) {
      reject(
        501,
        { message: `The stand-in does not implement ${route.operationId}` },
        'not implemented by the stand-in',
      );
      return;
    }

    const faultRequest: FaultRequest = {
      method,
      path: url.pathname,
      query: call.query,
      operationId: route.operationId,
      route: call.route,
      params,
      body,
    };
    const fault = this.faults.find((f) => f.claim(faultRequest))?.spec;
    if (fault?.delayMs) {
      call.fault = 'delay';
      await sleep(fault.delayMs);
    }
    if (fault && !fault.afterEffect && this.failAnswer(req, res, call, fault)) return;

    const answer = this.run(route, params, call.query, body, identity, url.pathname);
    if (fault?.afterEffect && this.failAnswer(req, res, call, fault)) return;
    send(answer);
  }

  /**
   * GitHub's GraphQL endpoint, for the one query an action needs: `viewer { login }`, the account the token acts
   * as (a bot for GITHUB_TOKEN and App installation tokens, the user for a personal access token).
   */
  private graphql(
    req: IncomingMessage,
    raw: Buffer,
    call: CallRecord,
    reject: (status: number, body: Record<string, unknown>, fault: string) => void,
  ): Answer | undefined {
    call.operationId = 'graphql';
    call.route = 'POST /graphql';
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return { status: 401, body: { message: 'Requires authentication', status: '401' } };
    call.token = token;
    const identity = this.state.tokens.get(token) ?? { login: this.options.defaultLogin };
    const body = tryParse(raw) as { query?: unknown } | typeof INVALID_JSON;
    const query = body !== INVALID_JSON && typeof body?.query === 'string' ? body.query : '';
    if (!/^\s*(?:query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(query)) {
      reject(
        400,
        { message: 'The stand-in answers only `query { viewer { login } }`' },
        'unsupported GraphQL',
      );
      return undefined;
    }
    return { status: 200, body: { data: { viewer: { login: identity.login } } } };
  }

  /** Answers with the fault instead of the real answer; false when the fault is only a delay. */
  private failAnswer(req: IncomingMessage, res: ServerResponse, call: CallRecord, fault: Fault): boolean {
    if (fault.drop) {
      call.fault = 'drop';
      call.status = 0;
      req.socket.destroy();
      return true;
    }
    if (fault.status !== undefined) {
      call.fault = 'status';
      const headers = fault.headers ?? {};
      this.send(res, call, {
        status: fault.status,
        headers,
        body: fault.body ?? defaultFaultBody(fault.status, headers),
      });
      return true;
    }
    return false;
  }

  /** Repository, permission, then the handler: GitHub's answer for a well-formed request. */
  private run(
    route: Route,
    params: Record<string, string>,
    query: Record<string, string>,
    body: unknown,
    identity: TokenInfo,
    path: string,
  ): Answer {
    const docs = route.documentationUrl;
    const account = accountHandlers[route.operationId];
    if (account) return this.runAccount(route, account, identity, path);
    const handler = handlers[route.operationId];
    const data = this.state.repo(`${params.owner ?? ''}/${params.repo ?? ''}`);
    if (!handler || !data)
      return { status: 404, body: { message: 'Not Found', documentation_url: docs, status: '404' } };
    if (!allowed(identity, handler.permissions, handler.level)) {
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: docs, status: '403' },
      };
    }
    const ctx: RouteContext = {
      state: this.state,
      data,
      params,
      query,
      body: isPlainObject(body) ? body : {},
      rawBody: body,
      actor: { login: identity.login, type: identity.userType },
      urls: { api: this.url, html: this.options.htmlUrl },
      path,
      documentationUrl: docs,
    };
    try {
      const answer = handler.handle(ctx);
      this.checkAnswer(route, path, answer);
      return answer;
    } catch (error) {
      if (!(error instanceof GitHubError)) throw error;
      if (error.violation) {
        this.violations.push({
          operationId: route.operationId,
          method: route.method,
          path,
          status: error.status,
          fault: `${route.operationId} (${route.method} ${path}): ${error.violation}`,
        });
      }
      return { status: error.status, body: error.body };
    }
  }

  /** A stand-in answer that lacks a field the spec requires is the stand-in's fault: recorded like a violation. */
  private checkAnswer(route: Route, path: string, answer: Answer): void {
    const missing = answer.status < 300 ? missingResponseFields(route, answer.status, answer.body) : [];
    if (missing.length === 0) return;
    this.violations.push({
      operationId: route.operationId,
      method: route.method,
      path,
      status: answer.status,
      fault: `stand-in answer for ${route.operationId} lacks required field(s): ${missing.join(', ')}`,
    });
  }

  /** An operation on the token's own account (no repository, no installation permission). */
  private runAccount(route: Route, handler: AccountHandler, identity: TokenInfo, path: string): Answer {
    try {
      const answer = handler.handle({
        state: this.state,
        identity,
        urls: { api: this.url, html: this.options.htmlUrl },
        documentationUrl: route.documentationUrl,
      });
      this.checkAnswer(route, path, answer);
      return answer;
    } catch (error) {
      if (!(error instanceof GitHubError)) throw error;
      return { status: error.status, body: error.body };
    }
  }

  private send(res: ServerResponse, call: CallRecord, answer: Answer): void {
    this.state.rateLimitUsed += 1;
    const used = this.state.rateLimitUsed;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': `STANDIN:${call.seq}`,
      'x-ratelimit-limit': String(this.options.rateLimit),
      'x-ratelimit-remaining': String(Math.max(0, this.options.rateLimit - used)),
      'x-ratelimit-reset': String(this.resetAt),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core',
      ...lowerKeys(answer.headers ?? {}),
    };
    call.status = answer.status;
    call.responseBody = answer.body;
    call.responseHeaders = headers;
    if (answer.status === 204 || answer.body === undefined) {
      delete headers['content-type'];
      res.writeHead(answer.status, headers);
      res.end();
      return;
    }
    res.writeHead(answer.status, headers);
    res.end(JSON.stringify(answer.body));
  }
}

function allowed(identity: TokenInfo, names: readonly string[], level: Permission): boolean {
  if (!identity.permissions) return true; // unregistered tokens may do anything
  if (names.includes('metadata')) return true; // every installation token can read metadata
  const perms = identity.permissions as Record<string, Permission | undefined>;
  return names.some((name) => LEVEL[perms[name] ?? 'none'] >= LEVEL[level]);
}

const INVALID_JSON = Symbol('invalid JSON');

function tryParse(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

function parsedOrText(raw: Buffer): unknown {
  const parsed = tryParse(raw);
  return parsed === INVALID_JSON ? raw.toString('utf8') : parsed;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
