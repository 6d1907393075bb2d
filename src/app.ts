import fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import type { DestinationStream } from 'pino';
import { sql } from 'kysely';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { seed } from './db/seed.js';
import { MODELS } from './models/index.js';
import { Registry } from './orm/registry.js';
import dbPlugin from './plugins/db.js';
import sessionPlugin from './plugins/session.js';
import busPlugin from './plugins/bus.js';
import metricsPlugin from './plugins/metrics.js';
import requestLog, { RequestLogController, loggerOptions } from './plugins/request-log.js';
import lifecycle from './plugins/lifecycle.js';
import retentionPlugin from './plugins/retention.js';
import discussPlugin from './plugins/discuss.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import mailRoutes from './plugins/mail-routes.js';
import livechatRoutes from './livechat/routes.js';
import chatbotRoutes from './livechat/chatbot-routes.js';
import busRoutes from './bus/routes.js';
import websocketRoutes, { type WebsocketOptions } from './bus/websocket.js';
import odooRoutes from './rpc/routes.js';
import xmlrpcRoutes from './rpc/xmlrpc.js';
import json2Routes from './rpc/json2.js';
import odooAssets from './plugins/odoo-assets.js';
import widgetRoutes from './livechat/widget.js';

export interface BuildOptions {
  /** An already open database (tests share one); otherwise one is opened from the config and closed with the app. */
  database?: Database;
  logger?: boolean;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: DestinationStream;
  /** Websocket limits (tests shorten the keep-alive and ping timers). */
  websocket?: Partial<WebsocketOptions>;
}

const NOT_FOUND_PAGE = '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';

/** Builds the service (plugins, routes, migrated database) without listening: server.ts listens, tests inject. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const database = options.database ?? await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.pgPoolMax });
  const registry = new Registry([...MODELS], { dbName: config.dbName, passwordHashRounds: config.passwordHashRounds });
  if (config.migrateOnStart) {
    await migrate(database);
    await seed(database, registry, config);
  }
  const { rows } = await sql<{ value: string }>`SELECT value FROM ir_config_parameter WHERE key = 'database.secret'`.execute(database.db);
  const secret = rows[0]?.value;
  if (!secret) throw new Error('database.secret is missing: run the migrations first (npm run migrate)');

  const app = fastify({
    logger: options.logger === false ? false : loggerOptions(config.logLevel, options.logStream),
    // one line per request (route, model method, user, duration) instead of Fastify's two
    logController: new RequestLogController(),
    // nginx sets it (deploy/nginx.conf), so its access log and ours share the id
    requestIdHeader: 'x-request-id',
    bodyLimit: config.requestBodyMaxBytes,
    return503OnClosing: true,
    trustProxy: config.trustProxy,
  });

  // Odoo routes read raw bodies themselves (JSON-RPC, XML-RPC, forms), so every type arrives as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.requestBodyMaxBytes }, (_req, body, done) => done(null, body));

  app.addHook('onSend', async (_req, reply) => { reply.header('X-Content-Type-Options', 'nosniff'); });
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE));
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    // an unparsable Content-Type (e.g. an empty header) is werkzeug's 400, as Odoo answers it, not 415
    const status = err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 400
      : err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'unhandled error');
    const title = status === 413 ? 'Request Entity Too Large' : status === 405 ? 'Method Not Allowed' : status < 500 ? 'Bad Request' : 'Internal Server Error';
    return reply.code(status).type('text/html; charset=utf-8')
      .send(`<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n`);
  });

  await app.register(requestLog);
  await app.register(cookie);
  await app.register(dbPlugin, { database, registry, closeOnShutdown: !options.database });
  await app.register(sessionPlugin, { secret: () => secret, maxInactivitySeconds: config.sessionMaxInactivitySeconds });
  await app.register(rateLimitPlugin, {
    sessionsPerMinute: config.rateLimitSessionsPerMinute, messagesPerMinute: config.rateLimitMessagesPerMinute,
    messageBodyMaxBytes: config.messageBodyMaxBytes,
    loginCooldownAfter: config.loginCooldownAfter, loginCooldownSeconds: config.loginCooldownSeconds,
  });
  await app.register(busPlugin, { config });
  await app.register(discussPlugin);
  await app.register(mailRoutes);
  await app.register(livechatRoutes);
  await app.register(chatbotRoutes);
  await app.register(widgetRoutes);
  await app.register(odooAssets, { baseUrl: config.odooAssetsUrl });
  await app.register(odooRoutes, { config });
  await app.register(xmlrpcRoutes, { config });
  await app.register(json2Routes, { config });
  await app.register(busRoutes);
  await app.register(websocketRoutes, {
    websocket: {
      maxFrameBytes: config.websocketMaxFrameBytes, rateLimitBurst: config.websocketRateLimitBurst,
      rateLimitDelayMs: config.websocketRateLimitDelayMs, ...options.websocket,
    },
  });
  await app.register(metricsPlugin, { token: config.metricsToken });
  await app.register(lifecycle);
  await app.register(retentionPlugin, { intervalSeconds: config.retentionIntervalSeconds });
  return app;
}
