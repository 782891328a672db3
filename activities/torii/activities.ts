// The Torii port's activities: build the sync's Torii file from the store and stage it, upload the
// staged file, ask Torii to sync it into the app account, and write and upload a mapped
// application's file. A dry run keeps its file instead of uploading it.
import { rm } from 'node:fs/promises';
import { activityInfo } from '@temporalio/activity';
import { join } from 'node:path';
import type { Got } from 'got';
import type { SyncMetrics } from '../../contract/metrics';
import type { ToriiTarget } from '../../contract/sync';
import { ProblemError, reportingProblems } from '../problem';
import { dryRunFilePath, removeOlderDryRuns, stagedFileReady, stagedUploadPath } from '../staged-files';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import type { MappedAppKey } from '../store/activities';
import { toriiApi, type ToriiSink } from './api';
import { writeAppAccountFile } from './app-account-file';
import { writeToriiFile } from './file';

export interface ToriiActivityDeps {
  sql: Sql;
  http: Got;
  toriiApiUrl: string;
  /** The worker's TORII_API_KEY, used when the input brings none. */
  toriiApiKey?: string;
  /** Where dry runs keep their files and uploads stage theirs. */
  filesDir: string;
  /** The sync's own metrics on the runtime's meter (requests are counted by the HTTP client itself). */
  metrics: SyncMetrics;
  /** Files up to this size are uploaded to Torii directly, larger ones through a presigned URL; default Torii's 3 MB. */
  toriiDirectUploadLimit?: number;
  /** TORII_UPLOAD_ALLOWED_HOSTS: presigned upload hosts exempt from the public-host rule (activities/torii/upload-url.ts). */
  toriiUploadAllowedHosts?: string[];
  /** Replaces the Torii sink (tests, other sinks). */
  toriiSink?: (apiKey: string) => ToriiSink;
}

export interface BuiltToriiFile {
  /** Where a dry run kept the file; null when it is staged for uploadToriiFile (a path on this host only). */
  filePath: string | null;
  bytes: number;
  users: number;
  licenses: number;
}

export interface UploadArgs extends SnapshotKey {
  torii: ToriiTarget;
  /** The size buildToriiFile answered: a staged file of another size is not the one it built. */
  bytes: number;
}

export interface PublishArgs extends SnapshotKey {
  torii: ToriiTarget;
  dryRun: boolean;
}

export interface MappedAppArgs extends MappedAppKey {
  torii: ToriiTarget;
  dryRun: boolean;
  /** The application as settleAppAccount found it. */
  appId: string;
  name: string;
  /** False when this sync could not read usage: the file carries no lastUsedDate. */
  withUsage: boolean;
}

export interface MappedAppOutcome {
  /** Null on a dry run. */
  fileId: number | null;
  /** Where a dry run kept the file; null otherwise. */
  filePath: string | null;
  users: number;
  lastUsedDates: number;
}

/** A failure after which no attempt of this activity follows: not retryable, or this was the last attempt. */
function endsTheUpload(err: unknown): boolean {
  if (err instanceof ProblemError && !err.problem.retryable) return true;
  const { attempt, retryPolicy } = activityInfo();
  return retryPolicy?.maximumAttempts !== undefined && retryPolicy.maximumAttempts > 0 && attempt >= retryPolicy.maximumAttempts;
}

