import t, { type Test } from 'tap';
import { sql } from 'kysely';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { jsonRpc, login, testApp, type RpcBody } from '../helpers/app.js';
import { connect } from '../helpers/bus.js';
import { createOperator, setCookieHeader } from '../helpers/livechat.js';
import { liveChatSession } from '../helpers/mail.js';

/**
 * The abuse limits of the public side, each set low here through its setting: live chat sessions
 * per client address, messages per guest, message body size, request body size, login throttling
 * and the websocket frame limits. Each answers a clear Odoo-style error and stores nothing.
 */
const { app } = await testApp(t, {
  RATE_LIMIT_SESSIONS_PER_MINUTE: '3',
  RATE_LIMIT_MESSAGES_PER_MINUTE: '3',
  MESSAGE_BODY_MAX_BYTES: '1000',
  REQUEST_BODY_MAX_BYTES: '65536',
  LOGIN_COOLDOWN_AFTER: '3',
  LOGIN_COOLDOWN_SECONDS: '60',
  WEBSOCKET_MAX_FRAME_BYTES: '4096',
  WEBSOCKET_RATE_LIMIT_BURST: '3',
  // behind a proxy: the client address is the X-Forwarded-For one (requests without it use the socket's)
  TRUST_PROXY: 'true',
});
await createOperator(app, { login: 'op_limits' });

async function post(a: FastifyInstance, url: string, params: unknown, opts: { ip?: string; cookie?: string; forwardedFor?: string } = {}): Promise<{ res: LightMyRequestResponse; body: RpcBody }> {
  const res = await a.inject({
    method: 'POST', url, remoteAddress: opts.ip ?? '127.0.0.1',
    headers: { 'content-type': 'application/json', ...(opts.cookie ? { cookie: opts.cookie } : {}), ...(opts.forwardedFor ? { 'x-forwarded-for': opts.forwardedFor } : {}) },
    payload: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 7, params }),
  });
  return { res, body: res.json() as RpcBody };
}
const count = async (table: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(app.db)).rows[0]!.n);

function assertTooMany(t: Test, res: LightMyRequestResponse, body: RpcBody): void {
  t.equal(res.statusCode, 429, 'HTTP 429');
  t.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After in seconds');
  t.equal(body.id, 7, 'the request id is kept');
  t.equal(body.error?.code, 200, 'Odoo\'s JSON-RPC error envelope');
  t.equal(body.error?.data.name, 'werkzeug.exceptions.TooManyRequests');
  t.match(body.error?.data.message, /^429 Too Many Requests/);
}

t.test('live chat sessions: 3 per minute per client address, then 429; other addresses and previews unaffected', async (t) => {
  const ip = '203.0.113.10';
  const params = { channel_id: 1, anonymous_name: 'Visitor', persisted: true };
  for (let i = 0; i < 3; i++) {
    const { body } = await post(app, '/im_livechat/get_session', params, { ip });
    t.ok(body.result?.id, `session ${i + 1} created`);
  }
  const channels = await count('discuss_channel');
  const guests = await count('mail_guest');
  const refused = await post(app, '/im_livechat/get_session', params, { ip });
  assertTooMany(t, refused.res, refused.body);
  t.notOk(setCookieHeader(refused.res, 'dgid'), 'no guest cookie');
  t.equal(await count('discuss_channel'), channels, 'no channel created');
  t.equal(await count('mail_guest'), guests, 'no guest created');
  const cors = await post(app, '/im_livechat/cors/get_session', params, { ip });
  t.equal(cors.res.statusCode, 429, 'the CORS twin shares the limit');

  const preview = await post(app, '/im_livechat/get_session', { ...params, persisted: false }, { ip });
  t.equal(preview.res.statusCode, 200, '`persisted: false` creates nothing and is not limited');
  t.notOk(preview.body.error);
  const other = await post(app, '/im_livechat/get_session', params, { ip: '203.0.113.11' });
  t.ok(other.body.result?.id, 'another address still gets a session');
});

t.test('TRUST_PROXY: visitors behind one proxy are counted by their X-Forwarded-For address', async (t) => {
  const proxy = '10.1.2.3';
  const params = { channel_id: 1, anonymous_name: 'Visitor', persisted: true };
  for (let i = 0; i < 3; i++) t.ok((await post(app, '/im_livechat/get_session', params, { ip: proxy, forwardedFor: '192.0.2.1' })).body.result?.id);
  t.equal((await post(app, '/im_livechat/get_session', params, { ip: proxy, forwardedFor: '192.0.2.1' })).res.statusCode, 429, 'the 4th from one visitor');
  t.ok((await post(app, '/im_livechat/get_session', params, { ip: proxy, forwardedFor: '192.0.2.2' })).body.result?.id, 'another visitor through the same proxy');
  t.equal((await post(app, '/im_livechat/get_session', params, { ip: '10.9.9.9', forwardedFor: '192.0.2.1' })).res.statusCode, 429, 'the same visitor through another proxy');
});

t.test('messages: 3 per minute per guest, then 429 with nothing stored; other guests and operators unaffected', async (t) => {
  const a = await liveChatSession(app);
  const b = await liveChatSession(app);
  const postAs = (s: typeof a, body: string) => post(app, '/mail/message/post',
    { thread_model: 'discuss.channel', thread_id: s.channelId, post_data: { body, message_type: 'comment' } }, { cookie: s.cookie });
  for (let i = 0; i < 3; i++) t.ok((await postAs(a, `hello ${i}`)).body.result?.id, `message ${i + 1}`);
  const before = await count('mail_message');
  const refused = await postAs(a, 'one too many');
  assertTooMany(t, refused.res, refused.body);
  t.equal(await count('mail_message'), before, 'the refused message is not stored');
  const cors = await post(app, '/im_livechat/cors/message/post',
    { guest_token: a.guestToken, thread_model: 'discuss.channel', thread_id: a.channelId, post_data: { body: 'x', message_type: 'comment' } });
  t.equal(cors.res.statusCode, 429, 'the cookie-less twin counts for the same guest');
  t.ok((await postAs(b, 'from another guest')).body.result?.id, 'another guest is not limited');

  const admin = await login(app);
  for (let i = 0; i < 5; i++) {
    const { body } = await post(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: a.channelId, post_data: { body: `op ${i}`, message_type: 'comment' } }, { cookie: admin });
    t.ok(body.result?.id, `operator message ${i + 1} (users are not limited)`);
  }
});

