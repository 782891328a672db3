// Reads a finalized snapshot as the Torii file's records, in the order the file lists them, each
// record already JSON text written by PostgreSQL, streamed as lines of bytes (Sql.copyLines: COPY
// from PostgreSQL) so the file streams from the store without the directory ever being in memory,
// and no record becomes a JS string on the way.
import { ANCESTRY, OPEN_TO_EVERY_USER } from './access';
import type { SnapshotKey } from './pages';
import { forWholeSnapshot, type Sql } from './sql';

/** A user as it is sent: in a mapped application's file (AppAccountUserRow). */
export interface SentUserFields {
  user_id: string;
  email: string;
  first_name: string;
  last_name: string;
  status: 'active' | 'deleted';
  external_status: string;
}

/** Takes a chunk of record lines (each record's JSON text and a newline; a record may span chunks). */
export type OnLines = (lines: Buffer) => Promise<void>;

/**
 * Streams `text`'s records as lines, in one transaction set for a whole snapshot (sql.ts
 * forWholeSnapshot). One plan and one pass over the snapshot: paging by keyset ran the query once
 * per batch, and the users' roles rescanned every group membership each time.
 */
async function eachLines(sql: Sql, text: string, params: string[], onLines: OnLines): Promise<void> {
  await sql.transaction(async (tx) => {
    await forWholeSnapshot(tx);
    // Where lines come through a cursor (the embedded store), it is planned for its first tenth by
    // default (cursor_tuple_fraction 0.1): with the statistics of a snapshot written since the last
    // ANALYZE, that chose a nested loop re-running the users' roles aggregate once per user
    // (minutes for 50,000 users). Every row is read.
    await tx.exec('SET LOCAL cursor_tuple_fraction = 1.0');
    for await (const lines of tx.copyLines(text, params)) await onLines(lines);
  });
}

// The file's records are built by PostgreSQL: to_json escapes a string exactly as JSON.stringify
// does (", \, \b \f \n \r \t, other controls as \u00xx, everything else as is, non-ASCII included),
// and the keys are written in the order Torii's records had from JSON.stringify (torii/records.ts).

/**
 * `{"id","email","firstName","lastName","status","externalStatus","roles"[,"lastUsedDate"]}` per
 * user sent, in user id order. Roles are the names of every group a user is in, directly or through
 * nesting, sorted; a user sent as deleted has none and no sign-on (it is not in this listing).
 */
export async function eachSentUserLines(sql: Sql, key: SnapshotKey, onLines: OnLines): Promise<void> {
  await eachLines(
    sql,
    `WITH RECURSIVE ${ANCESTRY},
     roles AS MATERIALIZED (
       SELECT m.user_id, array_agg(DISTINCT g.name ORDER BY g.name) AS names
         FROM snapshot_group_members m
         JOIN ancestry a ON a.group_id = m.group_id
         JOIN snapshot_groups g ON g.connection_id = $1 AND g.snapshot_id = $2 AND g.group_id = a.ancestor_id
        WHERE m.connection_id = $1 AND m.snapshot_id = $2
        GROUP BY m.user_id
     )
     SELECT '{"id":' || to_json(s.user_id) || ',"email":' || to_json(s.email)
            || ',"firstName":' || to_json(s.first_name) || ',"lastName":' || to_json(s.last_name)
            || ',"status":' || to_json(s.status) || ',"externalStatus":' || to_json(s.external_status)
            || ',"roles":' || CASE WHEN s.status = 'active' AND r.names IS NOT NULL THEN to_json(r.names)::text ELSE '[]' END
            || CASE WHEN s.status = 'active' AND u.last_sign_on <> '' THEN ',"lastUsedDate":' || to_json(u.last_sign_on) ELSE '' END
            || '}' AS record
       FROM snapshot_sent_users s
       LEFT JOIN snapshot_users u ON u.connection_id = $1 AND u.snapshot_id = $2 AND u.user_id = s.user_id
       LEFT JOIN roles r ON r.user_id = u.user_id
      WHERE s.connection_id = $1 AND s.snapshot_id = $2
      ORDER BY s.user_id`,
    [key.connectionId, key.snapshotId],
    onLines,
  );
}

