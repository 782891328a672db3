// The codec server's browser sessions: a random id kept server-side with its expiry, never derived
// from the operator token, so a stolen cookie dies with its session and signing in again (or a
// restart) never revives an old one. Bounded: the oldest sessions make room for new ones.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface CodecSessionOptions {
  /** How long a session lives from sign-in. */
  seconds: number;
  /** At most this many sessions at once; the oldest is dropped for a new one. */
  max?: number;
  /** The clock; tests move it to expire sessions. */
  now?: () => number;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export class CodecSessions {
  /** Keyed by the id's digest, so a lookup's timing says nothing of the ids held. */
  private readonly expiries = new Map<string, number>();
  private readonly now: () => number;
  private readonly max: number;

  constructor(private readonly opts: CodecSessionOptions) {
    this.now = opts.now ?? Date.now;
    this.max = opts.max ?? 10_000;
  }

  get seconds(): number {
    return this.opts.seconds;
  }

  /** A new session's id (256 random bits, base64url). */
  open(): string {
    this.sweep();
    while (this.expiries.size >= this.max) this.expiries.delete(this.expiries.keys().next().value as string);
    const id = randomBytes(32).toString('base64url');
    this.expiries.set(digest(id).toString('hex'), this.now() + this.opts.seconds * 1000);
    return id;
  }

  /** Whether `id` names a session that has not expired; an expired one is forgotten. */
  valid(id: string | undefined): boolean {
    if (!id) return false;
    const key = digest(id).toString('hex');
    const expires = this.expiries.get(key);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.expiries.delete(key);
      return false;
    }
    return true;
  }

  close(id: string): void {
    this.expiries.delete(digest(id).toString('hex'));
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, expires] of this.expiries) if (expires <= now) this.expiries.delete(key);
  }
}

/** Constant-time comparison of a presented token with the expected one. */
export function sameToken(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
