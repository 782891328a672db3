// Torii behind a certificate the worker does not accept: the failure says so, names the host and the
// fix, and nothing is sent past the handshake (the PingOne side is in verify.e2e.test.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttp } from '../activities/pingone/http';
import { toriiApi } from '../activities/torii/api';
import { startUntrustedTlsServer } from './support/untrusted-tls';

it('a Torii host whose certificate is not accepted fails as ToriiUnreachable that says so, and gets no request', async () => {
  const untrusted = await startUntrustedTlsServer();
  const dir = await mkdtemp(join(tmpdir(), 'untrusted-torii-'));
  try {
    const file = join(dir, 'users.json');
    await writeFile(file, '{"users":[]}');
    const http = createHttp({ requestTimeoutMs: 10_000, maxResponseBytes: 1024 * 1024 });
    const sink = toriiApi(http, `https://localhost:${untrusted.port}/v1.0`, 'untrusted-torii-key');
    const failure = await sink.upload(file, 12).catch((err: unknown) => err);
    expect(failure).toMatchObject({
      problem: {
        type: 'ToriiUnreachable',
        cause: `Torii at localhost:${untrusted.port} presented a TLS certificate the worker does not accept during upload (DEPTH_ZERO_SELF_SIGNED_CERT).`,
        fix: `Check that localhost:${untrusted.port} is the right host and that its certificate is valid for that name; if a TLS-inspecting proxy sits in the worker's path, give the worker its authority with NODE_EXTRA_CA_CERTS.`,
        retryable: true,
      },
    });
    expect(untrusted.requests).toBe(0);
  } finally {
    await untrusted.close();
    await rm(dir, { recursive: true, force: true });
  }
});
