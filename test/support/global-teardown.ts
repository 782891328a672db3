// Owns jest's one-time teardown: stopping the private PostgreSQL cluster that global-setup started.
import { stopPostgres } from '../../dev/postgres';
import { STATE_KEY, type SupportState } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>)[STATE_KEY] as SupportState | undefined;
  if (state?.postgres) {
    stopPostgres(state.postgres);
    state.postgres = undefined;
  }
}
