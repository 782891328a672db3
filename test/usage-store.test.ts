// The usage store's rules on real PostgreSQL: the first window backfills as far as PingOne reaches,
// later ones start at the high-water mark less the overlap (never before the reach, and then say
// what was missed); duplicates by event id count once; a last sign-on never moves back; a complete
// read keeps only the event ids the next overlap can repeat.
import { migrate } from '../activities/store/schema';
import { postgresStore, type Sql } from '../activities/store/sql';
import { completeUsageRead, planUsageWindow, recordUsageEvents } from '../activities/store/usage';

const DAY = 24 * 3600 * 1000;
const REACH = 14 * DAY - 60_000;
const OVERLAP = 5 * 60_000;

describe('usage store', () => {
  let sql: Sql;
  const connection = `usage-store-${Date.now().toString(36)}`;
  const now = new Date('2026-12-01T12:00:00.000Z');

  beforeAll(async () => {
    sql = postgresStore(process.env.TEST_DATABASE_URL as string, 2);
    await migrate(sql);
  });
  afterAll(() => sql?.close());

  const lastSignOn = async (appId: string, userId: string) =>
    (await sql.query<{ at: Date }>('SELECT last_sign_on_at AS at FROM usage_sign_ons WHERE connection_id = $1 AND app_id = $2 AND user_id = $3', [connection, appId, userId])).rows[0]?.at.toISOString();

  it('keeps the rules of windows, duplicates and marks', async () => {
    expect(await planUsageWindow(sql, connection, now, REACH, OVERLAP)).toEqual({ from: new Date(now.getTime() - REACH).toISOString(), to: now.toISOString(), backfill: true });

    const e = (eventId: string, at: string) => ({ eventId, userId: 'u1', appId: 'a1', at });
    const readTo = now.toISOString();
    expect(await recordUsageEvents(sql, connection, [e('e1', '2026-11-30T10:00:00.000Z'), e('e2', '2026-11-30T11:00:00.000Z'), e('e2', '2026-11-30T11:00:00.000Z')], readTo)).toBe(2);
    // A page written again (a worker killed after writing it) stores nothing twice.
    expect(await recordUsageEvents(sql, connection, [e('e2', '2026-11-30T11:00:00.000Z'), e('e3', '2026-11-29T09:00:00.000Z')], readTo)).toBe(1);
    expect(await lastSignOn('a1', 'u1')).toBe('2026-11-30T11:00:00.000Z'); // e3 is older: the last sign-on stays

    const first = { from: new Date(now.getTime() - REACH).toISOString(), to: now.toISOString() };
    await recordUsageEvents(sql, connection, [e('late', new Date(now.getTime() - 60_000).toISOString())], readTo);
    expect(await completeUsageRead(sql, connection, first, OVERLAP)).toBe(4); // e1, e2, e3, late
    const { rows } = await sql.query<{ event_id: string }>('SELECT event_id FROM usage_events WHERE connection_id = $1 ORDER BY event_id', [connection]);
    expect(rows.map((r) => r.event_id)).toEqual(['late']); // only what the next overlap can repeat
    const later = new Date(now.getTime() + DAY);
    expect(await planUsageWindow(sql, connection, later, REACH, OVERLAP)).toEqual({ from: new Date(now.getTime() - OVERLAP).toISOString(), to: later.toISOString(), backfill: false });
    // The overlap repeats the late event: it is not new.
    const second = { from: new Date(now.getTime() - OVERLAP).toISOString(), to: later.toISOString() };
    expect(await recordUsageEvents(sql, connection, [e('late', new Date(now.getTime() - 60_000).toISOString())], second.to)).toBe(0);
    expect(await completeUsageRead(sql, connection, second, OVERLAP)).toBe(0);

    // Nineteen days without a sync: the window starts at PingOne's reach and names what was missed.
    const much = new Date(now.getTime() + 20 * DAY);
    expect(await planUsageWindow(sql, connection, much, REACH, OVERLAP)).toEqual({
      from: new Date(much.getTime() - REACH).toISOString(),
      to: much.toISOString(),
      backfill: false,
      missedFrom: new Date(later.getTime() - OVERLAP).toISOString(),
    });
  });
});
