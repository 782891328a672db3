// Writes who the Torii file lists as users for a complete listing: each address's one user sent
// active, and the users the last published sync sent active that are gone now, sent as deleted. It
// reads the users alone (no groups, no applications), so planning access writes it beside the
// access derivation, on a second store connection.
import type { SnapshotKey } from './pages';
import type { Sql } from './sql';

// A local part and a domain of two or more non-empty dot-separated labels: Torii types `email` as
// `format: email` (RFC 5321), so `a@.b.c`, `a@b..c` and `a@b.c.` are not addresses.
export const EMAIL_SHAPED = '^[^[:space:]@]+@[^[:space:]@.]+(\\.[^[:space:]@.]+)+$';

/**
 * Replaces the snapshot's sent users, in `tx`: a transaction set for a whole snapshot (sql.ts
 * forWholeSnapshot), so a half-written list is never seen. `previousSnapshotId` is the last
 * published snapshot; the snapshot's users have fresh statistics (access.ts analyzeListing).
 */
export async function writeSentUsers(tx: Sql, key: SnapshotKey, previousSnapshotId: string | null): Promise<void> {
  await tx.query('DELETE FROM snapshot_sent_users WHERE connection_id = $1 AND snapshot_id = $2', [key.connectionId, key.snapshotId]);
  // Torii keys users by email: a user without one goes by an email-shaped username, and of two
  // users with one address the one with the smallest id is sent. A user sent active by the last
  // published sync and absent now is sent as deleted, unless a user sent now has its address (one
  // file cannot say an address is both present and deleted): both in one pass, an address going
  // to its present users first. A second statement excluding present addresses from the deleted
  // was planned as a nested loop (the absent users estimated at 1 row), rescanning the sent users
  // once per deleted user: at 1,000,000 users and 10,000 deleted it had not ended after 7 minutes.
  // Rows go in in key order, so the primary key grows at its right edge instead of splitting pages
  // all over (12.9 s → 10.3 s for this statement at 1,000,000 users).
  await tx.query(
    `INSERT INTO snapshot_sent_users (connection_id, snapshot_id, user_id, email, first_name, last_name, status, external_status)
     SELECT $1, $2, user_id, address, first_name, last_name, status, external_status FROM (
     SELECT DISTINCT ON (lower(address)) user_id, address, first_name, last_name, status, external_status
       FROM (SELECT user_id, address, coalesce(first_name, '') AS first_name, coalesce(last_name, '') AS last_name, 'active' AS status,
                    CASE WHEN NOT enabled THEN 'disabled' WHEN locked THEN 'locked'
                         WHEN verification_required THEN 'verification-required' ELSE 'enabled' END AS external_status
               FROM (SELECT *, coalesce(nullif(email, ''), CASE WHEN username ~ $3 THEN username END) AS address
                       FROM snapshot_users WHERE connection_id = $1 AND snapshot_id = $2) u
              WHERE address IS NOT NULL
             UNION ALL
             SELECT p.user_id, p.email, p.first_name, p.last_name, 'deleted', 'deleted'
               FROM snapshot_sent_users p
              WHERE p.connection_id = $1 AND p.snapshot_id = $4 AND p.status = 'active'
                AND NOT EXISTS (SELECT 1 FROM snapshot_users u
                                 WHERE u.connection_id = $1 AND u.snapshot_id = $2 AND u.user_id = p.user_id)) candidates
      ORDER BY lower(address), status = 'deleted', user_id) sent
     ORDER BY user_id`,
    [key.connectionId, key.snapshotId, EMAIL_SHAPED, previousSnapshotId],
  );
  // Statements filter and join this table on these columns only; the names and emails are only selected.
  await tx.exec('ANALYZE snapshot_sent_users (connection_id, snapshot_id, user_id, status)');
}
