// Reads PingOne's management API for one connection: every GET carries a fresh-enough token, waits
// for the license's rate budget, is classified by the one classifier, and is renewed once on INVALID_TOKEN. Next
// links are followed verbatim but only on the API's own origin and under the connection's own
// environment, so a hostile answer cannot send the token elsewhere or read another environment.
import { randomUUID } from 'node:crypto';
import type { Got } from 'got';
import { ProblemError } from '../problem';
import {
  classifyApiAnswer,
  classifyTransportError,
  isInvalidToken,
  malformedAnswer,
  responseTooLarge,
  type ClassifyContext,
  type PingOneAnswer,
  type PingOneResource,
} from './classify';
import type { RateBudget, RateBudgets } from './rate-budget';
import { BODY_ALLOWANCE, MAX_JSON_DEPTH, parseJsonBytes, ResponseTooLargeError, type KeptText } from './http';
import type { ClientCredentials, TokenCache } from './token';

export interface PingOneApiDeps {
  http: Got;
  tokens: TokenCache;
  budgets: RateBudgets;
}

export interface PingOneTarget {
  environmentId: string;
  apiBaseUrl: string;
  credentials: ClientCredentials;
  /** The license's shared budget every request of this target waits for. */
  budget: RateBudget;
  /** Classification facts (region, token URL kind) for messages. */
  context: Omit<ClassifyContext, 'resource' | 'cursor'>;
}

export class PingOneApi {
  /** Requests made through this instance, token requests included. */
  readonly stats = { requests: 0 };
  private readonly apiOrigin: string;
  /** The paths isOwnUrl admits links under, parsed once: every page's next link is checked twice. */
  private readonly ownRoots: string[];

  constructor(
    private readonly deps: PingOneApiDeps,
    readonly target: PingOneTarget,
  ) {
    this.apiOrigin = new URL(target.apiBaseUrl).origin;
    this.ownRoots = [new URL(this.environmentUrl()).pathname, new URL(`${target.apiBaseUrl}/roles`).pathname];
  }

  environmentUrl(path = ''): string {
    return `${this.target.apiBaseUrl}/environments/${encodeURIComponent(this.target.environmentId)}${path}`;
  }

  /** Gets a token now, so credential problems surface before any data request. */
  async authenticate(): Promise<void> {
    await this.deps.tokens.token(this.target.credentials, this.context('token', false), this.stats);
  }

  /**
   * Refuses a link PingOne sent that is not this connection's own (isOwnUrl): checked when a page
   * brings its next link, so the retry fetches that page again (a link checked only when followed
   * would be retried as it is).
   */
  checkLink(url: string, resource: PingOneResource): void {
    if (this.isOwnUrl(url)) return;
    let host: string | undefined;
    try {
      host = new URL(url).host;
    } catch {
      host = undefined;
    }
    throw new ProblemError(
      malformedAnswer(
        host
          ? `PingOne answered a ${resource} page whose next link leads outside environment ${this.target.environmentId} on ${new URL(this.target.apiBaseUrl).host} (to ${host}).`
          : `PingOne sent a ${resource} link that is not a URL.`,
        'Nothing to do: the link is not followed and the page is fetched again.',
      ),
    );
  }

