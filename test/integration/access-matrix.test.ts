import t from 'tap';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { callKw, jsonRpc, login, testApp, type RpcBody } from '../helpers/app.js';
import { connect, sleep, type BusClient } from '../helpers/bus.js';
import { asRoot, createOperator } from '../helpers/livechat.js';
import { liveChatSession, type Session } from '../helpers/mail.js';

/**
 * The access matrix: eight kinds of caller against every live chat model (read, write, create,
 * unlink over call_kw) and every visitor/mail route and bus subscription of one live chat session
 * (session A, between guest A and the operator "in"). Each cell states its expected outcome; a
 * visitor never reaches another visitor's conversation, messages, email, phone or transcript.
 */
const { app } = await testApp(t);

type Role = 'public' | 'guestA' | 'guestB' | 'portal' | 'opOut' | 'opIn' | 'manager' | 'admin';
const ROLES: Role[] = ['public', 'guestA', 'guestB', 'portal', 'opOut', 'opIn', 'manager', 'admin'];
const LOGGED_IN: Role[] = ['portal', 'opOut', 'opIn', 'manager', 'admin'];

async function makeUser(app: FastifyInstance, loginName: string, groups: string[], partner: Record<string, unknown> = {}): Promise<{ uid: number; partnerId: number }> {
  return asRoot(app, async (env) => {
    const gids = await Promise.all(groups.map((g) => env.ref(g)));
    const [uid] = await env.model('res.users').create([{ login: loginName, name: loginName, password: loginName, groups_id: [[6, 0, gids]], ...partner }]);
    const { rows } = await sql<{ partner_id: number }>`SELECT partner_id FROM res_users WHERE id = ${uid!}`.execute(env.trx);
    return { uid: uid!, partnerId: rows[0]!.partner_id };
  });
}

const opIn = await createOperator(app, { login: 'op_in' });
const opOut = await createOperator(app, { login: 'op_out', channelId: null });
await sql`UPDATE res_users SET password = NULL WHERE id IN (${opIn.uid}, ${opOut.uid})`.execute(app.db);
await asRoot(app, (env) => env.model('res.users').write([opIn.uid, opOut.uid], { password: 'op' }));
const manager = await makeUser(app, 'lc_manager', ['base.group_user', 'im_livechat.im_livechat_group_manager']);
const portal = await makeUser(app, 'portal_user', ['base.group_portal']);
// another visitor's contact details, which nobody outside the company may read
const customer = await asRoot(app, async (env) => (await env.model('res.partner').create([{ name: 'Other Customer', email: 'other@customer.example', phone: '+32 470 00 00 00' }]))[0]!);

const A: Session = await liveChatSession(app, opIn.partnerId, 'Visitor A');
const B: Session = await liveChatSession(app, opIn.partnerId, 'Visitor B');
const cookies: Record<Role, string | undefined> = {
  public: undefined, guestA: A.cookie, guestB: B.cookie,
  portal: await login(app, 'portal_user', 'portal_user'), opOut: await login(app, 'op_out', 'op'), opIn: await login(app, 'op_in', 'op'),
  manager: await login(app, 'lc_manager', 'lc_manager'), admin: await login(app),
};
const { rows: [aMessage] } = await sql<{ id: number }>`SELECT id FROM mail_message WHERE model = 'discuss.channel' AND res_id = ${A.channelId} LIMIT 1`.execute(app.db)
  .then(async (r) => (r.rows.length ? r : { rows: [{ id: (await jsonRpc(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: A.channelId, post_data: { body: 'A says hi', message_type: 'comment' } }, A.cookie)).body.result.id }] }));

/** An outcome: `ok`, or the short name of the Odoo exception answered. */
const outcome = (body: RpcBody): string => (body.error ? body.error.data.name.split('.').pop()! : 'ok');

// ------------------------------------------------------------------ models

interface ModelCase {
  model: string;
  /** A fresh record of the kind tested (for read/write, and one per unlink attempt). */
  make: () => Promise<number>;
  write: Record<string, unknown>;
  create: () => Promise<Record<string, unknown>>;
  /** Per logged-in role: the operations allowed, as `rwcu` with `-` for refused. */
  expect: Record<'portal' | 'opOut' | 'opIn' | 'manager' | 'admin', string>;
}

