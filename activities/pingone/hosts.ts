// The one place that knows PingOne's hosts: which token URL a connection uses, which API base its
// data lives behind, and which hosts a request may go to at all. Pure: no I/O.
import { shown } from '../../contract/input-words';

export const PINGONE_REGIONS = {
  com: { region: 'NA', name: 'North America' },
  eu: { region: 'EU', name: 'Europe' },
  ca: { region: 'CA', name: 'Canada' },
  'com.au': { region: 'AU', name: 'Australia' },
  sg: { region: 'SG', name: 'Singapore' },
  asia: { region: 'AP', name: 'Asia-Pacific' },
} as const;
type RegionTld = keyof typeof PINGONE_REGIONS;

export interface HostPolicy {
  /** Replaces `https://auth.pingone.com` in the default token URL. */
  authBaseUrl?: string;
  /** Replaces the API base derived from the token host's region. */
  apiBaseUrl?: string;
  /** Extra `host[:port]` entries a Token URL or API base may use. */
  allowedHosts: string[];
}

export interface ResolvedEndpoints {
  tokenUrl: string;
  apiBaseUrl: string;
  /** Region code (NA, EU, …) or `custom` when an override decides the host. */
  region: string;
  regionName: string;
}

/** A URL that may not be used; `field` names what the customer or operator must fix. */
export class HostRefusedError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'HostRefusedError';
  }
}

const AUTH_HOST = /^auth\.pingone\.(com|eu|ca|com\.au|sg|asia)$/;
const API_HOST = /^api\.pingone\.(com|eu|ca|com\.au|sg|asia)$/;

function regionOfHost(host: string): RegionTld | undefined {
  const match = AUTH_HOST.exec(host) ?? API_HOST.exec(host);
  return match ? (match[1] as RegionTld) : undefined;
}

function isIpLiteral(hostname: string): boolean {
  return /^\[.*\]$/.test(hostname) || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(':');
}

/**
 * Checks a URL against the host policy before any connection is made: https only (an allowed host
 * too: the simulators serve HTTPS), no user-info, no IP literals, and a host that is PingOne's own
 * or listed in PINGONE_ALLOWED_HOSTS.
 */
export function checkPingOneUrl(raw: string, field: string, policy: HostPolicy, kind: 'auth' | 'api'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HostRefusedError(field, `must be an absolute URL like https://auth.pingone.com/<environment-id>/as/token, got ${shown(raw)}`);
  }
  if (url.username || url.password) {
    throw new HostRefusedError(field, 'must not carry a user name or password; put credentials in Client ID and Client Secret');
  }
  const host = url.hostname.toLowerCase();
  if (isIpLiteral(host)) {
    throw new HostRefusedError(field, `must name a PingOne host, not an IP address (${host})`);
  }
  const hostWithPort = url.port ? `${host}:${url.port}` : host;
  const allowedExtra = policy.allowedHosts.map((h) => h.toLowerCase());
  const explicitlyAllowed = allowedExtra.includes(hostWithPort) || (!url.port && allowedExtra.includes(host));
  const ownHost = kind === 'auth' ? AUTH_HOST.test(host) : API_HOST.test(host);
  if (!ownHost && !explicitlyAllowed) {
    const own = kind === 'auth' ? 'auth.pingone.<com|eu|ca|com.au|sg|asia>' : 'api.pingone.<com|eu|ca|com.au|sg|asia>';
    throw new HostRefusedError(field, `host ${hostWithPort} is not a PingOne host (${own}); an operator can allow it with PINGONE_ALLOWED_HOSTS`);
  }
  if (url.protocol !== 'https:') {
    throw new HostRefusedError(field, `must use https, got ${url.protocol.replace(':', '')}`);
  }
  if (ownHost && url.port && url.port !== '443') {
    throw new HostRefusedError(field, `must not name a port on a PingOne host (${hostWithPort})`);
  }
  return url;
}

/**
 * Decides where a connection's token and data come from. The token URL is the customer's (an admin
 * environment's) or the default for the environment; the API follows the token host's region.
 */
export function resolveEndpoints(
  connection: { environmentId: string; tokenUrl?: string },
  policy: HostPolicy,
): ResolvedEndpoints {
  const authBase = (policy.authBaseUrl ?? 'https://auth.pingone.com').replace(/\/+$/, '');
  const tokenUrlRaw = connection.tokenUrl ?? `${authBase}/${connection.environmentId}/as/token`;
  const tokenField = connection.tokenUrl ? 'pingOne.tokenUrl' : policy.authBaseUrl ? 'PINGONE_AUTH_URL' : 'pingOne.environmentId';
  const tokenUrl = checkPingOneUrl(tokenUrlRaw, tokenField, policy, 'auth');
  if (connection.tokenUrl && !/\/as\/token\/?$/.test(tokenUrl.pathname)) {
    throw new HostRefusedError('pingOne.tokenUrl', 'must end in /as/token, like https://auth.pingone.com/<admin-environment-id>/as/token');
  }
  if (tokenUrl.search || tokenUrl.hash) {
    throw new HostRefusedError(tokenField, 'must not carry a query or fragment');
  }
  const tld = regionOfHost(tokenUrl.hostname.toLowerCase());
  if (policy.apiBaseUrl) {
    const api = checkPingOneUrl(policy.apiBaseUrl, 'PINGONE_API_URL', policy, 'api');
    return {
      tokenUrl: tokenUrl.href,
      apiBaseUrl: api.href.replace(/\/+$/, ''),
      region: tld ? PINGONE_REGIONS[tld].region : 'custom',
      regionName: tld ? PINGONE_REGIONS[tld].name : `custom (${api.host})`,
    };
  }
  if (!tld) {
    throw new HostRefusedError(tokenField, `the region of ${tokenUrl.host} is unknown, so the API host cannot be derived; set PINGONE_API_URL`);
  }
  return {
    tokenUrl: tokenUrl.href,
    apiBaseUrl: `https://api.pingone.${tld}/v1`,
    region: PINGONE_REGIONS[tld].region,
    regionName: PINGONE_REGIONS[tld].name,
  };
}

/** The admin-environment Token URL hint for a region, used in messages. */
export function adminTokenUrlHint(tokenUrl: string): string {
  let tld = 'com';
  try {
    tld = regionOfHost(new URL(tokenUrl).hostname) ?? 'com';
  } catch {
    // keep the default hint
  }
  return `https://auth.pingone.${tld}/<admin-env-id>/as/token`;
}
