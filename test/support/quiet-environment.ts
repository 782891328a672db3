// Owns what a test run prints besides the results: nothing, unless a test fails. Every test file's
// worker and SDK logs go to its file (test/support/test-logs.ts); when a test or a hook fails, this
// jest environment prints the lines written while it ran, under its name, and the file's path.
import { closeSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';
import { testLogFile } from './test-logs';

const MAX_SHOWN_BYTES = 200_000;

export default class QuietEnvironment extends TestEnvironment {
  private readonly logFile: string;
  private testStart = 0;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.logFile = testLogFile(context.testPath);
    rmSync(this.logFile, { force: true });
  }

  async handleTestEvent(event: Circus.Event): Promise<void> {
    if (event.name === 'test_start') this.testStart = this.size();
    if (event.name === 'test_done' && event.test.errors.length > 0) this.show(`"${fullName(event.test)}"`, this.testStart);
    if (event.name === 'hook_failure') this.show(`the ${event.hook.type} hook`, 0);
  }

  private size(): number {
    try {
      return statSync(this.logFile).size;
    } catch {
      return 0;
    }
  }

  private show(what: string, from: number): void {
    const end = this.size();
    const start = Math.max(from, end - MAX_SHOWN_BYTES);
    if (end <= start) {
      process.stderr.write(`\n--- ${what} failed; it wrote no worker or SDK logs (${this.logFile})\n`);
      return;
    }
    const buffer = Buffer.alloc(end - start);
    const fd = openSync(this.logFile, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, start);
    } finally {
      closeSync(fd);
    }
    const cut = start > from ? ' (the last 200 KB)' : '';
    process.stderr.write(`\n--- worker and SDK logs while ${what} ran${cut}, from ${this.logFile}:\n${buffer.toString('utf8')}--- end of logs\n`);
  }
}

function fullName(test: Circus.TestEntry): string {
  const names: string[] = [test.name];
  for (let block: Circus.DescribeBlock | undefined = test.parent; block && block.name !== 'ROOT_DESCRIBE_BLOCK'; block = block.parent) names.unshift(block.name);
  return names.join(' › ');
}
