// Builds a sync input for the CLI from flags and an optional JSON file. The Client Secret comes
// from PINGONE_CLIENT_SECRET or standard input, never a flag: flags end up in shell history and
// in `ps` output.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SyncInput } from '../contract/sync';

export interface SyncFlags {
  input?: string;
  connectionId?: string;
  environmentId?: string;
  clientId?: string;
  tokenUrl?: string;
  appAccountId?: string;
  dryRun?: boolean;
  clientSecretStdin?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export async function syncInputFrom(flags: SyncFlags, env: NodeJS.ProcessEnv = process.env): Promise<SyncInput> {
  const base = (flags.input ? JSON.parse(await readFile(flags.input, 'utf8')) : {}) as Record<string, any>;
  const pingOne = { ...(base.pingOne ?? {}) };
  if (flags.environmentId) pingOne.environmentId = flags.environmentId;
  if (flags.clientId) pingOne.clientId = flags.clientId;
  if (flags.tokenUrl) pingOne.tokenUrl = flags.tokenUrl;
  if (flags.clientSecretStdin) pingOne.clientSecret = await readStdin();
  else if (env.PINGONE_CLIENT_SECRET) pingOne.clientSecret = env.PINGONE_CLIENT_SECRET;
  const torii = { ...(base.torii ?? {}) };
  if (flags.appAccountId !== undefined) torii.appAccountId = Number(flags.appAccountId);
  const options = { ...(base.options ?? {}) };
  if (flags.dryRun) options.dryRun = true;
  return { ...base, connectionId: flags.connectionId ?? base.connectionId, pingOne, torii, options } as SyncInput;
}

/** The flags that build a sync input, shared by `sync` and `schedule create`. */
export function syncInputOptions(command: Command, dryRunHelp: string): Command {
  return command
    .option('--input <file>', 'JSON file with the sync input (flags override it)')
    .option('--connection-id <id>')
    .option('--environment-id <uuid>')
    .option('--client-id <uuid>')
    .option('--token-url <url>', 'for credentials from an admin environment')
    .option('--app-account-id <n>', 'Torii app account id')
    .option('--dry-run', dryRunHelp)
    .option('--client-secret-stdin', 'read the Client Secret from standard input');
}
