import t, { type Test } from 'tap';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { login, testApp } from '../helpers/app.js';
import { createOperator } from '../helpers/livechat.js';
import { liveChatSession } from '../helpers/mail.js';
import { connect } from '../helpers/bus.js';
import { serializeMethodCall, type XmlRpcValue } from '@foxglove/xmlrpc';

/**
 * Property tests with random and mutated input on every JSON-RPC entry point: whatever arrives,
 * the answer is a JSON-RPC result or an Odoo-style error (or werkzeug's plain 400/404/413 page for
 * a body that is not a JSON-RPC request), never a 5xx, never an internal error, and a call that
 * fails leaves every table as it was. Run counts are bounded (about 10 s per backend in all); a
 * failure prints its seed and shrunk input, replayable with fc's `seed`/`path`.
 */
// websocket frames are fuzzed far past Odoo's 10 frames per 2 s: the rate limit is tested elsewhere
const { app, config } = await testApp(t, {}, { websocket: { rateLimitBurst: 1_000_000 } });
await createOperator(app, { login: 'op_fuzz' });
const admin = await login(app);
const visitor = await liveChatSession(app);
// CI explores one fixed seed (a red build must replay); local runs draw a new one each time
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20261122 : Date.now() % 2 ** 31));
t.comment(`fast-check seed ${SEED} (FUZZ_SEED=${SEED} replays this run)`);
/** FUZZ_SCALE multiplies the run counts for a longer local hunt (CI keeps them bounded). */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const N = (n: number) => Math.ceil(n * SCALE);
const runs = (n: number) => ({ numRuns: N(n), seed: SEED, endOnFailure: true });

/** Row counts of the tables a call could touch: a failed call must leave all of them unchanged. */
const WATCHED = ['res_partner', 'res_users', 'discuss_channel', 'discuss_channel_member', 'mail_message', 'mail_guest',
  'bus_bus', 'crm_lead', 'helpdesk_ticket', 'mail_shortcode', 'im_livechat_channel', 'rating_rating', 'website_visitor', 'mail_mail', 'http_session'];
async function counts(): Promise<string> {
  // presence changes (`im_status_updated`) are written by the presence tracker on its own, when a
  // socket of an earlier subtest goes offline: they are not the fuzzed call's doing
  const parts = WATCHED.map((table) => (table === 'bus_bus'
    ? sql`SELECT ${table} AS t, count(*)::int AS n FROM bus_bus WHERE message NOT LIKE '%im_status_updated%'`
    : sql`SELECT ${table} AS t, count(*)::int AS n FROM ${sql.table(table)}`));
  const { rows } = await sql<{ t: string; n: number }>`${sql.join(parts, sql` UNION ALL `)}`.execute(app.db);
  return rows.map((r) => `${r.t}=${r.n}`).join(' ');
}

/** Names of errors that mean "the service broke" rather than "the input was refused". */
const INTERNAL = /Internal server error/;

/** Checks one answer; returns whether it was an error (so the caller checks the counts). */
function checkAnswer(t: Test, res: LightMyRequestResponse, what: string): boolean {
  if (res.statusCode >= 500) { t.fail(`${what}: HTTP ${res.statusCode}: ${res.body.slice(0, 300)}`); return true; }
  if (res.statusCode !== 200) {
    if (![400, 404, 405, 413].includes(res.statusCode)) t.fail(`${what}: unexpected HTTP ${res.statusCode}`);
    return true;
  }
  let body: { jsonrpc?: string; result?: unknown; error?: { code: number; data: { name: string; message: string } } };
  try { body = JSON.parse(res.body); } catch { t.fail(`${what}: a 200 that is not JSON: ${res.body.slice(0, 200)}`); return true; }
  if (body.jsonrpc !== '2.0') t.fail(`${what}: not a JSON-RPC answer`);
  if (body.error) {
    const { name, message } = body.error.data ?? {};
    if (typeof name !== 'string' || !/^(odoo\.|builtins\.|werkzeug\.|psycopg2\.)/.test(name)) t.fail(`${what}: error without an Odoo name: ${res.body.slice(0, 300)}`);
    if (INTERNAL.test(message)) t.fail(`${what}: internal error: ${res.body.slice(0, 300)}`);
    return true;
  }
  return false;
}

