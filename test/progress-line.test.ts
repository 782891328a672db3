// watch's progress line: the phase bar and counts, and the usage read while it runs (events, pages,
// slices still open) or that it was denied.
import { progressLine } from '../client/watch-command';
import type { SyncProgress } from '../contract/sync';

const base: SyncProgress = {
  phase: 'listing',
  pagesFetched: 12,
  users: 2400,
  groups: 30,
  applications: 9,
  licenseAssignments: 0,
  listingsRunning: 3,
  startedAt: '2026-01-01T00:00:00.000Z',
  lastError: null,
};
const now = Date.parse('2026-01-01T00:01:05.000Z');
const plain = { color: false };

describe('watch progress line', () => {
  it('shows the counts without a usage part when the sync reads no usage', () => {
    expect(progressLine(plain, base, now)).toBe('[█████░░░░░░░░░░░░░░░░░░░] listing · 12 pages · 2400 users · 30 groups · 9 apps · 0 licenses · 3 listings · 1:05');
  });

  it('shows the usage read: events and pages, and the slices still open', () => {
    const reading = { ...base, usageRead: { eventsRead: 4000, pages: 4, slicesDone: 1, slices: 4, denied: false } };
    expect(progressLine(plain, reading, now)).toContain(' · usage 4000 events in 4 pages (1/4 slices) · ');
    const read = { ...base, usageRead: { eventsRead: 9000, pages: 9, slicesDone: 4, slices: 4, denied: false } };
    expect(progressLine(plain, read, now)).toContain(' · usage 9000 events in 9 pages · ');
    const denied = { ...base, usageRead: { eventsRead: 0, pages: 1, slicesDone: 4, slices: 4, denied: true } };
    expect(progressLine(plain, denied, now)).toContain(' · usage: no audit permission · ');
  });
});
