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
    ['users', 'user record'],
    ['groups', 'group record'],
    ['applications', 'application record'],
    ['populations', 'population record'],
    ['members', 'group member entry'],
    ['groupParents', 'group parent entry'],
  ];
  for (const [kind, what] of malformed) {
    const skipped = cp.skipped?.[kind] ?? NONE;
    if (skipped.count > 0) {
      const one = skipped.count === 1;
      const things = one ? what : what.replace(/y$/, 'ie') + 's';
      warnings.push(`${skipped.count} ${things} from PingOne lacked what the sync needs (an id, a name, a known access rule) and ${one ? 'was' : 'were'} skipped: ${named(skipped)}.`);
    }
  }
  const apps = finalized.applicationsSkipped;
  if (apps) {
    // [one, several]: "1 application … because it is", "3 applications … because they are".
    const why: [keyof typeof apps, string, string][] = [
      ['disabled', 'it is disabled in PingOne', 'they are disabled in PingOne'],
      [
        'notLicensedType',
        'it is a machine client (WORKER, SERVICE) or one of PingOne’s own apps, which nobody signs on to as a customer app (README "Who gets a license")',
        'they are machine clients (WORKER, SERVICE) or PingOne’s own apps, which nobody signs on to as a customer app (README "Who gets a license")',
      ],
      [
        'unknownType',
        'it has an application type this sync does not know, so was given no license; report the type so it can be decided',
        'they have an application type this sync does not know, so were given no license; report the type so it can be decided',
      ],
    ];
    for (const [reason, one, several] of why) {
      const n = apps[reason].count;
      if (n > 0) warnings.push(`${n} ${n === 1 ? 'application' : 'applications'} got no license because ${n === 1 ? one : several}: ${named(apps[reason])}.`);
    }
  }
  for (const appId of finalized.applicationsAdmittingNobody ?? []) {
    warnings.push(`Application ${appId} restricts access to groups but lists none, so PingOne admits nobody through it: its license lists no users.`);
  }
  return warnings;
}