export function createToriiActivities(deps: ToriiActivityDeps) {
  const sinkFor = (torii: ToriiTarget): ToriiSink => {
    const apiKey = torii.apiKey ?? deps.toriiApiKey;
    if (!apiKey) {
      throw new ProblemError({
        type: 'InvalidConfiguration',
        cause: 'No Torii API key: the input has no torii.apiKey and the worker has no TORII_API_KEY.',
        fix: 'Set TORII_API_KEY on the worker or pass torii.apiKey in the input.',
        retryable: false,
      });
    }
    return deps.toriiSink ? deps.toriiSink(apiKey) : toriiApi(deps.http, deps.toriiApiUrl, apiKey, deps.toriiDirectUploadLimit, deps.toriiUploadAllowedHosts);
  };

  /** Uploads a file and counts it by how the sink sent it. */
  const upload = async (sink: ToriiSink, path: string, bytes: number): Promise<number> => {
    const uploaded = await sink.upload(path, bytes);
    deps.metrics.toriiUploads.add(1, { via: uploaded.via });
    return uploaded.fileId;
  };

  return {
    /**
     * Builds the Torii file from the store: a dry run keeps it, otherwise it is staged for
     * uploadToriiFile, so a retried upload sends the same file instead of building it again.
     */
    async buildToriiFile(args: SnapshotKey & { dryRun: boolean }): Promise<BuiltToriiFile> {
      return reportingProblems(async () => {
        const path = args.dryRun
          ? await dryRunFilePath(deps.filesDir, args.connectionId, args.snapshotId)
          : await stagedUploadPath(deps.filesDir, args.connectionId, args.snapshotId);
        const file = await writeToriiFile(deps.sql, args, path);
        if (args.dryRun) await removeOlderDryRuns(file.path);
        return { filePath: args.dryRun ? file.path : null, bytes: file.bytes, users: file.users, licenses: file.licenses };
      });
    },

    /** Uploads the file buildToriiFile staged and removes it once Torii has it. */
    async uploadToriiFile(args: UploadArgs): Promise<{ fileId: number }> {
      return reportingProblems(async () => {
        const sink = sinkFor(args.torii);
        const path = await stagedUploadPath(deps.filesDir, args.connectionId, args.snapshotId);
        // Workers are a fleet that shares the store (PostgreSQL) but not a disk: this attempt may
        // run on another host than the build, or after a starting worker swept the staged file.
        // Then the file is built again from the store (the finalized snapshot gives the same
        // file); on the host that built it, a retried upload sends the staged file as it is.
        const bytes = (await stagedFileReady(path, args.bytes)) ? args.bytes : (await writeToriiFile(deps.sql, args, path)).bytes;
        // Kept after a failed attempt that will be retried; removed once Torii has it, and when the
        // failure ends the upload (not retryable, or the last attempt), so nothing stays staged.
        let fileId: number;
        try {
          fileId = await upload(sink, path, bytes);
        } catch (err) {
          if (endsTheUpload(err)) await rm(path, { force: true });
          throw err;
        }
        await rm(path, { force: true });
        return { fileId };
      });
    },

    /**
     * Kept for replay: histories recorded before buildToriiFile and uploadToriiFile schedule it.
     * Builds the Torii file from the store and uploads it (a dry run keeps it instead).
     */
    async publishSnapshot(args: PublishArgs): Promise<{ fileId: number | null; filePath: string | null; bytes: number }> {
      return reportingProblems(async () => {
        const sink = args.dryRun ? undefined : sinkFor(args.torii);
        const path = sink
          ? await stagedUploadPath(deps.filesDir, args.connectionId, args.snapshotId)
          : await dryRunFilePath(deps.filesDir, args.connectionId, args.snapshotId);
        const file = await writeToriiFile(deps.sql, args, path);
        if (!sink) {
          await removeOlderDryRuns(file.path);
          return { fileId: null, filePath: file.path, bytes: file.bytes };
        }
        try {
          return { fileId: await upload(sink, file.path, file.bytes), filePath: null, bytes: file.bytes };
        } finally {
          await rm(file.path, { force: true });
        }
      });
    },

    /** Asks Torii to sync the uploaded file into the app account; 409 (busy) is retried by Temporal. */
    async syncTorii(args: { torii: ToriiTarget; fileId: number }): Promise<void> {
      return reportingProblems(() => sinkFor(args.torii).sync(args.fileId, args.torii.appAccountId));
    },

    /** Writes and uploads a settled application's file (a dry run keeps it). */
    async publishAppAccount(args: MappedAppArgs): Promise<MappedAppOutcome> {
      return reportingProblems(async () => {
        const path = join(deps.filesDir, args.connectionId, `${args.snapshotId}.app-${args.toriiAppAccountId}.json`);
        const file = await writeAppAccountFile(deps.sql, args, { appId: args.appId, name: args.name }, path, args.withUsage);
        const built = { users: file.users, lastUsedDates: file.lastUsedDates };
        if (args.dryRun) return { ...built, fileId: null, filePath: file.path };
        try {
          const { fileId } = await sinkFor(args.torii).upload(file.path, file.bytes);
          return { ...built, fileId, filePath: null };
        } finally {
          await rm(file.path, { force: true });
        }
      });
    },
  };
}

export type ToriiActivities = ReturnType<typeof createToriiActivities>;
