// How the worker and the client reach Temporal: plain, TLS, mTLS, Temporal Cloud's API key, each
// setting read from the environment once, and every mistake reported as one line before connecting.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact } from '../contract/redact';
import { ConfigError, loadConfig } from '../contract/config';
import { temporalConnectionOptions } from '../contract/temporal-connection';

const dir = mkdtempSync(join(tmpdir(), 'temporal-tls-'));
const pem = (name: string, label: string) => {
  const path = join(dir, name);
  writeFileSync(path, `-----BEGIN ${label}-----\nMIIB${name}\n-----END ${label}-----\n`);
  return path;
};
const CERT = pem('client.pem', 'CERTIFICATE');
const KEY = pem('client.key', 'PRIVATE KEY');
const CA = pem('ca.pem', 'CERTIFICATE');
const NOT_PEM = join(dir, 'not.pem');
writeFileSync(NOT_PEM, 'just some bytes');

const optionsFor = (env: Record<string, string>) => temporalConnectionOptions(loadConfig(env));
function problemsOf(env: Record<string, string>): string[] {
  try {
    optionsFor(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('Temporal connection options', () => {
  it('connects in plain text to a local server by default', () => {
    expect(optionsFor({})).toEqual({ address: 'localhost:7233' });
  });

  it('turns TLS on with the system’s CAs when asked', () => {
    expect(optionsFor({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'true' })).toEqual({ address: 'temporal.internal:7233', tls: {} });
  });

  it('trusts a private CA and overrides the server name', () => {
    const options = optionsFor({ TEMPORAL_TLS_CA: CA, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    expect(options.tls?.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(options.tls?.serverRootCACertificate ?? []).toString()).toContain('MIIBca.pem');
    expect(options.tls?.clientCertPair).toBeUndefined();
  });

  it('presents a client certificate for mTLS', () => {
    const options = optionsFor({ TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY });
    expect(Buffer.from(options.tls?.clientCertPair?.crt ?? []).toString()).toContain('MIIBclient.pem');
    expect(Buffer.from(options.tls?.clientCertPair?.key ?? []).toString()).toContain('MIIBclient.key');
  });

  it('sends Temporal Cloud’s API key over TLS, and keeps it out of logs', () => {
    const apiKey = 'tcld-api-key-Qe7rT2yU9iO4pA';
    expect(optionsFor({ TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: apiKey })).toEqual({
      address: 'acme.a1b2c.tmprl.cloud:7233',
      tls: {},
      apiKey,
    });
    expect(redact(`connect failed with ${apiKey}`)).toBe('connect failed with [redacted]');
  });

  it('reports each mistake on its own line before connecting', () => {
    expect(problemsOf({ TEMPORAL_TLS_CERT: CERT })).toEqual(['TEMPORAL_TLS_KEY: required with TEMPORAL_TLS_CERT; mTLS needs the client certificate and its key']);
    expect(problemsOf({ TEMPORAL_TLS_KEY: KEY })).toEqual(['TEMPORAL_TLS_CERT: required with TEMPORAL_TLS_KEY; mTLS needs the client certificate and its key']);
    expect(problemsOf({ TEMPORAL_TLS_CA: join(dir, 'missing.pem'), TEMPORAL_TLS_CERT: NOT_PEM, TEMPORAL_TLS_KEY: KEY })).toEqual([
      `TEMPORAL_TLS_CERT: ${NOT_PEM} is not a PEM file (no -----BEGIN line)`,
      `TEMPORAL_TLS_CA: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    ]);
    expect(problemsOf({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).toEqual([
      'TEMPORAL_TLS: is false, but TLS settings or TEMPORAL_API_KEY are set; an API key must not travel unencrypted, so unset TEMPORAL_TLS or those settings',
    ]);
  });

  it('checks the variables themselves with the rest of the configuration', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ TEMPORAL_TLS: 'yes', TEMPORAL_API_KEY: 'two words', TEMPORAL_TLS_SERVER_NAME: 'bad name', PINGONE_PROPAGATION_GRACE_SECONDS: '-1', CODEC_SERVER_TOKEN: 'short', CODEC_CORS_ORIGINS: 'localhost:8233' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems).toEqual([
      'PINGONE_PROPAGATION_GRACE_SECONDS: must be 0 or more seconds',
      'TEMPORAL_TLS: must be true or false',
      'TEMPORAL_TLS_SERVER_NAME: must be a host name, like my-namespace.tmprl.cloud',
      'TEMPORAL_API_KEY: must be one word without spaces, as Temporal Cloud issues it',
      'CODEC_SERVER_TOKEN: must be at least 24 characters; generate one with `openssl rand -base64 32`',
      'CODEC_CORS_ORIGINS: must be a comma-separated list of origins like https://temporal-ui.example.com or http://localhost:8233',
    ]);
    expect(error?.message).not.toContain('two words');
  });
});
