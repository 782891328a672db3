// The non-secret facts of a connection: what a sync's memo carries (set by whoever starts it, by
// hand or on a schedule) and what its UI details and logs name. Never the Client Secret or an API
// key: the memo is stored in plain text with the workflow.
import type { ValidSyncInput } from './sync';

export interface ConnectionFacts {
  connectionId: string;
  environmentId: string;
  clientId: string;
  /** Only when the connection brings its own Token URL (e.g. from an admin environment). */
  tokenUrl: string | null;
  toriiAppAccountId: number;
  dryRun: boolean;
}

export function connectionFacts(input: ValidSyncInput): ConnectionFacts {
  return {
    connectionId: input.connectionId,
    environmentId: input.pingOne.environmentId,
    clientId: input.pingOne.clientId,
    tokenUrl: input.pingOne.tokenUrl ?? null,
    toriiAppAccountId: input.torii.appAccountId,
    dryRun: input.options.dryRun,
  };
}

/** The memo key every sync carries its facts under. */
export const CONNECTION_MEMO_KEY = 'connection';

/** What every start of a sync carries besides its input, by hand or on a schedule. */
export function syncStartOptions(input: ValidSyncInput): { memo: Record<string, unknown>; staticSummary: string } {
  const facts = connectionFacts(input);
  return {
    memo: { [CONNECTION_MEMO_KEY]: facts },
    staticSummary: `PingOne → Torii sync of ${facts.connectionId}${facts.dryRun ? ' (dry run)' : ''}`,
  };
}

/**
 * The UI's Details of a sync started by a client (markdown). It lives in the started event, so it
 * shows with no worker running; the current details need one (a worker answers them, replaying the
 * history once the sync ended). Not given to the scheduled sync's child start: that would change
 * the workflow's command, and the facts are in its memo and summary already.
 */
export function syncStaticDetails(input: ValidSyncInput): string {
  const facts = connectionFacts(input);
  // One paragraph: the UI sizes its details frame to a few lines and clips what is below.
  return (
    `**Connection** \`${facts.connectionId}\`${facts.dryRun ? ' (dry run: the file is kept, not uploaded)' : ''} · ` +
    `PingOne environment \`${facts.environmentId}\`, client \`${facts.clientId}\`${facts.tokenUrl ? `, token URL ${facts.tokenUrl}` : ''} · ` +
    `Torii app account ${facts.toriiAppAccountId}`
  );
}
