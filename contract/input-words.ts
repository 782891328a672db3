// How an input problem names the value it got: kinds a person recognises (`null`, `array`, `NaN`
// rather than JavaScript's `object` and `number`), and quoted text that shows what is invisible.
// Pure: the workflow bundle imports it through the contracts.

/** `null`, `array`, `NaN`, `Infinity`, else `typeof`. */
export function kindOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'number' && Number.isNaN(input)) return 'NaN';
  if (typeof input === 'number' && !Number.isFinite(input)) return input > 0 ? 'Infinity' : '-Infinity';
  return typeof input;
}

/** The message for a value of the wrong type: `required` when absent. */
export function wrongType(expected: string): (issue: { input: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : `must be ${expected}, got ${kindOf(issue.input)}`);
}

// Direction overrides, zero-width and other invisible or non-ASCII characters would make a quoted
// value read as something it is not (a homoglyph UUID looks valid), so everything outside printable
// ASCII is shown as an escape.
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/gu;

/**
 * Longer values are never quoted, whatever the field: a Client Secret or API key pasted into the
 * wrong field must not come back in an error. PingOne and Torii issue no secret this short.
 */
export const QUOTED_AT_MOST = 12;

const escapedChar = (c: string) => (c === ' ' ? 'a space' : c.replace(NOT_PRINTABLE_ASCII, (x) => `\\u{${x.codePointAt(0)?.toString(16).toUpperCase()}}`));

/**
 * A value for a message: quoted when short, invisible and non-ASCII characters escaped; else only
 * its length and where its invisible, non-ASCII or surrounding space characters are.
 */
export function shown(input: unknown): string {
  const chars = [...String(input)];
  if (chars.length <= QUOTED_AT_MOST) return JSON.stringify(chars.join('')).replace(NOT_PRINTABLE_ASCII, (c) => `\\u{${c.codePointAt(0)?.toString(16).toUpperCase()}}`);
  const notable = chars
    .map((c, i) => ({ c, at: i + 1 }))
    .filter(({ c, at }) => new RegExp(NOT_PRINTABLE_ASCII.source, 'u').test(c) || (/\s/.test(c) && (at === 1 || at === chars.length)));
  const listed = notable.slice(0, 5).map(({ c, at }) => `${escapedChar(c)} at ${at}`);
  if (notable.length > 5) listed.push('…');
  return `${chars.length} characters (not quoted, in case it is a secret)${listed.length ? `, among them ${listed.join(', ')}` : ''}`;
}
