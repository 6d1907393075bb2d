import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import { AccessError } from '../errors.js';
import { callKw } from '../orm/dispatch.js';
import { runInTransaction } from '../orm/transaction.js';
import type { OdooSession } from '../plugins/session.js';
import { startAtGeneration } from '../security/access.js';
import { authenticate } from '../security/auth.js';
import { jsonRoute, requireParams } from './json-route.js';
import { rpcServices } from './services.js';
import { sessionInfo, userContext } from './session-info.js';
import { versionInfo } from './version.js';

/**
 * `request.redirect(location, local=True)`: scheme and host are dropped, so a redirect never leaves
 * the site (`//evil.example/x` becomes `/x`).
 */
export function localRedirect(location: string): string {
  let url: URL;
  try { url = new URL(location, 'http://localhost'); } catch { return '/'; }
  return `/${`${url.pathname}${url.search}${url.hash}`.replace(/^\/+/, '')}`;
}

/** Odoo's web and RPC routes (addons/web/controllers/{session,dataset,webclient}.py, base/controllers/rpc.py). */
export default async function odooRoutes(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { config } = opts;
  const services = rpcServices(app, config);

  jsonRoute(app, '/web/webclient/version_info', { auth: 'none', saveSession: false }, async () => versionInfo());

  jsonRoute(app, '/web/session/authenticate', { auth: 'none' }, async ({ params, session, request }) => {
    requireParams(params, 'Session.authenticate', ['db', 'login', 'password']);
    if (params.db !== config.dbName) throw new AccessError('Database not found.');
    const uid = await authenticate(app.db, params.login, params.password, { limit: app.limits.loginSource(request) });
    const context = await userContext(app.db, uid);
    await app.sessions.login(session, uid, String(params.login), config.dbName, context);
    return sessionInfo(app.db, app.registry, uid, config.dbName, context);
  });

  jsonRoute(app, '/web/session/get_session_info', { auth: 'user' }, async ({ session }) => {
    session.dirty = true;
    return sessionInfo(app.db, app.registry, session.uid!, config.dbName, session.context);
  });

  jsonRoute(app, '/web/session/destroy', { auth: 'user' }, async ({ session }) => {
    await app.sessions.logout(session, false);
    return null;
  });

  jsonRoute(app, '/web/session/check', { auth: 'user' }, async () => null);
  jsonRoute(app, '/web/session/modules', { auth: 'user' }, async () => ['base', 'web', 'bus', 'mail', 'im_livechat']);
  jsonRoute(app, '/web/session/get_lang_list', { auth: 'none', saveSession: false }, () => services('db', 'list_lang', []));
  jsonRoute(app, '/web/database/list', { auth: 'none', saveSession: false }, async () => [config.dbName]);

  const dataset = async ({ params, session }: { params: Record<string, unknown>; session: OdooSession }, qualname = 'DataSet.call_kw') => {
    requireParams(params, qualname, ['model', 'method', 'args', 'kwargs']);
    return runInTransaction(app.database, app.registry, session.uid!, session.context, (env) => {
      startAtGeneration(env, session.accessGeneration);
      return callKw(env, String(params.model), params.method as string, params.args, params.kwargs);
    });
  };
  jsonRoute(app, '/web/dataset/call_kw', { auth: 'user' }, dataset);
  jsonRoute(app, '/web/dataset/call_kw/*', { auth: 'user' }, dataset);

  jsonRoute(app, '/web/dataset/call_button', { auth: 'user' }, async (call) => {
    const result = await dataset(call, 'DataSet.call_button');
    // Odoo returns actions (dicts with a type) to the client, anything else as false
    return result && typeof result === 'object' && !Array.isArray(result) && (result as { type?: unknown }).type ? result : false;
  });

  jsonRoute(app, '/web/dataset/resequence', { auth: 'user' }, async ({ params, session }) => {
    requireParams(params, 'DataSet.resequence', ['model', 'ids']);
    const field = typeof params.field === 'string' ? params.field : 'sequence';
    const offset = typeof params.offset === 'number' ? params.offset : 0;
    const ids = Array.isArray(params.ids) ? params.ids as number[] : [];
    return runInTransaction(app.database, app.registry, session.uid!, session.context, async (env) => {
      const model = env.model(String(params.model));
      if (!model.def.fields.has(field)) return false;
      for (const [i, id] of ids.entries()) await model.write([id], { [field]: i + offset });
      return true;
    });
  });

  jsonRoute(app, '/jsonrpc', { auth: 'none', saveSession: false }, async ({ params, request }) => {
    requireParams(params, 'RPC.jsonrpc', ['service', 'method', 'args']);
    return services(params.service, params.method, params.args, app.limits.loginSource(request));
  });

  app.get('/web/health', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
    try {
      await sql`SELECT 1`.execute(app.db);
      return { status: 'pass' };
    } catch {
      return reply.code(500).send({ status: 'fail' });
    }
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/web/session/logout',
    handler: async (request, reply) => {
      const session = await app.sessions.load(request);
      await app.sessions.logout(session, true);
      await app.sessions.save(reply, session);
      const redirect = (request.query as { redirect?: unknown }).redirect;
      return reply.redirect(localRedirect(typeof redirect === 'string' && redirect ? redirect : '/web'), 303);
    },
  });
}
