// How the CLI writes to a terminal: colour only when the stream is a TTY (and NO_COLOR is unset),
// tables padded to their widest cell, long tables cut with a note of what was left out. Commands
// write through a `Terminal` so tests capture exactly what an operator would see.

export interface Terminal {
  /** Whether ANSI colour and cursor control may be used. */
  readonly color: boolean;
  /** Whether the stream is a live terminal (a progress bar may redraw in place). */
  readonly live: boolean;
  readonly columns: number;
  write(text: string): void;
  line(text?: string): void;
}

export function terminalFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Terminal {
  const live = stream.isTTY === true;
  return {
    color: live && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    live,
    columns: stream.columns ?? 100,
    write: (text) => void stream.write(text),
    line: (text = '') => void stream.write(`${text}\n`),
  };
}

/** A terminal that keeps what is written (tests; `--json` paths build strings the same way). */
export function capturingTerminal(options: { color?: boolean; live?: boolean; columns?: number } = {}): Terminal & { text(): string } {
  let out = '';
  return {
    color: options.color ?? false,
    live: options.live ?? false,
    columns: options.columns ?? 120,
    write: (text) => void (out += text),
    line: (text = '') => void (out += `${text}\n`),
    text: () => out,
  };
}

const STYLES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof STYLES;

export function paint(terminal: Pick<Terminal, 'color'>, style: Style, text: string): string {
  if (!terminal.color) return text;
  const [on, off] = STYLES[style];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
export const visibleLength = (text: string): number => text.replace(ANSI, '').length;

export interface TableOptions {
  /** Columns aligned right (numbers). */
  right?: number[];
  /** Rows shown at most; the rest are counted in a closing line. */
  limit?: number;
  /** What to suggest when rows were left out. */
  moreHint?: string;
}

export function table(terminal: Pick<Terminal, 'color'>, headers: string[], rows: string[][], options: TableOptions = {}): string {
  const shown = options.limit !== undefined ? rows.slice(0, options.limit) : rows;
  const widths = headers.map((header, i) => Math.max(visibleLength(header), ...shown.map((row) => visibleLength(row[i] ?? ''))));
  const cell = (text: string, i: number) => {
    const pad = ' '.repeat(widths[i] - visibleLength(text));
    return options.right?.includes(i) ? pad + text : text + pad;
  };
  const lines = [paint(terminal, 'bold', headers.map(cell).join('  ').trimEnd()), ...shown.map((row) => row.map(cell).join('  ').trimEnd())];
  if (shown.length < rows.length) lines.push(paint(terminal, 'dim', `… ${rows.length - shown.length} more${options.moreHint ? ` (${options.moreHint})` : ''}`));
  return lines.join('\n');
}
