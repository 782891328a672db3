// Owns an HTTPS server on loopback whose certificate nobody trusts: a fresh self-signed one for
// localhost made for this server alone (sim/tls.ts makeLocalhostCertificate, as the simulators'
// is), as a misconfigured host or an unknown TLS-inspecting proxy would present. It counts requests
// that got past the handshake (none should).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLocalhostCertificate } from '../../sim/tls';

export interface UntrustedTlsServer {
  port: number;
  /** Requests answered: any would mean a client went on past the certificate. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startUntrustedTlsServer(): Promise<UntrustedTlsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'untrusted-tls-'));
  try {
    const { keyFile, certificateFile } = makeLocalhostCertificate(dir, 1);
    let requests = 0;
    const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certificateFile) }, (_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      get requests() { return requests; },
      close: () => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
