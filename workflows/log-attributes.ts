// Workflow interceptor module (bundled with the workflows): every log line of a sync, and of the
// scheduled run that starts one, names its connection, read from the memo both carry
// (connection-facts.ts): the scheduled run's workflow id has the schedule's timestamp appended and
// cannot be parsed back reliably. The connection test carries no memo; its workflow id
// (`pingone-verify/<connectionId>`) names the connection.
import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { CONNECTION_MEMO_KEY, type ConnectionFacts } from '../contract/connection-facts';

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
