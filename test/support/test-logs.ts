// Owns where a test file's worker and SDK logs go: one file per test file under .cache/test-logs/
// (git-ignored), so `npm test` prints test results and nothing else. The jest environment
// (test/support/quiet-environment.ts) prints the lines a failed test wrote, and names the file.
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { inspect } from 'node:util';
import type { LogLevel } from '@temporalio/common';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

const LOG_DIR = join(__dirname, '..', '..', '.cache', 'test-logs');

/** The log file of the test file at `testPath`. */
export function testLogFile(testPath: string): string {
  mkdirSync(LOG_DIR, { recursive: true });
  return join(LOG_DIR, `${basename(testPath)}.log`);
}

/** The running test file's log file (jest's expect state knows the file); outside jest (`npm run record-histories`), the script's. */
export function currentTestLogFile(): string {
  const testPath = typeof expect === 'undefined' ? process.argv[1] : expect.getState().testPath;
  if (!testPath) throw new Error('currentTestLogFile() is called outside a jest test file');
  return testLogFile(testPath);
}

/** Appends one line to the running test file's log. */
export function writeTestLog(line: string): void {
  appendFileSync(currentTestLogFile(), `${line}\n`);
}

/**
 * Installs this test file's Temporal runtime with every SDK, workflow, activity and Core line going
 * to the file (level `TEST_LOG_LEVEL`, INFO by default; Core at WARN). The runtime is one per module
 * registry, that is per test file; a second call in the same file keeps the first.
 */
export function installTestRuntime(level: LogLevel = (process.env.TEST_LOG_LEVEL as LogLevel | undefined) ?? 'INFO'): void {
  const file = currentTestLogFile();
  const logger = new DefaultLogger(level, (entry) => {
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${inspect(entry.meta, { depth: 6, breakLength: Infinity })}` : '';
    appendFileSync(file, `${time} ${entry.level} ${entry.message}${meta}\n`);
  });
  try {
    Runtime.install({ logger, telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: level }) } } });
  } catch {
    // Installed already in this module registry (an earlier harness of the same file).
  }
}
