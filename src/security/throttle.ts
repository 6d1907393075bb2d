import { AccessDenied, TooManyRequests } from '../errors.js';

/** Entries kept before idle ones are dropped, so a flood of distinct keys cannot grow memory without bound. */
const MAX_KEYS = 100_000;

/**
 * A token bucket per key, in this instance's memory: `perMinute` calls in a burst, then one more
 * every `60 / perMinute` seconds. `perMinute` 0 turns the limit off. With several instances behind
 * a load balancer each counts on its own, so a client spread over N instances gets up to N times
 * the limit: the limits are against floods, not exact quotas.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(readonly perMinute: number, private readonly now: () => number = Date.now) {}

  get enabled(): boolean { return this.perMinute > 0; }

  /** Takes one call for `key`; throws TooManyRequests (with the seconds to wait) when none is left. */
  take(key: string): void {
    if (!this.enabled) return;
    const now = this.now();
    const rate = this.perMinute / 60_000;
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * rate) : this.perMinute;
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      throw new TooManyRequests(Math.max(1, Math.ceil((1 - tokens) / rate / 1000)));
    }
    if (!bucket && this.buckets.size >= MAX_KEYS) this.prune(now, rate);
    this.buckets.set(key, { tokens: tokens - 1, at: now });
  }

  private prune(now: number, rate: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) * rate >= this.perMinute) this.buckets.delete(key);
    if (this.buckets.size >= MAX_KEYS) this.buckets.clear();
  }
}

/** Odoo's message for a login attempted during the cooldown (res.users._assert_can_auth). */
export const LOGIN_COOLDOWN_MESSAGE = 'Too many login failures, please wait a bit before trying again.';

/**
 * Login throttling after Odoo's `res.users._assert_can_auth` / `_on_login_cooldown`: after `after`
 * wrong passwords for one login from one address, further attempts within `cooldownSeconds` of the
 * last failure are refused with AccessDenied without checking the password (so guessing stops
 * paying); a success clears the count. Odoo counts per address only, in each worker's memory; this
 * counts per login and address, in each instance's memory. `after` 0 turns it off.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; last: number }>();

  constructor(readonly after: number, readonly cooldownSeconds: number, private readonly now: () => number = Date.now) {}

  private key(login: unknown, source: string): string {
    return `${source}\0${typeof login === 'string' ? login.toLowerCase() : String(login)}`;
  }

  /** Throws AccessDenied while `login` from `source` is cooling down. */
  check(login: unknown, source: string): void {
    if (this.after <= 0) return;
    const f = this.failures.get(this.key(login, source));
    if (f && f.count >= this.after && this.now() - f.last < this.cooldownSeconds * 1000) throw new AccessDenied(LOGIN_COOLDOWN_MESSAGE);
  }

  failed(login: unknown, source: string): void {
    if (this.after <= 0) return;
    const key = this.key(login, source);
    const f = this.failures.get(key);
    if (!f && this.failures.size >= MAX_KEYS) {
      const horizon = this.now() - this.cooldownSeconds * 1000;
      for (const [k, v] of this.failures) if (v.last < horizon) this.failures.delete(k);
      if (this.failures.size >= MAX_KEYS) this.failures.clear();
    }
    this.failures.set(key, { count: (f?.count ?? 0) + 1, last: this.now() });
  }

  succeeded(login: unknown, source: string): void {
    this.failures.delete(this.key(login, source));
  }
}

/** What authenticate/checkCredentials need to throttle one caller. */
export interface ThrottleSource { throttle: LoginThrottle; source: string }
