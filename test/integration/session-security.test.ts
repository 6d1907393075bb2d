import t from 'tap';
import { sql } from 'kysely';
import { jsonRpc, login, testApp } from '../helpers/app.js';
import { createOperator, setCookieHeader } from '../helpers/livechat.js';

/**
 * Session hardening: the cookies scripts and other sites cannot use (HttpOnly, SameSite=Lax), a
 * lifetime that is the inactivity limit, server-side expiry, and the rotation that defeats session
 * fixation (a planted id never becomes a logged-in one).
 */
const { app } = await testApp(t, { SESSION_MAX_INACTIVITY_SECONDS: '120' });
const sidOf = (cookie: string) => cookie.split('=')[1]!;
const attrs = (header: string | undefined) => (header ?? '').split(';').slice(1).map((a) => a.trim());

t.test('session_id: HttpOnly, SameSite=Lax, Path=/, Max-Age = SESSION_MAX_INACTIVITY_SECONDS', async (t) => {
  const { res } = await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'admin', password: 'admin' });
  const a = attrs(setCookieHeader(res, 'session_id'));
  for (const want of ['HttpOnly', 'SameSite=Lax', 'Path=/', 'Max-Age=120']) t.ok(a.includes(want), want);
});

t.test('dgid (the visitor\'s guest cookie): HttpOnly and SameSite=Lax', async (t) => {
  await createOperator(app, { login: 'op_cookie' });
  const { res, body } = await jsonRpc(app, '/im_livechat/get_session', { channel_id: 1, anonymous_name: 'V', persisted: true });
  t.ok(body.result?.id);
  const a = attrs(setCookieHeader(res, 'dgid'));
  t.ok(a.includes('HttpOnly'), 'HttpOnly');
  t.ok(a.includes('SameSite=Lax'), 'SameSite=Lax');
});

t.test('a session unused for longer than the limit has expired (code 100); a used one slides on', async (t) => {
  const stale = await login(app);
  const used = await login(app);
  await sql`UPDATE http_session SET last_seen = last_seen - interval '121 seconds' WHERE sid = ${sidOf(stale)}`.execute(app.db);
  await sql`UPDATE http_session SET last_seen = last_seen - interval '100 seconds' WHERE sid = ${sidOf(used)}`.execute(app.db);
  t.equal((await jsonRpc(app, '/web/session/check', {}, stale)).body.error?.code, 100, 'expired');
  t.notOk((await jsonRpc(app, '/web/session/check', {}, used)).body.error, 'still valid');
  const { rows } = await sql<{ age: number }>`SELECT extract(epoch FROM (now() AT TIME ZONE 'utc') - last_seen)::float AS age FROM http_session WHERE sid = ${sidOf(used)}`.execute(app.db);
  t.ok(rows[0]!.age < 5, 'using it moved last_seen to now');
  await login(app);
  const { rows: gone } = await sql`SELECT 1 FROM http_session WHERE sid = ${sidOf(stale)}`.execute(app.db);
  t.equal(gone.length, 0, 'expired sessions are deleted at the next login');
});

t.test('session fixation: a planted id is never the logged-in one', async (t) => {
  const planted = `session_id=${'ab'.repeat(20)}`;
  const anon = await jsonRpc(app, '/web/session/get_lang_list', {}, planted);
  t.notOk(anon.body.error);
  const { res } = await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'admin', password: 'admin' }, planted);
  const issued = setCookieHeader(res, 'session_id')!.split(';')[0]!;
  t.not(issued, planted, 'login issues a fresh id');
  t.equal((await jsonRpc(app, '/web/session/check', {}, planted)).body.error?.code, 100, 'the planted id is not logged in');
  t.notOk((await jsonRpc(app, '/web/session/check', {}, issued)).body.error);
});

t.test('logout: the old id is dead and the new one anonymous', async (t) => {
  const cookie = await login(app);
  const { res } = await jsonRpc(app, '/web/session/destroy', {}, cookie);
  const rotated = setCookieHeader(res, 'session_id')!.split(';')[0]!;
  t.not(rotated, cookie);
  t.equal((await jsonRpc(app, '/web/session/check', {}, cookie)).body.error?.code, 100);
  t.equal((await jsonRpc(app, '/web/session/check', {}, rotated)).body.error?.code, 100);
});
