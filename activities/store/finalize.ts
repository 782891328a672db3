// Decides exactly what the Torii file will hold for a complete snapshot: the users sent (with the
// reason any is skipped), the users sent as deleted, and one uniquely named license per app.
import type { SkippedRecords, SkipReason, StoreApplicationSkipReason, SyncCounts } from '../../contract/sync';
import { LICENSED_APPLICATION_TYPES, OPEN_TO_EVERY_USER, UNLICENSED_APPLICATION_TYPES } from './access';
import type { SnapshotKey } from './pages';
import { EMAIL_SHAPED, writeSentUsers } from './sent-users';
import { forWholeSnapshot, type Sql } from './sql';

/** How many skipped applications' ids the result names per reason. */
const IDS_NAMED = 5;

/** The sync result's counts the store settles, with what the result makes its warnings of. */
export interface FinalizedSnapshot
  extends Pick<
    SyncCounts,
    'usersActive' | 'usersDisabled' | 'usersLocked' | 'usersVerificationRequired' | 'usersDeleted' | 'usersSkipped' | 'applications' | 'licenseAssignments'
  > {
  /** Applications listed but given no license, by reason, with the first few ids. */
  applicationsSkipped: Record<StoreApplicationSkipReason, SkippedRecords>;
  /** Licensed applications whose group rule lists no group: their license lists nobody. */
  applicationsAdmittingNobody: string[];
}

/**
 * `previousSnapshotId` is the last published snapshot: users sent active there and absent from this
 * complete listing are sent once as deleted (sent-users.ts), unless `sentUsersWritten` says planning
 * access already wrote them. Admin-only apps in `omittedAppIds` get no license.
 */
