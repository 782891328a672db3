// `approve-deletions` and `reject-deletions`: an operator's answer to a sync the deletion guard
// holds in `awaiting-approval`, sent to the connection's running sync as its update. A sync that is
// not waiting refuses the update in words, and the command exits 1 with them.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { syncWorkflowId } from '../contract/sync';
import {
  approveDeletionsUpdate,
  rejectDeletionsUpdate,
  type DeletionDecision,
  type DeletionDecisionArgs,
} from '../contract/deletion-guard';

export class DeletionDecisionRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeletionDecisionRefusedError';
  }
}

/** Approves or rejects the held deletions of a connection's running sync; answers what was decided on. */
export async function decideDeletions(
  client: Client,
  connectionId: string,
  decision: 'approve' | 'reject',
  args: DeletionDecisionArgs = {},
): Promise<DeletionDecision> {
  const handle = client.workflow.getHandle(syncWorkflowId(connectionId));
  try {
    return await handle.executeUpdate(decision === 'approve' ? approveDeletionsUpdate : rejectDeletionsUpdate, { args: [args] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new DeletionDecisionRefusedError((err.cause as Error | undefined)?.message ?? err.message);
    throw err;
  }
}

export function describeDecision(connectionId: string, decided: DeletionDecision): string {
  // A sync running on a worker from before mapped applications were guarded answers without them.
  const apps = (decided.applications ?? []).map((a) => `; ${a.usersDeleted} of ${a.previousUsers} users of application "${a.name}" to app account ${a.toriiAppAccountId}`);
  const what = `${decided.usersDeleted} of ${decided.previousUsers} users${apps.join('')}`;
  return decided.decision === 'approved'
    ? `approved: the sync of ${connectionId} publishes and sends ${what} to Torii as deleted`
    : `rejected: the sync of ${connectionId} fails with DeletionGuardTripped; nothing was sent to Torii (${what} would have been deleted)`;
}

export interface DeletionCommandContext {
  connect(): Promise<Client>;
  print(line: string): void;
  setExitCode(code: number): void;
}

export function registerDeletionCommands(program: Command, ctx: DeletionCommandContext): void {
  const run = async (connectionId: string, decision: 'approve' | 'reject', args: DeletionDecisionArgs) => {
    try {
      ctx.print(describeDecision(connectionId, await decideDeletions(await ctx.connect(), connectionId, decision, args)));
    } catch (err) {
      if (!(err instanceof DeletionDecisionRefusedError)) throw err;
      ctx.print(err.message);
      ctx.setExitCode(1);
    }
  };
  program
    .command('approve-deletions <connectionId>')
    .description('let a sync held by the deletion guard (phase awaiting-approval) publish its deletions')
    .option('--by <name>', 'who approves, for the log', process.env.USER)
    .action((connectionId: string, flags: { by?: string }) => run(connectionId, 'approve', { by: flags.by }));
  program
    .command('reject-deletions <connectionId>')
    .description('fail a sync held by the deletion guard without sending anything to Torii')
    .option('--by <name>', 'who rejects, for the log and the failure message', process.env.USER)
    .option('--reason <text>', 'why, for the failure message')
    .action((connectionId: string, flags: { by?: string; reason?: string }) => run(connectionId, 'reject', { by: flags.by, reason: flags.reason }));
}
