// A stand-in for the Actions cache service, legacy protocol (the one @actions/cache speaks when the runner sets
// ACTIONS_CACHE_URL): look up by key and version, reserve, upload in ranges, commit, download. Entries are kept
// in memory as the opaque archives the client made, so a test can read them and replace one (a tampered plan).
// Test support only: it checks no scope, which the real service does by branch.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CacheEntry {
  key: string;
  version: string;
  archive: Buffer;
}

export interface CacheService {
  /** For ACTIONS_CACHE_URL (ends with `/`). */
  readonly url: string;
  /** Committed entries by key. */
  readonly entries: Map<string, CacheEntry>;
  /** The environment a run needs to use this service. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

function body(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startCacheService(): Promise<CacheService> {
  const entries = new Map<string, CacheEntry>();
  const reserved = new Map<number, { key: string; version: string; parts: Buffer }>();
  let nextId = 1;
  let url = '';
  const server: Server = createServer((request, response) => {
    void (async () => {
      const address = new URL(request.url ?? '/', 'http://localhost');
      const route = address.pathname.replace(/^\/(_apis\/artifactcache\/)?/, '');
      const json = (status: number, value?: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(value === undefined ? undefined : JSON.stringify(value));
      };
      const data = await body(request);
      if (request.method === 'GET' && route === 'cache') {
        const keys = (address.searchParams.get('keys') ?? '').split(',');
        const version = address.searchParams.get('version') ?? '';
        const entry = keys.map((key) => entries.get(key)).find((found) => found?.version === version);
        if (!entry) return json(204);
        return json(200, {
          cacheKey: entry.key,
          scope: 'refs/heads/main',
          archiveLocation: `${url}download/${encodeURIComponent(entry.key)}`,
        });
      }
      if (request.method === 'GET' && route.startsWith('download/')) {
        const entry = entries.get(decodeURIComponent(route.slice('download/'.length)));
        if (!entry) return json(404);
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': String(entry.archive.length),
        });
        return response.end(entry.archive);
      }
      if (request.method === 'POST' && route === 'caches') {
        const { key, version } = JSON.parse(data.toString('utf8')) as { key: string; version: string };
        // The real service refuses a second entry under one key and version.
        if (entries.has(key)) return json(409, { message: `Cache already exists: ${key}` });
        const id = nextId++;
        reserved.set(id, { key, version, parts: Buffer.alloc(0) });
        return json(201, { cacheId: id });
      }
      const id = /^caches\/(\d+)$/.exec(route)?.[1];
      const pending = id ? reserved.get(Number(id)) : undefined;
      if (pending && request.method === 'PATCH') {
        const start = Number(/bytes (\d+)-/.exec(request.headers['content-range'] ?? '')?.[1] ?? 0);
        const grown = Buffer.alloc(Math.max(pending.parts.length, start + data.length));
        pending.parts.copy(grown);
        data.copy(grown, start);
        pending.parts = grown;
        return json(204);
      }
      if (pending && request.method === 'POST') {
        entries.set(pending.key, { key: pending.key, version: pending.version, archive: pending.parts });
        reserved.delete(Number(id));
        return json(204);
      }
      return json(404, { message: `cache stand-in: no route ${request.method} ${address.pathname}` });
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    entries,
    env: () => ({ ACTIONS_CACHE_URL: url, ACTIONS_RUNTIME_TOKEN: 'cache-stand-in-token' }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
