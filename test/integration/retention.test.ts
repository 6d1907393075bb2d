import t from 'tap';
import { sql } from 'kysely';
import { RETENTION_LOCK_KEY, runRetention, scrubContactDetails, scrubVisitorDetails } from '../../src/livechat/retention.js';
import { callKw, login, testApp } from '../helpers/app.js';
import { asRoot, createOperator, rpc, setCookies } from '../helpers/livechat.js';

/**
 * Live chat retention: per channel, conversations older than N days are anonymised (visitor
 * details gone, messages, counts and ratings kept) or deleted, by a dry run that changes nothing,
 * by the service's job (logged), once.
 */
const lines: string[] = [];
const { app } = await testApp(t, { LOG_LEVEL: 'info' }, { logger: true, logStream: { write: (l: string) => { lines.push(l); } } });
const admin = await login(app);
await createOperator(app, { login: 'op-retention', channelId: 1 });
const [deleteChannel] = await asRoot(app, (env) => env.model('im_livechat.channel').create([{ name: 'Short memory' }]));
await createOperator(app, { login: 'op-retention-2', channelId: deleteChannel! });

const EMAIL = 'alice.smith@example.com';
const PHONE = '+32 470 12 34 56';

/** A conversation as the widget makes one: page tracked, session, messages, rating, transcript email. */
async function conversation(channelId: number, name: string, opts: { tracked?: boolean } = {}) {
  const headers = { 'x-country-code': 'BE' };
  // a website visitor whose pages were tracked (its session is then named "Visitor #<id>")
  const tracked = opts.tracked ? (await rpc(app, '/im_livechat/visitor/track', { url: 'https://shop.example.com/cart', page_name: 'Cart' }, headers)).body.result : null;
  const opened = await rpc(app, '/im_livechat/get_session', { channel_id: channelId, anonymous_name: name, persisted: true, ...(tracked ? { visitor_token: tracked.visitor_token } : {}) }, headers);
  if (opened.body.error) throw new Error(JSON.stringify(opened.body.error));
  const session = opened.body.result;
  const cookie = `dgid=${setCookies(opened.res).dgid}`;
  const post = (body: string) => rpc(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: session.id, post_data: { body, message_type: 'comment' } }, { cookie });
  await post(`Hi, I am ${name}, mail me at ${EMAIL} or call ${PHONE}`);
  await post('My order is late');
  await rpc(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: session.id, post_data: { body: 'Let me check', message_type: 'comment' } }, { cookie: admin });
  await rpc(app, '/im_livechat/feedback', { uuid: session.uuid, rate: 5, reason: `Great, reach me at ${EMAIL}` }, { cookie });
  await rpc(app, '/im_livechat/email_livechat_transcript', { uuid: session.uuid, email: EMAIL }, { cookie });
  return { id: session.id as number, guestId: Number(session.guest_token.split('|')[0]), visitorId: tracked?.visitor_id as number | undefined };
}

/** Moves a conversation `days` into the past: its creation and every message. */
async function age(id: number, days: number) {
  await sql`UPDATE discuss_channel SET create_date = create_date - make_interval(days => ${days}) WHERE id = ${id}`.execute(app.db);
  await sql`UPDATE mail_message SET date = date - make_interval(days => ${days}) WHERE model = 'discuss.channel' AND res_id = ${id}`.execute(app.db);
}

const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(app.db)).rows[0]!.n;
const snapshot = async (id: number) => ({
  channel: (await sql<any>`SELECT name, anonymous_name, country_id, livechat_anonymized_at, livechat_visitor_id FROM discuss_channel WHERE id = ${id}`.execute(app.db)).rows[0],
  messages: (await sql<any>`SELECT id, body, email_from, record_name FROM mail_message WHERE model = 'discuss.channel' AND res_id = ${id} ORDER BY id`.execute(app.db)).rows,
  ratings: (await sql<any>`SELECT rating, feedback, res_name, consumed FROM rating_rating WHERE res_model = 'discuss.channel' AND res_id = ${id}`.execute(app.db)).rows,
  mails: await count(sql`SELECT count(*)::int AS n FROM mail_mail WHERE model = 'discuss.channel' AND res_id = ${id}`),
});

const old = await conversation(1, 'Alice Smith');
const oldTracked = await conversation(1, 'Dave', { tracked: true });
const recent = await conversation(1, 'Bob Recent', { tracked: true });
const doomed = await conversation(deleteChannel!, 'Carol Gone', { tracked: true });
await age(old.id, 40);
await age(oldTracked.id, 31);
await age(doomed.id, 10);

