// The audit port's pure rules, from PingOne's audit reporting data model: the application is the
// event's actors.client, the user its USER resource (else actors.user); only successful events of
// the configured sign-on types count; the filter bounds recordedat with gt/lt (the operators the
// docs give); and the window's slices cover it with every millisecond in exactly one slice.
import { auditFilter, toUsageEvent } from '../activities/pingone/audit';
import { usageSlices } from '../workflows/usage-slices';

const event = (over: Record<string, unknown> = {}) => ({
  id: 'e-1',
  recordedAt: '2026-11-30T10:00:00.123Z',
  action: { type: 'USER.ACCESS_ALLOWED', description: 'User Access Allowed' },
  actors: { client: { id: 'app-1', type: 'CLIENT' }, user: { id: 'actor-user', type: 'USER' } },
  resources: [{ id: 'user-1', type: 'USER' }],
  result: { status: 'SUCCESS' },
  ...over,
});
const TYPES = ['USER.ACCESS_ALLOWED'];

describe('the audit port', () => {
  it('reads the application from actors.client and the user from the USER resource', () => {
    expect(toUsageEvent(event(), TYPES)).toEqual({ eventId: 'e-1', userId: 'user-1', appId: 'app-1', at: '2026-11-30T10:00:00.123Z' });
  });

  it('falls back to actors.user when no USER resource is named', () => {
    expect(toUsageEvent(event({ resources: [{ id: 'g', type: 'GROUP' }] }), TYPES)?.userId).toBe('actor-user');
  });

  it.each<[string, Record<string, unknown>]>([
    ['another action type', { action: { type: 'USER.UPDATED' } }],
    ['a failed attempt', { result: { status: 'FAILED' } }],
    ['no application', { actors: { user: { id: 'u' } } }],
    ['no user at all', { actors: { client: { id: 'app-1' } }, resources: [] }],
    ['no id', { id: undefined }],
    ['a time that is not one', { recordedAt: 'yesterday' }],
  ])('ignores %s', (_what, over) => {
    expect(toUsageEvent(event(over), TYPES)).toBeUndefined();
  });

  it('ignores what is not an event', () => {
    for (const raw of [null, 'x', 42, []]) expect(toUsageEvent(raw, TYPES)).toBeUndefined();
  });

  it('filters by a recordedat range and the sign-on types', () => {
    const window = { from: '2026-11-17T12:00:00.000Z', to: '2026-12-01T11:59:00.000Z' };
    expect(auditFilter(window, TYPES)).toBe('recordedat gt "2026-11-17T12:00:00.000Z" and recordedat lt "2026-12-01T11:59:00.000Z" and action.type eq "USER.ACCESS_ALLOWED"');
    expect(auditFilter(window, ['A.B', 'C.D'])).toMatch(/ and \(action\.type eq "A\.B" or action\.type eq "C\.D"\)$/);
  });

  it('slices a window so every millisecond after its start is in exactly one slice', () => {
    const window = { from: '2026-11-17T12:00:00.000Z', to: '2026-12-01T11:59:00.000Z' };
    const slices = usageSlices(window, 4);
    expect(slices).toHaveLength(4);
    expect(slices[0].from).toBe(window.from);
    expect(slices.at(-1)?.to).toBe(window.to);
    const inSlices = (ms: number) => slices.filter((s) => ms > Date.parse(s.from) && ms < Date.parse(s.to)).length;
    for (const s of slices.slice(1)) {
      const boundary = Date.parse(s.from) + 1; // the previous slice's end
      for (const ms of [boundary - 1, boundary, boundary + 1]) expect(inSlices(ms)).toBe(1);
    }
    expect(inSlices(Date.parse(window.from))).toBe(0); // gt: the start itself was read last time
    expect(usageSlices({ from: window.from, to: window.from })).toEqual([]);
  });
});
