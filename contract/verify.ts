// The connection test's public contract: what Torii's backend starts when a customer clicks
// Connect, the input it validates (the sync's `connectionId` and `pingOne` parts, same rules), and
// the list of checks it answers. Pure data and zod only: the workflow bundle imports it.
import { z } from 'zod';
import { ConnectionIdSchema, PingOneConnectionSchema } from './sync';

export const VERIFY_WORKFLOW_TYPE = 'pingOneVerifyConnection';

/** One test per connection at a time: a new start terminates a running one (startVerify), since the customer may have fixed something since. */
export function verifyWorkflowId(connectionId: string): string {
  return `pingone-verify/${connectionId}`;
}

export const VerifyInputSchema = z.strictObject(
  {
    connectionId: ConnectionIdSchema,
    pingOne: PingOneConnectionSchema,
  },
  { error: 'must be an object' },
);

export type VerifyInput = z.input<typeof VerifyInputSchema>;
export type ValidVerifyInput = z.output<typeof VerifyInputSchema>;

/** In the order they run: each later check needs the ones before it to pass. */
export const VERIFY_CHECKS = ['token', 'environment', 'users', 'applications', 'groups', 'populations', 'auditActivities'] as const;
export type VerifyCheckName = (typeof VERIFY_CHECKS)[number];

export interface VerifyCheck {
  name: VerifyCheckName;
  status: 'ok' | 'failed';
  /** One sentence: what was found. */
  cause: string;
  /** One sentence: what to do; empty when the check passed. */
  fix: string;
  /** The failure type shared with the sync (e.g. `PingOneInvalidClient`); null when ok. */
  type: string | null;
  /** PingOne's correlation id when it gave one, for support tickets. */
  correlationId: string | null;
}

export interface VerifyResult {
  connectionId: string;
  /** True when every check passed; `auditActivities` is advisory (a sync without it still publishes) and does not count. */
  ok: boolean;
  /** PingOne region of the token host (NA, EU, …, or `custom`); null when the host was refused. */
  region: string | null;
  checks: VerifyCheck[];
}
