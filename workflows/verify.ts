// pingOneVerifyConnection: what Torii runs when a customer clicks Connect. It validates the input,
// then checks in order that PingOne issues a token, that the environment is reachable in the token's
// region, that users, applications and groups are readable, and which populations are visible. It
// answers every check as ok or failed with one sentence of cause and one of fix (the sync's own
// sentences) and fails only for an invalid input. A check whose prerequisite failed is answered as
// not checked. No I/O here: each check is an activity.
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { verifyChecks } from './activity-options';
import type { VerifyCheckOutcome } from '../activities/pingone/connection-test';
import { describeInputProblems } from '../contract/sync';
import { failureCause } from './failure-cause';
import { unencryptedInputFailure } from './unencrypted-input';
import { VerifyInputSchema, type VerifyCheck, type VerifyCheckName, type VerifyInput, type VerifyResult } from '../contract/verify';

const { verifyCheck } = verifyChecks;

function notChecked(name: VerifyCheckName, blocker: VerifyCheck): VerifyCheck {
  return {
    name,
    status: 'failed',
    cause: `Not checked, because the ${blocker.name} check failed.`,
    fix: `Fix the ${blocker.name} check first.`,
    type: 'NotChecked',
    correlationId: null,
  };
}

/** An activity that gave up with an error still answers its check, in the failure's own words. */
function fromFailure(name: VerifyCheckName, err: unknown): VerifyCheck {
  const cause = failureCause(err);
  const details = (cause?.details?.[0] ?? {}) as { cause?: string; fix?: string; correlationId?: string | null };
  return {
    name,
    status: 'failed',
    cause: details.cause ?? cause?.message ?? (err instanceof Error ? err.message : String(err)),
    fix: details.fix ?? 'Try the connection test again; if it persists, report it with the workflow id.',
    type: cause?.type ?? 'UnexpectedError',
    correlationId: details.correlationId ?? null,
  };
}

export async function pingOneVerifyConnection(rawInput: VerifyInput): Promise<VerifyResult> {
  const unencrypted = unencryptedInputFailure(rawInput, 'connection test');
  if (unencrypted) throw unencrypted;
  const parsed = VerifyInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const problems = describeInputProblems(parsed.error);
    throw ApplicationFailure.nonRetryable(`The connection test input is invalid: ${problems.join('; ')}`, 'InvalidVerifyInput', { problems });
  }
  const { connectionId, pingOne } = parsed.data;
  let region: string | null = null;
  const run = async (name: VerifyCheckName): Promise<VerifyCheck> => {
    try {
      const outcome: VerifyCheckOutcome = await verifyCheck({ connectionId, pingOne, check: name });
      if (outcome.region) region = outcome.region;
      return outcome.check;
    } catch (err) {
      return fromFailure(name, err);
    }
  };

  const token = await run('token');
  const environment = token.status === 'ok' ? await run('environment') : notChecked('environment', token);
  const blocker = token.status === 'ok' ? environment : token;
  const [users, applications, groups] =
    blocker.status === 'ok'
      ? await Promise.all([run('users'), run('applications'), run('groups')])
      : [notChecked('users', blocker), notChecked('applications', blocker), notChecked('groups', blocker)];
  const populations = blocker.status !== 'ok' ? notChecked('populations', blocker) : users.status === 'ok' ? await run('populations') : notChecked('populations', users);

  const required = [token, environment, users, applications, groups, populations];
  // Tests started before the audit check existed replay without it.
  if (!patched('verify-audit-activities')) return { connectionId, ok: required.every((c) => c.status === 'ok'), region, checks: required };
  const auditActivities = blocker.status === 'ok' ? await run('auditActivities') : notChecked('auditActivities', blocker);
  return { connectionId, ok: required.every((c) => c.status === 'ok'), region, checks: [...required, auditActivities] };
}