t.test('message body: over MESSAGE_BODY_MAX_BYTES is a ValidationError and nothing is stored', async (t) => {
  const s = await liveChatSession(app);
  const send = (body: string) => post(app, '/mail/message/post',
    { thread_model: 'discuss.channel', thread_id: s.channelId, post_data: { body, message_type: 'comment' } }, { cookie: s.cookie });
  const before = await count('mail_message');
  const big = await send('é'.repeat(501)); // 1002 UTF-8 bytes
  t.equal(big.res.statusCode, 200);
  t.equal(big.body.error?.data.name, 'odoo.exceptions.ValidationError');
  t.equal(big.body.error?.data.message, 'The message is too long (1002 bytes); messages are limited to 1000 bytes.');
  t.equal(await count('mail_message'), before, 'nothing stored');
  t.ok((await send('a'.repeat(1000))).body.result?.id, 'exactly the limit is accepted');
});

t.test('request body over REQUEST_BODY_MAX_BYTES: werkzeug\'s 413 page, before any handler runs', async (t) => {
  const res = await app.inject({
    method: 'POST', url: '/web/dataset/call_kw', headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ jsonrpc: '2.0', id: 1, params: { pad: 'x'.repeat(70_000) } }),
  });
  t.equal(res.statusCode, 413);
  t.match(res.body, /<title>413 Request Entity Too Large<\/title>/);
  const ws = await app.inject({ method: 'POST', url: '/im_livechat/get_session', headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(66_000) });
  t.equal(ws.statusCode, 413, 'public routes too');
});

t.test('login throttling: after 3 wrong passwords, AccessDenied with Odoo\'s cooldown text, even for the right one', async (t) => {
  const ip = '198.51.100.7';
  const auth = (password: string, from = ip, loginName = 'admin') => post(app, '/web/session/authenticate', { db: 'odoo', login: loginName, password }, { ip: from });
  for (let i = 0; i < 3; i++) {
    const { body } = await auth(`wrong${i}`);
    t.equal(body.error?.data.message, 'Access Denied', `wrong password ${i + 1}`);
  }
  const blocked = await auth('admin');
  t.equal(blocked.body.error?.data.name, 'odoo.exceptions.AccessDenied');
  t.equal(blocked.body.error?.data.message, 'Too many login failures, please wait a bit before trying again.');
  t.notOk(setCookieHeader(blocked.res, 'session_id'), 'no session');
  const rpc = await post(app, '/jsonrpc', { service: 'common', method: 'authenticate', args: ['odoo', 'admin', 'admin', {}] }, { ip });
  t.equal(rpc.body.error?.data.message, 'Too many login failures, please wait a bit before trying again.', 'the External API shares the cooldown');

  t.ok((await auth('admin', '198.51.100.8')).body.result?.uid, 'the same login from another address is not blocked');
  t.ok((await auth('demo', ip, 'nobody')).body.error, 'an unknown login fails as usual');

  // a success clears the count: two more failures do not block
  const other = '198.51.100.9';
  await auth('bad', other);
  await auth('bad', other);
  t.ok((await auth('admin', other)).body.result?.uid);
  await auth('bad', other);
  await auth('bad', other);
  t.ok((await auth('admin', other)).body.result?.uid, 'count restarted after the success');
});

t.test('External API: wrong passwords on execute_kw are throttled the same way', async (t) => {
  const ip = '198.51.100.20';
  const exec = (password: string) => post(app, '/jsonrpc', { service: 'object', method: 'execute_kw', args: ['odoo', 2, password, 'res.partner', 'search_count', [[]]] }, { ip });
  const login3 = (password: string) => post(app, '/jsonrpc', { service: 'common', method: 'login', args: ['odoo', 'admin', password] }, { ip: '198.51.100.21' });
  for (let i = 0; i < 3; i++) t.equal((await exec('nope')).body.error?.data.message, 'Access Denied');
  t.equal((await exec('admin')).body.error?.data.message, 'Too many login failures, please wait a bit before trying again.');
  for (let i = 0; i < 3; i++) t.equal((await login3('nope')).body.result, false, 'common.login answers false for a wrong password');
  t.equal((await login3('admin')).body.error?.data.name, 'odoo.exceptions.AccessDenied', 'then AccessDenied during the cooldown');
});

t.test('websocket: frames over WEBSOCKET_MAX_FRAME_BYTES close with 1009; past the burst, 1013', async (t) => {
  const big = await connect(app);
  big.send('x'.repeat(4097));
  t.equal((await big.waitClose()).code, 1009);
  const fits = await connect(app);
  fits.send(JSON.stringify({ event_name: 'noop', data: { pad: 'x'.repeat(4000) } }));
  const burst = await connect(app);
  for (let i = 0; i < 4; i++) burst.send({ event_name: 'update_presence', data: { inactivity_period: 0 } });
  t.equal((await burst.waitClose()).code, 1013, 'the 4th frame at once exceeds a burst of 3');
  t.equal(fits.close, undefined, 'a frame within the limit keeps the socket open');
  await fits.end();
});
