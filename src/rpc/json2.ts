import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AccessDenied, AccessError, HttpException, OdooError, asOdooError, toJson2Error } from '../errors.js';
import { callKw } from '../orm/dispatch.js';
import { baseMethods } from '../orm/methods.js';
import type { RpcMethod } from '../orm/registry.js';
import { runInTransaction } from '../orm/transaction.js';
import { checkApiKey } from '../security/apikeys.js';

/**
 * Odoo 19's JSON-2 endpoint (addons/web/controllers/json2.py, base ir_http._auth_method_bearer), so
 * clients written for newer Odoo versions work too: `POST /json/2/<model>/<method>` with an API key
 * as bearer token, the method's parameters by name in a JSON object body next to `ids` and
 * `context`, the result as the JSON body, and errors as HTTP statuses with a JSON error object
 * (`name`, `message`, `arguments`, `context`, `debug`). Every call is its own transaction.
 */

const PRIVATE_METHOD = /^(_.*|init)$/;
/** Parameters of the endpoint itself; every other body member is a parameter of the method. */
const ENDPOINT_PARAMS = new Set(['model', 'method', 'ids', 'context']);

const bearerToken = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? /^bearer\s+(.+)$/i.exec(header) : null;
  return m ? m[1]!.trim() : undefined;
};

/** Browsers navigating by themselves send these; a session cookie alone is accepted only with them (CSRF). */
const isDocumentNavigation = (request: FastifyRequest): boolean => {
  const h = request.headers;
  return h['sec-fetch-dest'] === 'document' && h['sec-fetch-mode'] === 'navigate'
    && (h['sec-fetch-site'] === 'none' || h['sec-fetch-site'] === 'same-origin') && h['sec-fetch-user'] === '?1';
};

/** `inspect.signature(func).bind(records, **kwargs)`: Python's TypeError texts, answered as 422. */
function bindCheck(method: RpcMethod, kwargs: Record<string, unknown>): void {
  for (const key of Object.keys(kwargs)) {
    if (!method.varKw && !method.params.some((p) => p.name === key)) throw new HttpException(422, `got an unexpected keyword argument '${key}'`);
  }
  const missing = method.params.find((p) => p.required && !(p.name in kwargs));
  if (missing) throw new HttpException(422, `missing a required argument: '${missing.name}'`);
}

export default async function json2Routes(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { config } = opts;

  const send = (reply: FastifyReply, status: number, body: unknown) =>
    reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body ?? null));

  const fail = (request: FastifyRequest, reply: FastifyReply, err: unknown) => {
    if (!(err instanceof OdooError)) request.log.error({ err }, 'unexpected error in /json/2');
    const { status, body } = toJson2Error(asOdooError(err));
    if (status === 401) reply.header('WWW-Authenticate', 'Bearer');
    return send(reply, status, body);
  };

  /** `_auth_method_bearer`: the API key's user; a logged-in browser session only when navigating. */
  async function authenticate(request: FastifyRequest): Promise<number> {
    const token = bearerToken(request);
    const session = request.headers.cookie || request.headers['x-openerp-session-id'] ? await app.sessions.load(request) : undefined;
    if (token) {
      const uid = await checkApiKey(app.db, token, 'rpc');
      if (!uid) throw new HttpException(401, 'Invalid apikey');
      if (session?.uid && session.uid !== uid) throw new AccessDenied('Session user does not match the used apikey.');
      return uid;
    }
    if (!session?.uid) throw new HttpException(401, 'User not authenticated, use an API Key with a Bearer Authorization header.');
    if (!isDocumentNavigation(request)) throw new HttpException(401, 'Missing "Authorization" or Sec-headers for interactive usage.');
    return session.uid;
  }

  /** The JSON object body (an empty body is no parameter at all). */
  function parseBody(request: FastifyRequest): Record<string, unknown> {
    const raw = typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
    if (!raw.length) return {};
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (err) {
      throw new HttpException(400, `could not parse the body as json: ${(err as Error).message}`);
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpException(400, 'could not parse the body, expecting a json object');
    return body as Record<string, unknown>;
  }

  app.route({
    method: 'POST',
    url: '/json/2/:model/:method',
    handler: async (request, reply) => {
      try {
        const database = request.headers['x-odoo-database'];
        if (typeof database === 'string' && database && database !== config.dbName) throw new HttpException(404, `database ${JSON.stringify(database)} does not exist`);
        const mimetype = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (mimetype !== 'application/json') {
          throw new HttpException(400, `Request inferred type is compatible with ['http'] but '${request.url.split('?')[0]}' is type='/json/2/rpc'.`);
        }
        const uid = await authenticate(request);
        // the URL's model and method, then the body's members (dispatch: `params = dict(args) | body`)
        const params: Record<string, unknown> = { ...(request.params as { model: string; method: string }), ...parseBody(request) };
        const modelName = String(params.model);
        const methodName = String(params.method);
        const def = app.registry.get(modelName);
        if (!def) throw new HttpException(404, `the model '${modelName}' does not exist`);
        // get_public_method: private names are refused, unknown ones are not found
        if (PRIVATE_METHOD.test(methodName)) throw new AccessError(`Private methods (such as '${modelName}.${methodName}') cannot be called remotely.`);
        const method = def.methods?.[methodName] ?? baseMethods[methodName];
        if (!method) throw new HttpException(404, `The method '${modelName}.${methodName}' does not exist`);

        const ids = params.ids ?? [];
        if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) throw new HttpException(422, 'ids must be a list of record ids (integers)');
        const context = params.context ?? {};
        if (!context || typeof context !== 'object' || Array.isArray(context)) throw new HttpException(422, 'context must be an object');
        if (method.api !== 'records' && ids.length) throw new HttpException(422, `cannot call ${modelName}.${methodName} with ids`);
        const kwargs = Object.fromEntries(Object.entries(params).filter(([k]) => !ENDPOINT_PARAMS.has(k)));
        bindCheck(method, kwargs);

        let positional: unknown[] = [];
        if (method.api === 'records') positional = [ids];
        if (method.api === 'create') {
          // create(vals_list): call_kw reads the values positionally
          positional = [kwargs.vals_list];
          delete kwargs.vals_list;
        }
        let result = await runInTransaction(app.database, app.registry, uid, {},
          (env) => callKw(env, modelName, methodName, positional, { ...kwargs, context }));
        // Odoo 19 answers a recordset by its ids: create and copy always give a list
        if ((method.api === 'create' || methodName === 'copy') && typeof result === 'number') result = [result];
        return send(reply, 200, result);
      } catch (err) {
        return fail(request, reply, err);
      }
    },
  });

  // `/json/2` and `/json/2/<path>` for every other path and method (web_json_2_404)
  const notFound = async (request: FastifyRequest, reply: FastifyReply) => fail(request, reply, new HttpException(404, 'Did you mean POST /json/2/<model>/<method>?'));
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/json/2', handler: notFound });
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/json/2/*', handler: notFound });
}
