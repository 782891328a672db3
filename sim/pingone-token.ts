// The simulated token endpoint and the tokens it issued: client authentication by the client's
// configured method only, opaque expiring tokens bound to the client, revocation for tests.
import { randomBytes } from 'node:crypto';
import { oauthError } from './pingone-errors';
import type { SimReply, SimRequest } from './server';

export type TokenAuthMethod = 'CLIENT_SECRET_BASIC' | 'CLIENT_SECRET_POST' | 'PRIVATE_KEY_JWT';

export interface SimClient {
  clientId: string;
  clientSecret: string;
  /** The environment whose token URL issues this client's tokens. */
  environmentId: string;
  authMethod: TokenAuthMethod;
  /** Environments this client's role reaches; default [environmentId]. */
  readableEnvironmentIds?: string[];
  /** Population-scoped role: only these populations' users are visible. */
  populationIds?: string[];
  /** Resources answered with 403 INSUFFICIENT_PERMISSIONS. */
  deniedResources?: ('users' | 'applications' | 'groups' | 'populations')[];
}

export interface TokenGrant { token: string; client: SimClient; expiresAt: number; revoked: boolean }

interface Presented { method: TokenAuthMethod | 'NONE'; clientId?: string; secret?: string }

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export class TokenIssuer {
  readonly issuedTokens: string[] = [];
  private readonly grants = new Map<string, TokenGrant>();

  constructor(private readonly clients: SimClient[], private readonly ttlSeconds: () => number) {}

  issue(req: SimRequest, environmentId: string): SimReply {
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'The request body must be form encoded');
    }
    const form = new URLSearchParams(req.body.toString('utf8'));
    const presented = presentedCredentials(req.headers.authorization, form);
    if ('multiple' in presented) return oauthError(400, 'invalid_request', 'Multiple client authentication methods');
    const client = this.clients.find((candidate) =>
      candidate.environmentId === environmentId && sameCredential(presented.clientId, candidate.clientId, presented.method));
    if (!client) return oauthError(401, 'invalid_client', 'unknown client id');
    if (presented.method !== client.authMethod) return oauthError(401, 'invalid_client', 'Unsupported authentication method');
    // PRIVATE_KEY_JWT assertions are accepted unsigned-checked: the sim only proves the method was chosen.
    if (presented.method !== 'PRIVATE_KEY_JWT' && !sameCredential(presented.secret, client.clientSecret, presented.method)) {
      return oauthError(401, 'invalid_client', 'unknown client id');
    }
    if (form.get('grant_type') !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'Unsupported grant type');

    const ttl = this.ttlSeconds();
    const token = `sim-at-${randomBytes(24).toString('hex')}`;
    this.grants.set(token, { token, client, expiresAt: Date.now() + ttl * 1000, revoked: false });
    this.issuedTokens.push(token);
    return {
      status: 200,
      headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      body: { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: '' },
    };
  }

  /** The live grant behind an Authorization header, or undefined for bad, unknown, expired or revoked. */
  verify(authorization: string | undefined): TokenGrant | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const grant = match ? this.grants.get(match[1]) : undefined;
    if (!grant || grant.revoked || Date.now() >= grant.expiresAt) return undefined;
    return grant;
  }

  revokeAll(): void {
    for (const grant of this.grants.values()) grant.revoked = true;
  }
}

function presentedCredentials(authorization: string | undefined, form: URLSearchParams): Presented | { multiple: true } {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  const assertion = form.get('client_assertion_type') === JWT_BEARER ? form.get('client_assertion') : null;
  const formSecret = form.get('client_secret');
  if ([basic, assertion, formSecret].filter((presented) => presented !== null).length > 1) return { multiple: true };
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { method: 'CLIENT_SECRET_BASIC' };
    return { method: 'CLIENT_SECRET_BASIC', clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  if (assertion) return { method: 'PRIVATE_KEY_JWT', clientId: form.get('client_id') ?? assertionSubject(assertion) };
  if (formSecret !== null) return { method: 'CLIENT_SECRET_POST', clientId: form.get('client_id') ?? undefined, secret: formSecret };
  return { method: 'NONE', clientId: form.get('client_id') ?? undefined };
}

// RFC 6749 2.3.1 wants Basic credentials form-encoded first; most clients skip that, so either form passes.
function sameCredential(presented: string | undefined, expected: string, method: Presented['method']): boolean {
  if (presented === undefined) return false;
  if (presented === expected || method !== 'CLIENT_SECRET_BASIC') return presented === expected;
  try {
    return decodeURIComponent(presented.replace(/\+/g, ' ')) === expected;
  } catch {
    return false;
  }
}

function assertionSubject(assertion: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}
