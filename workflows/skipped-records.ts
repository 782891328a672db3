// Nothing is left out without a word: every record a sync read and did not send (a malformed
// record of any listing, an application given no license) is counted by kind and reason in the
// result's `recordsSkipped` and named, first few ids, in `warnings`. Pure: the workflow bundle imports it.
import type { FinalizedSnapshot } from '../activities/store/finalize';
import type { SyncCheckpoint } from '../contract/checkpoint';
import type { RecordsSkipped, SkippedRecords } from '../contract/sync';

const NONE: SkippedRecords = { count: 0, ids: [] };

function named(skipped: SkippedRecords): string {
  const more = skipped.count - skipped.ids.length;
  return skipped.ids.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

export function recordsSkipped(cp: SyncCheckpoint, finalized: FinalizedSnapshot): RecordsSkipped {
  const listed = (kind: keyof NonNullable<SyncCheckpoint['skipped']>) => cp.skipped?.[kind]?.count ?? 0;
  const apps = finalized.applicationsSkipped;
  return {
    applications: {
      disabled: apps?.disabled.count ?? 0,
      notLicensedType: apps?.notLicensedType.count ?? 0,
      unknownType: apps?.unknownType.count ?? 0,
      adminLookupLimit: apps?.adminLookupLimit.count ?? 0,
      malformedRecord: listed('applications'),
    },
    groups: { malformedRecord: listed('groups') },
    populations: { malformedRecord: listed('populations') },
    groupMembers: { malformedRecord: listed('members') },
    groupParents: { malformedRecord: listed('groupParents') },
  };
}

/** One warning per kind and reason that skipped anything. (Admin-lookup omissions have their own, from planAccess.) */
export function skippedRecordWarnings(cp: SyncCheckpoint, finalized: FinalizedSnapshot): string[] {
  const warnings: string[] = [];
  const malformed: [keyof NonNullable<SyncCheckpoint['skipped']>, string][] = [
    ['users', 'user records'],
    ['groups', 'group records'],
    ['applications', 'application records'],
    ['populations', 'population records'],
    ['members', 'group member entries'],
    ['groupParents', 'group parent entries'],
  ];
  for (const [kind, what] of malformed) {
    const skipped = cp.skipped?.[kind] ?? NONE;
    if (skipped.count > 0) {
      warnings.push(`${skipped.count} ${what} from PingOne lacked what the sync needs (an id, a name, a known access rule) and were skipped: ${named(skipped)}.`);
    }
  }
  const apps = finalized.applicationsSkipped;
  if (apps) {
    const why: [keyof typeof apps, string][] = [
      ['disabled', 'are disabled in PingOne'],
      ['notLicensedType', 'are machine clients (WORKER, SERVICE) or PingOne’s own apps, which nobody signs on to as a customer app (README "Who gets a license")'],
      ['unknownType', 'have an application type this sync does not know, so were given no license; report the type so it can be decided'],
    ];
    for (const [reason, text] of why) {
      if (apps[reason].count > 0) warnings.push(`${apps[reason].count} applications got no license because they ${text}: ${named(apps[reason])}.`);
    }
  }
  for (const appId of finalized.applicationsAdmittingNobody ?? []) {
    warnings.push(`Application ${appId} restricts access to groups but lists none, so PingOne admits nobody through it: its license lists no users.`);
  }
  return warnings;
}
