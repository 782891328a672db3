// How the worker and every client reach Temporal: plain for a local dev server, TLS with the
// system's CAs or TEMPORAL_TLS_CA, mTLS with TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, and
// TEMPORAL_API_KEY for Temporal Cloud (which implies TLS). The one place that turns those variables
// into connection options, for NativeConnection (worker) and Connection (client) alike.
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { registerSecret } from './redact';
import { ConfigError, type WorkerConfig } from './config';

export type TemporalConnectionConfig = Pick<
  WorkerConfig,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'
>;

export interface TemporalConnectionOptions {
  address: string;
  /** Absent: a plain connection. */
  tls?: TLSConfig;
  apiKey?: string;
}

/** Connection options from the configuration; reads the PEM files. Every problem is one line of a ConfigError. */
export function temporalConnectionOptions(config: TemporalConnectionConfig, readFile: (path: string) => Buffer = readFileSync): TemporalConnectionOptions {
  const problems: string[] = [];
  const pem = (variable: string, path: string | undefined): Buffer | undefined => {
    if (!path) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFile(path);
    } catch (err) {
      problems.push(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      return undefined;
    }
    if (!bytes.toString('latin1').includes('-----BEGIN ')) problems.push(`${variable}: ${path} is not a PEM file (no -----BEGIN line)`);
    return bytes;
  };

  if (Boolean(config.TEMPORAL_TLS_CERT) !== Boolean(config.TEMPORAL_TLS_KEY)) {
    problems.push(`${config.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'}: required with ${config.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY'}; mTLS needs the client certificate and its key`);
  }
  const wantsTls = Boolean(config.TEMPORAL_TLS_CERT || config.TEMPORAL_TLS_KEY || config.TEMPORAL_TLS_CA || config.TEMPORAL_TLS_SERVER_NAME || config.TEMPORAL_API_KEY);
  if (config.TEMPORAL_TLS === false && wantsTls) {
    problems.push('TEMPORAL_TLS: is false, but TLS settings or TEMPORAL_API_KEY are set; an API key must not travel unencrypted, so unset TEMPORAL_TLS or those settings');
  }
  const crt = pem('TEMPORAL_TLS_CERT', config.TEMPORAL_TLS_CERT);
  const key = pem('TEMPORAL_TLS_KEY', config.TEMPORAL_TLS_KEY);
  const ca = pem('TEMPORAL_TLS_CA', config.TEMPORAL_TLS_CA);
  if (problems.length > 0) throw new ConfigError(problems);

  registerSecret(config.TEMPORAL_API_KEY);
  const options: TemporalConnectionOptions = { address: config.TEMPORAL_ADDRESS };
  if (wantsTls || config.TEMPORAL_TLS) {
    const tls: TLSConfig = {};
    if (config.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = config.TEMPORAL_TLS_SERVER_NAME;
    if (ca) tls.serverRootCACertificate = ca;
    if (crt && key) tls.clientCertPair = { crt, key };
    options.tls = tls;
  }
  if (config.TEMPORAL_API_KEY) options.apiKey = config.TEMPORAL_API_KEY;
  return options;
}
