// The runner's artifact service as `@actions/artifact` 6 talks to it: the results service's Twirp JSON API
// (`/twirp/github.actions.results.api.v1.ArtifactService/<Method>`, proto field names, a Bearer runtime token
// whose `scp` claim names the run and job: `Actions.Results:<run>:<job>`), and blob storage behind the signed
// URLs it hands out (Azure Blob's Put Block / Put Block List for uploads, a plain GET for downloads).
// Strict like the real one: an unknown field, a wrong run or job, a name used twice in a run, an upload that
// does not match its finalize, or a blob request without its signature is refused and recorded as a violation.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const ARTIFACT_SERVICE = 'github.actions.results.api.v1.ArtifactService';

export interface ArtifactRecord {
  id: number;
  runBackendId: string;
  jobBackendId: string;
  name: string;
  mimeType: string;
  createdAt: string;
  /** Blocks staged but not yet committed, by block id. */
  blocks: Map<string, Buffer>;
  /** The committed blob; undefined until Put Block List or Put Blob. */
  content?: Buffer;
  finalized: boolean;
  signature: string;
}

export interface ArtifactViolation {
  method: string;
  path: string;
  status: number;
  fault: string;
}

/** The fields each method's request may carry (proto names), and which of them it must. */
const REQUESTS: Record<string, { allowed: string[]; required: string[] }> = {
  CreateArtifact: {
    allowed: [
      'workflow_run_backend_id',
      'workflow_job_run_backend_id',
      'name',
      'expires_at',
      'version',
      'mime_type',
    ],
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name', 'version'],
  },
  FinalizeArtifact: {
    allowed: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name', 'size', 'hash'],
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name', 'size'],
  },
  ListArtifacts: {
    allowed: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name_filter', 'id_filter'],
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id'],
  },
  GetSignedArtifactURL: {
    allowed: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name'],
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name'],
  },
  DeleteArtifact: {
    allowed: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name'],
    required: ['workflow_run_backend_id', 'workflow_job_run_backend_id', 'name'],
  },
};

/** Names the real service refuses (as `@actions/artifact` validates them). */
const FORBIDDEN_NAME = /["<>|*?\r\n\\/:]/;

interface Scope {
  run: string;
  job: string;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly violation = true,
  ) {
    super(message);
  }
}

export class ArtifactService {
  readonly artifacts: ArtifactRecord[] = [];
  private nextId = 1;

  constructor(
    private readonly baseUrl: () => string,
    private readonly violations: ArtifactViolation[],
  ) {}

  /** ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL for one job of a workflow run. */
  jobEnv(run: string, job: string): Record<string, string> {
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    const claims = base64url(
      JSON.stringify({ scp: `Actions.GenericRead:00000000 Actions.Results:${run}:${job}`, exp: 4102444800 }),
    );
    return {
      ACTIONS_RUNTIME_TOKEN: `${header}.${claims}.${base64url('stand-in signature')}`,
      ACTIONS_RESULTS_URL: `${this.baseUrl()}/`,
    };
  }

  /** The artifacts of a run that were finalized, as a test reads them. */
  finalized(run?: string): ArtifactRecord[] {
    return this.artifacts.filter((a) => a.finalized && (run === undefined || a.runBackendId === run));
  }