/** Sends `payload` to `url` and checks the answer and, on an error, that nothing changed. */
async function probe(t: Test, url: string, payload: string, opts: { cookie?: string; contentType?: string } = {}): Promise<boolean> {
  const before = await counts();
  const res = await app.inject({
    method: 'POST', url, payload,
    headers: { 'content-type': opts.contentType ?? 'application/json', ...(opts.cookie ? { cookie: opts.cookie } : {}) },
  });
  const what = `${url} ${payload.slice(0, 200)}`;
  const failed = checkAnswer(t, res, what);
  if (failed) {
    const after = await counts();
    if (after !== before) t.fail(`${what}: a failed call changed the database:\n  ${before}\n  ${after}`);
  }
  return failed;
}

const json = fc.jsonValue({ maxDepth: 3 });
const shortString = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("'; DROP TABLE res_users; --", '%', '_', '\\', '\u0000', 'id', 'name', 'res.partner'));
/** A value mutated from a valid one: kept, replaced by random JSON, wrapped, emptied or stringified. */
const mutate = <T>(valid: T) => fc.oneof(
  { weight: 3, arbitrary: fc.constant<unknown>(valid) },
  { weight: 2, arbitrary: json as fc.Arbitrary<unknown> },
  { weight: 1, arbitrary: fc.constant<unknown>([valid]) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, '', 0, -1, 2 ** 53, 1e308, true, {}, []) },
  { weight: 1, arbitrary: fc.constant<unknown>(JSON.stringify(valid)) },
  { weight: 1, arbitrary: shortString as fc.Arbitrary<unknown> },
);
/** An object whose members are each mutated, dropped, or joined by a random extra member. */
function mutatedObject(valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const members = Object.fromEntries(Object.entries(valid).map(([k, v]) => [k, fc.option(mutate(v), { nil: undefined, freq: 6 })]));
  return fc.tuple(fc.record(members), fc.option(fc.tuple(shortString, json), { freq: 3 })).map(([rec, extra]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) if (v !== undefined) out[k] = v;
    if (extra) out[extra[0]] = extra[1];
    return out;
  });
}

/** Every JSON-RPC route a client can reach, with a valid params object and who calls it. */
const ROUTES: { url: string; params: Record<string, unknown>; cookie?: string }[] = [
  { url: '/web/session/authenticate', params: { db: 'odoo', login: 'admin', password: 'wrong' } },
  { url: '/web/dataset/call_kw', params: { model: 'res.partner', method: 'search_read', args: [[]], kwargs: { fields: ['name'], limit: 2 } }, cookie: admin },
  { url: '/web/dataset/call_kw/discuss.channel/search_count', params: { model: 'discuss.channel', method: 'search_count', args: [[]], kwargs: {} }, cookie: admin },
  { url: '/web/dataset/call_button', params: { model: 'res.partner', method: 'read', args: [[3]], kwargs: {} }, cookie: admin },
  { url: '/web/dataset/resequence', params: { model: 'im_livechat.channel', ids: [1] }, cookie: admin },
  { url: '/jsonrpc', params: { service: 'object', method: 'execute_kw', args: ['odoo', 2, 'admin', 'res.partner', 'search_count', [[]]] } },
  { url: '/jsonrpc', params: { service: 'common', method: 'login', args: ['odoo', 'admin', 'wrong'] } },
  { url: '/im_livechat/init', params: { channel_id: 1 } },
  { url: '/im_livechat/get_session', params: { channel_id: 1, anonymous_name: 'V', persisted: false } },
  { url: '/im_livechat/feedback', params: { uuid: visitor.uuid, rate: 5, reason: 'ok' }, cookie: visitor.cookie },
  { url: '/im_livechat/history', params: { pid: 3, channel_uuid: visitor.uuid, page_history: ['/a'] } },
  { url: '/im_livechat/visitor/track', params: { url: 'https://example.com/a' } },
  { url: '/mail/message/post', params: { thread_model: 'discuss.channel', thread_id: visitor.channelId, post_data: { body: 'hi', message_type: 'comment' } }, cookie: visitor.cookie },
  { url: '/im_livechat/cors/message/post', params: { guest_token: visitor.guestToken, thread_model: 'discuss.channel', thread_id: visitor.channelId, post_data: { body: 'hi' } } },
  { url: '/discuss/channel/messages', params: { channel_id: visitor.channelId, limit: 5 }, cookie: visitor.cookie },
  { url: '/discuss/channel/set_last_seen_message', params: { channel_id: visitor.channelId, last_message_id: 1 }, cookie: visitor.cookie },
  { url: '/discuss/channel/notify_typing', params: { channel_id: visitor.channelId, is_typing: true }, cookie: visitor.cookie },
  { url: '/discuss/channel/fold', params: { channel_id: visitor.channelId, state: 'open' }, cookie: admin },
  { url: '/mail/init_messaging', params: {}, cookie: visitor.cookie },
  { url: '/im_livechat/cors/channel/messages', params: { guest_token: visitor.guestToken, channel_id: visitor.channelId } },
  { url: '/websocket/peek_notifications', params: { channels: [], last: 0, is_first_poll: true }, cookie: visitor.cookie },
];

