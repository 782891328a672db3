// Owns starting the PingOne and Torii simulators together and the worker variables that point a
// worker at them: the demo, the benchmark and the test harness start their simulators here.
import { randomUUID } from 'node:crypto';
import { startPingOneSimulator, type PingOneSimulator, type PingOneSimulatorOptions, type SimClient } from './pingone';
import { startToriiSimulator, type ToriiSimulator, type ToriiSimulatorOptions } from './torii';
import type { Directory } from './directory';
import { simulatorCertificateFile } from './tls';

export interface Simulators {
  pingone: PingOneSimulator;
  torii: ToriiSimulator;
  /** The worker's variables naming the simulators: their URLs, the hosts it may reach, their certificate, the Torii key. */
  workerEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startSimulators(opts: { pingone: PingOneSimulatorOptions; torii: ToriiSimulatorOptions }): Promise<Simulators> {
  const pingone = await startPingOneSimulator(opts.pingone);
  const torii = await startToriiSimulator(opts.torii);
  return {
    pingone,
    torii,
    workerEnv: {
      TORII_API_KEY: opts.torii.apiKey,
      TORII_API_URL: torii.apiUrl,
      PINGONE_AUTH_URL: pingone.authUrl,
      PINGONE_API_URL: pingone.apiUrl,
      PINGONE_ALLOWED_HOSTS: new URL(pingone.origin).host,
      // The Torii simulator presigns uploads to itself, on loopback: the one upload host a worker
      // must be allowed besides Torii's own.
      TORII_UPLOAD_ALLOWED_HOSTS: new URL(torii.origin).host,
      // Both simulators serve HTTPS with a certificate of their own (sim/tls.ts), which a worker
      // process trusts the way any Node process trusts a private authority.
      NODE_EXTRA_CA_CERTS: simulatorCertificateFile(),
    },
    async close() {
      await Promise.all([pingone.close(), torii.close()]);
    },
  };
}

/**
 * A fresh PingOne client of the directory's environment and a fresh Torii key, each carrying who
 * runs them (`demo-…`, `demo-torii-…`), so a leaked credential is recognisable in any output.
 */
export function freshCredentials(directory: Directory, owner: string): { client: SimClient; toriiKey: string } {
  return {
    client: { clientId: randomUUID(), clientSecret: `${owner}-${randomUUID()}`, environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' },
    toriiKey: `${owner}-torii-${randomUUID()}`,
  };
}
