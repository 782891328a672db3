// Retry-After as RFC 9110 §10.2.3 defines it: either delay-seconds (a non-negative whole number)
// or an HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms a recipient must accept,
// §5.6.7), read as milliseconds from now; a date in the past means "now". README: a wait is capped
// at 2 minutes, so a broken or hostile server cannot park a sync for hours.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseRetryAfter } from '../activities/retry-after';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0); // Tue, 01 Dec 2026 12:00:00 GMT
const TWO_MINUTES = 2 * 60 * 1000;

describe('Retry-After', () => {
  it.each([
    ['0', 0],
    ['1', 1000],
    ['7', 7000],
    [' 30 ', 30_000],
  ])('delay-seconds %j is %i ms', (header, ms) => {
    expect(parseRetryAfter(header, NOW)).toBe(ms);
  });

  it.each([
    ['Tue, 01 Dec 2026 12:00:05 GMT', 5000], // IMF-fixdate
    ['Tuesday, 01-Dec-26 12:00:09 GMT', 9000], // RFC 850
    ['Tue Dec  1 12:00:42 2026', 42_000], // asctime, which carries no zone and means GMT
  ])('HTTP-date %j is %i ms from now', (header, ms) => {
    expect(parseRetryAfter(header, NOW)).toBe(ms);
  });

  it('reads an asctime date as GMT on a machine in another time zone', () => {
    // A process of its own: jest's sandbox does not pass a TZ change on to Date.
    const script = `const { parseRetryAfter } = require('./activities/retry-after'); process.stdout.write(String(parseRetryAfter('Tue Dec  1 12:00:42 2026', ${NOW})))`;
    const out = execFileSync(process.execPath, ['-r', join(__dirname, 'support', 'swc-register.js'), '-e', script], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, TZ: 'America/New_York' },
      encoding: 'utf8',
    });
    expect(out).toBe('42000');
  });

  it('a date in the past means now', () => {
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:59:00 GMT', NOW)).toBe(0);
  });

  it('caps the wait at two minutes, as seconds or as a date', () => {
    expect(parseRetryAfter('86400', NOW)).toBe(TWO_MINUTES);
    expect(parseRetryAfter('121', NOW)).toBe(TWO_MINUTES);
    expect(parseRetryAfter('120', NOW)).toBe(TWO_MINUTES);
    expect(parseRetryAfter('Wed, 02 Dec 2026 12:00:00 GMT', NOW)).toBe(TWO_MINUTES);
  });

  it('reads the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3000);
  });

  it.each([[undefined], [''], ['soon'], ['-5'], ['Tomorrow at noon']])('ignores %j (no delay of its own)', (header) => {
    expect(parseRetryAfter(header, NOW)).toBeUndefined();
  });
});
