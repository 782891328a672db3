// The `verify` and `codec-server` commands: test a connection the way Torii's Connect button does,
// and serve the codec for operators. Registered on the CLI's program with what they need handed in,
// so tests run them against a test server.
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { AesGcmPayloadCodec } from '../contract/codec';
import { ConfigError, loadConfig } from '../contract/config';
import { syncInputFrom, type SyncFlags } from './cli-input';
import { startCodecServer } from './codec-server';
import { describeVerifyResult, validateVerifyInput, verifyConnection } from './verify-connection';

export interface SecurityCommandContext {
  connect(): Promise<Client>;
  print(line: string): void;
  /** Where a failed check leaves the exit code (1). */
  setExitCode(code: number): void;
  /** Resolves when the codec server should stop (SIGINT/SIGTERM by default). */
  stopSignal?(): Promise<unknown>;
}

export function registerSecurityCommands(program: Command, ctx: SecurityCommandContext): void {
  program
    .command('verify')
    .description("test a connection's PingOne credentials and roles; prints each check with its cause and fix, exits 1 when one failed")
    .option('--input <file>', 'JSON file with the connection (its connectionId and pingOne parts; flags override it)')
    .option('--connection-id <id>')
    .option('--environment-id <uuid>')
    .option('--client-id <uuid>')
    .option('--token-url <url>', 'for credentials from an admin environment')
    .option('--client-secret-stdin', 'read the Client Secret from standard input')
    .option('--json', 'print the result as JSON')
    .action(async (flags: SyncFlags & { json?: boolean }) => {
      const { connectionId, pingOne } = await syncInputFrom(flags);
      // Input problems are reported before any connection is attempted.
      const input = validateVerifyInput({ connectionId, pingOne });
      const result = await verifyConnection(await ctx.connect(), input);
      ctx.print(flags.json ? JSON.stringify(result) : describeVerifyResult(result));
      if (!result.ok) ctx.setExitCode(1);
    });

  program
    .command('codec-server')
    .description('serve /encode and /decode for the Temporal UI and CLI, credentials masked (SYNC_ENCRYPTION_KEYS, CODEC_SERVER_TOKEN, CODEC_CORS_ORIGINS, CODEC_SERVER_HOST, CODEC_SERVER_PORT, CODEC_SERVER_TLS_CERT, CODEC_SERVER_TLS_KEY)')
    .action(async () => {
      const config = loadConfig();
      const problems = [
        ...(config.SYNC_ENCRYPTION_KEYS?.length ? [] : ['SYNC_ENCRYPTION_KEYS: required; the same keys as the worker']),
        ...(config.CODEC_SERVER_TOKEN ? [] : ['CODEC_SERVER_TOKEN: required; generate one with `openssl rand -base64 32` and give it only to operators who may read history']),
        ...(!config.CODEC_SERVER_TLS_CERT !== !config.CODEC_SERVER_TLS_KEY
          ? ['CODEC_SERVER_TLS_CERT and CODEC_SERVER_TLS_KEY: set both (HTTPS) or neither (plain HTTP on loopback, or behind a TLS proxy)']
          : []),
      ];
      if (problems.length > 0) throw new ConfigError(problems);
      const server = await startCodecServer({
        codec: new AesGcmPayloadCodec(config.SYNC_ENCRYPTION_KEYS ?? []),
        token: config.CODEC_SERVER_TOKEN as string,
        corsOrigins: config.CODEC_CORS_ORIGINS,
        host: config.CODEC_SERVER_HOST,
        port: config.CODEC_SERVER_PORT,
        tls: config.CODEC_SERVER_TLS_CERT && config.CODEC_SERVER_TLS_KEY ? { cert: readFileSync(config.CODEC_SERVER_TLS_CERT), key: readFileSync(config.CODEC_SERVER_TLS_KEY) } : undefined,
      });
      ctx.print(`codec server on ${server.url}; CORS origins: ${config.CODEC_CORS_ORIGINS.join(', ') || 'none (CLI only)'}`);
      await (ctx.stopSignal?.() ?? new Promise((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve)));
      await server.close();
    });
}
