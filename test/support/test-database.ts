// The test PostgreSQL's URL, which jest's global setup (global-setup.ts) starts and names in
// TEST_DATABASE_URL; a test run outside jest has none, and says so.
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is unset: run the tests through jest (its global setup starts PostgreSQL)');
  return url;
}
