// The one error for a bad or missing setting of the worker or a client: one readable line per
// problem. Lives in the contract because the data converter refuses to work without its keys.

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The worker's configuration is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
