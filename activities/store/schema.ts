// The store's schema and its migrations, applied in order at worker start. A snapshot is one sync's
// view of a PingOne environment; every row is keyed by connection and snapshot so connections never
// mix and a repeated page upserts onto itself.
import type { Sql } from './sql';
import { USAGE_MIGRATION, USAGE_SENT_SIGN_ON_MIGRATION } from './usage-schema';

const NUMBERED: string[] = [
  `
  CREATE TABLE sync_snapshots (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL CHECK (status IN ('collecting', 'published', 'dry-run', 'abandoned')),
    environment_id text COLLATE "C" NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    torii_file_id bigint,
    summary jsonb,
    PRIMARY KEY (connection_id, snapshot_id)
  );
  CREATE INDEX sync_snapshots_published ON sync_snapshots (connection_id, finished_at DESC) WHERE status = 'published';

  CREATE TABLE snapshot_users (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    username text COLLATE "C",
    email text COLLATE "C",
    first_name text COLLATE "C",
    last_name text COLLATE "C",
    enabled boolean NOT NULL,
    locked boolean NOT NULL,
    population_id text COLLATE "C",
    last_sign_on text COLLATE "C",
    PRIMARY KEY (connection_id, snapshot_id, user_id)
  );

  CREATE TABLE snapshot_groups (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    group_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, group_id)
  );

  CREATE TABLE snapshot_group_parents (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    group_id text COLLATE "C" NOT NULL,
    parent_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, group_id, parent_id)
  );

  CREATE TABLE snapshot_group_members (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    group_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, group_id, user_id)
  );

  CREATE TABLE snapshot_applications (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    app_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    type text COLLATE "C" NOT NULL,
    enabled boolean NOT NULL,
    admin_only boolean NOT NULL,
    group_rule text COLLATE "C",
    group_ids text[] COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, app_id)
  );

  CREATE TABLE snapshot_populations (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    population_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    user_count integer,
    PRIMARY KEY (connection_id, snapshot_id, population_id)
  );

  CREATE TABLE snapshot_admin_users (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, user_id)
  );

  -- Derived at the end of a complete listing.
  CREATE TABLE snapshot_effective_members (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    group_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, user_id, group_id)
  );
  CREATE INDEX snapshot_effective_members_by_group ON snapshot_effective_members (connection_id, snapshot_id, group_id);

  CREATE TABLE snapshot_app_users (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    app_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, app_id, user_id)
  );

  -- Exactly what the Torii file holds: the basis of the next sync's deletions and of diffs.
  CREATE TABLE snapshot_sent_users (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    email text COLLATE "C" NOT NULL,
    first_name text COLLATE "C" NOT NULL,
    last_name text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL CHECK (status IN ('active', 'deleted')),
    external_status text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, user_id)
  );

  CREATE TABLE snapshot_licenses (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    app_id text COLLATE "C" NOT NULL,
    license_name text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, app_id),
    UNIQUE (connection_id, snapshot_id, license_name)
  );
  `,
  // Apps open to every user are no longer stored row by row (access.ts OPEN_TO_EVERY_USER): drop
  // the rows earlier snapshots hold for them, or diffs would count those users twice.
  `
  DELETE FROM snapshot_app_users au USING snapshot_applications a
   WHERE a.connection_id = au.connection_id AND a.snapshot_id = au.snapshot_id AND a.app_id = au.app_id
     AND a.group_rule IS NULL AND NOT a.admin_only;
  `,
  // Effective memberships are no longer materialized: queries join direct members with the group
  // ancestry (access.ts ANCESTRY), and the roles of a batch of users look members up by user.
  `
  DROP TABLE snapshot_effective_members;
  CREATE INDEX snapshot_group_members_by_user ON snapshot_group_members (connection_id, snapshot_id, user_id);
  `,
  // A user's lifecycle.status VERIFICATION_REQUIRED shows in the file's externalStatus; PingOne's
  // built-in roles (GET /roles, read once per sync, kept so a retried batch does not read them again)
  // name the role ids of role assignments.
  `
  ALTER TABLE snapshot_users ADD COLUMN verification_required boolean NOT NULL DEFAULT false;
  CREATE TABLE snapshot_roles (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    role_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, role_id)
  );
  `,
];

/**
 * Every migration by its version. Versions are numbers agreed between changes, not positions: a
 * database may hold a later one before an earlier one lands, and the earlier one is applied then.
 */
const MIGRATIONS: { version: number; sql: string }[] = [...NUMBERED.map((sql, i) => ({ version: i + 1, sql })), USAGE_MIGRATION, USAGE_SENT_SIGN_ON_MIGRATION].sort((a, b) => a.version - b.version);
const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * Creates or migrates the schema; safe to run from several workers at once. `throughVersion` stops
 * early, so a test can hold data in an older schema and watch a migration move it.
 */
export async function migrate(sql: Sql, throughVersion = LATEST): Promise<void> {
  await sql.transaction(async (tx) => {
    // One migrator at a time across workers sharing a database.
    await tx.query('SELECT pg_advisory_xact_lock(727274)');
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    for (const { version, sql: script } of MIGRATIONS) {
      if (version > throughVersion || applied.has(version)) continue;
      await tx.exec(script);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    }
  });
}
