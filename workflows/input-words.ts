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

/** A value quoted for a message: at most 60 characters, invisible and non-ASCII characters escaped. */
export function shown(input: unknown, max = 60): string {
  const text = String(input);
  const cut = [...text].slice(0, max).join('');
  const escaped = JSON.stringify(cut).replace(NOT_PRINTABLE_ASCII, (c) => `\\u{${c.codePointAt(0)?.toString(16).toUpperCase()}}`);
  return cut.length < text.length ? `${escaped.slice(0, -1)}…"` : escaped;
}
