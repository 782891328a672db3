// The warnings that name skipped records agree in number with their count: "1 application … it is",
// "2 applications … they are", "1 user record … was skipped".
import type { FinalizedSnapshot } from '../activities/store/finalize';
import type { SyncCheckpoint } from '../contract/checkpoint';
import { skippedRecordWarnings } from '../workflows/skipped-records';

const none = { count: 0, ids: [] as string[] };
const finalized = (disabled: string[]): FinalizedSnapshot =>
  ({
    applicationsSkipped: { disabled: { count: disabled.length, ids: disabled }, notLicensedType: none, unknownType: none, adminLookupLimit: none },
    applicationsAdmittingNobody: [],
  }) as unknown as FinalizedSnapshot;
const checkpoint = (users: string[], members: string[]): SyncCheckpoint =>
  ({
    skipped: { users: { count: users.length, ids: users }, members: { count: members.length, ids: members } },
  }) as unknown as SyncCheckpoint;

describe('skipped-record warnings', () => {
  it('speak of one record in the singular', () => {
    const warnings = skippedRecordWarnings(checkpoint(['u1'], ['m1']), finalized(['app-1']));
    expect(warnings).toContain('1 application got no license because it is disabled in PingOne: app-1.');
    expect(warnings.some((w) => w.startsWith('1 user record from PingOne') && w.includes(' was skipped: u1.'))).toBe(true);
    expect(warnings.some((w) => w.startsWith('1 group member entry from PingOne'))).toBe(true);
  });

  it('speak of several in the plural', () => {
    const warnings = skippedRecordWarnings(checkpoint(['u1', 'u2'], ['m1', 'm2']), finalized(['app-1', 'app-2']));
    expect(warnings).toContain('2 applications got no license because they are disabled in PingOne: app-1, app-2.');
    expect(warnings.some((w) => w.startsWith('2 user records from PingOne') && w.includes(' were skipped: u1, u2.'))).toBe(true);
    expect(warnings.some((w) => w.startsWith('2 group member entries from PingOne'))).toBe(true);
  });
});
