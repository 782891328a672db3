// The store's usage tables (migrations 5 and 6): who signed on to which application when, per connection,
// kept across syncs so usage older than PingOne's audit window stays known; the high-water mark of
// the last complete read; the audit event ids near that mark, so the overlap a read repeats is not
// counted twice; and what each mapped application's app account was sent, per snapshot, the basis
// of that app account's deletions, with the last sign-on it was sent (migration 6).
export const USAGE_MIGRATION = {
  version: 5,
  sql: `
  CREATE TABLE usage_sign_ons (
    connection_id text COLLATE "C" NOT NULL,
    app_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    last_sign_on_at timestamptz NOT NULL,
    PRIMARY KEY (connection_id, app_id, user_id)
  );

  CREATE TABLE usage_events (
    connection_id text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    recorded_at timestamptz NOT NULL,
    -- The end of the read that first stored it: names the read, so its new sign-ons are counted
    -- once however often a killed worker wrote a page again.
    read_to timestamptz NOT NULL,
    PRIMARY KEY (connection_id, event_id)
  );

  CREATE TABLE usage_reads (
    connection_id text COLLATE "C" PRIMARY KEY,
    high_water timestamptz NOT NULL,
    -- Where the last complete read began: sign-ons after it are what the last sync gained.
    read_from timestamptz NOT NULL,
    read_at timestamptz NOT NULL DEFAULT now()
  );

  CREATE TABLE usage_app_sent_users (
    connection_id text COLLATE "C" NOT NULL,
    snapshot_id text COLLATE "C" NOT NULL,
    app_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    email text COLLATE "C" NOT NULL,
    first_name text COLLATE "C" NOT NULL,
    last_name text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL CHECK (status IN ('active', 'deleted')),
    external_status text COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, snapshot_id, app_id, user_id)
  );
  `,
};

/**
 * Migration 6: the last sign-on each mapped application's app account was sent with, per snapshot
 * (null: none known), so a diff tells what usage a newer sync gained over an older one.
 */
export const USAGE_SENT_SIGN_ON_MIGRATION = {
  version: 6,
  sql: `ALTER TABLE usage_app_sent_users ADD COLUMN last_sign_on_at timestamptz;`,
};
