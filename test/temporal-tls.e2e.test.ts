// TLS and mTLS towards Temporal for real: a TLS front (node:tls, requiring a client certificate)
// before a dev server, certificates made by openssl for this run, and the worker's NativeConnection
// and the client's Connection both built by temporalConnectionOptions from the same variables.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../contract/config';
import { temporalConnectionOptions } from '../contract/temporal-connection';
import { startTestServer } from './support/temporal';

const dir = mkdtempSync(join(tmpdir(), 'temporal-mtls-'));
const file = (name: string) => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for localhost and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=pingone-torii-sync test CA');
  for (const [name, usage, san] of [['server', 'serverAuth', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], ['client', 'clientAuth', 'subjectAltName=DNS:worker']]) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(file(`${name}.ext`), `${san}\nextendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  }
}

describe('TLS and mTLS to Temporal', () => {
  let env: TestWorkflowEnvironment;
  let front: TlsServer;
  let address: string;
  let handshakes = 0;

  beforeAll(async () => {
    makeCertificates();
    env = await startTestServer();
    const [backendHost, backendPort] = env.address.split(':');
    front = createTlsServer(
      {
        key: readFileSync(file('server.key')),
        cert: readFileSync(file('server.pem')),
        ca: readFileSync(file('ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
      },
      (socket) => {
        handshakes++;
        const backend = netConnect(Number(backendPort), backendHost);
        socket.pipe(backend).pipe(socket);
        const end = () => {
          socket.destroy();
          backend.destroy();
        };
        socket.on('error', end);
        backend.on('error', end);
      },
    );
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    address = `localhost:${(front.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    front?.close();
    await env?.teardown();
  });

  const mtls = () => ({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CA: file('ca.pem'), TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('client.key') });

  it('connects the client over mTLS', async () => {
    const connection = await Connection.connect(temporalConnectionOptions(loadConfig(mtls())));
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
      expect(handshakes).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
  });

  it('connects the worker over mTLS', async () => {
    const connection = await NativeConnection.connect(temporalConnectionOptions(loadConfig(mtls())));
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
    } finally {
      await connection.close();
    }
  });

  it('is refused without the client certificate, and without trusting the CA', async () => {
    const { TEMPORAL_TLS_CERT: _c, TEMPORAL_TLS_KEY: _k, ...caOnly } = mtls();
    await expect(
      Connection.connect({ ...temporalConnectionOptions(loadConfig(caOnly)), connectTimeout: 3000 }).then(async (c) => {
        try {
          await c.workflowService.getSystemInfo({});
        } finally {
          await c.close();
        }
      }),
    ).rejects.toThrow('Failed to connect before the deadline'); // grpc-js retries the refused handshake until connectTimeout
    const { TEMPORAL_TLS_CA: _ca, ...noCa } = mtls();
    await expect(NativeConnection.connect(temporalConnectionOptions(loadConfig(noCa)))).rejects.toMatchObject({ name: 'TransportError', message: expect.stringContaining('UnknownIssuer') });
  });
});
