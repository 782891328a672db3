// Torii's public API over real HTTP for tests: the key probe, both upload paths, and the custom
// integration sync with its one-at-a-time rule. Every accepted sync is kept in `syncs` with the
// parsed file, so a test compares it with expected.ts.
import type { FaultPlan } from './faults';
import { RequestRecord, SimReply, SimRequest, startSimServer } from './server';
import { checkSyncFile } from './torii-file-check';
import { ToriiFileStore, parseJson, toriiError } from './torii-files';

export type ToriiKind = 'org' | 'upload' | 'uploadUrl' | 'presignedPut' | 'fileRegister' | 'sync' | 'other';

export interface ToriiSimulatorOptions {
  apiKey: string;
  /** After an accepted sync, further syncs answer 409 for this long; default 0. */
  syncBusyMs?: number;
  /** Lifetime of a presigned upload URL; default 300000. */
  presignTtlMs?: number;
  /** If set, syncs for other app accounts answer 404. */
  appAccountIds?: number[];
  /**
   * Files above this size are accepted unchecked (their `file` is null), because one string cannot
   * hold them: V8 caps a string near 512 MB, and a 1,000,000-user file is about 900 MB. Default: check all.
   */
  checkFilesUpToBytes?: number;
  /** The object store reads a presigned PUT's body at this many bytes a second (0: not at all); default: as fast as it comes. */
  presignedPutBytesPerSecond?: number;
}

export interface ToriiSync {
  appAccountId: number;
  fileId: number;
  /** The parsed, validated file. */
  file: unknown;
  at: number;
  via: 'direct' | 'presigned';
  bytes: number;
}

export interface ToriiSimulator {
  origin: string;
  /** `${origin}/v1.0` */
  apiUrl: string;
  /** Live settings: change them mid-test. */
  settings: { apiKey: string; syncBusyMs: number; presignTtlMs: number; appAccountIds?: number[]; presignedPutBytesPerSecond?: number };
  syncs: ToriiSync[];
  requests: RequestRecord<ToriiKind>[];
  faults: FaultPlan<ToriiKind>;
  readonly connections: number;
  fetchesByUrl(url: string): number;
  /**
   * From now on, a sync Torii accepts keeps the account busy (409 to every other sync call) until
   * the returned release is called: a test decides when Torii is free, instead of racing syncBusyMs.
   */
  holdBusyAfterNextSync(): () => void;
  close(): Promise<void>;
}

export async function startToriiSimulator(opts: ToriiSimulatorOptions): Promise<ToriiSimulator> {
  const settings = {
    apiKey: opts.apiKey,
    syncBusyMs: opts.syncBusyMs ?? 0,
    presignTtlMs: opts.presignTtlMs ?? 300_000,
    appAccountIds: opts.appAccountIds,
    presignedPutBytesPerSecond: opts.presignedPutBytesPerSecond,
  };
  const store = new ToriiFileStore(() => settings.presignTtlMs);
  const syncs: ToriiSync[] = [];
  let busyUntil = 0;
  let holdNext = false;
  let origin = '';

  const sync = (req: SimRequest): SimReply => {
    const body = parseJson(req.body);
    const fileId = numeric(body?.idFile);
    const appAccountId = numeric(body?.idAppAccount);
    // Torii validates with Joi, which converts numeric strings; anything else is a 400.
    if (!Number.isInteger(fileId) || fileId <= 0) return toriiError(400, '"idFile" must be a number');
    if (!Number.isInteger(appAccountId) || appAccountId <= 0) return toriiError(400, '"idAppAccount" must be a number');
    const stored = store.files.get(fileId);
    if (!stored) return toriiError(404, 'File not found');
    if (settings.appAccountIds && !settings.appAccountIds.includes(appAccountId)) return toriiError(404, 'App account not found');
    if (Date.now() < busyUntil) return toriiError(409, 'A sync is already in progress');
    const checked = stored.bytes.length > (opts.checkFilesUpToBytes ?? Infinity) ? { file: null } : checkSyncFile(stored.bytes);
    if ('error' in checked) return toriiError(400, checked.error);
    const at = Date.now();
    busyUntil = holdNext ? Number.POSITIVE_INFINITY : at + settings.syncBusyMs;
    holdNext = false;
    syncs.push({ appAccountId, fileId, file: checked.file, at, via: stored.via, bytes: stored.bytes.length });
    return { status: 200, body: { success: true } };
  };

  const handle = async (req: SimRequest, kind: ToriiKind): Promise<SimReply> => {
    if (kind === 'presignedPut') return store.putPresigned(req);
    if (req.headers.authorization !== `Bearer ${settings.apiKey}`) return toriiError(401, 'Invalid or missing API key');
    switch (kind) {
      case 'org': return { status: 200, body: { org: { id: 1, companyName: 'Sim', domain: 'example.com', creationTime: '2020-01-01T00:00:00.000Z' } } };
      case 'upload': return store.uploadDirect(req);
      case 'uploadUrl': return store.presign(req, origin);
      case 'fileRegister': return store.register(req);
      case 'sync': return sync(req);
      default: return toriiError(404, 'Not Found');
    }
  };

  const readBytesPerSecond = (kind: ToriiKind) => (kind === 'presignedPut' ? settings.presignedPutBytesPerSecond : undefined);
  const server = await startSimServer<ToriiKind>({ classify, handle, readBytesPerSecond });
  origin = server.origin;
  return {
    origin,
    apiUrl: `${origin}/v1.0`,
    settings,
    syncs,
    requests: server.requests,
    faults: server.faults,
    get connections() { return server.connections; },
    fetchesByUrl: server.fetchesByUrl,
    holdBusyAfterNextSync() {
      holdNext = true;
      return () => {
        holdNext = false;
        busyUntil = 0;
      };
    },
    close: server.close,
  };
}

function numeric(value: unknown): number {
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '') ? Number(value) : NaN;
}

function classify(method: string, path: string): ToriiKind {
  const route = `${method} ${path}`;
  if (method === 'PUT' && path.startsWith('/presigned/')) return 'presignedPut';
  if (route === 'GET /v1.0/orgs/my') return 'org';
  if (route === 'POST /v1.0/files/upload') return 'upload';
  if (route === 'GET /v1.0/files/url') return 'uploadUrl';
  if (route === 'POST /v1.0/files') return 'fileRegister';
  if (route === 'PUT /v1.0/services/sync/custom') return 'sync';
  return 'other';
}
