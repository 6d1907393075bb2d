import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { effectiveStatus } from '../bus/presence.js';

/** Request durations: a live chat call takes milliseconds, a report or a large import seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Prometheus metrics at GET /metrics (prom-client): process metrics; requests per route and per
 * model method (counts and durations); the bus's sockets, notifications and listener lag; the
 * PostgreSQL pool; live chat sessions open and operators online. With a token set, callers must
 * send it as a bearer token; without one, only loopback clients are answered.
 */
export default fp(async (app, opts: { token: string | undefined }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const bus = app.busService;

  // label values are bounded: route patterns (never raw URLs), and model and method names only
  // when the registry knows them (a client cannot grow the label set by inventing names)
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds', help: 'HTTP requests answered by this instance, by route pattern, method and status (the _count series counts them)',
    labelNames: ['route', 'method', 'status_code'], buckets: DURATION_BUCKETS, registers: [registry],
  });
  const rpcDuration = new Histogram({
    name: 'rpc_call_duration_seconds', help: 'Requests that called a model method (call_kw, /jsonrpc, XML-RPC...), by model, method and outcome (ok or the exception raised)',
    labelNames: ['model', 'method', 'outcome'], buckets: DURATION_BUCKETS, registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const seconds = reply.elapsedTime / 1000;
    httpDuration.observe({ route: request.routeOptions.url ?? 'unmatched', method: request.method, status_code: reply.statusCode }, seconds);
    const call = request.callInfo;
    if (call?.model !== undefined) {
      const model = app.registry.get(call.model) ? call.model : 'unknown';
      rpcDuration.observe({ model, method: call.known ? call.method! : 'unknown', outcome: call.error ?? 'ok' }, seconds);
    }
  });

  const pool = app.database.pool;
  if (pool) {
    new Gauge({
      name: 'db_pool_connections', help: 'PostgreSQL connections of this instance\'s pool: total open, idle, and requests waiting for one', labelNames: ['state'], registers: [registry],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    new Gauge({
      name: 'db_pool_max_connections', help: 'Size limit of this instance\'s PostgreSQL pool (PG_POOL_MAX)', registers: [registry],
      collect() { this.set(pool.options.max); },
    });
  }

  // figures of the whole service (every instance reports the same), read from the database at
  // scrape time; NaN when the database does not answer, rather than a stale value
  const count = async (query: ReturnType<typeof sql<{ n: number }>>) => {
    try { return (await query.execute(app.db)).rows[0]!.n; } catch { return Number.NaN; }
  };
  new Gauge({
    name: 'livechat_sessions_open', help: 'Live chat conversations still open (livechat_active), whole service', registers: [registry],
    async collect() {
      this.set(await count(sql<{ n: number }>`SELECT count(*)::int AS n FROM discuss_channel WHERE channel_type = 'livechat' AND livechat_active`));
    },
  });
  new Gauge({
    name: 'livechat_operators_online', help: 'Operators of any live chat channel whose presence is online (assignable), whole service', registers: [registry],
    async collect() {
      this.set(await count(sql<{ n: number }>`SELECT count(DISTINCT r.user_id)::int AS n FROM im_livechat_channel_im_user r
        JOIN res_users u ON u.id = r.user_id AND u.active JOIN bus_presence p ON p.user_id = u.id
        WHERE ${effectiveStatus('p')} = 'online'`));
    },
  });

  new Gauge({
    name: 'bus_websockets_open', help: 'Websocket connections open on this instance', registers: [registry],
    collect() { this.set(app.websocketServer?.clients.size ?? 0); },
  });
  new Counter({
    name: 'bus_notifications_written_total', help: 'Bus notifications written by this instance', registers: [registry],
    collect() { this.reset(); this.inc(bus.bus.written); },
  });
  new Counter({
    name: 'bus_notifications_delivered_total', help: 'Bus notifications delivered to sockets by this instance', registers: [registry],
    collect() { this.reset(); this.inc(bus.fanout.notificationsDelivered); },
  });
  new Gauge({
    name: 'bus_listener_lag_seconds', help: 'Age of the newest notification when this instance dispatched it', registers: [registry],
    collect() { this.set(bus.fanout.lagSeconds); },
  });
  new Gauge({
    name: 'bus_listener_connected', help: '1 while the LISTEN connection is up', registers: [registry],
    collect() { this.set(bus.listener.connected ? 1 : 0); },
  });

  app.get('/metrics', async (request, reply) => {
    if (opts.token) {
      const given = Buffer.from(String(request.headers.authorization ?? ''));
      const wanted = Buffer.from(`Bearer ${opts.token}`);
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return reply.code(401).send('Unauthorized');
    } else if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(request.ip)) {
      return reply.code(403).send('Forbidden: set METRICS_TOKEN to read metrics from other hosts');
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}, { name: 'odoo-metrics', dependencies: ['odoo-bus', 'odoo-request-log'] });
