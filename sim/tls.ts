// Owns the simulators' TLS: the key and self-signed certificate for `localhost` that both
// simulators serve HTTPS with, made once by openssl into .cache/simulator-tls/ (git-ignored), and
// the check that the process starting them trusts that certificate. PingOne and Torii speak only
// HTTPS, and so does the worker; a process trusts the simulators through Node's own
// NODE_EXTRA_CA_CERTS, read once at its start, which is why the file must exist before that start:
// `npm test`, `npm run demo` and `npm run bench` run `npm run simulator-tls` (this module as a
// script) first, which makes the files when they are missing or about to expire (package.json).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from '../dev/dev-server';

/** Where the certificate lives, relative to the repository root: the path package.json's scripts name. */
const DIRECTORY = join('.cache', 'simulator-tls');
const CERTIFICATE = 'localhost.pem';
const KEY = 'localhost-key.pem';
const VALID_DAYS = 3650;
/** A certificate this close to its end is made again, so no run starts with one that expires during it. */
const RENEW_BEFORE_MS = 7 * 24 * 3600_000;

export interface SimulatorTls {
  key: Buffer;
  certificate: Buffer;
}

/** The absolute path of the folder the simulators' key and certificate live in. */
function simulatorTlsDirectory(): string {
  return join(repoRoot(), DIRECTORY);
}

/** The absolute path of the simulators' certificate (PEM), the file NODE_EXTRA_CA_CERTS names. */
export function simulatorCertificateFile(): string {
  return join(simulatorTlsDirectory(), CERTIFICATE);
}

/**
 * Writes a fresh P-256 key and a self-signed certificate for `localhost` into `directory`
 * (`localhost-key.pem`, `localhost.pem`), valid for `days`; answers their paths.
 */
export function makeLocalhostCertificate(directory: string, days: number): { keyFile: string; certificateFile: string } {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', KEY, '-out', CERTIFICATE, '-days', String(days),
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
  ], { cwd: directory, stdio: 'pipe' });
  return { keyFile: join(directory, KEY), certificateFile: join(directory, CERTIFICATE) };
}

/** Makes the key and certificate unless a usable pair is there; safe when two runs start at once. */
export function ensureSimulatorCertificate(): void {
  const directory = simulatorTlsDirectory();
  if (usable(directory)) return;
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(dirname(directory), { recursive: true });
  // Made beside the final place and renamed into it whole: a concurrent run sees both files or none.
  const staging = mkdtempSync(`${directory}.staging-`);
  try {
    makeLocalhostCertificate(staging, VALID_DAYS);
    try {
      renameSync(staging, directory);
    } catch (error) {
      // Another run made the pair first: keep its pair, which the scripts already point at.
      if (!existsSync(simulatorCertificateFile())) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Both files there, and the certificate readable and valid for a while yet. */
function usable(directory: string): boolean {
  try {
    const validTo = Date.parse(new X509Certificate(readFileSync(join(directory, CERTIFICATE))).validTo);
    return existsSync(join(directory, KEY)) && validTo - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/**
 * The key and certificate a simulator serves. Refuses when this process does not trust them: every
 * request it or its in-process worker made would otherwise fail on an unknown certificate, far from
 * the cause.
 */
export function simulatorTls(): SimulatorTls {
  const certificateFile = simulatorCertificateFile();
  if (!existsSync(certificateFile)) {
    throw new Error(`the simulators' certificate ${certificateFile} is missing: run \`npm run simulator-tls\` (npm test, npm run demo and npm run bench do it first)`);
  }
  const trusted = process.env.NODE_EXTRA_CA_CERTS;
  if (!trusted || resolve(trusted) !== certificateFile) {
    throw new Error(`this process does not trust the simulators' certificate: start it with NODE_EXTRA_CA_CERTS=${join(DIRECTORY, CERTIFICATE)} (as npm test, npm run demo and npm run bench do), not ${trusted ? `NODE_EXTRA_CA_CERTS=${trusted}` : 'without it'}`);
  }
  return { key: readFileSync(join(simulatorTlsDirectory(), KEY)), certificate: readFileSync(certificateFile) };
}

if (require.main === module) ensureSimulatorCertificate();
