import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.js';
import { LoginThrottle, RateLimiter, type ThrottleSource } from '../security/throttle.js';

/** Abuse limits of the public routes, kept in this instance's memory (see RateLimiter). */
export interface Limits {
  /** Live chat sessions created (`get_session` with `persisted`) per client address. */
  sessions: RateLimiter;
  /** Messages posted per guest (visitors; users are not limited). */
  messages: RateLimiter;
  /** Wrong passwords per login and address. */
  logins: LoginThrottle;
  /** Largest message body accepted, in UTF-8 bytes (0: no limit). */
  messageBodyMaxBytes: number;
  /** The login throttle keyed by this request's client address. */
  loginSource(request: FastifyRequest): ThrottleSource;
  /** Refuses a message body over the limit with a ValidationError. */
  checkMessageBody(body: unknown): void;
}

export interface RateLimitOptions {
  sessionsPerMinute: number;
  messagesPerMinute: number;
  messageBodyMaxBytes: number;
  loginCooldownAfter: number;
  loginCooldownSeconds: number;
}

declare module 'fastify' {
  interface FastifyInstance { limits: Limits }
}

/**
 * Rate limits and size limits against floods from the public side (live chat visitors, login
 * guessing). An in-memory token bucket per key rather than @fastify/rate-limit: the keys are only
 * known inside the route (the guest a `dgid` cookie or `guest_token` proves, whether a session is
 * really created) and the answer must be Odoo's JSON-RPC error with the request's id.
 */
export default fp(async (app, opts: RateLimitOptions) => {
  const logins = new LoginThrottle(opts.loginCooldownAfter, opts.loginCooldownSeconds);
  const limits: Limits = {
    sessions: new RateLimiter(opts.sessionsPerMinute),
    messages: new RateLimiter(opts.messagesPerMinute),
    logins,
    messageBodyMaxBytes: opts.messageBodyMaxBytes,
    loginSource: (request) => ({ throttle: logins, source: request.ip }),
    checkMessageBody(body) {
      if (!opts.messageBodyMaxBytes || typeof body !== 'string') return;
      const size = Buffer.byteLength(body, 'utf8');
      if (size > opts.messageBodyMaxBytes) {
        throw new ValidationError(`The message is too long (${size} bytes); messages are limited to ${opts.messageBodyMaxBytes} bytes.`);
      }
    },
  };
  app.decorate('limits', limits);
}, { name: 'odoo-rate-limit' });
