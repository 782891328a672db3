// The sync's search attributes: the one list every Temporal server that runs it must register (the
// dev server, every test server, the compose stack), and the keys the workflow upserts as it moves.
// Upserting an attribute the server does not know fails the workflow task, so nothing else may
// invent one: add it here, and `docker-compose.yml`'s registration follows this list.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PingOneEnvironmentId = defineSearchAttributeKey('PingOneEnvironmentId', SearchAttributeType.KEYWORD);
export const ToriiAppAccountId = defineSearchAttributeKey('ToriiAppAccountId', SearchAttributeType.INT);
export const SyncConnectionId = defineSearchAttributeKey('SyncConnectionId', SearchAttributeType.KEYWORD);
/** One of `SyncPhase` in contract.ts; `SyncPhase = "failed"` finds the runs that need a look. */
export const SyncPhaseAttribute = defineSearchAttributeKey('SyncPhase', SearchAttributeType.KEYWORD);
/** PingOne users read so far in this sync. */
export const SyncUsers = defineSearchAttributeKey('SyncUsers', SearchAttributeType.INT);

export const SYNC_SEARCH_ATTRIBUTES = [PingOneEnvironmentId, ToriiAppAccountId, SyncConnectionId, SyncPhaseAttribute, SyncUsers];

/** A list filter on one connection's syncs, its value quoted for Temporal's visibility grammar. */
export function connectionFilter(connectionId: string): string {
  return `${SyncConnectionId.name} = ${JSON.stringify(connectionId)}`;
}
