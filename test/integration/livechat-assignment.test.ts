import t from 'tap';
import { sql } from 'kysely';
import { getOperator, lessActiveOperator, type Operator, type RandomSource } from '../../src/livechat/assignment.js';
import { testApp } from '../helpers/app.js';
import { asRoot, clearPresence, clearSessions, countryId, createOperator, fakeSession, rpc, setPresence, type OperatorRef } from '../helpers/livechat.js';

const { app } = await testApp(t);
// the admin (operator of channel 1 by default) stays out of the way: a channel of our own
const { rows } = await sql<{ id: number }>`INSERT INTO im_livechat_channel (name) VALUES ('Assignment') RETURNING id`.execute(app.db);
const CH = rows[0]!.id;

const first: RandomSource = () => 0;
const last: RandomSource = () => 0.999;
const assign = (input: Parameters<typeof getOperator>[2] = {}, random: RandomSource = first) =>
  asRoot(app, (env) => getOperator(env, CH, input, random));

let belgian: OperatorRef; let french: OperatorRef; let dutch: OperatorRef; let american: OperatorRef;

t.before(async () => {
  belgian = await createOperator(app, { login: 'belgian', name: 'Bea', lang: 'fr_BE', country: 'BE', channelId: CH });
  french = await createOperator(app, { login: 'french', name: 'Fred', lang: 'fr_FR', country: 'FR', livechatLangs: ['nl_BE'], channelId: CH });
  dutch = await createOperator(app, { login: 'dutch', name: 'Dirk', lang: 'nl_NL', country: 'NL', channelId: CH });
  american = await createOperator(app, { login: 'american', name: 'Amy', lang: 'en_US', country: 'US', channelId: CH });
});

const everyoneOnline = async () => {
  for (const op of [belgian, french, dutch, american]) await setPresence(app, op.uid, 'online');
};
t.beforeEach(async () => { await clearSessions(app); await everyoneOnline(); });

t.test('no online operator: no operator', async (t) => {
  await clearPresence(app);
  t.equal(await assign(), null);
  // away and offline operators are not available either
  await setPresence(app, belgian.uid, 'away');
  await setPresence(app, french.uid, 'offline');
  t.equal(await assign({ lang: 'fr_BE' }), null);
  // an "online" row not polled for more than 65 s is a closed browser
  await setPresence(app, dutch.uid, 'online', 120);
  t.equal(await assign(), null);
});

t.test('away operators are skipped, even when they match best', async (t) => {
  await setPresence(app, belgian.uid, 'away');
  const a = await assign({ lang: 'fr_BE', countryId: await countryId(app, 'BE') });
  t.equal(a!.operator.userId, french.uid, 'the first of the three others (random source 0)');
  t.equal(a!.reason, 'no operator matched the visitor\'s language fr_BE or country; no active chat, picked at random among 3');
});

t.test('main language first', async (t) => {
  const a = await assign({ lang: 'fr_BE', countryId: await countryId(app, 'US') });
  t.equal(a!.operator.userId, belgian.uid);
  t.equal(a!.reason, 'main language fr_BE; no active chat');
});

t.test('then the additional live chat languages', async (t) => {
  const a = await assign({ lang: 'nl_BE' });
  t.equal(a!.operator.userId, french.uid, 'nl_BE is among Fred\'s livechat_lang_ids; Dirk speaks nl_NL');
  t.equal(a!.reason, 'additional language nl_BE; no active chat');
});

t.test('main language beats additional languages', async (t) => {
  const fien = await createOperator(app, { login: 'flemish', name: 'Fien', lang: 'nl_BE', channelId: CH });
  const a = await assign({ lang: 'nl_BE' });
  t.equal(a!.operator.userId, fien.uid);
  t.equal(a!.reason, 'main language nl_BE; no active chat');
  await sql`DELETE FROM im_livechat_channel_im_user WHERE channel_id = ${CH} AND user_id = ${a!.operator.userId}`.execute(app.db);
});

t.test('then the country', async (t) => {
  const a = await assign({ lang: 'de_DE', countryId: await countryId(app, 'NL') });
  t.equal(a!.operator.userId, dutch.uid);
  t.equal(a!.reason, 'country NL; no active chat');
  const none = await assign({ countryId: await countryId(app, 'JP') }, last);
  t.equal(none!.reason, 'no operator matched the visitor\'s country; no active chat, picked at random among 4');
});