const newSession = async () => (await liveChatSession(app, opIn.partnerId, 'Visitor X')).channelId;
const CASES: ModelCase[] = [
  {
    model: 'discuss.channel', make: newSession, write: { name: 'renamed' },
    create: async () => ({ name: 'new chat', channel_type: 'livechat', livechat_channel_id: 1, livechat_operator_id: opIn.partnerId }),
    // live chat operators reach every live chat session (Odoo's operator rule); portal users none
    expect: { portal: '----', opOut: 'rwcu', opIn: 'rwcu', manager: 'rwcu', admin: 'rwcu' },
  },
  {
    model: 'mail.message',
    make: async () => (await jsonRpc(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: A.channelId, post_data: { body: 'x', message_type: 'comment' } }, A.cookie)).body.result.id,
    write: { body: '<p>edited</p>' },
    create: async () => ({ model: 'discuss.channel', res_id: A.channelId, body: 'created', message_type: 'comment' }),
    expect: { portal: '----', opOut: 'rwcu', opIn: 'rwcu', manager: 'rwcu', admin: 'rwcu' },
  },
  {
    model: 'discuss.channel.member',
    make: async () => { const id = await newSession(); return Number((await sql<{ id: number }>`SELECT id FROM discuss_channel_member WHERE channel_id = ${id} AND guest_id IS NOT NULL`.execute(app.db)).rows[0]!.id); },
    write: { custom_channel_name: 'x' },
    create: async () => ({ channel_id: await newSession(), partner_id: customer }),
    expect: { portal: '----', opOut: 'rwcu', opIn: 'rwcu', manager: 'rwcu', admin: 'rwcu' },
  },
  {
    model: 'mail.guest', make: async () => (await liveChatSession(app, opIn.partnerId, 'G')).guestId, write: { name: 'renamed' },
    create: async () => ({ name: 'new guest' }),
    expect: { portal: '----', opOut: '----', opIn: '----', manager: '----', admin: 'rwcu' },
  },
  {
    model: 'res.partner', make: async () => asRoot(app, async (env) => (await env.model('res.partner').create([{ name: 'P', email: 'p@x.example', phone: '1' }]))[0]!),
    write: { phone: '2' }, create: async () => ({ name: 'new partner' }),
    // portal users read their own (commercial) partner only: not other customers' email and phone
    expect: { portal: '----', opOut: 'rwcu', opIn: 'rwcu', manager: 'rwcu', admin: 'rwcu' },
  },
  {
    model: 'res.users', make: async () => (await makeUser(app, `u${Math.random().toString(36).slice(2, 8)}`, ['base.group_user'])).uid,
    write: { name: 'renamed' }, create: async () => ({ login: `new${Math.random().toString(36).slice(2, 8)}`, name: 'New' }),
    expect: { portal: 'r---', opOut: 'r---', opIn: 'r---', manager: 'r---', admin: 'rwcu' },
  },
  {
    model: 'im_livechat.channel', make: async () => asRoot(app, async (env) => (await env.model('im_livechat.channel').create([{ name: 'LC' }]))[0]!),
    write: { name: 'renamed' }, create: async () => ({ name: 'new channel' }),
    expect: { portal: 'r---', opOut: 'r---', opIn: 'r---', manager: 'rwcu', admin: 'rwcu' },
  },
  {
    model: 'im_livechat.channel.rule', make: async () => asRoot(app, async (env) => (await env.model('im_livechat.channel.rule').create([{ channel_id: 1, regex_url: '/x' }]))[0]!),
    write: { regex_url: '/y' }, create: async () => ({ channel_id: 1, regex_url: '/z' }),
    expect: { portal: 'r---', opOut: 'r---', opIn: 'r---', manager: 'rwcu', admin: 'rwcu' },
  },
  {
    model: 'mail.shortcode', make: async () => asRoot(app, async (env) => (await env.model('mail.shortcode').create([{ source: `s${Math.random()}`, substitution: 'x' }]))[0]!),
    write: { substitution: 'y' }, create: async () => ({ source: `n${Math.random()}`, substitution: 'z' }),
    expect: { portal: 'r---', opOut: 'rwcu', opIn: 'rwcu', manager: 'rwcu', admin: 'rwcu' },
  },
  {
    model: 'crm.lead', make: async () => asRoot(app, async (env) => (await env.model('crm.lead').create([{ name: 'L' }]))[0]!),
    write: { name: 'renamed' }, create: async () => ({ name: 'new lead' }),
    expect: { portal: '----', opOut: '----', opIn: '----', manager: '----', admin: 'rwcu' },
  },
  {
    model: 'helpdesk.ticket', make: async () => asRoot(app, async (env) => (await env.model('helpdesk.ticket').create([{ name: 'T' }]))[0]!),
    write: { name: 'renamed' }, create: async () => ({ name: 'new ticket' }),
    expect: { portal: '----', opOut: '----', opIn: '----', manager: '----', admin: 'rwcu' },
  },
  {
    model: 'rating.rating',
    make: async () => asRoot(app, async (env) => (await env.model('rating.rating').create([{ res_model: 'discuss.channel', res_id: A.channelId, rating: 5 }]))[0]!),
    write: { feedback: 'x' }, create: async () => ({ res_model: 'discuss.channel', res_id: A.channelId, rating: 1 }),
    expect: { portal: '----', opOut: 'r---', opIn: 'r---', manager: 'rwcu', admin: 'rwcu' },
  },
  {
    model: 'website.visitor', make: async () => asRoot(app, async (env) => (await env.model('website.visitor').create([{}]))[0]!),
    write: { lang_id: false }, create: async () => ({}),
    expect: { portal: '----', opOut: 'r---', opIn: 'r---', manager: 'r---', admin: 'rwcu' },
  },
  {
    model: 'chatbot.script', make: async () => asRoot(app, async (env) => (await env.model('chatbot.script').create([{ title: `Bot ${Math.random()}` }]))[0]!),
    write: { title: 'renamed' }, create: async () => ({ title: `New bot ${Math.random()}` }),
    expect: { portal: '----', opOut: 'rwcu', opIn: 'rwcu', manager: 'rwcu', admin: 'rwcu' },
  },
];

