// Replaces `@temporalio/workflow` inside a replay test's workflow bundle (test/replay-patches.test.ts):
// everything is the SDK's own except `patched`, which a replayed workflow id can force. A workflow id
// ending `#force:<patch id>=true|false` makes that one patched() call answer as told, as if only its
// new (true) or old (false) branch were kept. The SDK's patched() still runs, so the marker is written
// or matched as before: what differs is only the branch, which is what the replay must notice.
const workflow = require('@temporalio/workflow/lib/index.js');

function patched(patchId) {
  const answer = workflow.patched(patchId);
  const forced = /#force:(.+)=(true|false)$/.exec(workflow.workflowInfo().workflowId);
  return forced && forced[1] === patchId ? forced[2] === 'true' : answer;
}

module.exports = { ...workflow, patched };