t.test('the retention settings of a live chat channel', async (t) => {
  const fields = (await callKw(app, admin, 'im_livechat.channel', 'fields_get', [['retention_days', 'retention_action']], { attributes: ['type', 'selection'] })).result;
  t.same(fields, {
    retention_days: { type: 'integer' },
    retention_action: { type: 'selection', selection: [['anonymize', 'Anonymize the visitor'], ['delete', 'Delete the conversation']] },
  });
  t.same((await callKw(app, admin, 'im_livechat.channel', 'read', [[1], ['retention_days', 'retention_action']])).result, [{ id: 1, retention_days: 0, retention_action: 'anonymize' }], 'kept forever by default');
  const negative = await callKw(app, admin, 'im_livechat.channel', 'write', [[1], { retention_days: -1 }]);
  t.equal(negative.error?.data.name, 'odoo.exceptions.ValidationError');
  t.match(negative.error?.data.message, /The retention period cannot be negative/);
  t.notOk((await callKw(app, admin, 'im_livechat.channel', 'write', [[1], { retention_days: 30 }])).error);
  t.notOk((await callKw(app, admin, 'im_livechat.channel', 'write', [[deleteChannel], { retention_days: 7, retention_action: 'delete' }])).error);
});

t.test('a dry run reports what would go and changes nothing', async (t) => {
  const before = [await snapshot(old.id), await snapshot(oldTracked.id), await snapshot(recent.id), await snapshot(doomed.id)];
  const report = await runRetention(app.database, { dryRun: true });
  t.equal(report.dry_run, true);
  t.match(report.channels, [
    { livechat_channel_id: 1, action: 'anonymize', retention_days: 30, conversations: 2, conversation_ids: [old.id, oldTracked.id], messages: 8, messages_scrubbed: 4, ratings: 2, transcript_emails: 2, guests: 2, website_visitors: 1 },
    { livechat_channel_id: deleteChannel, action: 'delete', retention_days: 7, conversations: 1, conversation_ids: [doomed.id], messages: 4, ratings: 1, transcript_emails: 1, guests: 1, website_visitors: 1 },
  ]);
  t.same([await snapshot(old.id), await snapshot(oldTracked.id), await snapshot(recent.id), await snapshot(doomed.id)], before, 'the database is as it was');
});