t.test('mutated JSON-RPC envelopes on every route: an answer or an Odoo error, nothing half-written', async (t) => {
  const envelope = (params: Record<string, unknown>) => mutatedObject({ jsonrpc: '2.0', method: 'call', id: 1, params });
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 0, max: ROUTES.length - 1 }).chain((i) => fc.tuple(fc.constant(i), envelope(ROUTES[i]!.params), mutatedObject(ROUTES[i]!.params))),
    fc.boolean(),
    async ([i, env, params], nestParams) => {
      const route = ROUTES[i]!;
      const body = nestParams ? { ...env, params } : env;
      await probe(t, route.url, JSON.stringify(body), { cookie: route.cookie });
    },
  ), runs(150));
  t.pass(`${N(150)} mutated envelopes`);
});

t.test('raw bodies and content types: werkzeug\'s 400 or an Odoo error, never a 5xx', async (t) => {
  const raw = fc.oneof(
    fc.string({ maxLength: 60 }),
    json.map((v) => JSON.stringify(v)),
    fc.constantFrom('', '{', '{"jsonrpc":"2.0","params":', 'null', '[]', '"x"', '{"params": null}', '\u0000\u0001', '{"id": {"$gt": 1}}'),
  );
  const type = fc.constantFrom('application/json', 'application/json-rpc', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin-1', '');
  await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: ROUTES.length - 1 }), raw, type, async (i, payload, contentType) => {
    await probe(t, ROUTES[i]!.url, payload, { cookie: ROUTES[i]!.cookie, contentType });
  }), runs(100));
  t.pass(`${N(100)} raw bodies`);
});

/** Field names of a model as the registry knows them, plus hostile ones. */
function fieldNames(model: string): string[] {
  return [...app.registry.get(model)!.fields.keys()];
}
const MODELS = ['res.partner', 'discuss.channel', 'mail.message', 'crm.lead', 'helpdesk.ticket', 'im_livechat.channel', 'mail.shortcode'];
const OPERATORS = ['=', '!=', '<', '>', '<=', '>=', '=?', 'like', 'not like', 'ilike', 'not ilike', '=like', '=ilike', 'in', 'not in', 'child_of', 'parent_of', 'any', 'not any'];
const HOSTILE = ['id; DROP TABLE res_users', 'name"--', "name') OR 1=1 --", '(select 1)', 'name desc, (SELECT pg_sleep(1))', '1', '', ' ', 'x'.repeat(300), 'partner_id.name', 'partner_id.parent_id.name', '__proto__', 'constructor'];

function fieldArb(model: string) {
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fieldNames(model)) }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE) }, { weight: 1, arbitrary: shortString });
}
function domainArb(model: string): fc.Arbitrary<unknown> {
  const leaf = fc.tuple(fieldArb(model), fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...OPERATORS) }, { weight: 1, arbitrary: shortString }), mutate<unknown>(1));
  const term = fc.oneof({ weight: 5, arbitrary: leaf as fc.Arbitrary<unknown> }, { weight: 2, arbitrary: fc.constantFrom('&', '|', '!') }, { weight: 1, arbitrary: json as fc.Arbitrary<unknown> });
  return fc.oneof({ weight: 6, arbitrary: fc.array(term, { maxLength: 6 }) as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: json as fc.Arbitrary<unknown> });
}
function orderArb(model: string): fc.Arbitrary<unknown> {
  const term = fc.tuple(fieldArb(model), fc.constantFrom('', ' asc', ' desc', ' DESC NULLS FIRST', ' nulls last', ' ascending', ';')).map(([f, d]) => `${f}${d}`);
  return fc.oneof({ weight: 4, arbitrary: fc.array(term, { minLength: 1, maxLength: 3 }).map((a) => a.join(', ')) as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: json as fc.Arbitrary<unknown> });
}
function fieldsArb(model: string): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: fc.array(fieldArb(model), { maxLength: 5 }) as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: json as fc.Arbitrary<unknown> });
}

