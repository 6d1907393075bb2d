import t from 'tap';
import { sql } from 'kysely';
import { call, login, testApp } from '../helpers/app.js';
import { BotVisitorClient, buildScript } from '../helpers/chatbot.js';
import { asRoot, clearPresence, createOperator, rpc } from '../helpers/livechat.js';
import { lastBusId, openSocket, sample, shape } from '../helpers/mail.js';

// the Welcome Bot plays on YourWebsite.com (channel 1) for '/contactus' pages
const { app } = await testApp(t, { DEMO_DATA: 'true' });
const admin = await login(app);
const welcomeBot = await asRoot(app, (env) => env.ref('im_livechat.chatbot_script_welcome_bot')) as number;
const ref = (xmlid: string) => asRoot(app, (env) => env.ref(xmlid)) as Promise<number>;
const answerIds = {
  pricing: await ref('im_livechat.chatbot_script_welcome_step_dispatch_answer_pricing'),
  documentation: await ref('im_livechat.chatbot_script_welcome_step_dispatch_answer_documentation'),
  justLooking: await ref('im_livechat.chatbot_script_welcome_step_dispatch_answer_just_looking'),
};
const stepId = (name: string) => ref(`im_livechat.chatbot_script_welcome_step_${name}`);

async function botMessages(channelId: number): Promise<{ id: number; body: string; author_id: number | null }[]> {
  const { rows } = await sql<{ id: number; body: string; author_id: number | null }>`SELECT id, body, author_id FROM mail_message
    WHERE model = 'discuss.channel' AND res_id = ${channelId} ORDER BY id`.execute(app.db);
  return rows;
}
const currentStep = async (channelId: number) => (await sql<{ s: number | null }>`SELECT chatbot_current_step_id AS s FROM discuss_channel WHERE id = ${channelId}`.execute(app.db)).rows[0]!.s;

t.beforeEach(async () => { await clearPresence(app); });

t.test('init: a chatbot rule ships the script and its welcome steps, as recorded', async (t) => {
  const s = sample('08_im_livechat_init_chatbot_rule.json');
  const { body } = await rpc(app, '/im_livechat/init', { channel_id: 1 }, { referer: 'http://127.0.0.1:8069/contactus' });
  t.same(shape(body.result), shape(s.response.body.result), 'the recorded shape');
  const chatbot = body.result.rule.chatbot;
  const { chatbot: _recorded, ...recordedRule } = s.response.body.result.rule;
  const { chatbot: _ours, ...ourRule } = body.result.rule;
  t.same(ourRule, recordedRule, 'the demo rule as recorded: auto popup after 2 s on /contactus');
  t.match(chatbot, { scriptId: welcomeBot, name: 'Welcome Bot' });
  t.same(chatbot.welcomeSteps.map((w: { message: string }) => w.message), ['<p>Welcome to CompanyName! 👋</p>', '<p>What are you looking for?</p>']);
  t.same(chatbot.welcomeSteps[1].answers.map((a: { label: string }) => a.label), s.response.body.result.rule.chatbot.welcomeSteps[1].answers.map((a: { label: string }) => a.label));
  t.equal(chatbot.welcomeSteps[1].answers[1].redirectLink, '/');
  t.same(body.result.available_for_me, chatbot, 'available_for_me is the chatbot itself, even with nobody online');
  const other = await rpc(app, '/im_livechat/init', { channel_id: 1 }, { referer: 'http://127.0.0.1:8069/shop' });
  t.notOk(other.body.result.rule.chatbot, 'no chatbot on other pages');
});

