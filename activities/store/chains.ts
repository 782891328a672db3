// Plans the user listing as independent cursor chains, one per population, a large population split
// by username prefix, and checks a split population afterwards: PingOne's `username sw` cannot
// express "every other first character", so the union of prefix chains is trusted only when it
// holds as many users as the population says it has; otherwise one whole-population chain follows.
import { USERNAME_PREFIXES, type ListingRef } from '../pingone/listings';
import type { SnapshotKey } from './pages';
import type { Sql } from './sql';

export async function planUserChains(sql: Sql, key: SnapshotKey, splitAbove: number): Promise<ListingRef[]> {
  const { rows } = await sql.query<{ population_id: string; user_count: number | null }>(
    `SELECT population_id, user_count FROM snapshot_populations WHERE connection_id = $1 AND snapshot_id = $2
      ORDER BY user_count DESC NULLS FIRST, population_id`,
    [key.connectionId, key.snapshotId],
  );
  // No population visible: one chain over everyone the app may see, never none.
  if (rows.length === 0) return [{ kind: 'users' }];
  return rows.flatMap((population): ListingRef[] =>
    population.user_count !== null && population.user_count > splitAbove
      ? USERNAME_PREFIXES.map((usernamePrefix) => ({ kind: 'users', populationId: population.population_id, usernamePrefix }))
      : [{ kind: 'users', populationId: population.population_id }],
  );
}

export interface PopulationCheck {
  populationId: string;
  listed: number;
  expected: number;
  complete: boolean;
}

export async function checkSplitPopulation(sql: Sql, key: SnapshotKey, populationId: string): Promise<PopulationCheck> {
  const { rows } = await sql.query<{ listed: number; expected: number | null }>(
    `SELECT (SELECT count(*) FROM snapshot_users WHERE connection_id = $1 AND snapshot_id = $2 AND population_id = $3)::int AS listed,
            (SELECT user_count FROM snapshot_populations WHERE connection_id = $1 AND snapshot_id = $2 AND population_id = $3) AS expected`,
    [key.connectionId, key.snapshotId, populationId],
  );
  const listed = Number(rows[0].listed);
  const expected = rows[0].expected === null ? Number.POSITIVE_INFINITY : Number(rows[0].expected);
  return { populationId, listed, expected: Number.isFinite(expected) ? expected : -1, complete: listed >= expected };
}
