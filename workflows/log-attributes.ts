// Workflow interceptor module (bundled with the workflows): every workflow log line names its
// connection, read from the memo every start carries (connection-facts.ts), since a scheduled run's
// workflow id has the schedule's timestamp appended and cannot be parsed back reliably.
import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { CONNECTION_MEMO_KEY, type ConnectionFacts } from './connection-facts';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      getLogAttributes(input, next) {
        const facts = workflowInfo().memo?.[CONNECTION_MEMO_KEY] as ConnectionFacts | undefined;
        return next(facts?.connectionId ? { ...input, connectionId: facts.connectionId } : input);
      },
    },
  ],
});
