// Loaded by path into the worker's workflow bundle and by the client: failure messages and stack
// traces travel as an encoded payload, so the payload codec encrypts them like everything else.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