t.test('then the least active operator', async (t) => {
  // Bea: 2 active chats, Fred: 1 active, Dirk: 1 closed chat with a message 10 minutes ago, Amy: 1
  // closed chat with a message an hour ago (no longer counts) and one from two days ago
  await fakeSession(app, belgian.partnerId);
  await fakeSession(app, belgian.partnerId);
  await fakeSession(app, french.partnerId);
  await fakeSession(app, dutch.partnerId, { active: false, messageMinutesAgo: 10 });
  await fakeSession(app, american.partnerId, { active: false, messageMinutesAgo: 60 });
  await fakeSession(app, american.partnerId, { active: true, createdHoursAgo: 48 });
  const a = await assign();
  t.equal(a!.operator.userId, american.uid, 'Amy has no active chat');
  t.equal(a!.reason, 'any available operator; no active chat');

  await fakeSession(app, american.partnerId);
  // now Fred, Dirk and Amy have one chat each, Bea two
  const tie1 = await assign({}, first);
  const tie2 = await assign({}, last);
  const tie3 = await assign({}, () => 0.5);
  t.same([tie1!.operator.userId, tie3!.operator.userId, tie2!.operator.userId], [french.uid, dutch.uid, american.uid], 'ties are broken by the random source');
  t.equal(tie1!.reason, 'any available operator; least active (1 active chat), picked at random among 3');

  // language and country choose among matching operators by load too
  const bert = await createOperator(app, { login: 'belgian2', name: 'Bert', lang: 'fr_BE', channelId: CH });
  const lang = await assign({ lang: 'fr_BE' });
  t.equal(lang!.operator.userId, bert.uid, 'Bert (idle) rather than Bea (2 chats)');
  t.equal(lang!.reason, 'main language fr_BE; no active chat');
  await fakeSession(app, bert.partnerId);
  await fakeSession(app, bert.partnerId);
  await fakeSession(app, bert.partnerId);
  const busy = await assign({ lang: 'fr_BE' });
  t.equal(busy!.operator.userId, belgian.uid, 'Bea (2 chats) rather than Bert (3)');
  t.equal(busy!.reason, 'main language fr_BE; least active (2 active chats)');
  await sql`DELETE FROM im_livechat_channel_im_user WHERE channel_id = ${CH} AND user_id = ${lang!.operator.userId}`.execute(app.db);
});

t.test('the previous operator comes first when available', async (t) => {
  await fakeSession(app, dutch.partnerId);
  await fakeSession(app, dutch.partnerId);
  await fakeSession(app, dutch.partnerId);
  const a = await assign({ previousOperatorId: dutch.partnerId, lang: 'fr_BE' });
  t.equal(a!.operator.userId, dutch.uid, 'even with 3 chats (nobody is in a call) and another language');
  t.equal(a!.reason, 'previous operator of the visitor (3 active chats)');
  await setPresence(app, dutch.uid, 'away');
  const b = await assign({ previousOperatorId: dutch.partnerId, lang: 'fr_BE' });
  t.equal(b!.operator.userId, belgian.uid, 'an away previous operator is skipped');
  const c = await assign({ previousOperatorId: 999999 });
  t.not(c, null, 'an unknown previous operator is ignored');
});

t.test('_get_less_active_operator with statuses (calls included)', async (t) => {
  const op = (partnerId: number): Operator => ({ userId: partnerId, partnerId, lang: null, livechatLangs: [], countryId: null, countryCode: null, name: `Operator ${partnerId}`, activeChats: 0 });
  const ops = [op(1), op(2), op(3)];
  t.equal(lessActiveOperator([], [], first), null);
  const statuses = [
    { partnerId: 2, count: 1, inCall: false },
    { partnerId: 1, count: 1, inCall: true },
    { partnerId: 3, count: 3, inCall: false },
  ];
  t.equal(lessActiveOperator(statuses, ops, first)!.operator.partnerId, 2, 'same count: not in a call wins');
  t.equal(lessActiveOperator(statuses, ops, last)!.operator.partnerId, 2, 'no tie, whatever the random source');
  t.equal(lessActiveOperator(statuses, [op(1), op(3)], first)!.operator.partnerId, 1);
  t.equal(lessActiveOperator(statuses, [op(3), op(4)], first)!.load, 'no active chat');
});

t.test('get_session records why the operator was chosen', async (t) => {
  const { body } = await rpc(app, '/im_livechat/get_session', { channel_id: CH, anonymous_name: 'Visitor', persisted: true },
    { cookie: 'frontend_lang=fr_BE', 'x-country-code': 'US' });
  t.notOk(body.error, JSON.stringify(body.error));
  const id = body.result.id;
  const { rows: [channel] } = await sql<{ livechat_operator_id: number; livechat_assignment_reason: string; country_id: number }>`
    SELECT livechat_operator_id, livechat_assignment_reason, country_id FROM discuss_channel WHERE id = ${id}`.execute(app.db);
  t.equal(channel!.livechat_operator_id, belgian.partnerId);
  t.equal(channel!.livechat_assignment_reason, 'main language fr_BE; no active chat');
  t.equal(channel!.country_id, await countryId(app, 'US'), 'the visitor country comes from the country header');

  // the browser language stands in for the frontend_lang cookie on external sites
  const viaBrowser = await rpc(app, '/im_livechat/get_session', { channel_id: CH, anonymous_name: 'Visitor', persisted: false },
    { 'accept-language': 'nl-be,nl;q=0.9' });
  t.equal(viaBrowser.body.result.operator_pid[0], french.partnerId);

  // and the previous operator cookie value arrives as a string
  const again = await rpc(app, '/im_livechat/get_session', { channel_id: CH, anonymous_name: 'Visitor', persisted: false, previous_operator_id: String(american.partnerId) });
  t.equal(again.body.result.operator_pid[0], american.partnerId);
});