export interface LicenseRow {
  app_id: string;
  license_name: string;
  /** Open to every user: its users are all sent active users, not rows of snapshot_app_users. */
  open_to_every_user: boolean;
}

export async function licenses(sql: Sql, key: SnapshotKey): Promise<LicenseRow[]> {
  const { rows } = await sql.query<LicenseRow>(
    `SELECT l.app_id, l.license_name, (${OPEN_TO_EVERY_USER}) AS open_to_every_user
       FROM snapshot_licenses l
       JOIN snapshot_applications a ON a.connection_id = $1 AND a.snapshot_id = $2 AND a.app_id = l.app_id
      WHERE l.connection_id = $1 AND l.snapshot_id = $2
      ORDER BY l.license_name`,
    [key.connectionId, key.snapshotId],
  );
  return rows;
}

/** A license user's record: disabled and locked users keep their license, as inactive (they cannot use the app today). */
const LICENSE_USER_RECORD = `'{"email":' || to_json(s.email) || ',"licenseStatus":'
  || CASE WHEN s.external_status = 'enabled' THEN '"active"' ELSE '"inactive"' END || '}'`;

/** `{"email","licenseStatus"}` per user sent active, in user id order: the users of each license open to every user. */
export async function eachEveryoneLicenseUserLines(sql: Sql, key: SnapshotKey, onLines: OnLines): Promise<void> {
  await eachLines(
    sql,
    `SELECT ${LICENSE_USER_RECORD} AS record FROM snapshot_sent_users s
      WHERE s.connection_id = $1 AND s.snapshot_id = $2 AND s.status = 'active'
      ORDER BY s.user_id`,
    [key.connectionId, key.snapshotId],
    onLines,
  );
}

/** The line that starts each listed license in eachListedLicenseLines: no record starts with it. */
export const LICENSE_START_LINE = '!';

/**
 * The licenses whose users are listed (behind groups or admin roles: not open to every user), in
 * license name order as `licenses` gives them, in one statement: for each, a LICENSE_START_LINE,
 * then `{"email","licenseStatus"}` per user of it who is sent active, in user id order. A statement
 * per license looked each holder up among the sent users one by one (0.8 s for 35 licenses at
 * 100,000 users); one statement hashes them once (0.25 s). The rows are sorted by each license's
 * place in name order, a number: sorted by the name, every comparison within a license compared
 * the whole name first (at 20,000 users that sort took 100 ms of the statement's 300; now 40 of 137).
 */
export async function eachListedLicenseLines(sql: Sql, key: SnapshotKey, onLines: OnLines): Promise<void> {
  await eachLines(
    sql,
    `WITH listed AS MATERIALIZED (
       SELECT l.app_id, row_number() OVER (ORDER BY l.license_name) AS n
         FROM snapshot_licenses l
         JOIN snapshot_applications a ON a.connection_id = $1 AND a.snapshot_id = $2 AND a.app_id = l.app_id AND NOT (${OPEN_TO_EVERY_USER})
        WHERE l.connection_id = $1 AND l.snapshot_id = $2
     )
     SELECT line FROM (
       SELECT n, 0 AS part, ''::text AS user_id, '${LICENSE_START_LINE}' AS line FROM listed
       UNION ALL
       SELECT listed.n, 1, au.user_id, ${LICENSE_USER_RECORD}
         FROM listed
         JOIN snapshot_app_users au ON au.connection_id = $1 AND au.snapshot_id = $2 AND au.app_id = listed.app_id
         JOIN snapshot_sent_users s ON s.connection_id = $1 AND s.snapshot_id = $2 AND s.user_id = au.user_id AND s.status = 'active') lines
      ORDER BY n, part, user_id`,
    [key.connectionId, key.snapshotId],
    onLines,
  );
}