t.test('anonymize: the visitor is gone, the conversation, its messages and its rating stay', async (t) => {
  lines.length = 0;
  const messagesBefore = (await snapshot(old.id)).messages.length;
  const recentBefore = await snapshot(recent.id);
  const report = await app.runRetention();
  t.match(report.channels[0], { conversations: 2, conversation_ids: [old.id, oldTracked.id], messages: 8, guests: 2, website_visitors: 1 });

  const after = await snapshot(old.id);
  t.match(after.channel, { anonymous_name: 'Visitor', country_id: null });
  t.notMatch(after.channel!.name, /Alice/, `the conversation's name: ${after.channel!.name}`);
  t.ok(after.channel!.livechat_anonymized_at, 'marked anonymised');
  t.equal(after.messages.length, messagesBefore, 'every message kept');
  const text = JSON.stringify(after);
  for (const secret of [EMAIL, PHONE, 'Alice']) t.notOk(text.includes(secret), `no ${secret} left in the conversation`);
  t.match(after.messages.find((m: any) => String(m.body).includes('call'))!.body, /Hi, I am Visitor, mail me at \[email removed\] or call \[phone removed\]/);
  t.same(after.ratings.map((r: any) => [r.rating, r.consumed, r.feedback]), [[5, true, 'Great, reach me at [email removed]']], 'the rating is kept, its comment scrubbed');
  t.equal(after.mails, 0, 'the transcript email (the visitor\'s address) is gone');
  const { rows: [guest] } = await sql<any>`SELECT name, country_id, timezone FROM mail_guest WHERE id = ${old.guestId}`.execute(app.db);
  t.same(guest, { name: 'Visitor', country_id: null, timezone: null });
  const { rows: [visitor] } = await sql<any>`SELECT country_id, partner_id, (SELECT count(*)::int FROM website_track WHERE visitor_id = v.id) AS pages FROM website_visitor v WHERE id = ${oldTracked.visitorId}`.execute(app.db);
  t.same(visitor, { country_id: null, partner_id: null, pages: 0 }, 'the website visitor keeps no country and no page');
  t.match((await snapshot(oldTracked.id)).channel, { livechat_visitor_id: oldTracked.visitorId, country_id: null, livechat_anonymized_at: String });
  t.same(await snapshot(recent.id), recentBefore, 'a conversation within the period is untouched');
  const { result: [channel] } = await callKw(app, admin, 'im_livechat.channel', 'read', [[1], ['nbr_channel', 'rating_count']]);
  t.match(channel, { nbr_channel: 3, rating_count: 3 }, 'conversation and rating counts are kept');

  const logged = lines.map((l) => JSON.parse(l)).filter((e) => e.job === 'retention');
  t.match(logged, [
    { level: 30, msg: /^retention: YourWebsite.com \(#1, 30 days\): anonymized 2 conversations/, retention: { livechat_channel_id: 1, conversations: 2, guests: 2 }, conversation_ids: [old.id, oldTracked.id] },
    { msg: /^retention: Short memory .*: deleted 1 conversations; 4 messages, 1 ratings/, conversation_ids: [doomed.id] },
  ], 'each run is logged, channel by channel, with what it removed');

  const again = await app.runRetention();
  t.same(again.channels.map((c) => c.conversations), [0, 0], 'a second run finds nothing left to do');
});

t.test('delete: the conversation goes with its messages, ratings, guest and website visitor', async (t) => {
  t.equal(await count(sql`SELECT count(*)::int AS n FROM discuss_channel WHERE id = ${doomed.id}`), 0);
  t.equal(await count(sql`SELECT count(*)::int AS n FROM mail_message WHERE model = 'discuss.channel' AND res_id = ${doomed.id}`), 0);
  t.equal(await count(sql`SELECT count(*)::int AS n FROM rating_rating WHERE res_model = 'discuss.channel' AND res_id = ${doomed.id}`), 0);
  t.equal(await count(sql`SELECT count(*)::int AS n FROM mail_guest WHERE id = ${doomed.guestId}`), 0);
  t.equal(await count(sql`SELECT count(*)::int AS n FROM website_visitor WHERE id = ${doomed.visitorId}`), 0);
});

// on PostgreSQL two calls may well run one after the other (each gets its own connection): the
// advisory lock test below holds the lock from another connection instead
t.test('one run at a time in a process (embedded database)', { skip: app.database.kind === 'pg' && 'PGlite only' }, async (t) => {
  const [a, b] = await Promise.all([runRetention(app.database), runRetention(app.database)]);
  t.same([a.skipped, b.skipped].sort(), [false, true], 'the second concurrent run is skipped');
});

t.test('on PostgreSQL, an advisory lock keeps retention to one instance at a time', { skip: app.database.kind !== 'pg' && 'PostgreSQL only' }, async (t) => {
  // another instance holding the lock, on its own connection
  const other = await app.database.pool!.connect();
  t.teardown(() => other.release());
  await other.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK_KEY]);
  t.same(await runRetention(app.database), { dry_run: false, skipped: true, channels: [] }, 'skipped while another holds the lock');
  await other.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
  t.equal((await runRetention(app.database)).skipped, false, 'runs once it is free');
  const { rows } = await other.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`, [RETENTION_LOCK_KEY]);
  t.equal(rows[0].n, 0, 'and releases it');
});

t.test('scrubbing contact details', async (t) => {
  t.equal(scrubContactDetails('write to john.doe+chat@mail.example.co.uk!'), 'write to [email removed]!');
  t.equal(scrubContactDetails('call 0470/12.34.56 or (02) 555-12-34, +1 (555) 123-4567 or 0032 2 555 12 34'),
    'call [phone removed] or [phone removed], [phone removed] or [phone removed]');
  t.equal(scrubContactDetails('order 12345: 3 items, 199.99 EUR, on 2024-01-15, see https://shop.example.com/p/12345678'),
    'order 12345: 3 items, 199.99 EUR, on 2024-01-15, see https://shop.example.com/p/12345678', 'short numbers, dates and URLs stay');
  t.equal(scrubVisitorDetails('<p>Hello, Jean-Luc Picard here. Jean-luc, yes; picardie stays</p>', ['Jean-Luc Picard', 'Visitor #12']),
    '<p>Hello, Visitor here. Visitor, yes; picardie stays</p>', 'the visitor\'s names, whole words in any case');
  t.equal(scrubVisitorDetails('a Visitor #3 wrote', ['Visitor #3', 'Visitor', '']), 'a Visitor #3 wrote', 'generic names are no names');
});
