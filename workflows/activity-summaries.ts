// One-line activity summaries for the Temporal UI's event list: which listing, which group or
// population, which page. Built from the checkpoint's own plain data, so they are deterministic.
import type { ListingState } from '../contract/checkpoint';

const KIND_WORDS: Record<ListingState['ref']['kind'], string> = {
  users: 'users',
  groups: 'groups',
  applications: 'applications',
  populations: 'populations',
  members: 'members of group',
  groupParents: 'parent groups of group',
};

/** e.g. `members of group 1f0c…, page 3` or `users of population 9a2e… starting "k", page 1`. */
export function pageSummary(listing: ListingState): string {
  const { kind, groupId, populationId, usernamePrefix } = listing.ref;
  let what = KIND_WORDS[kind];
  if (groupId) what += ` ${groupId}`;
  if (populationId) what += ` of population ${populationId}`;
  if (usernamePrefix !== undefined) what += ` starting ${JSON.stringify(usernamePrefix)}`;
  const restart = listing.restarts > 0 ? ` (restart ${listing.restarts} after an expired cursor)` : '';
  return `${what}, page ${listing.pages + 1}${restart}`;
}
