#!/usr/bin/env node
// The `pingone-torii-sync` command line: start a sync and read a connection's status. Thin: it
// validates, calls the client code Torii's backend uses, and prints. The operator commands (watch,
// schedule, diff, export-history) are registered from operator-commands.ts, the deletion guard's
// approve-deletions and reject-deletions from deletion-approval.ts.
import { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { progressQuery, syncWorkflowId, type SyncProgress, type SyncResult } from '../contract/sync';
import { syncInputFrom, syncInputOptions, type SyncFlags } from './cli-input';
import { InvalidSyncInputError, startSync } from './start-sync';
import { connectClient } from './temporal';
import { summary } from './sync-summary';
import { defaultOperatorContext, printSyncOutcome, registerOperatorCommands } from './operator-commands';
import { InvalidVerifyInputError } from './verify-connection';
import { registerSecurityCommands } from './verify-command';
import { registerDeletionCommands } from './deletion-approval';
import { NoUsageError, registerUsageCommand } from './usage-command';
import { ConfigError } from '../contract/config';

const program = new Command('pingone-torii-sync').description('Sync PingOne users and application access into Torii through Temporal');
const operators = defaultOperatorContext(() => connectClient());

syncInputOptions(
  program
    .command('sync')
    .description('start a sync (or attach to the running one) for a connection; the Client Secret comes from PINGONE_CLIENT_SECRET or --client-secret-stdin'),
  'build and keep the file without uploading',
)
  .option('--no-wait', 'print the workflow id and return at once')
  .option('--json', 'print the result as JSON')
  .action(async (flags: SyncFlags & { wait: boolean; json?: boolean }) => {
    const input = await syncInputFrom(flags);
    const client = await connectClient();
    const handle = await startSync(client, input);
    if (!flags.wait) {
      console.log(flags.json ? JSON.stringify({ workflowId: handle.workflowId }) : `started ${handle.workflowId}`);
      return;
    }
    const result: SyncResult = await handle.result();
    // A dry run also shows what it would change in Torii (its diff against the last published sync).
    await printSyncOutcome(operators, result, flags.json === true);
  });

registerSecurityCommands(program, {
  connect: () => connectClient(),
  print: (line) => console.log(line),
  setExitCode: (code) => {
    process.exitCode = code;
  },
});

program
  .command('status <connectionId>')
  .description("a connection's sync: running with its progress, or how it ended")
  .option('--json', 'print JSON')
  .action(async (connectionId: string, flags: { json?: boolean }) => {
    const client = await connectClient();
    const handle = client.workflow.getHandle(syncWorkflowId(connectionId));
    const description = await handle.describe();
    const status = description.status.name;
    const out: Record<string, unknown> = { workflowId: handle.workflowId, runId: description.runId, status, startTime: description.startTime, closeTime: description.closeTime ?? null };
    if (status === 'RUNNING') out.progress = await handle.query(progressQuery);
    if (status === 'COMPLETED') out.result = await handle.result();
    if (status === 'FAILED') out.failure = await handle.result().then(() => null, (err: Error) => (err.cause as Error | undefined)?.message ?? err.message);
    if (flags.json) console.log(JSON.stringify(out));
    else {
      console.log(`${out.workflowId}: ${status} (started ${description.startTime.toISOString()})`);
      if (out.progress) console.log(JSON.stringify(out.progress, null, 2));
      if (out.result) console.log(summary(out.result as SyncResult));
      if (out.failure) console.log(`failed: ${out.failure}`);
    }
  });

registerOperatorCommands(program, operators);
registerUsageCommand(program, operators);
registerDeletionCommands(program, {
  connect: () => connectClient(),
  print: (line) => console.log(line),
  setExitCode: (code) => {
    process.exitCode = code;
  },
});

export { summary };

if (require.main === module) {
  program.parseAsync().catch((err: unknown) => {
    if (err instanceof InvalidSyncInputError || err instanceof InvalidVerifyInputError || err instanceof ConfigError) console.error(err.message);
    else if (err instanceof NoUsageError) console.error(err.message);
    else if (err instanceof WorkflowNotFoundError) console.error(`no sync found: ${err.message}`);
    else console.error(err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : err);
    process.exit(1);
  });
}
