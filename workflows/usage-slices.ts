// The usage read's window cut into time slices, each read as a listing of its own. Pure: the
// workflow plans with it and tests check its boundaries.
import type { UsageSlice, UsageWindow } from '../contract/checkpoint';

/** Slices per window: more than the lanes, so a dense slice does not leave a lane idle at the end. */
const USAGE_SLICES = 4;

/**
 * The window cut into `count` consecutive slices. PingOne's docs give only `gt` and `lt` for
 * recordedat, so a later slice starts one millisecond (recordedAt's precision) before the earlier
 * one ends: an event on the boundary is in exactly one slice.
 */
export function usageSlices(window: Pick<UsageWindow, 'from' | 'to'>, count = USAGE_SLICES): UsageSlice[] {
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  const step = Math.max(1, Math.ceil((to - from) / count));
  const slices: UsageSlice[] = [];
  for (let start = from; start < to; start += step) {
    const end = Math.min(to, start + step);
    slices.push({ from: new Date(start === from ? from : start - 1).toISOString(), to: new Date(end).toISOString(), next: null, done: false, pages: 0, restarts: 0 });
  }
  return slices;
}