export async function finalizeSnapshot(
  sql: Sql,
  key: SnapshotKey,
  previousSnapshotId: string | null,
  omittedAppIds: string[],
  sentUsersWritten = false,
): Promise<FinalizedSnapshot> {
  const params = [key.connectionId, key.snapshotId];
  return sql.transaction(async (tx) => {
    await forWholeSnapshot(tx);
    await tx.query('DELETE FROM snapshot_licenses WHERE connection_id = $1 AND snapshot_id = $2', params);

    if (!sentUsersWritten) await writeSentUsers(tx, key, previousSnapshotId);

    // Admin-only apps keep only candidates holding a role assignment.
    await tx.query(
      `DELETE FROM snapshot_app_users au USING snapshot_applications a
        WHERE au.connection_id = $1 AND au.snapshot_id = $2
          AND a.connection_id = $1 AND a.snapshot_id = $2 AND a.app_id = au.app_id AND a.admin_only
          AND NOT EXISTS (SELECT 1 FROM snapshot_admin_users r
                           WHERE r.connection_id = $1 AND r.snapshot_id = $2 AND r.user_id = au.user_id)`,
      params,
    );

    const { rows: users } = await tx.query<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE status = 'active' AND external_status = 'enabled')::int AS active,
              count(*) FILTER (WHERE status = 'active' AND external_status = 'disabled')::int AS disabled,
              count(*) FILTER (WHERE status = 'active' AND external_status = 'locked')::int AS locked,
              count(*) FILTER (WHERE status = 'active' AND external_status = 'verification-required')::int AS verification_required,
              count(*) FILTER (WHERE status = 'deleted')::int AS deleted
         FROM snapshot_sent_users WHERE connection_id = $1 AND snapshot_id = $2`,
      params,
    );
    const { rows: skipped } = await tx.query<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE address IS NULL)::int AS no_email,
              count(*) FILTER (WHERE address IS NOT NULL)::int AS addressed
         FROM (SELECT coalesce(nullif(email, ''), CASE WHEN username ~ $3 THEN username END) AS address
                 FROM snapshot_users WHERE connection_id = $1 AND snapshot_id = $2) u`,
      [...params, EMAIL_SHAPED],
    );
    // Why each listed application got no license (README "Who gets a license"); one reason each, in this order.
    const { rows: apps } = await tx.query<{ reason: StoreApplicationSkipReason | 'licensed'; app_id: string; admits_nobody: boolean }>(
      `SELECT app_id,
              CASE WHEN NOT enabled THEN 'disabled'
                   WHEN type = ANY($3::text[]) THEN 'notLicensedType'
                   WHEN NOT (type = ANY($4::text[])) THEN 'unknownType'
                   WHEN app_id = ANY($5::text[]) THEN 'adminLookupLimit'
                   ELSE 'licensed' END AS reason,
              group_rule IS NOT NULL AND cardinality(group_ids) = 0 AS admits_nobody
         FROM snapshot_applications WHERE connection_id = $1 AND snapshot_id = $2 ORDER BY app_id`,
      [...params, UNLICENSED_APPLICATION_TYPES, LICENSED_APPLICATION_TYPES, omittedAppIds],
    );
    // License names are unique among the licenses in the file: of apps sharing a name, the smallest
    // id keeps it. An app given no license (an admin-only app left out, a disabled one) claims no name.
    await tx.query(
      `INSERT INTO snapshot_licenses (connection_id, snapshot_id, app_id, license_name)
       SELECT $1, $2, app_id,
              CASE WHEN row_number() OVER (PARTITION BY name ORDER BY app_id) = 1 THEN name
                   ELSE name || ' (' || app_id || ')' END
         FROM snapshot_applications
        WHERE connection_id = $1 AND snapshot_id = $2 AND enabled
          AND type = ANY($3::text[]) AND NOT (app_id = ANY($4::text[]))`,
      [...params, LICENSED_APPLICATION_TYPES, omittedAppIds],
    );
    // The count of license assignments below joins the licenses with their users: planned with the
    // last ANALYZE's view of this table (none of this snapshot's licenses), it looked every holder
    // up one by one (0.37 s at 100,000 users, 0.07 s with a hash join). ANALYZE holds the table's
    // lock against other ANALYZEs (another tenant's finalizing) until this transaction ends, so it
    // comes last, with only that count after it.
    await tx.exec('ANALYZE snapshot_licenses');
    const { rows: licenses } = await tx.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM snapshot_licenses WHERE connection_id = $1 AND snapshot_id = $2)::int AS applications,
              (SELECT count(*) FROM snapshot_app_users au
                 JOIN snapshot_licenses l ON l.connection_id = $1 AND l.snapshot_id = $2 AND l.app_id = au.app_id
                 JOIN snapshot_sent_users s ON s.connection_id = $1 AND s.snapshot_id = $2 AND s.user_id = au.user_id
                                           AND s.status = 'active'
                WHERE au.connection_id = $1 AND au.snapshot_id = $2)::int AS listed_assignments,
              (SELECT count(*) FROM snapshot_licenses l
                 JOIN snapshot_applications a ON a.connection_id = $1 AND a.snapshot_id = $2 AND a.app_id = l.app_id
                WHERE l.connection_id = $1 AND l.snapshot_id = $2 AND ${OPEN_TO_EVERY_USER})::int AS open_licenses`,
      params,
    );
    const applicationsSkipped: Record<StoreApplicationSkipReason, SkippedRecords> = {
      disabled: { count: 0, ids: [] },
      notLicensedType: { count: 0, ids: [] },
      unknownType: { count: 0, ids: [] },
      adminLookupLimit: { count: 0, ids: [] },
    };
    for (const app of apps) {
      if (app.reason === 'licensed') continue;
      const skipped = applicationsSkipped[app.reason];
      skipped.count++;
      if (skipped.ids.length < IDS_NAMED) skipped.ids.push(app.app_id);
    }

    const sentActive = users[0].active + users[0].disabled + users[0].locked + users[0].verification_required;
    // Every user sent active holds each license open to every user.
    const licenseAssignments = licenses[0].listed_assignments + licenses[0].open_licenses * sentActive;
    return {
      usersActive: users[0].active,
      usersDisabled: users[0].disabled,
      usersLocked: users[0].locked,
      usersVerificationRequired: users[0].verification_required,
      usersDeleted: users[0].deleted,
      usersSkipped: {
        noEmail: skipped[0].no_email,
        duplicateEmail: skipped[0].addressed - sentActive,
        malformedRecord: 0,
      },
      applications: licenses[0].applications,
      licenseAssignments,
      applicationsSkipped,
      applicationsAdmittingNobody: apps.filter((a) => a.reason === 'licensed' && a.admits_nobody).map((a) => a.app_id),
    };
  });
}
