import { randomBytes } from 'node:crypto';
import t from 'tap';
import { sql } from 'kysely';
import { hashPassword } from '../../src/security/password.js';
import { call, callKw, jsonRpc, login, testApp } from '../helpers/app.js';
import { asRoot, createOperator, rpc, setCookies } from '../helpers/livechat.js';

/**
 * The request log: one JSON line per request with its route, path, status, duration, user and the
 * model method called, and never a password, API key, bearer token, session id, guest token or
 * message body, whichever way the request carried them.
 */
const lines: string[] = [];
const metricsToken = `metrics-${randomBytes(12).toString('hex')}`;
const { app } = await testApp(t, { LOG_LEVEL: 'info', METRICS_TOKEN: metricsToken }, {
  logger: true, logStream: { write: (line: string) => { lines.push(line); } },
});
const entries = () => lines.map((l) => JSON.parse(l) as Record<string, any>);
const requestLines = () => entries().filter((e) => e.msg === 'request');

const password = `pw-${randomBytes(12).toString('hex')}`;
const apiKey = randomBytes(20).toString('hex');
const uid = await asRoot(app, async (env) => {
  const internal = await env.ref('base.group_user') as number;
  const [id] = await env.model('res.users').create([{ login: 'logger', name: 'Log Tester', password, groups_id: [[6, 0, [internal]]] }]);
  return id!;
});
await sql`INSERT INTO res_users_apikeys (name, user_id, scope, index, key) VALUES ('k', ${uid}, 'rpc', ${apiKey.slice(0, 8)}, ${await hashPassword(apiKey, 1000)})`.execute(app.db);

t.test('one line per request: route, path, status, duration, user, model method', async (t) => {
  lines.length = 0;
  const cookie = await login(app, 'logger', password);
  const partners = await call(app, cookie, 'res.partner', 'search_read', [[]], { fields: ['name'], limit: 1 });
  t.ok(partners.length);
  const bad = await callKw(app, cookie, 'res.partner', 'no_such_method');
  t.equal(bad.error?.data.name, 'builtins.AttributeError');
  await app.inject({ method: 'GET', url: '/web/health?probe=1' });

  const logged = requestLines();
  t.equal(logged.length, 4, 'exactly one line for each of the four requests');
  const [auth, read, failed, health] = logged;
  t.match(auth, { route: '/web/session/authenticate', path: '/web/session/authenticate', http_method: 'POST', status: 200, uid, level: 30 });
  t.match(read, { route: '/web/dataset/call_kw/*', path: '/web/dataset/call_kw/res.partner/search_read', status: 200, uid, model: 'res.partner', model_method: 'search_read' });
  t.notOk('error' in read);
  t.match(failed, { model: 'res.partner', model_method: 'no_such_method', error: 'AttributeError', uid });
  t.match(health, { route: '/web/health', path: '/web/health', status: 200, uid: null }, 'the path, never the query string');
  for (const e of logged) {
    t.type(e.duration_ms, 'number');
    t.ok(e.reqId !== undefined && e.ip && e.time, 'request id, client address and time');
  }
});

t.test('the External API with an API key: the user and the call, not the key', async (t) => {
  lines.length = 0;
  const { body } = await jsonRpc(app, '/jsonrpc', { service: 'object', method: 'execute_kw', args: ['odoo', uid, apiKey, 'res.users', 'read', [[uid], ['login']]] });
  t.same(body.result, [{ id: uid, login: 'logger' }]);
  t.match(requestLines(), [{ route: '/jsonrpc', model: 'res.users', model_method: 'read', uid, status: 200 }]);
});

t.test('no secret ever reaches the log', async (t) => {
  lines.length = 0;
  const cookie = await login(app, 'logger', password);
  const sid = cookie.split('=')[1]!;
  // the session id in Odoo's header, a wrong password, an API key login, a bearer token
  await app.inject({
    method: 'POST', url: '/web/dataset/call_kw', headers: { 'content-type': 'application/json', 'x-openerp-session-id': sid },
    payload: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { model: 'res.partner', method: 'search_count', args: [[]], kwargs: {} } }),
  });
  await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'logger', password: `${password}-wrong` });
  await jsonRpc(app, '/jsonrpc', { service: 'common', method: 'authenticate', args: ['odoo', 'logger', apiKey, {}] });
  const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } });
  t.equal(metrics.statusCode, 200);

  // a visitor's message, its guest token in a cookie-less call
  await createOperator(app, { login: 'op-log' });
  const opened = await rpc(app, '/im_livechat/get_session', { channel_id: 1, anonymous_name: 'Visitor', persisted: true });
  const guestToken: string = opened.body.result.guest_token;
  const dgid = setCookies(opened.res).dgid!;
  const body = `my card is ${randomBytes(8).toString('hex')}`;
  const posted = await rpc(app, '/im_livechat/cors/message/post', { thread_model: 'discuss.channel', thread_id: opened.body.result.id, post_data: { body, message_type: 'comment' }, guest_token: guestToken });
  t.notOk(posted.body.error, JSON.stringify(posted.body.error));
  await app.inject({ method: 'GET', url: `/im_livechat/cors/channel/${opened.body.result.id}/guest/1/avatar_128?guest_token=${encodeURIComponent(guestToken)}` });

  const text = lines.join('');
  t.ok(requestLines().length >= 7, 'the requests were logged');
  for (const [what, secret] of [['password', password], ['session id', sid], ['API key', apiKey], ['bearer token', metricsToken], ['guest token', guestToken.split('|')[1]!], ['dgid cookie', decodeURIComponent(dgid).split('|')[1]!], ['message body', body]] as const) {
    t.notOk(text.includes(secret), `no ${what} in the log`);
  }
});

t.test('a wrong bearer token is not logged either', async (t) => {
  lines.length = 0;
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer not-the-token-0123456789' } });
  t.equal(res.statusCode, 401);
  t.match(requestLines(), [{ route: '/metrics', status: 401 }]);
  t.notOk(lines.join('').includes('not-the-token-0123456789'));
});
