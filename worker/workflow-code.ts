// Where the worker gets its workflow code: the bundle `npm run build` writes next to the compiled
// worker, or, from source (tests), a bundle made at start. Bundling at start runs webpack inside
// the worker and roughly doubles its resident memory for good, which a long-running worker should
// not pay.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH } from '../contract/codec';

const WORKFLOWS = require.resolve('../workflows');
const INTERCEPTOR_MODULES = [require.resolve('../workflows/log-attributes')];
export const PREBUILT_BUNDLE = join(__dirname, '..', 'workflow-bundle.js');

export function workflowCode(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors'> {
  if (existsSync(PREBUILT_BUNDLE)) return { workflowBundle: { codePath: PREBUILT_BUNDLE } };
  return { workflowsPath: WORKFLOWS, interceptors: { workflowModules: INTERCEPTOR_MODULES } };
}

/** `npm run build`'s last step: the bundle the compiled worker loads. */
export async function writeWorkflowBundle(): Promise<void> {
  // The converters must be in the bundle too, or workflow failures would leave it unencrypted and an
  // unencrypted input would go unnoticed.
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS,
    workflowInterceptorModules: INTERCEPTOR_MODULES,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    payloadConverterPath: PAYLOAD_CONVERTER_PATH,
    // The SDK's default inline map carries every module's source (zod's too): ~3 MB the worker parses
    // and keeps for good, ~28 MB of resident memory. Line-only mappings without sources still turn a
    // workflow stack trace into file:line, which is all an operator reads.
    webpackConfigHook: (config) => ({ ...config, devtool: 'inline-nosources-cheap-module-source-map' }),
  });
  await writeFile(PREBUILT_BUNDLE, code);
}

if (require.main === module) {
  writeWorkflowBundle().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
