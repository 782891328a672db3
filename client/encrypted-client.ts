// The guard every start goes through: a Temporal client whose data converter does not seal payloads
// with this project's codec would write the Client Secret and the Torii API key into history in
// plain text, so it is refused before any request leaves.
import type { Client } from '@temporalio/client';
import { sealsWithThisCodec } from '../contract/codec';

export class UnencryptedClientError extends Error {
  constructor() {
    super(
      'This Temporal client does not encrypt payloads with the sync\'s codec, so the Client Secret and the Torii API key would be stored in plain text in Temporal\'s history; nothing was started. ' +
        'Use connectClient() from this package (it reads SYNC_ENCRYPTION_KEYS and the TEMPORAL_* variables like the worker), or build your Client with `dataConverter: encryptingDataConverter(loadConfig())`.',
    );
    this.name = 'UnencryptedClientError';
  }
}

/** Throws UnencryptedClientError unless `client` seals what it writes with this project's codec. */
export function requireEncryptingClient(client: Client): void {
  if (!sealsWithThisCodec(client.options?.loadedDataConverter)) throw new UnencryptedClientError();
}