t.test('call_kw: random domains, orders, field lists and arguments on the ORM methods', async (t) => {
  const callArb = fc.constantFrom(...MODELS).chain((model) => fc.oneof(
    fc.tuple(fc.constant(model), fc.constant('search_read'), fc.tuple(domainArb(model)), fc.record({ fields: fieldsArb(model), order: orderArb(model), limit: mutate(5), offset: mutate(0) }, { requiredKeys: [] })),
    fc.tuple(fc.constant(model), fc.constant('search_count'), fc.tuple(domainArb(model)), fc.constant({})),
    fc.tuple(fc.constant(model), fc.constant('search'), fc.tuple(domainArb(model)), fc.record({ order: orderArb(model), limit: mutate(3) }, { requiredKeys: [] })),
    fc.tuple(fc.constant(model), fc.constant('read'), fc.tuple(mutate<unknown>([1, 2, 3]), fieldsArb(model)), fc.constant({})),
    fc.tuple(fc.constant(model), fc.constant('read_group'), fc.tuple(domainArb(model), fieldsArb(model), fieldsArb(model)), fc.record({ orderby: orderArb(model), lazy: fc.boolean() }, { requiredKeys: [] })),
    fc.tuple(fc.constant(model), fc.constant('name_search'), fc.constant([]), fc.record({ name: shortString, operator: fc.constantFrom(...OPERATORS), limit: mutate(5) }, { requiredKeys: [] })),
    fc.tuple(fc.constant(model), fc.constantFrom('write', 'create', 'unlink', 'copy', 'fields_get', 'default_get', 'web_search_read', 'name_create', 'exists'),
      fc.array(json, { maxLength: 3 }), fc.dictionary(shortString, json, { maxKeys: 2 })),
  ));
  let errors = 0;
  await fc.assert(fc.asyncProperty(callArb, async ([model, method, args, kwargs]) => {
    const payload = JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { model, method, args, kwargs } });
    if (await probe(t, '/web/dataset/call_kw', payload, { cookie: admin })) errors++;
  }), runs(250));
  t.ok(errors > 0, `hostile calls were refused (${errors} of ${N(250)})`);
  // the service still answers normally afterwards
  const ok = await app.inject({ method: 'POST', url: '/web/dataset/call_kw', headers: { 'content-type': 'application/json', cookie: admin },
    payload: JSON.stringify({ jsonrpc: '2.0', id: 1, params: { model: 'res.users', method: 'search_count', args: [[['login', '=', 'admin']]], kwargs: {} } }) });
  t.equal(ok.json().result, 1, 'admin is still there');
});

t.test('websocket frames: random and mutated frames never close or crash a socket, nor widen what it hears', async (t) => {
  const operator = await connect(app, { cookie: admin });
  const guest = await connect(app, { cookie: visitor.cookie });
  const other = await liveChatSession(app, 3, 'Other visitor');
  const { rows: [adminPartner] } = await sql<{ partner_id: number }>`SELECT partner_id FROM res_users WHERE login = 'admin'`.execute(app.db);
  const names = fc.constantFrom(
    'broadcast', `discuss.channel_${visitor.channelId}`, `discuss.channel_${other.channelId}`, `mail.guest_${other.guestId}|wrong-token`, `mail.guest_${other.guestId}`,
    `mail.guest_${visitor.guestToken}`, `odoo-presence-res.partner_${adminPartner!.partner_id}`, 'odoo-presence-mail.guest_1',
    `res.partner_${adminPartner!.partner_id}`, JSON.stringify([config.dbName, 'res.partner', adminPartner!.partner_id]), '',
  );
  const frame = fc.oneof(
    fc.string({ maxLength: 40 }),
    json.map((v) => JSON.stringify(v)),
    fc.record({ event_name: fc.constantFrom('subscribe', 'update_presence', 'unsubscribe', '', 'x'), data: mutatedObject({
      channels: [`discuss.channel_${visitor.channelId}`], last: 0, inactivity_period: 0, im_status_ids_by_model: {},
    }) }).map((f) => JSON.stringify(f)),
    fc.record({ event_name: fc.constant('subscribe'), data: fc.record({ channels: fc.array(fc.oneof(names, shortString), { maxLength: 4 }), last: mutate(0) }) }).map((f) => JSON.stringify(f)),
  );
  await fc.assert(fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 10 }), fc.boolean(), async (frames, asGuest) => {
    const socket = asGuest ? guest : operator;
    for (const f of frames) socket.send(f);
  }), runs(40));
  // frames are handled in order: a last, valid subscribe comes after all the random ones
  const maxId = await app.busService.bus.maxId();
  guest.subscribe([], maxId);
  operator.subscribe([], maxId);
  await new Promise((r) => setTimeout(r, 300));
  t.equal(operator.close, undefined, 'the operator\'s socket is still open');
  t.equal(guest.close, undefined, 'the visitor\'s socket is still open');
  const bus = app.busService.bus;
  await bus.sendNow([
    { target: { model: 'res.partner', id: adminPartner!.partner_id }, type: 'fuzz/private', payload: { to: 'admin' } },
    { target: { model: 'mail.guest', id: other.guestId }, type: 'fuzz/private', payload: { to: 'other guest' } },
    { target: { model: 'discuss.channel', id: other.channelId }, type: 'fuzz/private', payload: { to: 'other channel' } },
    { target: { model: 'mail.guest', id: visitor.guestId }, type: 'fuzz/mine', payload: { to: 'visitor' } },
  ]);
  await guest.waitFor('fuzz/mine');
  await operator.waitFor('fuzz/private', (n) => n.message.payload.to === 'admin');
  t.same(guest.ofType('fuzz/private').map((n) => n.message.payload), [], 'whatever it asked for, the visitor heard nothing of another\'s');
  await Promise.all([operator.end(), guest.end()]);
});

