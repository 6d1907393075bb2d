import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { call, callKw, jsonRpc, login, testApp } from '../helpers/app.js';
import { connect } from '../helpers/bus.js';
import { createOperator } from '../helpers/livechat.js';
import { liveChatSession } from '../helpers/mail.js';

/**
 * Injection: SQL fragments through every place a client names or passes something to a query
 * (domain values, field paths, operators, `order`, field lists, read_group groupbys, like patterns)
 * are refused by name or matched as plain data; HTML and script in what visitors and operators type
 * (message bodies, names, canned responses, page history) is sanitised or escaped before anyone
 * receives it.
 */
const { app } = await testApp(t);
const admin = await login(app);
const tableCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'`.execute(app.db)).rows[0]!.n);
const usersCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM res_users`.execute(app.db)).rows[0]!.n);
const tablesBefore = await tableCount();
const usersBefore = await usersCount();
const errorOf = async (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) => {
  const body = await callKw(app, admin, model, method, args, kwargs);
  return body.error ? `${body.error.data.name}: ${body.error.data.message}` : undefined;
};

const SQL_VALUES = ["x' OR '1'='1", "'; DROP TABLE res_users; --", 'x"; DELETE FROM res_partner; --', "\\'; SELECT pg_sleep(5); --", '$$; DROP TABLE res_users; $$'];

t.test('domain values are parameters: quotes and statements are matched as text', async (t) => {
  for (const value of SQL_VALUES) {
    t.equal(await call(app, admin, 'res.partner', 'search_count', [[['name', '=', value]]]), 0, `= ${value}`);
    t.equal(await call(app, admin, 'res.partner', 'search_count', [[['name', 'ilike', value]]]), 0, `ilike ${value}`);
    t.equal(await call(app, admin, 'res.partner', 'search_count', [[['name', 'in', [value, 'y']]]]), 0, `in ${value}`);
  }
  const id = await call(app, admin, 'res.partner', 'create', [{ name: SQL_VALUES[1] }]);
  t.same(await call(app, admin, 'res.partner', 'search', [[['name', '=', SQL_VALUES[1]]]]), [id], 'stored and found as the text it is');
  t.same((await call(app, admin, 'res.partner', 'read', [[id], ['name']]))[0].name, SQL_VALUES[1]);
});

t.test('field paths and operators are checked against the registry, never spliced', async (t) => {
  for (const field of ['name = name OR 1=1 --', 'name"; DROP TABLE res_users; --', 'id) OR (1=1', 'parent_id.name; --', '(SELECT 1)']) {
    t.match(await errorOf('res.partner', 'search_count', [[[field, '=', 'x']]]), /^builtins\.ValueError: Invalid field/, field);
  }
  for (const op of ["= 'x' OR 1=1 --", '==', 'is', 'similar to', '; DROP TABLE res_users']) {
    t.match(await errorOf('res.partner', 'search_count', [[['name', op, 'x']]]), /^builtins\.ValueError: Invalid leaf/, op);
  }
});

t.test('order: only field names with asc/desc and nulls first/last', async (t) => {
  t.ok(Array.isArray(await call(app, admin, 'res.partner', 'search', [[]], { order: 'name desc nulls last, id' })), 'a valid order');
  for (const order of ['name; DROP TABLE res_users', '(SELECT 1)', 'name desc, (SELECT pg_sleep(1))', 'name collate "C"', 'id asc; --', 'name desc desc', 'lower(name)']) {
    t.match(await errorOf('res.partner', 'search', [[]], { order }), /^odoo\.exceptions\.UserError: Invalid "order" specified/, order);
  }
  // well-formed terms must still name a field
  t.match(await errorOf('res.partner', 'search', [[]], { order: '1' }), /^builtins\.ValueError: Invalid field '1'/);
  t.match(await errorOf('res.partner', 'search', [[]], { order: 'password' }), /^builtins\.ValueError: Invalid field 'password'/);
});

t.test('field lists of read and search_read: unknown names refused, not read as SQL', async (t) => {
  for (const field of ['name, (SELECT password FROM res_users LIMIT 1)', 'password; --', '*', 'id AS x']) {
    t.match(await errorOf('res.partner', 'read', [[3], [field]]), /Invalid field|ValueError|KeyError/, `read ${field}`);
    t.match(await errorOf('res.partner', 'search_read', [[]], { fields: [field], limit: 1 }), /Invalid field|ValueError|KeyError/, `search_read ${field}`);
  }
  const users = await call(app, admin, 'res.users', 'search_read', [[['login', '=', 'admin']]], { fields: ['password', 'login'] });
  t.notOk(users[0]?.password, 'the password hash never leaves the server');
});

t.test('read_group: groupbys and aggregates are field names with known granularities', async (t) => {
  const ok = await call(app, admin, 'res.partner', 'read_group', [[], ['id:count'], ['create_date:day']]);
  t.ok(Array.isArray(ok), 'create_date:day groups');
  for (const groupby of ['name; DROP TABLE res_users', 'create_date:day); DROP TABLE res_users; --', 'create_date:epoch', '(SELECT 1)', 'name, id']) {
    t.ok(await errorOf('res.partner', 'read_group', [[], ['id:count'], [groupby]]), `groupby ${groupby} refused`);
  }
  for (const agg of ['id:pg_sleep', 'name:sum(1)', 'nofield:count']) {
    t.ok(await errorOf('res.partner', 'read_group', [[], [agg], ['name']]), `aggregate ${agg} refused`);
  }
  // as Odoo's regex_field_agg, a spec is read from its start (`id:count`) and the rest ignored: never spliced
  const groups = await call(app, admin, 'res.partner', 'read_group', [[], ['id:count); DROP TABLE res_users; --'], ['name']]);
  t.ok(groups.every((g: Record<string, unknown>) => Object.keys(g).every((k) => /^[a-z_]+$/.test(k))), 'only field-named keys come back');
});

t.test('like patterns: values are parameters; % and _ keep Odoo\'s wildcard meaning; a dangling backslash is a named error', async (t) => {
  const names = ['Zq 100% sure', 'Zq 100 percent', 'Zq a_b', 'Zq axb', 'Zq back\\slash'];
  const ids = await call(app, admin, 'res.partner', 'create', [names.map((name) => ({ name }))]);
  const found = async (op: string, v: string) => (await call(app, admin, 'res.partner', 'search_read', [[['name', op, v], ['id', 'in', ids]]], { fields: ['name'], order: 'id' })).map((r: { name: string }) => r.name);
  // Odoo passes the value into the LIKE pattern as it is: % and _ match anything, as they do there
  t.same(await found('ilike', '100%'), ['Zq 100% sure', 'Zq 100 percent']);
  t.same(await found('ilike', 'a_b'), ['Zq a_b', 'Zq axb']);
  t.same(await found('ilike', "' OR 1=1 --"), [], 'quotes are data');
  t.same(await found('=like', 'Zq back\\\\slash'), ['Zq back\\slash'], 'an escaped backslash matches one');
  t.same(await found('ilike', 'slash\\'), [], 'a trailing backslash in ilike escapes the closing %');
  t.equal(await errorOf('res.partner', 'search_count', [[['name', '=like', 'Zq\\']]]), 'psycopg2.errors.InvalidEscapeSequence: LIKE pattern must not end with escape character\n');
  t.equal(await errorOf('res.partner', 'name_search', [], { name: '\\', operator: '=ilike' }), 'psycopg2.errors.InvalidEscapeSequence: LIKE pattern must not end with escape character\n');
});

t.test('limits and offsets: negative or non-numeric ones fail as Postgres fails under Odoo', async (t) => {
  t.equal(await errorOf('res.partner', 'search', [[]], { limit: -1 }), 'psycopg2.errors.InvalidRowCountInLimitClause: LIMIT must not be negative\n');
  t.equal(await errorOf('res.partner', 'name_search', [], { name: 'a', limit: -5 }), 'psycopg2.errors.InvalidRowCountInLimitClause: LIMIT must not be negative\n');
  t.equal(await errorOf('res.partner', 'search', [[]], { offset: -1 }), 'psycopg2.errors.InvalidRowCountInResultOffsetClause: OFFSET must not be negative\n');
  t.equal(await errorOf('res.partner', 'read_group', [[], ['id:count'], ['name']], { limit: -1 }), 'psycopg2.errors.InvalidRowCountInLimitClause: LIMIT must not be negative\n');
});

t.test('after all that, every table and user is still there', async (t) => {
  t.equal(await tableCount(), tablesBefore);
  t.equal(await usersCount(), usersBefore);
});

const XSS = '<script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">click</a><iframe src="https://evil.example"></iframe><b>bold</b>';
const clean = (t: Test, html: string, what: string) => {
  // real markup only: escaped text such as `&lt;img onerror=...&gt;` is harmless
  t.notMatch(html, /<script|<[^>]*\son\w+\s*=|<[^>]*=\s*["']?\s*javascript:|<iframe/i, `${what}: no script, handler, javascript: link or frame`);
};

t.test('message bodies: sanitised before they are stored or sent to anyone', async (t) => {
  const s = await liveChatSession(app);
  const operator = await connect(app, { cookie: admin });
  operator.subscribe([`discuss.channel_${s.channelId}`], await app.busService.bus.maxId());
  const { body } = await jsonRpc(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: s.channelId, post_data: { body: XSS, message_type: 'comment' } }, s.cookie);
  clean(t, body.result.body, 'the answer');
  t.match(body.result.body, /<b>bold<\/b>/, 'harmless markup is kept');
  const { rows } = await sql<{ body: string }>`SELECT body FROM mail_message WHERE id = ${body.result.id}`.execute(app.db);
  clean(t, rows[0]!.body, 'the stored body');
  const heard = await operator.waitFor('discuss.channel/new_message', (n) => n.message.payload.message?.id === body.result.id);
  clean(t, heard.message.payload.message.body, 'what the operator hears');
  await operator.end();
});

t.test('names: a visitor\'s HTML name is text wherever it lands in HTML (transcript, notifications)', async (t) => {
  await createOperator(app, { login: 'op_inject' });
  const name = '<img src=x onerror=alert(1)>Eve';
  const { res, body } = await jsonRpc(app, '/im_livechat/get_session', { channel_id: 1, anonymous_name: name, persisted: true });
  const cookie = String(res.headers['set-cookie']).match(/dgid=[^;]+/)![0];
  t.ok(body.result?.id);
  await jsonRpc(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: body.result.id, post_data: { body: 'hello', message_type: 'comment' } }, cookie);
  await jsonRpc(app, '/im_livechat/email_livechat_transcript', { uuid: body.result.uuid, email: 'eve@example.com' }, cookie);
  const { rows: mails } = await sql<{ body_html: string }>`SELECT body_html FROM mail_mail ORDER BY id DESC LIMIT 1`.execute(app.db);
  clean(t, mails[0]!.body_html, 'the transcript email');
  const { rows: msgs } = await sql<{ body: string }>`SELECT body FROM mail_message WHERE model = 'discuss.channel' AND res_id = ${body.result.id}`.execute(app.db);
  for (const m of msgs) clean(t, m.body, 'a message of the session');
});

t.test('names: a visitor\'s HTML name and message land escaped in a lead\'s notes and a ticket\'s description', async (t) => {
  const name = '<img src=x onerror=alert(1)>Mallory';
  const s = await liveChatSession(app, 3, name);
  await jsonRpc(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: s.channelId, post_data: { body: `hi ${XSS}`, message_type: 'comment' } }, s.cookie);
  await call(app, admin, 'discuss.channel', 'execute_command_lead', [[s.channelId]], { body: '/lead From Mallory' });
  const [lead] = await call(app, admin, 'crm.lead', 'search_read', [[['name', '=', 'From Mallory']]], { fields: ['description'] });
  clean(t, lead.description, 'the lead notes');
  t.match(lead.description, /&lt;img src=x onerror=alert\(1\)&gt;Mallory: /, 'the visitor\'s name is text');
  await asRootTeam();
  await call(app, admin, 'discuss.channel', 'execute_command_helpdesk', [[s.channelId]], { body: '/ticket From Mallory' });
  const [ticket] = await call(app, admin, 'helpdesk.ticket', 'search_read', [[['name', '=', 'From Mallory']]], { fields: ['description'] });
  clean(t, ticket.description, 'the ticket description');
});

/** A Helpdesk team with Live Chat enabled, so /ticket has somewhere to go. */
async function asRootTeam(): Promise<void> {
  const teams = await call(app, admin, 'helpdesk.team', 'search', [[['use_website_helpdesk_livechat', '=', true]]]);
  if (!teams.length) await call(app, admin, 'helpdesk.team', 'create', [{ name: 'Support', use_website_helpdesk_livechat: true }]);
}

t.test('canned responses: a script in a substitution is stripped when it is posted', async (t) => {
  const s = await liveChatSession(app);
  const id = await call(app, admin, 'mail.shortcode', 'create', [{ source: 'xss', substitution: `Hi ${XSS}` }]);
  const out = await call(app, admin, 'mail.shortcode', 'render_substitution', [[id], s.channelId]);
  const rendered = Array.isArray(out) ? out[0] : out;
  t.equal(typeof rendered.text, 'string', 'rendered as text for the composer');
  const { body } = await jsonRpc(app, '/mail/message/post', {
    thread_model: 'discuss.channel', thread_id: s.channelId,
    post_data: { body: rendered.text, message_type: 'comment', canned_response_ids: [id] },
  }, admin);
  clean(t, body.result.body, 'the posted canned response');
});

t.test('page history: a javascript: "page" sent by a visitor is not a link for the operator', async (t) => {
  const s = await liveChatSession(app);
  const operator = await connect(app, { cookie: admin });
  operator.subscribe([], await app.busService.bus.maxId());
  await jsonRpc(app, '/im_livechat/history', { pid: 3, channel_uuid: s.uuid, page_history: ['javascript:alert(1)', ' JaVaScRiPt:alert(2)', '/shop', 'https://example.com/a'] }, s.cookie);
  const n = await operator.waitFor('discuss.channel/transient_message');
  const html: string = n.message.payload.body;
  t.notMatch(html, /href="\s*javascript:/i, 'no javascript: link');
  t.match(html, /<a href="\/shop" target="_blank">\/shop<\/a>/, 'paths stay links');
  t.match(html, /<a href="https:\/\/example.com\/a" target="_blank">/, 'http(s) addresses stay links');
  t.match(html, /<li>javascript:alert\(1\)<\/li>/, 'the rest is listed as text');
  await operator.end();
});
