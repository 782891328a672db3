// The worker's telemetry, installed once per process before any Temporal connection: the Temporal
// runtime's logger becomes a pino JSON logger (every SDK, workflow and activity log line, with the
// workflow and run ids the SDK attaches and the connection id our interceptors add), and its
// Prometheus exporter serves the SDK's metrics and the sync's own (contract/metrics.ts).
// Every line is redacted as it is written, so a secret that slipped into a message never leaves.
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { redact } from '../contract/redact';
import type { WorkerConfig } from '../contract/config';

export interface TelemetrySettings {
  logLevel: LogLevel;
  /** `host:port` for the Prometheus endpoint (`/metrics`); none: no exporter. */
  metricsBindAddress?: string;
  /** Where log lines go; stdout by default (tests pass a stream they read). */
  logDestination?: DestinationStream;
}

export function telemetrySettings(config: Pick<WorkerConfig, 'LOG_LEVEL' | 'METRICS_PORT' | 'METRICS_HOST'>): TelemetrySettings {
  const host = config.METRICS_HOST.includes(':') ? `[${config.METRICS_HOST}]` : config.METRICS_HOST;
  return {
    logLevel: config.LOG_LEVEL,
    metricsBindAddress: config.METRICS_PORT === undefined ? undefined : `${host}:${config.METRICS_PORT}`,
  };
}

/** Temporal's Logger interface over pino: meta becomes fields, the message `msg`. */
class TemporalPinoLogger implements Logger {
  constructor(private readonly pino: PinoLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    this.pino[method](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

export function createJsonLogger(settings: Pick<TelemetrySettings, 'logLevel' | 'logDestination'>): PinoLogger {
  return pino(
    {
      name: 'pingone-torii-sync',
      level: settings.logLevel.toLowerCase(),
      // The SDK passes failures as `error`; without this they would print as `{}`.
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
      hooks: { streamWrite: (line) => redact(line) },
    },
    settings.logDestination ?? pino.destination(1),
  );
}

/**
 * Installs the Temporal runtime with the JSON logger and, when asked, the Prometheus exporter.
 * Call before creating any connection, server or worker: the runtime is a per-process singleton.
 */
export function installTelemetry(settings: TelemetrySettings): PinoLogger {
  const logger = createJsonLogger(settings);
  Runtime.install({
    logger: new TemporalPinoLogger(logger),
    telemetryOptions: {
      // Core's own (Rust) lines too, through the same logger; core is chatty below WARN.
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: settings.logLevel }) },
      metrics: settings.metricsBindAddress ? { prometheus: { bindAddress: settings.metricsBindAddress, countersTotalSuffix: true } } : undefined,
    },
  });
  return logger;
}
