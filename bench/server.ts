/**
 * The service as the benchmark runs it: buildApp() from the environment, plus bench-only routes
 * that never exist in the real server (src/server.ts): the baselines (bare Fastify routes running
 * the equivalent hand-written SQL through the same database pool, and a bare websocket push) and
 * a stats route reporting the process's memory and subscribed sockets.
 */
import { sql } from 'kysely';
import type { WebSocket } from 'ws';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const config = loadConfig();
const app = await buildApp(config, { logger: process.env.BENCH_SERVER_LOG === '1' });
const db = app.db;

const body = (raw: unknown): any => JSON.parse(String(raw));
const answer = (result: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, result });
const pair = (id: number | null, name: string | null) => (id === null ? false : [id, name ?? '']);

// ---------------------------------------------------------------- RPC baselines

app.post('/bench/baseline/search_read', async (request, reply) => {
  const { params } = body(request.body);
  const { rows } = await sql<any>`
    SELECT l.id, l.name, l.partner_id, p.name AS partner_name, l.stage_id, s.name AS stage_name,
      l.expected_revenue, l.user_id, up.name AS user_name
    FROM crm_lead l LEFT JOIN res_partner p ON p.id = l.partner_id LEFT JOIN crm_stage s ON s.id = l.stage_id
      LEFT JOIN res_users u ON u.id = l.user_id LEFT JOIN res_partner up ON up.id = u.partner_id
    WHERE l.type = 'opportunity' AND l.active AND l.probability >= 0
    ORDER BY l.priority DESC, l.id DESC LIMIT ${Number(params.kwargs?.limit ?? 80)}`.execute(db);
  const result = rows.map((r) => ({
    id: r.id, name: r.name, partner_id: pair(r.partner_id, r.partner_name), stage_id: pair(r.stage_id, r.stage_name),
    expected_revenue: r.expected_revenue, user_id: pair(r.user_id, r.user_name),
  }));
  return reply.type('application/json').send(answer(result));
});

app.post('/bench/baseline/read', async (request, reply) => {
  const { params } = body(request.body);
  const { rows } = await sql<any>`SELECT id, name, email, phone FROM res_partner WHERE id = ${Number(params.args[0][0])}`.execute(db);
  return reply.type('application/json').send(answer(rows.map((r) => ({ id: r.id, name: r.name ?? false, email: r.email ?? false, phone: r.phone ?? false }))));
});

// ---------------------------------------------------------------- visitor start baseline

app.post('/bench/baseline/init', async (request, reply) => {
  const { params } = body(request.body);
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM im_livechat_channel_im_user r JOIN bus_presence p ON p.user_id = r.user_id
    WHERE r.channel_id = ${Number(params.channel_id)} AND p.status = 'online' AND p.last_poll > (now() AT TIME ZONE 'utc') - interval '65 seconds'`.execute(db);
  return reply.type('application/json').send(answer({ available_for_me: rows[0]!.n > 0, rule: {} }));
});

app.post('/bench/baseline/get_session', async (request, reply) => {
  const { params } = body(request.body);
  const { rows } = await sql<{ channel_id: number; guest_id: number; token: string }>`
    WITH op AS (
      SELECT u.partner_id FROM im_livechat_channel_im_user r JOIN res_users u ON u.id = r.user_id JOIN bus_presence p ON p.user_id = u.id
      WHERE r.channel_id = ${Number(params.channel_id)} AND p.status = 'online' ORDER BY random() LIMIT 1),
    g AS (INSERT INTO mail_guest (name, access_token, lang) VALUES ('Visitor', md5(random()::text), 'en_US') RETURNING id, access_token),
    c AS (INSERT INTO discuss_channel (name, channel_type, uuid, livechat_active, livechat_operator_id, livechat_channel_id)
      SELECT ${String(params.anonymous_name)}, 'livechat', md5(random()::text), true, op.partner_id, ${Number(params.channel_id)} FROM op RETURNING id, livechat_operator_id),
    m AS (INSERT INTO discuss_channel_member (channel_id, partner_id, is_pinned) SELECT id, livechat_operator_id, false FROM c),
    n AS (INSERT INTO discuss_channel_member (channel_id, guest_id) SELECT c.id, g.id FROM c, g),
    b AS (INSERT INTO bus_bus (channel, message) SELECT json_build_array(${config.dbName}::text, 'res.partner', c.livechat_operator_id)::text, '{"type":"mail.record/insert","payload":{}}' FROM c)
    SELECT c.id AS channel_id, g.id AS guest_id, g.access_token AS token, pg_notify('imbus', '[]') FROM c, g`.execute(db);
  const r = rows[0]!;
  return reply.type('application/json').header('set-cookie', `dgid=${r.guest_id}|${r.token}; Path=/; HttpOnly`).send(answer({ id: r.channel_id, guest_token: `${r.guest_id}|${r.token}` }));
});

app.post('/bench/baseline/message_post', async (request, reply) => {
  const { params } = body(request.body);
  const guestId = Number(/dgid=(\d+)/.exec(String(request.headers.cookie))?.[1]);
  const { rows } = await sql<{ id: number }>`
    WITH msg AS (INSERT INTO mail_message (model, res_id, body, message_type, author_guest_id, subtype_id)
      SELECT 'discuss.channel', m.channel_id, ${String(params.post_data.body)}, 'comment', m.guest_id, 1
      FROM discuss_channel_member m WHERE m.channel_id = ${Number(params.thread_id)} AND m.guest_id = ${guestId} RETURNING id, res_id),
    b AS (INSERT INTO bus_bus (channel, message) SELECT json_build_array(${config.dbName}::text, 'discuss.channel', msg.res_id)::text,
      json_build_object('type', 'discuss.channel/new_message', 'payload', json_build_object('id', msg.res_id, 'message', json_build_object('id', msg.id)))::text FROM msg)
    SELECT msg.id, pg_notify('imbus', '[]') FROM msg`.execute(db);
  return reply.type('application/json').send(answer({ id: rows[0]?.id }));
});

// ---------------------------------------------------------------- delivery baseline: a bare websocket push

const bareSockets = new Map<number, WebSocket>();
app.get<{ Querystring: { n: string } }>('/bench/baseline/ws', { websocket: true }, (socket, request) => {
  const n = Number(request.query.n);
  bareSockets.set(n, socket);
  socket.on('close', () => { if (bareSockets.get(n) === socket) bareSockets.delete(n); });
});
app.post('/bench/baseline/deliver', async (request, reply) => {
  const { params } = body(request.body);
  const socket = bareSockets.get(Number(params.n));
  const frame = JSON.stringify([{ id: 0, message: { type: 'discuss.channel/new_message', payload: { id: params.n, message: { body: `<p>${params.marker}</p>` } } } }]);
  for (const target of params.all ? bareSockets.values() : socket ? [socket] : []) target.send(frame);
  return reply.type('application/json').send(answer(true));
});

// ---------------------------------------------------------------- stats

app.get<{ Querystring: { gc?: string } }>('/bench/stats', async (request) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (request.query.gc && gc) { gc(); gc(); }
  return {
    pid: process.pid,
    subscribers: app.busService.fanout.subscriberCount,
    sockets: app.websocketServer.clients.size,
    memory: process.memoryUsage(),
  };
});

await app.listen({ port: config.port, host: config.host });
process.send?.({ ready: true });

let closing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    app.close().then(() => process.exit(0), () => process.exit(1));
  });
}