t.test('the Welcome Bot over the real routes and the bus: welcome steps, an answer, the next step, the end', async (t) => {
  const session = await BotVisitorClient.start(app, 1, welcomeBot);
  const persisted = await rpc(app, '/im_livechat/get_session', { channel_id: 1, anonymous_name: 'Visitor', chatbot_script_id: welcomeBot, persisted: true });
  t.same(shape(persisted.body.result), shape(sample('08_im_livechat_get_session_chatbot.json').response.body.result), 'get_session answers the recorded shape');
  t.match(persisted.body.result, { name: 'Welcome Bot', chatbot_script_id: welcomeBot, memberCount: 2, operator_pid: [Number, 'Welcome Bot'] });
  const bot = persisted.body.result.channelMembers[0][1].find((m: { persona: { is_bot?: boolean } }) => m.persona.is_bot);
  t.match(bot.persona, { active: false, is_bot: true, name: 'Welcome Bot', type: 'partner' }, 'the bot is a member');
  t.equal(await currentStep(session.channelId), await stepId('dispatch'), 'the current step is the last welcome step');

  const socket = await openSocket(app, session.cookie);
  t.teardown(() => socket.close());
  socket.subscribe(await lastBusId(app), [`mail.guest_${session.guestToken}`]);

  const welcome = await session.postWelcomeSteps();
  const s = sample('08_chatbot_post_welcome_steps.json');
  t.same(shape(welcome.result), shape(s.response.body.result), 'post_welcome_steps answers the recorded shape');
  t.same(welcome.result.map((m: { body: string }) => m.body), ['<p>Welcome to CompanyName! 👋</p>', '<p>What are you looking for?</p>']);
  t.same(welcome.result[1].chatbotStep, { id: await stepId('dispatch'), answers: s.response.body.result[1].chatbotStep.answers.map((a: { label: string; redirectLink: string | false }, i: number) => ({ ...a, id: Object.values(answerIds)[i] })), selectedAnswerId: false });
  t.same(welcome.result[0].chatbotStep, { id: await stepId('welcome'), answers: [], selectedAnswerId: false });
  const question = welcome.result[1].id as number;
  const frame = await socket.waitFor((f) => f.message.type === 'discuss.channel/new_message' && f.message.payload.message.id === question, 'the question on the bus');
  t.same(frame.message.payload.message.chatbotStep.id, await stepId('dispatch'), 'the bus carries the step too');
  t.notOk(socket.received.some((f) => f.message.type === 'mail.record/insert' && f.message.payload.ChannelMember), 'bot messages are not marked seen for anyone');

  const answer = await session.say('I am just looking around');
  t.notOk('chatbotStep' in answer.result, 'the visitor\'s message has no chatbotStep');
  const { temporary_id: _temporary, ...recordedPost } = sample('08_mail_message_post_chatbot_answer.json').response.body.result;
  t.same(shape(answer.result), shape(recordedPost), 'the visitor\'s post answers the recorded shape');
  const saved = await session.saveAnswer(question, answerIds.justLooking);
  t.same(saved, { jsonrpc: '2.0', id: 1 }, 'answer/save returns nothing');
  const next = await session.trigger();
  t.same(shape(next.result), shape(sample('08_chatbot_step_trigger.json').response.body.result), 'step/trigger answers the recorded shape');
  t.match(next.result.chatbot_step, { operatorFound: false, id: await stepId('just_looking'), answers: [], isLast: true, message: '<p>Please do! If there is anything we can help with, let us know</p>', type: 'text' });
  t.equal(next.result.chatbot_posted_message.body, '<p>Please do! If there is anything we can help with, let us know</p>');
  await socket.waitFor((f) => f.message.type === 'discuss.channel/new_message' && f.message.payload.message.id === next.result.chatbot_posted_message.id, 'the next step on the bus');
  const end = await session.trigger();
  t.same(end, { jsonrpc: '2.0', id: 1 }, 'the end of the script: null');

  // the chosen answer is remembered on the question's message
  const { body: history } = await rpc(app, '/discuss/channel/messages', { channel_id: session.channelId, limit: 30 }, { cookie: session.cookie });
  const asked = history.result.messages.find((m: { id: number }) => m.id === question);
  t.equal(asked.chatbotStep.selectedAnswerId, answerIds.justLooking, 'selectedAnswerId once saved');
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM chatbot_message WHERE discuss_channel_id = ${session.channelId}`.execute(app.db);
  t.equal(rows[0]!.n, 4, 'a chatbot.message per message posted while a step was current (3 by the bot, 1 by the visitor)');
});

t.test('pricing, nobody online: the forward passes, the bot asks for an email, refuses a bad one, stores the good one', async (t) => {
  const session = await BotVisitorClient.start(app, 1, welcomeBot);
  const welcome = await session.postWelcomeSteps();
  const question = welcome.result[1].id as number;
  const first = await session.choose(question, answerIds.pricing, 'I have a pricing question');
  t.match(first.result.chatbot_step, { id: await stepId('pricing'), isLast: false, type: 'text' });
  const forward = await session.trigger();
  t.match(forward.result, { chatbot_posted_message: null, chatbot_step: { id: await stepId('pricing_forward_operator'), type: 'forward_operator', operatorFound: false, isLast: false, message: false } });
  const sorry = await session.trigger();
  t.match(sorry.result.chatbot_step, { id: await stepId('pricing_noone_available'), type: 'text' });
  const ask = await session.trigger();
  t.match(ask.result.chatbot_step, { id: await stepId('pricing_email'), type: 'question_email', isLast: true });

  await session.say('not an email');
  const bad = await session.validateEmail();
  const retry = "'not an email' does not look like a valid email. Can you please try again?";
  t.match(bad.result, { success: false, error_message: retry });
  t.equal(bad.result.posted_message.body, "<p>'not an email' does not look like a valid email. Can you please try again?</p>", 'the bot says so (stored sanitized, as lxml writes it)');
  t.equal(await currentStep(session.channelId), await stepId('pricing_email'), 'the step keeps waiting');
  const strict = await session.trigger();
  t.equal(strict.error?.data.name, 'odoo.exceptions.ValidationError', 'triggering past a bad email is refused');
  t.equal(strict.error?.data.message, '"not an email" is not a valid email.');

  await session.say('Jane.Doe@Example.com');
  const good = await session.validateEmail();
  t.same(good.result, { success: true, posted_message: false, error_message: false });
  const done = await session.trigger();
  t.notOk(done.result, 'nothing follows the email: the script ends');
  const { rows } = await sql<{ raw: string | null }>`SELECT cm.user_raw_answer AS raw FROM chatbot_message cm
    WHERE cm.discuss_channel_id = ${session.channelId} AND cm.script_step_id = ${await stepId('pricing_email')} ORDER BY cm.id DESC LIMIT 1`.execute(app.db);
  t.equal(rows[0]!.raw, '<p>Jane.Doe@Example.com</p>', 'the raw answer is kept');
});

t.test('pricing with an operator online: the operator joins, hears of the session, and the script hands over', async (t) => {
  const op = await createOperator(app, { login: 'bot-op', name: 'Bob Operator', livechatUsername: 'Bob' });
  const opCookie = await login(app, 'bot-op', 'bot-op').catch(async () => {
    await asRoot(app, (env) => env.model('res.users').write([op.uid], { password: 'bot-op' }));
    return login(app, 'bot-op', 'bot-op');
  });
  const operatorSocket = await openSocket(app, opCookie);
  t.teardown(() => operatorSocket.close());
  operatorSocket.subscribe(await lastBusId(app));
  const session = await BotVisitorClient.start(app, 1, welcomeBot);
  t.notOk(operatorSocket.received.length, 'a bot session is not announced to operators');
  const welcome = await session.postWelcomeSteps();
  await session.choose(welcome.result[1].id, answerIds.pricing, 'I have a pricing question');
  const forward = await session.trigger();
  t.match(forward.result.chatbot_step, { type: 'forward_operator', operatorFound: true });
  t.equal(forward.result.chatbot_posted_message, null, 'the forward step has no text of its own');
  const joined = await operatorSocket.waitFor((f) => f.message.type === 'discuss.channel/joined', 'the operator joins');
  t.equal(joined.message.payload.open_chat_window, true, 'with the chat window opened');
  await operatorSocket.waitFor((f) => f.message.type === 'mail.record/insert' && f.message.payload.Thread?.id === session.channelId && 'channelMembers' in f.message.payload.Thread, 'the session info');
  const messages = await botMessages(session.channelId);
  t.equal(messages.at(-1)!.body, '<div class="o_mail_notification">Bob has joined</div>', 'the bot announces the operator');
  const [channel] = await call(app, admin, 'discuss.channel', 'read', [[session.channelId], ['name', 'livechat_operator_id']]);
  t.equal(channel.name, 'Visitor Bob', 'the session is renamed after visitor and operator');
  t.equal(channel.livechat_operator_id[1], 'Welcome Bot', 'the bot stays the session\'s operator, as in Odoo');
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM discuss_channel_member WHERE channel_id = ${session.channelId}`.execute(app.db);
  t.equal(rows[0]!.n, 3);
});

