import { readFileSync } from 'node:fs';
import t from 'tap';
import { call, callKw, jsonRpc, login, testApp } from '../helpers/app.js';

const SAMPLES = new URL('../../../shared/spec/samples/', import.meta.url);
const sample = (name: string) => JSON.parse(readFileSync(new URL(name, SAMPLES), 'utf8'));
const authSample = sample('01_web_session_authenticate.json');
const infoSample = sample('01b_web_session_get_session_info.json');

const { app } = await testApp(t);

const setCookies = (headers: Record<string, unknown>): string[] => {
  const v = headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
};
const sessionCookie = (headers: Record<string, unknown>) => setCookies(headers).find((c) => c.startsWith('session_id='));
const sidOf = (cookie: string) => cookie.split(';')[0]!.slice('session_id='.length);

/** Keys of an object, and of its nested objects, as "a.b" paths in order. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    out.push(prefix + k);
    // numeric keys (company / currency ids) differ between databases: compare the shapes under them
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...keyPaths(v, `${prefix}${/^\d+$/.test(k) ? '<id>' : k}.`));
  }
  return out;
}

t.test('authenticate: session info key for key, and the session cookie', async (t) => {
  const { res, body } = await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'admin', password: 'admin' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json; charset=utf-8/);
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.same(Object.keys(body), ['jsonrpc', 'id', 'result']);
  const expected = authSample.response.body.result;
  t.same(Object.keys(body.result), Object.keys(expected), 'top-level keys, in order');
  t.same(keyPaths(body.result), keyPaths(expected), 'nested keys, in order');
  t.equal(body.result.uid, 2);
  t.equal(body.result.db, 'odoo');
  t.equal(body.result.username, 'admin');
  t.same(body.result.server_version_info, [17, 0, 0, 'final', 0, '']);
  t.same(body.result.user_id, [2]);
  t.same(body.result.user_context, { lang: 'en_US', tz: body.result.user_context.tz, uid: 2 });
  t.equal(body.result.websocket_worker_version, '17.0-1');
  for (const k of ['is_system', 'is_admin', 'is_internal_user']) t.equal(body.result[k], true, k);
  t.equal(body.result.is_public, false);

  const cookies = setCookies(res.headers);
  t.equal(cookies.length, 1, 'one Set-Cookie');
  const cookie = cookies[0]!;
  t.match(cookie, /^session_id=[0-9a-f]{40};/);
  const attrs = cookie.split(';').slice(1).map((a) => a.trim());
  t.ok(attrs.includes('HttpOnly'), 'HttpOnly');
  t.ok(attrs.includes('Path=/'), 'Path=/');
  t.ok(attrs.includes('Max-Age=604800'), 'Max-Age=604800');
  t.ok(attrs.some((a) => /^Expires=/.test(a)), 'Expires');
  t.ok(attrs.includes('SameSite=Lax'), 'SameSite=Lax (not sent by other sites\' requests)');
  t.notOk(attrs.some((a) => /^Secure$/i.test(a)), 'no Secure');
  const expires = Date.parse(attrs.find((a) => a.startsWith('Expires='))!.slice('Expires='.length));
  t.ok(expires - Date.now() > 300 * 24 * 3600 * 1000, 'Expires about a year ahead');
});

t.test('authenticate: wrong password and wrong database', async (t) => {
  const bad = await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'admin', password: 'nope' });
  t.equal(bad.res.statusCode, 200);
  t.notOk('result' in bad.body);
  t.equal(bad.body.error!.code, 200);
  t.equal(bad.body.error!.message, 'Odoo Server Error');
  t.equal(bad.body.error!.data.name, 'odoo.exceptions.AccessDenied');
  t.equal(bad.body.error!.data.message, 'Access Denied');
  t.same(bad.body.error!.data.arguments, ['Access Denied']);
  t.equal(sessionCookie(bad.res.headers), undefined, 'no cookie after a failed login');

  const unknownUser = await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'nobody', password: 'admin' });
  t.equal(unknownUser.body.error!.data.name, 'odoo.exceptions.AccessDenied');

  const wrongDb = await jsonRpc(app, '/web/session/authenticate', { db: 'nodb', login: 'admin', password: 'admin' });
  t.equal(wrongDb.body.error!.data.name, 'odoo.exceptions.AccessError');
  t.equal(wrongDb.body.error!.data.message, 'Database not found.');
  t.same(wrongDb.body.error!.data.arguments, ['Database not found.']);

  const missing = await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'admin' });
  t.equal(missing.body.error!.data.name, 'builtins.TypeError', 'a missing required parameter is a TypeError');
});

t.test('get_session_info with and without a session', async (t) => {
  const cookie = await login(app);
  const { res, body } = await jsonRpc(app, '/web/session/get_session_info', {}, cookie);
  t.same(Object.keys(body.result), Object.keys(infoSample.response.body.result));
  t.same(keyPaths(body.result), keyPaths(infoSample.response.body.result));
  t.equal(body.result.uid, 2);
  t.equal(sessionCookie(res.headers)?.split(';')[0], cookie, 'marks the session dirty: same cookie sent again');

  const anon = await jsonRpc(app, '/web/session/get_session_info', {});
  t.equal(anon.res.statusCode, 200);
  t.notOk('result' in anon.body);
  t.same(Object.keys(anon.body.error!), ['code', 'message', 'data']);
  t.equal(anon.body.error!.code, 100);
  t.equal(anon.body.error!.message, 'Odoo Session Expired');
  t.equal(anon.body.error!.data.name, 'odoo.http.SessionExpiredException');
  t.equal(anon.body.error!.data.message, 'Session expired');
  t.same(anon.body.error!.data.arguments, ['Session expired']);
  t.same(anon.body.error!.data.context, {});
  t.match(anon.body.error!.data.debug, /^Traceback \(most recent call last\):/);
  // Odoo authenticates before it reads the JSON-RPC body, so the request id is not known yet
  t.equal(anon.body.id, null, 'id is null: authentication happens before the body is read');

  const garbage = await jsonRpc(app, '/web/session/get_session_info', {}, 'session_id=not-a-valid-sid');
  t.equal(garbage.body.error!.code, 100, 'malformed cookie: a fresh, anonymous session');
  const unknown = await jsonRpc(app, '/web/session/get_session_info', {}, `session_id=${'a'.repeat(40)}`);
  t.equal(unknown.body.error!.code, 100, 'unknown sid: anonymous');
});

t.test('X-Openerp-Session-Id header', async (t) => {
  const sid = sidOf(await login(app));
  const res = await app.inject({
    method: 'POST', url: '/web/session/get_session_info',
    headers: { 'content-type': 'application/json', 'x-openerp-session-id': sid },
    payload: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 5, params: {} }),
  });
  const body = res.json();
  t.equal(body.result.uid, 2, 'session taken from the header');
  t.equal(body.id, 5);
  t.equal(sessionCookie(res.headers), undefined, 'an explicit session is never written back as a cookie');

  const kw = await app.inject({
    method: 'POST', url: '/web/dataset/call_kw/res.users/read',
    headers: { 'content-type': 'application/json', 'x-openerp-session-id': sid },
    payload: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 6, params: { model: 'res.users', method: 'read', args: [[2], ['login']], kwargs: {} } }),
  });
  t.same(kw.json().result, [{ id: 2, login: 'admin' }]);

  const query = await app.inject({
    method: 'POST', url: `/web/session/get_session_info?session_id=${sid}`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 7, params: {} }),
  });
  t.equal(query.json().result?.uid, 2, '?session_id= accepted as well');
  t.equal(sessionCookie(query.headers), undefined);

  const bogus = await app.inject({
    method: 'POST', url: '/web/session/get_session_info',
    headers: { 'content-type': 'application/json', 'x-openerp-session-id': 'f'.repeat(40) },
    payload: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 8, params: {} }),
  });
  t.equal(bogus.json().error?.code, 100, 'an unknown explicit id is an anonymous session');
});

t.test('login rotates the session id', async (t) => {
  const first = await login(app);
  const { res } = await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'admin', password: 'admin' }, first);
  const second = sessionCookie(res.headers)!.split(';')[0]!;
  t.not(second, first, 'a new session id after login on an existing session');
  t.match(second, /^session_id=[0-9a-f]{40}$/);
  const old = await jsonRpc(app, '/web/session/get_session_info', {}, first);
  t.equal(old.body.error?.code, 100, 'the previous id is gone');
  const fresh = await jsonRpc(app, '/web/session/get_session_info', {}, second);
  t.equal(fresh.body.result?.uid, 2);
});

t.test('destroy: no result key, then the session is expired', async (t) => {
  const cookie = await login(app);
  t.equal((await callKw(app, cookie, 'res.partner', 'search_count', [[]])).error, undefined);
  const { res, body } = await jsonRpc(app, '/web/session/destroy', {}, cookie);
  t.equal(res.statusCode, 200);
  t.same(body, { jsonrpc: '2.0', id: 1 }, 'no result key');
  t.same(JSON.parse(res.body), { jsonrpc: '2.0', id: 1 });
  const rotated = sessionCookie(res.headers)!.split(';')[0]!;
  t.not(rotated, cookie, 'logout rotates the session id');
  for (const c of [cookie, rotated]) {
    const after = await callKw(app, c, 'res.partner', 'search_count', [[]]);
    t.equal(after.error?.code, 100);
    t.equal(after.error?.data.name, 'odoo.http.SessionExpiredException');
  }
  const check = await jsonRpc(app, '/web/session/check', {}, cookie);
  t.equal(check.body.error?.code, 100);
});

t.test('/web/session/logout: 303, logged out, local redirects only', async (t) => {
  const cookie = await login(app);
  const res = await app.inject({ method: 'GET', url: '/web/session/logout', headers: { cookie } });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/web');
  const rotated = sessionCookie(res.headers)!.split(';')[0]!;
  t.not(rotated, cookie, 'rotated');
  t.equal((await jsonRpc(app, '/web/session/get_session_info', {}, cookie)).body.error?.code, 100);
  t.equal((await jsonRpc(app, '/web/session/get_session_info', {}, rotated)).body.error?.code, 100);
  for (const [target, expected] of [
    ['/odoo/discuss?x=1#y', '/odoo/discuss?x=1#y'], ['//evil.example/steal', '/steal'],
    ['https://evil.example/a?b=1', '/a?b=1'], ['/\\evil.example/x', '/x'],
  ]) {
    const r = await app.inject({ method: 'GET', url: `/web/session/logout?redirect=${encodeURIComponent(target!)}` });
    t.equal(r.headers.location, expected, target);
  }
});

t.test('session/check answers without a result key', async (t) => {
  const cookie = await login(app);
  const { body } = await jsonRpc(app, '/web/session/check', {}, cookie);
  t.same(body, { jsonrpc: '2.0', id: 1 });
});

t.test('a password change expires the sessions of that user', async (t) => {
  const admin = await login(app);
  const uid = await call(app, admin, 'res.users', 'create', [{ name: 'Alice Session', login: 'alice', password: 'alice-1' }]);
  t.type(uid, 'number');
  const alice1 = await login(app, 'alice', 'alice-1');
  const alice2 = await login(app, 'alice', 'alice-1');
  t.equal((await jsonRpc(app, '/web/session/get_session_info', {}, alice1)).body.result?.uid, uid);

  // writing something else keeps the sessions
  t.equal(await call(app, admin, 'res.users', 'write', [[uid], { signature: '<p>A</p>' }]), true);
  t.equal((await jsonRpc(app, '/web/session/get_session_info', {}, alice1)).body.result?.uid, uid);

  t.equal(await call(app, admin, 'res.users', 'write', [[uid], { password: 'alice-2' }]), true);
  for (const c of [alice1, alice2]) {
    const { res, body: r } = await jsonRpc(app, '/web/dataset/call_kw', { model: 'res.partner', method: 'search_count', args: [[]], kwargs: {} }, c);
    t.equal(r.error?.code, 100, 'expired after the password change');
    t.equal(r.error?.data.name, 'odoo.http.SessionExpiredException');
    t.equal(sessionCookie(res.headers), undefined, 'an error answer sets no cookie');
    t.equal((await jsonRpc(app, '/web/session/get_session_info', {}, c)).body.error?.code, 100, 'the old session stays unusable');
  }
  t.equal((await jsonRpc(app, '/web/session/get_session_info', {}, admin)).body.result?.uid, 2, 'other users keep their session');
  const oldPassword = await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'alice', password: 'alice-1' });
  t.equal(oldPassword.body.error?.data.name, 'odoo.exceptions.AccessDenied');
  const again = await login(app, 'alice', 'alice-2');
  t.equal((await jsonRpc(app, '/web/session/get_session_info', {}, again)).body.result?.uid, uid);

  // archiving the user ends its sessions as well
  t.equal(await call(app, admin, 'res.users', 'write', [[uid], { active: false }]), true);
  t.equal((await jsonRpc(app, '/web/session/get_session_info', {}, again)).body.error?.code, 100);
});

t.test('version_info', async (t) => {
  const { res, body } = await jsonRpc(app, '/web/webclient/version_info', {});
  t.same(body, {
    jsonrpc: '2.0', id: 1,
    result: { server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 },
  });
  t.equal(sessionCookie(res.headers), undefined, 'no session for version_info');
});

t.test('/web/health', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/web/health' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'pass' });
  t.match(res.headers['content-type'], /^application\/json/);
});
