// Owns an HTTPS server on loopback whose certificate nobody trusts: a fresh self-signed one for
// localhost made by openssl for this server alone, as a misconfigured host or an unknown
// TLS-inspecting proxy would present. It counts requests that got past the handshake (none should).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface UntrustedTlsServer {
  port: number;
  /** Requests answered: any would mean a client went on past the certificate. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startUntrustedTlsServer(): Promise<UntrustedTlsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'untrusted-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { cwd: dir, stdio: 'pipe' });
    let requests = 0;
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
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
