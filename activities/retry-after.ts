// Reads a Retry-After header (delta-seconds or an HTTP date) as milliseconds to wait, capped so a
// hostile or broken server cannot park a sync for hours.
export const MAX_RETRY_AFTER_MS = 120_000;

export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const trimmed = raw.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = httpDate(trimmed);
    if (at === undefined) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(Math.ceil(ms), 0), MAX_RETRY_AFTER_MS);
}

// RFC 9110 §5.6.7: IMF-fixdate and the obsolete RFC 850 form name GMT; asctime names no zone but
// means GMT too, which Date.parse would read as the machine's local time. Anything else is no date.
const GMT_DATE = /^[A-Za-z]{3,9}, \d{1,2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

function httpDate(text: string): number | undefined {
  const at = GMT_DATE.test(text) ? Date.parse(text) : ASCTIME.test(text) ? Date.parse(`${text} GMT`) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}
