// Access tokens for PingOne Worker apps, kept in worker memory only: never an activity argument or
// result, never logged. One cache entry per token URL, client and secret (a wrong secret must never
// be answered with a token another connection earned), renewed before it expires.
import { createHash, randomUUID } from 'node:crypto';
import type { Got } from 'got';
import { ProblemError } from '../problem';
import { registerSecret } from '../../contract/redact';
import { classifyTokenAnswer, classifyTransportError, isUnsupportedAuthMethod, malformedAnswer, responseTooLarge, type ClassifyContext } from './classify';
import { MAX_JSON_DEPTH, parseJson, ResponseTooLargeError } from './http';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

type AuthMethod = 'basic' | 'post';

interface CachedToken {
  accessToken: string;
  renewAt: number;
}

export interface TokenRequestStats {
  requests: number;
}

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  /** What worked last per client: PingOne apps use one method for life. */
  private readonly methods = new Map<string, AuthMethod>();

  constructor(
    private readonly http: Got,
    private readonly now: () => number = Date.now,
  ) {}

  /** A valid access token; `renew` drops the cached one first (PingOne answered INVALID_TOKEN). */
  async token(credentials: ClientCredentials, ctx: ClassifyContext, stats: TokenRequestStats, renew = false): Promise<string> {
    const key = cacheKey(credentials);
    const cached = this.tokens.get(key);
    if (renew) this.tokens.delete(key);
    else if (cached && cached.renewAt > this.now()) return cached.accessToken;
    let request = this.pending.get(key);
    if (!request) {
      request = this.request(credentials, ctx, stats).finally(() => this.pending.delete(key));
      this.pending.set(key, request);
    }
    const fresh = await request;
    this.tokens.set(key, fresh);
    return fresh.accessToken;
  }

  private async request(credentials: ClientCredentials, ctx: ClassifyContext, stats: TokenRequestStats): Promise<CachedToken> {
    registerSecret(credentials.clientSecret);
    const methodKey = `${credentials.tokenUrl}\n${credentials.clientId}`;
    const first = this.methods.get(methodKey) ?? 'basic';
    const order: AuthMethod[] = first === 'basic' ? ['basic', 'post'] : ['post', 'basic'];
    for (const [attempt, method] of order.entries()) {
      const answer = await this.post(credentials, method, ctx, stats);
      if (answer.status === 200) {
        const parsed = answer.body as { access_token?: unknown; expires_in?: unknown };
        if (typeof parsed?.access_token !== 'string' || parsed.access_token.length === 0) {
          throw new ProblemError(malformedAnswer(`PingOne's token endpoint at ${ctx.host} answered without an access token.`, 'Nothing to do: the request is tried again.'));
        }
        const lifetimeMs = (typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 3600) * 1000;
        // Masked while it works; it leaves the registry once it has expired.
        registerSecret(parsed.access_token, this.now() + lifetimeMs);
        this.methods.set(methodKey, method);
        // Renew a minute early (or at 90% for short lifetimes) so no request carries a dying token.
        return { accessToken: parsed.access_token, renewAt: this.now() + Math.max(lifetimeMs - 60_000, lifetimeMs * 0.9) };
      }
      if (isUnsupportedAuthMethod(answer) && attempt === 0) continue;
      throw new ProblemError(classifyTokenAnswer(answer, ctx, attempt === 1));
    }
    throw new Error('unreachable: both client authentication methods were tried');
  }

  private async post(credentials: ClientCredentials, method: AuthMethod, ctx: ClassifyContext, stats: TokenRequestStats) {
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    const headers: Record<string, string> = { 'x-ping-external-transaction-id': randomUUID(), accept: 'application/json' };
    if (method === 'basic') {
      const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`);
      headers.authorization = `Basic ${basic.toString('base64')}`;
    } else {
      form.client_id = credentials.clientId;
      form.client_secret = credentials.clientSecret;
    }
    stats.requests++;
    try {
      const response = await this.http.post(credentials.tokenUrl, { form, headers });
      const json = parseJson(response.body);
      if (!json.ok && json.tooDeep) throw new ProblemError(responseTooLarge(ctx.host, 'token', { maxDepth: MAX_JSON_DEPTH }));
      return { status: response.statusCode, body: json.ok ? json.value : response.body, headers: response.headers };
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      if (err instanceof ResponseTooLargeError) throw new ProblemError(responseTooLarge(ctx.host, 'token', err));
      throw new ProblemError(classifyTransportError(err as { code?: string }, ctx.host, 'token'));
    }
  }
}

function cacheKey(credentials: ClientCredentials): string {
  return createHash('sha256').update(`${credentials.tokenUrl}\n${credentials.clientId}\n${credentials.clientSecret}`).digest('hex');
}
