// The worker's activities: the three ports' factories (pingone, torii, store) composed on one set
// of dependencies. The names they register are the activity types recorded in histories.
import { createPingOneActivities, type PingOneActivityDeps } from '../activities/pingone/activities';
import { createStoreActivities, type StoreActivityDeps } from '../activities/store/activities';
import { createToriiActivities, type ToriiActivityDeps } from '../activities/torii/activities';

export type ActivityDeps = PingOneActivityDeps & ToriiActivityDeps & StoreActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return { ...createPingOneActivities(deps), ...createToriiActivities(deps), ...createStoreActivities(deps) };
}
