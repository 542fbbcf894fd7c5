// Fault injection: make chosen requests fail the way GitHub sometimes does (5xx, rate limits, slow answers,
// connections dropped), either before the request takes effect or after it (a write that succeeded but whose
// answer was lost: the case idempotent retries must survive).
import { findRoute } from './openapi.js';

/** What a fault predicate sees of a request. */
export interface FaultRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  operationId: string;
  /** `METHOD /template`, e.g. `POST /repos/{owner}/{repo}/issues/{issue_number}/comments`. */
  route: string;
  params: Record<string, string>;
  body: unknown;
}

export interface Fault {
  /** An operationId (`issues/create-comment`), `METHOD /template`, or a predicate. */
  route: string | ((req: FaultRequest) => boolean);
  /** How many matching requests fail (default 1; `Infinity` for all). */
  times?: number;
  /** Answer with this status instead of the real answer. */
  status?: number;
  /** Extra headers on the fault answer (retry-after, x-ratelimit-remaining: 0, x-ratelimit-reset…). */
  headers?: Record<string, string>;
  /** The fault answer's JSON body (default: GitHub's body for that status). */
  body?: unknown;
  /** Wait this long before answering (alone: a slow but otherwise normal answer). */
  delayMs?: number;
  /** Destroy the connection without any answer. */
  drop?: boolean;
  /** Apply the request's effect first, then fail the answer (status or drop). */
  afterEffect?: boolean;
}

export interface FaultHandle {
  /** Requests this fault has hit so far. */
  readonly hits: number;
  /** Hits left before the fault stops applying. */
  readonly remaining: number;
  cancel(): void;
}

export class ActiveFault implements FaultHandle {
  hits = 0;
  remaining: number;
  private readonly matches: (req: FaultRequest) => boolean;

  constructor(readonly spec: Fault) {
    this.remaining = spec.times ?? 1;
    const { route } = spec;
    if (typeof route === 'function') {
      this.matches = route;
    } else {
      // Fail fast on a typo: the key must name a real GitHub operation.
      if (!findRoute(route)) throw new Error(`stand-in inject(): no GitHub operation or route "${route}"`);
      this.matches = (req) => req.operationId === route || req.route === route;
    }
  }

  /** Claims one hit when the fault applies to this request. */
  claim(req: FaultRequest): boolean {
    if (this.remaining <= 0 || !this.matches(req)) return false;
    this.remaining -= 1;
    this.hits += 1;
    return true;
  }

  cancel(): void {
    this.remaining = 0;
  }
}

/** GitHub's body for a fault status when the test gave none. */
export function defaultFaultBody(status: number, headers: Record<string, string>): Record<string, unknown> {
  const documentation_url = 'https://docs.github.com/rest';
  if ((status === 403 || status === 429) && headers['x-ratelimit-remaining'] === '0') {
    return {
      message:
        'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
    };
  }
  if (status === 403 || status === 429) {
    return {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url:
        'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    };
  }
  if (status === 502) return { message: 'Server Error' };
  if (status === 503) return { message: 'Service Unavailable', documentation_url };
  if (status >= 500) return { message: 'Server Error', documentation_url };
  return { message: `Injected fault (${status})`, documentation_url };
}
