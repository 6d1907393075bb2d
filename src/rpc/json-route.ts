import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, SessionExpired, TooManyRequests, pyTypeName, toJsonRpcError, typeError, valueError } from '../errors.js';
import type { OdooSession } from '../plugins/session.js';

export type Auth = 'user' | 'public' | 'none';

export interface JsonCall {
  params: Record<string, unknown>;
  session: OdooSession;
  request: FastifyRequest;
  reply: FastifyReply;
}

const JSON_MIMETYPES = new Set(['application/json', 'application/json-rpc']);

function werkzeugPage(status: number, title: string, description: string): string {
  return `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${description}</p>\n`;
}

/** Odoo picks the dispatcher from the mimetype: a json route answers 400 (werkzeug page) to anything else. */
export function checkJsonContentType(request: FastifyRequest): void {
  const mimetype = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSON_MIMETYPES.has(mimetype)) {
    throw new HttpError(400, werkzeugPage(400, 'Bad Request', `Request inferred type is compatible with ['http'] but '${request.url.split('?')[0]}' is type='json'.`));
  }
}

/** Body of a JSON-RPC request, or the plain 400 answers Odoo gives before its JSON-RPC handler runs. */
export function parseJsonRpcBody(request: FastifyRequest): { id: unknown; params: unknown } {
  checkJsonContentType(request);
  const raw = typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'Invalid JSON data');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'Invalid JSON-RPC data');
  const b = body as Record<string, unknown>;
  return { id: b.id ?? null, params: 'params' in b ? b.params : {} };
}

/**
 * Odoo builds the endpoint's keyword arguments with Python's `dict(params)`: an object is used as
 * is, anything else fails (or, for a list of pairs, converts) exactly as `dict()` would.
 */
export function asKeywordArguments(params: unknown): Record<string, unknown> {
  if (params && typeof params === 'object' && !Array.isArray(params)) return params as Record<string, unknown>;
  if (typeof params === 'string') {
    if (params.length) throw valueError('dictionary update sequence element #0 has length 1; 2 is required');
    return {};
  }
  if (!Array.isArray(params)) throw typeError(`'${pyTypeName(params)}' object is not iterable`);
  const entries: [string, unknown][] = [];
  params.forEach((element, i) => {
    let pair: unknown[];
    if (Array.isArray(element)) pair = element;
    else if (typeof element === 'string') pair = [...element];
    else if (element && typeof element === 'object') pair = Object.keys(element);
    else throw typeError(`cannot convert dictionary update sequence element #${i} to a sequence`);
    if (pair.length !== 2) throw valueError(`dictionary update sequence element #${i} has length ${pair.length}; 2 is required`);
    const key = pair[0];
    if (key !== null && typeof key === 'object') throw typeError(`unhashable type: '${pyTypeName(key)}'`);
    entries.push([String(key), pair[1]]);
  });
  return Object.fromEntries(entries);
}

/**
 * Python's TypeError for an endpoint called without some of its required parameters
 * (json routes receive `params` as keyword arguments: `Session.authenticate(db, login, password)`).
 */
export function requireParams(params: Record<string, unknown>, qualname: string, names: readonly string[]): void {
  const missing = names.filter((n) => !Object.hasOwn(params, n)).map((n) => `'${n}'`);
  if (!missing.length) return;
  const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}`;
  throw typeError(`${qualname}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
}

/** The JSON-RPC response: `result` only when the endpoint returned something (Odoo omits it for None). */
export function jsonRpcResponse(id: unknown, result: unknown): string {
  return result === undefined || result === null ? JSON.stringify({ jsonrpc: '2.0', id }) : JSON.stringify({ jsonrpc: '2.0', id, result });
}

/**
 * Registers an Odoo `type='json'` route (odoo/http.py JsonRPCDispatcher) in Odoo's order: the
 * content type, then the session and `auth` ('user' routes need a logged-in session), then the body
 * (so an expired session answers code 100 with `id: null`, the request id not being read yet), the
 * envelope, and every error rendered once in Odoo's JSON-RPC error shape with HTTP 200.
 */
export function jsonRoute(
  app: FastifyInstance,
  path: string,
  opts: { auth: Auth; cors?: string; saveSession?: boolean },
  handler: (call: JsonCall) => Promise<unknown>,
): void {
  app.route({
    method: opts.cors ? ['POST', 'GET', 'OPTIONS'] : ['POST', 'GET'],
    url: path,
    handler: async (request, reply) => {
      if (opts.cors) {
        reply.header('Access-Control-Allow-Origin', opts.cors).header('Access-Control-Allow-Methods', 'POST');
        if (request.method === 'OPTIONS') {
          return reply.code(204)
            .header('Access-Control-Max-Age', '86400')
            .header('Access-Control-Allow-Headers', 'Origin, X-Requested-With, Content-Type, Accept, Authorization')
            .send();
        }
      }
      let id: unknown = null;
      let session: OdooSession | undefined;
      let body: string;
      let succeeded = false;
      try {
        checkJsonContentType(request);
        if (opts.auth !== 'none' || opts.saveSession !== false) session = await app.sessions.load(request);
        if (opts.auth === 'user' && (!session || session.uid === null)) throw new SessionExpired();
        const parsed = parseJsonRpcBody(request);
        id = parsed.id;
        const params = asKeywordArguments(parsed.params);
        const result = await handler({ params, session: session!, request, reply });
        body = jsonRpcResponse(id, result);
        succeeded = true;
      } catch (err) {
        if (err instanceof HttpError) {
          return reply.code(err.statusCode).type(err.contentType).send(err.message);
        }
        if (!(err instanceof Error && 'odooName' in err)) request.log.error({ err }, 'unexpected error in json route');
        body = JSON.stringify({ jsonrpc: '2.0', id, error: toJsonRpcError(err) });
        // a rate limit keeps Odoo's error body but says so in the status too, for proxies and scripts
        if (err instanceof TooManyRequests) {
          return reply.code(429).header('Retry-After', String(err.retryAfterSeconds)).type('application/json; charset=utf-8').send(body);
        }
      }
      // as Odoo, the session is saved (and its cookie sent) only after a successful call: an error
      // answer never carries a Set-Cookie
      if (succeeded && session && opts.saveSession !== false) await app.sessions.save(reply, session);
      return reply.code(200).type('application/json; charset=utf-8').send(body);
    },
  });
}
