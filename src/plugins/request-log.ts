import fp from 'fastify-plugin';
import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';
import { runWithCallInfo, type CallInfo } from '../orm/call-info.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request ran as and which model method it called (filled in by the session and the dispatcher). */
    callInfo: CallInfo | null;
  }
}

/**
 * Paths pino censors in any object logged (a request or error passed to a log call by mistake):
 * credentials and session ids in headers, and the password, key and body fields of RPC params.
 */
const REDACT_PATHS = [
  'password', 'api_key', 'session_id', 'guest_token',
  'req.headers.cookie', 'req.headers.authorization', 'req.headers["x-openerp-session-id"]', 'res.headers["set-cookie"]',
  'headers.cookie', 'headers.authorization', 'headers["x-openerp-session-id"]',
  '*.password', '*.new_password', '*.old_password', '*.api_key', '*.key', '*.session_id', '*.guest_token', '*.body', '*.post_data',
];

/**
 * The service's pino options: JSON lines at `level`, secrets censored, to `stream` (tests capture it)
 * or stdout.
 */
export function loggerOptions(level: string, stream?: DestinationStream): NonNullable<FastifyServerOptions['logger']> {
  return { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, ...(stream ? { stream } : {}) };
}

const MAX_PATH_LENGTH = 200;

/**
 * One log line per request, written when the answer is sent (Fastify's own two lines, "incoming
 * request" and "request completed", are replaced): route, path (never the query string, which may
 * carry a guest token or session id), status, duration, client address, the user, and the model
 * method called with the exception it raised. Headers, bodies and parameters are never logged.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const info = request.callInfo ?? {};
    const line = {
      http_method: request.method,
      route: request.routeOptions.url ?? null,
      path: request.url.split('?', 1)[0]!.slice(0, MAX_PATH_LENGTH),
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
      uid: info.uid ?? null,
      ...(info.model !== undefined ? { model: info.model.slice(0, 100), model_method: info.method?.slice(0, 100) } : {}),
      ...(info.error ? { error: info.error } : {}),
      ip: request.ip,
    };
    if (error) request.log.error({ ...line, err: error }, 'request failed while answering');
    else request.log.info(line, 'request');
  }
}

/**
 * Runs each request inside its CallInfo record (src/orm/call-info.ts), which the session store and
 * the dispatcher fill in for the log line and the metrics.
 */
export default fp(async (app) => {
  app.decorateRequest('callInfo', null);
  app.addHook('onRequest', (request, _reply, done) => {
    request.callInfo = {};
    runWithCallInfo(request.callInfo, done);
  });
  // the body is parsed from socket events, outside the record, so preValidation enters it again
  // for the handler (as @fastify/request-context does)
  app.addHook('preValidation', (request, _reply, done) => runWithCallInfo(request.callInfo ?? {}, done));
}, { name: 'odoo-request-log' });
