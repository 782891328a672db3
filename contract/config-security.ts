// The configuration of everything that keeps credentials safe: the history encryption keys, the
// connection test's grace for PingOne's propagation delay, TLS and API key towards Temporal, and
// the codec server. Part of the worker's one environment schema (worker/config.ts); values here are
// never echoed back in messages.
import { z } from 'zod';
import { parseEncryptionKeys } from './encryption-keys';

const filePath = (what: string) => z.string().min(1, `must be a file path (${what})`);

export const securityConfig = {
  SYNC_ENCRYPTION_KEYS: z
    .string()
    .transform((raw, ctx) => {
      const { keys, problems } = parseEncryptionKeys(raw);
      for (const message of problems) ctx.addIssue({ code: 'custom', message });
      return keys;
    })
    .optional(),
  PINGONE_PROPAGATION_GRACE_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 or more seconds')
    .max(600, 'must be at most 600 seconds')
    .default(60),
  TEMPORAL_TLS: z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true').optional(),
  TEMPORAL_TLS_CERT: filePath('PEM client certificate for mTLS').optional(),
  TEMPORAL_TLS_KEY: filePath('PEM private key of TEMPORAL_TLS_CERT').optional(),
  TEMPORAL_TLS_CA: filePath('PEM CA certificate that signed the server’s certificate').optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a host name, like my-namespace.tmprl.cloud').optional(),
  TEMPORAL_API_KEY: z.string().regex(/^\S+$/, 'must be one word without spaces, as Temporal Cloud issues it').optional(),
  CODEC_SERVER_TOKEN: z
    .string()
    .min(24, 'must be at least 24 characters; generate one with `openssl rand -base64 32`')
    .optional(),
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_SERVER_PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0, 'must be a port number (0: any free port, named when it starts)').max(65535, 'must be a port number').default(8888),
  CODEC_SERVER_TLS_CERT: filePath('PEM certificate the codec server serves HTTPS with').optional(),
  CODEC_SERVER_TLS_KEY: filePath('PEM private key of CODEC_SERVER_TLS_CERT').optional(),
  CODEC_CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean))
    .refine((origins) => origins.every((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)), 'must be a comma-separated list of origins like https://temporal-ui.example.com or http://localhost:8233')
    .default([]),
};
