// The deployment's one environment schema, read by the worker and by every client (the CLI,
// connectClient): checked at start, with one readable line per bad variable. It lives in the contract
// because both sides read the same variables (the Temporal connection, the encryption keys).
import { z } from 'zod';
import { ConfigError } from './config-error';
import { DEFAULT_TASK_QUEUE } from './sync';
import { securityConfig } from './config-security';

const url = (example: string) =>
  z.string().refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'https:';
    } catch {
      return false;
    }
  }, `must be an https URL like ${example}`);

const positiveInt = (what: string) =>
  z.coerce.number({ error: `must be a whole number (${what})` }).int(`must be a whole number (${what})`).positive(`must be positive (${what})`);

export const WorkerConfigSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, like localhost:7233').default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'must be a Temporal namespace name, like default').default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1, 'must not be empty').default(DEFAULT_TASK_QUEUE),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a PostgreSQL URL like postgresql://user:password@host:5432/db; leave it unset for the embedded store')
    .optional(),
  EMBEDDED_DATABASE_DIR: z.string().min(1).default('var/pglite'),
  SYNC_FILES_DIR: z.string().min(1).default('var/files'),
  TORII_API_KEY: z.string().min(1, 'must not be empty; unset it instead').optional(),
  TORII_API_URL: url('https://api.toriihq.com/v1.0').default('https://api.toriihq.com/v1.0'),
  PINGONE_AUTH_URL: url('https://auth.pingone.eu').optional(),
  PINGONE_API_URL: url('https://api.pingone.eu/v1').optional(),
  PINGONE_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean))
    .refine((hosts) => hosts.every((h) => /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(h)), 'must be a comma-separated list of host or host:port entries'),
  // Presigned upload hosts exempt from the public-host rule: a private storage endpoint, or the
  // tests' Torii simulator on loopback. Empty by default: nothing is exempt unless named here.
  TORII_UPLOAD_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean))
    .refine((hosts) => hosts.every((h) => /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(h)), 'must be a comma-separated list of host or host:port entries'),
  PINGONE_ADMIN_LOOKUP_LIMIT: positiveInt('candidate users of an admin-only app worth one request each').default(200),
  HTTP_TIMEOUT_MS: positiveInt('milliseconds').default(30_000),
  // A 200-user PingOne page is under 1 MB. 8 MB is eight times that, and one license's answers in
  // flight together (activities/pingone/http.ts) plus their parsed objects stay well inside the
  // worker's 96 MB heap beside other connections' pages. Above it a request is aborted.
  HTTP_MAX_RESPONSE_BYTES: positiveInt('bytes of PingOne or Torii response bodies').default(8 * 1024 * 1024),
  ...securityConfig,
  // Telemetry: Prometheus metrics (the SDK's and the sync's own) when METRICS_PORT is set; JSON logs.
  METRICS_PORT: z.coerce.number({ error: 'must be a TCP port number' }).int('must be a TCP port number').min(1, 'must be a TCP port 1–65535').max(65535, 'must be a TCP port 1–65535').optional(),
  // Loopback by default: metrics name connections and hosts; a container sets 0.0.0.0 on purpose.
  METRICS_HOST: z.string().regex(/^[A-Za-z0-9.:-]+$/, 'must be an address to listen on, like 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
  LOG_LEVEL: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'], { error: 'must be one of TRACE, DEBUG, INFO, WARN, ERROR' }))
    .default('INFO'),
  // Conservative defaults: PingOne's budget is per license and shared with everything else the
  // customer runs; a connection may ask for more in options.rateLimit.
  PINGONE_REQUESTS_PER_SECOND: z.coerce.number({ error: 'must be a number (requests per second)' }).positive('must be positive (requests per second)').max(1000, 'must be at most 1000').default(20),
  PINGONE_CONCURRENCY: positiveInt('requests in flight per license').default(8),
  // PingOne's audit endpoints have their own, low limit (about 10 requests/s per license): the usage
  // read keeps well under it, on a budget of its own.
  PINGONE_AUDIT_REQUESTS_PER_SECOND: z.coerce.number({ error: 'must be a number (requests per second)' }).positive('must be positive (requests per second)').max(10, 'must be at most 10 (PingOne’s audit limit per license)').default(4),
  PINGONE_USAGE_ACTION_TYPES: z
    .string()
    .default('USER.ACCESS_ALLOWED')
    .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean))
    .refine((types) => types.length > 0 && types.every((t) => /^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)+$/.test(t)), 'must be comma-separated PingOne audit action types like USER.ACCESS_ALLOWED'),
  PINGONE_CHAIN_SPLIT_USERS: positiveInt('users of a population above which its listing is split by username prefix').default(10_000),
});

export type WorkerConfig = z.output<typeof WorkerConfigSchema>;

export { ConfigError };

/** Reads the configuration; empty variables count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = WorkerConfigSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}