t.test('restart: the answers are forgotten and the script starts again from its first step', async (t) => {
  const session = await BotVisitorClient.start(app, 1, welcomeBot);
  const welcome = await session.postWelcomeSteps();
  await session.choose(welcome.result[1].id, answerIds.justLooking, 'I am just looking around');
  const restarted = await session.restart();
  t.equal(restarted.result.body, '<div class="o_mail_notification">Restarting conversation...</div>');
  t.notOk('chatbotStep' in restarted.result, 'said outside any step');
  t.equal(await currentStep(session.channelId), null);
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM chatbot_message WHERE discuss_channel_id = ${session.channelId}`.execute(app.db);
  t.equal(rows[0]!.n, 0, 'the chatbot messages are gone');
  const first = await session.trigger();
  t.match(first.result.chatbot_step, { id: await stepId('welcome'), type: 'text', isLast: false });
  const second = await session.trigger();
  t.match(second.result.chatbot_step, { id: await stepId('dispatch'), type: 'question_selection', isLast: false });
  const again = await session.choose(second.result.chatbot_posted_message.id, answerIds.documentation, 'I am looking for your documentation');
  t.match(again.result.chatbot_step, { id: await stepId('documentation_redirect') }, 'the new answer decides, the old one is forgotten');
});

t.test('chatbot routes refuse what is not theirs', async (t) => {
  const session = await BotVisitorClient.start(app, 1, welcomeBot);
  const other = await buildScript(app, 'Other Bot', [{ key: 'hello', type: 'text' }]);
  const restart = await rpc(app, '/chatbot/restart', { channel_uuid: session.uuid, chatbot_script_id: other.id });
  t.notOk(restart.body.result, 'another script cannot speak in the session');
  const unknown = await rpc(app, '/chatbot/step/trigger', { channel_uuid: 'no-such-uuid' });
  t.notOk(unknown.body.result, 'an unknown uuid: null');
  const { rows } = await sql<{ uuid: string }>`SELECT uuid FROM discuss_channel WHERE channel_type = 'channel' LIMIT 1`.execute(app.db);
  if (rows[0]) {
    const channel = await rpc(app, '/chatbot/restart', { channel_uuid: rows[0].uuid, chatbot_script_id: welcomeBot });
    t.notOk(channel.body.result, 'a uuid of a plain channel: null');
  }
  const missing = await rpc(app, '/chatbot/step/trigger', {});
  t.equal(missing.body.error?.data.message, "LivechatChatbotScriptController.chatbot_trigger_step() missing 1 required positional argument: 'channel_uuid'");
  const welcome = await session.postWelcomeSteps();
  await session.say('I have a pricing question');
  await session.saveAnswer(welcome.result[1].id, other.answers.x ?? 999999);
  await session.saveAnswer(welcome.result[0].id, answerIds.pricing);
  const { rows: saved } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM chatbot_message WHERE discuss_channel_id = ${session.channelId} AND user_script_answer_id IS NOT NULL`.execute(app.db);
  t.equal(saved[0]!.n, 0, 'an answer is only saved on a message of its own question');
  const offRules = await rpc(app, '/im_livechat/get_session', { channel_id: 1, anonymous_name: 'Visitor', chatbot_script_id: other.id, persisted: true });
  t.equal(offRules.body.result, false, 'get_session refuses a script no rule of the channel plays');
  const preview = await rpc(app, '/im_livechat/get_session', { channel_id: 1, anonymous_name: 'Visitor', chatbot_script_id: welcomeBot, persisted: false });
  t.same(preview.body.result, {
    name: 'Welcome Bot', chatbot_current_step_id: await stepId('dispatch'), state: 'open',
    operator_pid: [preview.body.result.operator_pid[0], 'Welcome Bot'], chatbot_script_id: welcomeBot,
  }, 'a session not persisted yet describes the bot');
});
