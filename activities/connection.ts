// Turns a connection's form values into a ready PingOne API client: endpoints resolved and checked
// against the host policy (refused before any request), classification facts attached; the audit
// API on a budget of its own.
import { createHash } from 'node:crypto';
import { ProblemError } from './problem';
import { registerSecret } from '../contract/redact';
import { adminTokenUrlHint, HostRefusedError, resolveEndpoints, type HostPolicy, type ResolvedEndpoints } from './pingone/hosts';
import { PingOneApi, type PingOneApiDeps } from './pingone/api';
import type { PingOneConnection, RateLimitOptions } from '../contract/sync';
import { DEFAULT_AUDIT_REQUESTS_PER_SECOND, type UsageSettings } from './pingone/audit';

/** What every PingOne activity is called with: the connection, and its license's rate limit. */
export interface ConnectionArgs {
  connectionId: string;
  pingOne: PingOneConnection;
  rateLimit?: RateLimitOptions;
}

export function endpointsFor(pingOne: PingOneConnection, policy: HostPolicy): ResolvedEndpoints {
  // First, so no message about the hosts (a secret pasted into the Token URL) can carry it.
  registerSecret(pingOne.clientSecret);
  try {
    return resolveEndpoints(pingOne, policy);
  } catch (err) {
    if (err instanceof HostRefusedError) {
      throw new ProblemError({
        type: 'InvalidConnection',
        cause: `${err.message}.`,
        fix: 'Correct the Token URL in the connection (or the worker’s PingOne host settings) and start the sync again.',
        retryable: false,
      });
    }
    throw err;
  }
}

/**
 * The budget a connection's requests count against: its Worker app (one app serving several
 * environments is one license), as proven by the token host, the Client ID and the Client Secret
 * together. Nothing else in an input is proof of anything, so a stranger with another's Client ID
 * and a wrong secret, or naming another's licenseKey, gets a budget of its own and can neither
 * change nor slow the owner's. A licenseKey separates budgets within one Worker app only.
 */
export function licenseKeyOf(pingOne: PingOneConnection, tokenUrl: string, rateLimit?: RateLimitOptions): string {
  const app = createHash('sha256').update(`${new URL(tokenUrl).host}\n${pingOne.clientId}\n${pingOne.clientSecret}`).digest('base64url');
  return rateLimit?.licenseKey ? `app:${app}/license:${rateLimit.licenseKey}` : `app:${app}`;
}

export function pingOneApiFor(pingOne: PingOneConnection, policy: HostPolicy, deps: PingOneApiDeps, rateLimit?: RateLimitOptions): PingOneApi {
  const endpoints = endpointsFor(pingOne, policy);
  const tokenUrl = new URL(endpoints.tokenUrl);
  const { licenseKey: _key, ...budgetSettings } = rateLimit ?? {};
  return new PingOneApi(deps, {
    environmentId: pingOne.environmentId,
    apiBaseUrl: endpoints.apiBaseUrl,
    credentials: { tokenUrl: endpoints.tokenUrl, clientId: pingOne.clientId, clientSecret: pingOne.clientSecret },
    budget: deps.budgets.for(licenseKeyOf(pingOne, endpoints.tokenUrl, rateLimit), budgetSettings),
    context: {
      host: tokenUrl.host,
      customTokenUrl: pingOne.tokenUrl !== undefined,
      adminTokenUrlHint: adminTokenUrlHint(endpoints.tokenUrl),
      regionName: endpoints.regionName,
      environmentId: pingOne.environmentId,
    },
  });
}

/**
 * The audit API of a connection: the management API's target with the license's audit budget, so
 * the usage read and the listings run side by side without starving each other.
 */
export function auditApiFor(args: ConnectionArgs, deps: PingOneApiDeps & { hostPolicy: HostPolicy; usage?: UsageSettings }): PingOneApi {
  const api = pingOneApiFor(args.pingOne, deps.hostPolicy, deps, args.rateLimit);
  const tokenUrl = endpointsFor(args.pingOne, deps.hostPolicy).tokenUrl;
  const budget = deps.budgets.for(`audit|${licenseKeyOf(args.pingOne, tokenUrl, args.rateLimit)}`, {
    requestsPerSecond: deps.usage?.requestsPerSecond ?? DEFAULT_AUDIT_REQUESTS_PER_SECOND,
    concurrency: 2,
  });
  return new PingOneApi(deps, { ...api.target, budget });
}
