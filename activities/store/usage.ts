// Usage in the store: sign-on events read from PingOne's audit activities land here page by page
// (each page one statement, duplicates removed by event id), the last sign-on per connection, user
// and application only ever moves forward, and a complete read moves the connection's high-water
// mark. The next read starts a little before that mark (late events), never before what PingOne
// can still answer.
import type { UsageWindow } from '../../contract/checkpoint';
import type { Sql } from './sql';

export interface UsageEventRow {
  eventId: string;
  userId: string;
  appId: string;
  at: string;
}

export type { UsageWindow };

/**
 * The window of this read: from the high-water mark less `overlapMs`, or, the first time (or after
 * a gap longer than PingOne keeps events readable), from as far back as `reachMs` allows.
 */
export async function planUsageWindow(sql: Sql, connectionId: string, now: Date, reachMs: number, overlapMs: number): Promise<UsageWindow> {
  const { rows } = await sql.query<{ high_water: Date }>('SELECT high_water FROM usage_reads WHERE connection_id = $1', [connectionId]);
  const earliest = now.getTime() - reachMs;
  const mark = rows[0]?.high_water ? new Date(rows[0].high_water).getTime() - overlapMs : undefined;
  const from = mark === undefined ? earliest : Math.max(earliest, mark);
  const window: UsageWindow = { from: new Date(from).toISOString(), to: now.toISOString(), backfill: mark === undefined };
  if (mark !== undefined && mark < earliest) window.missedFrom = new Date(mark).toISOString();
  return window;
}

/** Writes one page of sign-ons of the read ending `readTo` in one statement; answers how many events were new. */
export async function recordUsageEvents(sql: Sql, connectionId: string, events: UsageEventRow[], readTo: string): Promise<number> {
  if (events.length === 0) return 0;
  const { rows } = await sql.query<{ fresh: number }>(
    `WITH page AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS p(event_id, user_id, app_id, at)
     ),
     fresh AS (
       INSERT INTO usage_events (connection_id, event_id, recorded_at, read_to)
       SELECT DISTINCT ON (event_id) $1, event_id, at, $6::timestamptz FROM page
       ON CONFLICT (connection_id, event_id) DO NOTHING
       RETURNING event_id
     ),
     latest AS (
       INSERT INTO usage_sign_ons (connection_id, app_id, user_id, last_sign_on_at)
       SELECT $1, app_id, user_id, max(at) FROM page GROUP BY app_id, user_id
       ON CONFLICT (connection_id, app_id, user_id)
       DO UPDATE SET last_sign_on_at = GREATEST(usage_sign_ons.last_sign_on_at, EXCLUDED.last_sign_on_at)
     )
     SELECT count(*)::int AS fresh FROM fresh`,
    [connectionId, events.map((e) => e.eventId), events.map((e) => e.userId), events.map((e) => e.appId), events.map((e) => e.at), readTo],
  );
  return Number(rows[0].fresh);
}

/**
 * A complete read: the mark moves to its end; event ids the next overlap cannot reach are dropped.
 * Answers the sign-ons this read stored first (new to the connection).
 */
export async function completeUsageRead(sql: Sql, connectionId: string, window: Pick<UsageWindow, 'from' | 'to'>, overlapMs: number): Promise<number> {
  const { from, to } = window;
  return sql.transaction(async (tx) => {
    const { rows } = await tx.query<{ fresh: number }>(
      'SELECT count(*)::int AS fresh FROM usage_events WHERE connection_id = $1 AND read_to = $2::timestamptz',
      [connectionId, to],
    );
    await tx.query(
      `INSERT INTO usage_reads (connection_id, high_water, read_from) VALUES ($1, $2, $3)
       ON CONFLICT (connection_id) DO UPDATE SET high_water = GREATEST(usage_reads.high_water, EXCLUDED.high_water), read_from = EXCLUDED.read_from, read_at = now()`,
      [connectionId, to, from],
    );
    await tx.query(`DELETE FROM usage_events WHERE connection_id = $1 AND recorded_at < $2::timestamptz - make_interval(secs => $3)`, [
      connectionId,
      to,
      overlapMs / 1000 + 1,
    ]);
    return Number(rows[0].fresh);
  });
}