t.test('without a logged-in session (public visitor, guests A and B), call_kw on any model is SessionExpired', async (t) => {
  for (const role of ['public', 'guestA', 'guestB'] as Role[]) {
    for (const c of CASES) {
      for (const [method, args] of [['read', [[1]]], ['write', [[1], {}]], ['create', [{}]], ['unlink', [[1]]]] as const) {
        t.equal(outcome(await callKw(app, cookies[role] ?? '', c.model, method, [...args])), 'SessionExpiredException', `${role} ${c.model}.${method}`);
      }
    }
  }
});

for (const c of CASES) {
  t.test(`${c.model}: read, write, create, unlink per role`, async (t) => {
    for (const role of LOGGED_IN) {
      const expected = c.expect[role as keyof ModelCase['expect']];
      const id = await c.make();
      const cells: [string, () => Promise<RpcBody>][] = [
        ['read', () => callKw(app, cookies[role]!, c.model, 'read', [[id], ['display_name']])],
        ['write', () => callKw(app, cookies[role]!, c.model, 'write', [[id], c.write])],
        ['create', async () => callKw(app, cookies[role]!, c.model, 'create', [await c.create()])],
        ['unlink', async () => callKw(app, cookies[role]!, c.model, 'unlink', [[await c.make()]])],
      ];
      for (const [i, [op, run]] of cells.entries()) {
        const allowed = expected[i] !== '-';
        const got = outcome(await run());
        t.equal(got, allowed ? 'ok' : 'AccessError', `${role} ${op} ${c.model}`);
      }
    }
  });
}

t.test('contact details: only the company reads another customer\'s email and phone', async (t) => {
  for (const role of LOGGED_IN) {
    const body = await callKw(app, cookies[role]!, 'res.partner', 'search_read', [[['id', '=', customer]]], { fields: ['email', 'phone'] });
    const leaked = (body.result ?? []).some((p: { email?: string }) => p.email === 'other@customer.example');
    t.equal(leaked, role !== 'portal', `${role} ${role === 'portal' ? 'does not see' : 'sees'} them`);
  }
  const own = await callKw(app, cookies.portal!, 'res.partner', 'read', [[portal.partnerId], ['name']]);
  t.equal(own.result?.[0]?.name, 'portal_user', 'a portal user still reads its own partner');
});

// ------------------------------------------------------------------ routes

/** Calls a route as `role` (guests by their dgid cookie) and returns the outcome. */
const route = async (role: Role, url: string, params: Record<string, unknown>) => outcome((await jsonRpc(app, url, params, cookies[role])).body);

