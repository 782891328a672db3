// The naive baseline: the same store, the same activities and the same Torii file, run one request
// after another with a single user cursor chain, no Temporal and no concurrency. What a first
// connector would do; the benchmark measures ours against it.
import type { ConnectionArgs } from '../activities/connection';
import { createActivities, type ActivityDeps } from '../worker/activities';
import type { ListingRef } from '../activities/pingone/listings';
import type { ToriiTarget } from '../contract/sync';

export async function naiveSync(deps: ActivityDeps, connection: ConnectionArgs, torii: ToriiTarget, snapshotId: string): Promise<{ requests: number }> {
  const activities = createActivities(deps);
  const key = { connectionId: connection.connectionId, snapshotId };
  const opened = await activities.openSync({ ...connection, snapshotId });
  let requests = opened.requests;
  const drain = async (listing: ListingRef) => {
    let url: string | undefined;
    do {
      const page = await activities.fetchPage({ ...connection, snapshotId, listing, url });
      requests += page.requests;
      url = page.next ?? undefined;
    } while (url);
  };
  for (const kind of ['populations', 'users', 'groups', 'applications'] as const) await drain({ kind });
  for (let after = ''; ; ) {
    const groupIds = await activities.nextGroups({ ...key, after, limit: 100 });
    if (groupIds.length === 0) break;
    for (const groupId of groupIds) {
      await drain({ kind: 'members', groupId });
      await drain({ kind: 'groupParents', groupId });
    }
    after = groupIds[groupIds.length - 1];
  }
  const plan = await activities.planAccess(key);
  for (let after: string | null = ''; after !== null && plan.resolveAppIds.length > 0; ) {
    const batch = await activities.readAdminRoles({ ...connection, ...key, appIds: plan.resolveAppIds, after, limit: 50 });
    requests += batch.requests;
    after = batch.last;
  }
  await activities.finalizeSnapshot({ ...key, omittedAppIds: plan.omittedAppIds, sentUsersWritten: plan.sentUsersWritten });
  const published = await activities.publishSnapshot({ ...key, torii, dryRun: false });
  if (published.fileId !== null) await activities.syncTorii({ torii, fileId: published.fileId });
  await activities.closeSnapshot({ ...key, status: 'published', fileId: published.fileId, summary: {} });
  return { requests };
}