t.test('XML-RPC bodies: random, mutated and malformed calls get a methodResponse or a plain 4xx, never a 5xx or an internal fault', async (t) => {
  const xmlValue: fc.Arbitrary<XmlRpcValue> = fc.letrec<{ v: XmlRpcValue }>((tie) => ({
    v: fc.oneof({ depthSize: 'small', withCrossShrink: true },
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.boolean(), shortString, fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(shortString, tie('v'), { maxKeys: 3 })),
  })).v;
  const mutateX = (valid: XmlRpcValue) => fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, { weight: 2, arbitrary: xmlValue });
  const valid: [string, string, XmlRpcValue[]][] = [
    ['/xmlrpc/2/common', 'authenticate', ['odoo', 'admin', 'admin', {}]],
    ['/xmlrpc/2/common', 'version', []],
    ['/xmlrpc/2/object', 'execute_kw', ['odoo', 2, 'admin', 'res.partner', 'search_read', [[['is_company', '=', true]]], { fields: ['name'], limit: 2 }]],
    ['/xmlrpc/2/object', 'execute', ['odoo', 2, 'admin', 'discuss.channel', 'search_count', []]],
    ['/xmlrpc/2/db', 'list', []],
    ['/xmlrpc/object', 'execute_kw', ['odoo', 2, 'admin', 'res.partner', 'read', [[3]]]],
  ];
  const call = fc.integer({ min: 0, max: valid.length - 1 }).chain((i) => fc.tuple(
    fc.constant(valid[i]![0]),
    fc.oneof({ weight: 4, arbitrary: fc.constant(valid[i]![1]) }, { weight: 1, arbitrary: fc.constantFrom('execute_kw', 'login', 'system.multicall', '__init__', '') }),
    fc.tuple(...valid[i]![2].map((v) => mutateX(v))).chain((params) => fc.oneof(
      { weight: 4, arbitrary: fc.constant(params) }, { weight: 1, arbitrary: fc.array(xmlValue, { maxLength: 4 }) })),
  ));
  const malformed = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.constantFrom('<?xml version="1.0"?><methodCall>', '<methodCall><methodName>execute_kw</methodName><params><param><value><int>x</int></value></param></params></methodCall>',
      '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><methodCall><methodName>&e;</methodName></methodCall>',
      '<methodCall><methodName>version</methodName><params><param><value><struct><member><value/></member></struct></value></param></params></methodCall>'),
  );
  const body = fc.oneof({ weight: 3, arbitrary: call.map(([url, method, params]) => [url, serializeMethodCall(method, params)] as const) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/xmlrpc/2/common', '/xmlrpc/2/object', '/xmlrpc/2/db'), malformed) });
  await fc.assert(fc.asyncProperty(body, async ([url, xml]) => {
    const before = await counts();
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'text/xml' }, payload: xml });
    const what = `${url} ${xml.slice(0, 300)}`;
    if (res.statusCode >= 500) t.fail(`${what}: HTTP ${res.statusCode}: ${res.body.slice(0, 300)}`);
    else if (res.statusCode === 200) {
      if (!/<methodResponse>/.test(res.body)) t.fail(`${what}: a 200 that is not a methodResponse`);
      if (/Internal server error/.test(res.body)) t.fail(`${what}: internal fault: ${res.body.slice(0, 400)}`);
      if (/root:/.test(res.body)) t.fail(`${what}: an external entity was read`);
      if (/<fault>/.test(res.body) && (await counts()) !== before) t.fail(`${what}: a fault left the database changed`);
    } else if (![400, 404, 405, 413].includes(res.statusCode)) t.fail(`${what}: unexpected HTTP ${res.statusCode}`);
  }), runs(120));
  t.pass(`${N(120)} XML-RPC bodies`);
});