  /**
   * GETs a JSON object; `cursor` marks a followed next link (a 400/404 then means it expired);
   * `keptText` names what the caller keeps of a 200's body (http.ts KeptText).
   */
  async get(url: string, resource: PingOneResource, cursor = false, keptText?: KeptText): Promise<Record<string, unknown>> {
    const ctx = this.context(resource, cursor);
    // Links to follow were checked when PingOne sent them (checkLink); one that is not this
    // environment's now came from a checkpoint, so asking again cannot mend it.
    if (!this.isOwnUrl(url)) {
      throw new ProblemError(
        malformedAnswer(
          `A ${resource} link to follow leads outside environment ${this.target.environmentId} on ${new URL(this.target.apiBaseUrl).host}; it was not followed.`,
          'Start the sync again without a checkpoint to resume from; report it to support if it happens again.',
          false,
        ),
      );
    }
    let answer = await this.send(url, resource, ctx, false, keptText);
    if (isInvalidToken(answer)) answer = await this.send(url, resource, ctx, true, keptText);
    if (answer.status !== 200) throw new ProblemError(classifyApiAnswer(answer, ctx));
    if (!answer.body || typeof answer.body !== 'object' || Array.isArray(answer.body)) {
      throw new ProblemError(malformedAnswer(`PingOne at ${new URL(url).host} answered ${resource} with a body that is not a JSON object.`));
    }
    return answer.body as Record<string, unknown>;
  }

  /**
   * Whether `url` is on the API's origin and under this connection's own `/environments/<id>/`, or
   * under `/roles` (PingOne's built-in roles, the same for every environment; the only
   * organization-level collection the sync reads); the URL parser resolves `..` and its encodings
   * first. So no link, from PingOne or from a checkpoint, can make this connection's token read
   * another environment or host.
   */
  isOwnUrl(url: string): boolean {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return false;
    }
    const under = (root: string) => target.pathname === root || target.pathname.startsWith(`${root}/`);
    return target.origin === this.apiOrigin && !target.username && !target.password && this.ownRoots.some(under);
  }

  private async send(url: string, resource: PingOneResource, ctx: ClassifyContext, renewToken: boolean, keptText: KeptText | undefined): Promise<PingOneAnswer> {
    const host = new URL(url).host;
    // The slot first, then the token: a wait for the budget (a 429's pause) can outlast a token,
    // so the token is taken from the cache only when the request is about to leave.
    // A user listing is a chain (activities/pingone/listings.ts): its pages go first for a slot.
    const release = await this.target.budget.acquire(resource === 'users');
    // The slot is released only once a 429 has paused the budget: released before, it went at once
    // to the next waiting request, which left inside the Retry-After pause.
    try {
      const token = await this.deps.tokens.token(this.target.credentials, { ...ctx, resource: 'token' }, this.stats, renewToken);
      this.stats.requests++;
      let response;
      try {
        response = await this.deps.http.get(url, {
          // Bytes, decoded only to be parsed (parseJsonBytes says why).
          responseType: 'buffer',
          // The license's answers in flight share one allowance of bytes (activities/pingone/http.ts).
          context: this.target.budget.bodies ? { [BODY_ALLOWANCE]: this.target.budget.bodies } : {},
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            'x-ping-external-transaction-id': randomUUID(),
          },
        });
      } catch (err) {
        if (err instanceof ResponseTooLargeError) throw new ProblemError(responseTooLarge(host, resource, err));
        throw new ProblemError(classifyTransportError(err as { code?: string }, host, resource));
      }
      const answer: PingOneAnswer = { status: response.statusCode, body: undefined, headers: response.headers };
      const json = parseJsonBytes(response.body, response.statusCode === 200 ? keptText : undefined);
      if (!json.ok && json.tooDeep) throw new ProblemError(responseTooLarge(host, resource, { maxDepth: MAX_JSON_DEPTH }));
      if (response.statusCode === 200 && !json.ok) {
        throw new ProblemError(malformedAnswer(`PingOne at ${host} answered ${resource} with a body that is not valid JSON (cut short?).`));
      }
      answer.body = json.ok ? json.value : response.body.toString('utf8');
      if (answer.status === 429 || answer.status === 501 || answer.status === 503) {
        const problem = classifyApiAnswer(answer, ctx);
        this.target.budget.slowDown(problem.retryAfterMs ?? 1000);
      }
      return answer;
    } finally {
      release();
    }
  }

  private context(resource: PingOneResource, cursor: boolean): ClassifyContext {
    return { ...this.target.context, resource, cursor };
  }
}