  /** True when the request was for the artifact service (answered here). */
  handles(path: string): boolean {
    return path.startsWith(`/twirp/${ARTIFACT_SERVICE}/`) || path.startsWith('/artifact-blobs/');
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): Promise<number> {
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      if (url.pathname.startsWith('/artifact-blobs/')) return this.blob(req, res, url, raw, method);
      return this.twirp(req, res, url, raw, method);
    } catch (error) {
      if (!(error instanceof TwirpError)) throw error;
      if (error.violation)
        this.violations.push({
          method,
          path: url.pathname,
          status: error.status,
          fault: `artifact service: ${error.message}`,
        });
      res.writeHead(error.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: error.code, msg: error.message }));
      return error.status;
    }
  }

  private scope(req: IncomingMessage): Scope {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) throw new TwirpError(401, 'unauthenticated', 'no Bearer runtime token');
    const [, payload] = token.split('.');
    let scp: string;
    try {
      scp = String(
        (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { scp?: unknown }).scp ?? '',
      );
    } catch {
      throw new TwirpError(401, 'unauthenticated', 'the runtime token is not a JWT');
    }
    const results = scp.split(' ').find((part) => part.startsWith('Actions.Results:'));
    const [, run, job] = results?.split(':') ?? [];
    if (!run || !job)
      throw new TwirpError(403, 'permission_denied', 'the runtime token has no Actions.Results scope');
    return { run, job };
  }

  private twirp(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer, method: string): number {
    const name = url.pathname.slice(`/twirp/${ARTIFACT_SERVICE}/`.length);
    const spec = REQUESTS[name];
    if (method !== 'POST' || !spec) throw new TwirpError(404, 'bad_route', `no method ${method} ${name}`);
    const scope = this.scope(req);
    if (!/^application\/json/.test(req.headers['content-type'] ?? ''))
      throw new TwirpError(400, 'malformed', 'Content-Type must be application/json');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new TwirpError(400, 'malformed', 'body is not JSON');
    }
    const unknown = Object.keys(body).filter((key) => !spec.allowed.includes(key));
    const missing = spec.required.filter((key) => body[key] === undefined || body[key] === '');
    if (unknown.length > 0 || missing.length > 0) {
      throw new TwirpError(
        400,
        'invalid_argument',
        `${name}: ${[...unknown.map((k) => `unknown field ${k}`), ...missing.map((k) => `missing ${k}`)].join(', ')}`,
      );
    }
    // A download names the job that uploaded the artifact; everything else acts as the token's own job.
    const jobOk =
      name === 'GetSignedArtifactURL'
        ? this.artifacts.some(
            (a) =>
              a.runBackendId === scope.run &&
              a.name === body.name &&
              a.jobBackendId === body.workflow_job_run_backend_id,
          )
        : body.workflow_job_run_backend_id === scope.job;
    if (body.workflow_run_backend_id !== scope.run || !jobOk) {
      throw new TwirpError(
        403,
        'permission_denied',
        `${name}: the backend ids are not the token's run and job`,
      );
    }
    const answer = this.answer(name, body, scope);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
    return 200;
  }

  private answer(name: string, body: Record<string, unknown>, scope: Scope): Record<string, unknown> {
    const inRun = this.artifacts.filter((a) => a.runBackendId === scope.run);
    const artifactName = typeof body.name === 'string' ? body.name : '';
    switch (name) {
      case 'CreateArtifact': {
        if (FORBIDDEN_NAME.test(artifactName))
          throw new TwirpError(
            400,
            'invalid_argument',
            `artifact name ${JSON.stringify(artifactName)} is not allowed`,
          );
        if (typeof body.version !== 'number' || body.version < 4)
          throw new TwirpError(
            400,
            'invalid_argument',
            `CreateArtifact: version ${String(body.version)} is not supported`,
          );
        if (inRun.some((a) => a.name === artifactName))
          throw new TwirpError(
            409,
            'already_exists',
            'an artifact with this name already exists on the workflow run',
          );
        const record: ArtifactRecord = {
          id: this.nextId++,
          runBackendId: scope.run,
          jobBackendId: scope.job,
          name: artifactName,
          mimeType: typeof body.mime_type === 'string' ? body.mime_type : 'application/zip',
          createdAt: new Date().toISOString(),
          blocks: new Map(),
          finalized: false,
          signature: randomBytes(12).toString('hex'),
        };
        this.artifacts.push(record);
        return { ok: true, signed_upload_url: this.blobUrl(record) };
      }
      case 'FinalizeArtifact': {
        const record = inRun.find(
          (a) => a.name === artifactName && a.jobBackendId === scope.job && !a.finalized,
        );
        if (!record)
          throw new TwirpError(
            404,
            'not_found',
            `FinalizeArtifact: no artifact ${artifactName} being uploaded by this job`,
          );
        if (!record.content)
          throw new TwirpError(400, 'failed_precondition', 'FinalizeArtifact: nothing was uploaded');
        if (String(body.size) !== String(record.content.length))
          throw new TwirpError(
            400,
            'invalid_argument',
            `FinalizeArtifact: size ${String(body.size)}, uploaded ${record.content.length}`,
          );
        const hash = `sha256:${createHash('sha256').update(record.content).digest('hex')}`;
        if (body.hash !== undefined && body.hash !== hash)
          throw new TwirpError(
            400,
            'invalid_argument',
            `FinalizeArtifact: hash ${String(body.hash)}, uploaded ${hash}`,
          );
        record.finalized = true;
        return { ok: true, artifact_id: String(record.id) };
      }
      case 'ListArtifacts': {
        const nameFilter = body.name_filter;
        const idFilter = body.id_filter;
        return {
          artifacts: inRun
            .filter((a) => a.finalized)
            .filter((a) => nameFilter === undefined || a.name === nameFilter)
            .filter((a) => idFilter === undefined || String(a.id) === String(idFilter))
            .map((a) => ({
              workflow_run_backend_id: a.runBackendId,
              workflow_job_run_backend_id: a.jobBackendId,
              database_id: String(a.id),
              name: a.name,
              size: String(a.content?.length ?? 0),
              created_at: a.createdAt,
              digest: `sha256:${createHash('sha256')
                .update(a.content ?? Buffer.alloc(0))
                .digest('hex')}`,
            })),
        };
      }
      case 'GetSignedArtifactURL': {
        const record = inRun.find((a) => a.name === artifactName && a.finalized);
        if (!record)
          throw new TwirpError(404, 'not_found', `GetSignedArtifactURL: no artifact ${artifactName}`);
        return { signed_url: this.blobUrl(record) };
      }
      default: {
        const index = this.artifacts.findIndex(
          (a) => a.runBackendId === scope.run && a.name === artifactName,
        );
        const [removed] = index >= 0 ? this.artifacts.splice(index, 1) : [];
        if (!removed) throw new TwirpError(404, 'not_found', `DeleteArtifact: no artifact ${artifactName}`);
        return { ok: true, artifact_id: String(removed.id) };
      }
    }
  }

  private blobUrl(record: ArtifactRecord): string {
    return `${this.baseUrl()}/artifact-blobs/results/${record.id}/${encodeURIComponent(record.name)}?sig=${record.signature}`;
  }

  private blob(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer, method: string): number {
    const id = Number(/^\/artifact-blobs\/results\/(\d+)\//.exec(url.pathname)?.[1]);
    const record = this.artifacts.find((a) => a.id === id);
    if (!record || url.searchParams.get('sig') !== record.signature)
      throw new TwirpError(403, 'AuthenticationFailed', 'blob request without a valid signature');
    const done = (status: number, headers: Record<string, string> = {}, body?: Buffer): number => {
      res.writeHead(status, {
        'x-ms-request-id': randomBytes(8).toString('hex'),
        'x-ms-version': '2025-01-05',
        date: new Date().toUTCString(),
        ...headers,
      });
      res.end(body);
      return status;
    };
    if (method === 'GET') {
      if (!record.finalized || !record.content)
        throw new TwirpError(404, 'BlobNotFound', 'the artifact was not finalized', false);
      return done(
        200,
        {
          'content-type': record.mimeType,
          'content-length': String(record.content.length),
          'content-disposition': `attachment; filename="${record.name}"`,
        },
        record.content,
      );
    }
    if (method !== 'PUT') throw new TwirpError(405, 'UnsupportedHttpVerb', `${method} on a blob`);
    if (record.finalized) throw new TwirpError(409, 'BlobImmutable', 'the artifact is finalized');
    const comp = url.searchParams.get('comp');
    const etag = { etag: `"0x${randomBytes(6).toString('hex')}"`, 'last-modified': new Date().toUTCString() };
    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid');
      if (!blockId) throw new TwirpError(400, 'InvalidQueryParameterValue', 'Put Block without blockid');
      record.blocks.set(blockId, raw);
      return done(201, { 'x-ms-request-server-encrypted': 'true' });
    }
    if (comp === 'blocklist') {
      const ids = [...raw.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map(
        (m) => m[1] ?? '',
      );
      const missing = ids.filter((blockId) => !record.blocks.has(blockId));
      if (missing.length > 0)
        throw new TwirpError(400, 'InvalidBlockList', `unknown block(s) ${missing.join(', ')}`);
      record.content = Buffer.concat(ids.map((blockId) => record.blocks.get(blockId) ?? Buffer.alloc(0)));
      return done(201, { ...etag, 'x-ms-request-server-encrypted': 'true' });
    }
    if (comp === null && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      record.content = raw;
      return done(201, { ...etag, 'x-ms-request-server-encrypted': 'true' });
    }
    throw new TwirpError(
      400,
      'InvalidQueryParameterValue',
      `unsupported blob operation comp=${String(comp)}`,
    );
  }
}