const ROUTES: { name: string; call: (role: Role) => Promise<string>; expect: Record<Role, string> }[] = [
  {
    name: 'post a message in session A',
    call: (r) => route(r, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: A.channelId, post_data: { body: `from ${r}`, message_type: 'comment' } }),
    expect: { public: 'NotFound', guestA: 'ok', guestB: 'NotFound', portal: 'NotFound', opOut: 'ok', opIn: 'ok', manager: 'ok', admin: 'ok' },
  },
  {
    name: 'read session A\'s messages',
    call: (r) => route(r, '/discuss/channel/messages', { channel_id: A.channelId, limit: 30 }),
    expect: { public: 'NotFound', guestA: 'ok', guestB: 'NotFound', portal: 'NotFound', opOut: 'ok', opIn: 'ok', manager: 'ok', admin: 'ok' },
  },
  {
    name: 'mark session A seen',
    call: (r) => route(r, '/discuss/channel/set_last_seen_message', { channel_id: A.channelId, last_message_id: aMessage!.id }),
    expect: { public: 'NotFound', guestA: 'ok', guestB: 'NotFound', portal: 'NotFound', opOut: 'ok', opIn: 'ok', manager: 'ok', admin: 'ok' },
  },
  {
    name: 'type in session A',
    call: (r) => route(r, '/discuss/channel/notify_typing', { channel_id: A.channelId, is_typing: true }),
    // only members type
    expect: { public: 'NotFound', guestA: 'ok', guestB: 'NotFound', portal: 'NotFound', opOut: 'NotFound', opIn: 'ok', manager: 'NotFound', admin: 'NotFound' },
  },
  {
    name: 'session A by guest_token (cookie-less twin)',
    call: (r) => {
      const token = r === 'guestA' ? A.guestToken : r === 'guestB' ? B.guestToken : `${A.guestId}|forged`;
      return route('public', '/im_livechat/cors/channel/messages', { guest_token: token, channel_id: A.channelId });
    },
    expect: { public: 'NotFound', guestA: 'ok', guestB: 'NotFound', portal: 'NotFound', opOut: 'NotFound', opIn: 'NotFound', manager: 'NotFound', admin: 'NotFound' },
  },
  {
    name: 'run /help in session A',
    call: async (r) => outcome(await callKw(app, cookies[r] ?? '', 'discuss.channel', 'execute_command_help', [[A.channelId]], { body: '/help' })),
    // only an internal member of the conversation runs commands
    expect: { public: 'SessionExpiredException', guestA: 'SessionExpiredException', guestB: 'SessionExpiredException', portal: 'AccessError', opOut: 'AccessError', opIn: 'ok', manager: 'AccessError', admin: 'AccessError' },
  },
];

for (const r of ROUTES) {
  t.test(`route: ${r.name}`, async (t) => {
    for (const role of ROLES) t.equal(await r.call(role), r.expect[role], `${role}`);
  });
}

t.test('what guest B can reach never names session A, its messages or its visitor', async (t) => {
  const secrets = [A.uuid, A.guestToken, 'A says hi', 'Visitor A'];
  const answers = [
    (await jsonRpc(app, '/mail/init_messaging', {}, B.cookie)).body,
    (await jsonRpc(app, '/discuss/channel/messages', { channel_id: B.channelId }, B.cookie)).body,
    (await jsonRpc(app, '/discuss/channel/info', { channel_id: A.channelId }, B.cookie)).body,
    (await jsonRpc(app, '/im_livechat/cors/init_messaging', { guest_token: B.guestToken }, undefined)).body,
  ];
  for (const a of answers) for (const s of secrets) t.notOk(JSON.stringify(a).includes(s), `no ${s}`);
  const transcripts = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM mail_mail`.execute(app.db)).rows[0]!.n);
  await jsonRpc(app, '/im_livechat/email_livechat_transcript', { uuid: 'not-a-uuid-of-mine', email: 'attacker@example.com' }, B.cookie);
  t.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM mail_mail`.execute(app.db)).rows[0]!.n), transcripts, 'no transcript without the session\'s uuid');
});

t.test('bus: who hears session A\'s messages, whatever they subscribe to', async (t) => {
  const sockets = new Map<Role, BusClient>();
  const last = await app.busService.bus.maxId();
  for (const role of ROLES) {
    const c = await connect(app, { cookie: cookies[role] });
    // everyone asks for session A and for guest A's own channel
    c.subscribe([`discuss.channel_${A.channelId}`, `mail.guest_${A.guestId}|forged`, 'odoo-presence-mail.guest_' + A.guestId], last);
    sockets.set(role, c);
  }
  await sleep(200);
  const { body } = await jsonRpc(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: A.channelId, post_data: { body: 'secret of A', message_type: 'comment' } }, A.cookie);
  const id = body.result.id;
  const hears = (c: BusClient) => c.notifications.some((n) => n.message.type === 'discuss.channel/new_message' && n.message.payload.message?.id === id);
  await sockets.get('opIn')!.until(() => hears(sockets.get('opIn')!), 'the operator to hear');
  await sockets.get('guestA')!.until(() => hears(sockets.get('guestA')!), 'guest A to hear');
  await sleep(300);
  // sockets hear the conversations they are members of: operators who are not (though they may read
  // the session over RPC) are not subscribed by asking (Odoo 17 also grants any readable channel asked for)
  const expected: Record<Role, boolean> = { public: false, guestA: true, guestB: false, portal: false, opOut: false, opIn: true, manager: false, admin: false };
  for (const role of ROLES) t.equal(hears(sockets.get(role)!), expected[role], `${role} ${expected[role] ? 'hears' : 'hears nothing'}`);
  for (const c of sockets.values()) await c.end();
});
