import t from 'tap';
import { sql } from 'kysely';
import { call, login, testApp, type RpcBody } from '../helpers/app.js';
import { BotVisitorClient, buildScript, type BuiltScript } from '../helpers/chatbot.js';
import { asRoot, clearPresence, createOperator, rpc, setPresence } from '../helpers/livechat.js';

const { app } = await testApp(t, { DEMO_DATA: 'true' });
const admin = await login(app);
const ref = (xmlid: string) => asRoot(app, (env) => env.ref(xmlid)) as Promise<number>;
const europe = await ref('sales_team.crm_team_1');
const care = await ref('helpdesk.helpdesk_team1');

// a live chat channel of its own, so that the Welcome Bot's rule does not interfere
const livechat = await asRoot(app, async (env) => (await env.model('im_livechat.channel').create([{ name: 'Bots' }]))[0]!);

/** Every step type, Sales and Support branches, a closing text for both. */
const allTypes = await buildScript(app, 'All Types Bot', [
  { key: 'hello', type: 'text', message: 'Hello!\nI am a bot.' },
  { key: 'topic', type: 'question_selection', message: 'Sales or support?', answers: ['Sales', 'Support', { name: 'Docs', redirect_link: 'https://example.com/docs' }] },
  { key: 'phone', type: 'question_phone', message: 'Your phone?', onlyIf: ['Sales'] },
  { key: 'need', type: 'free_input_single', message: 'What do you need?', onlyIf: ['Sales'] },
  { key: 'lead', type: 'create_lead', message: 'A salesman will call you.', onlyIf: ['Sales'], crmTeamId: europe },
  { key: 'describe', type: 'free_input_multi', message: 'Describe the problem.', onlyIf: ['Support'] },
  { key: 'email', type: 'question_email', message: 'Your email?', onlyIf: ['Support'] },
  { key: 'ticket', type: 'create_ticket', message: 'Ticket created.', onlyIf: ['Support'], helpdeskTeamId: care },
  { key: 'bye', type: 'text', message: 'Bye!' },
], { channelId: livechat });

type StepResult = { chatbot_posted_message: { id: number; body: string } | null; chatbot_step: { id: number; type: string; isLast: boolean; operatorFound: boolean } };

/**
 * Plays a session as the widget does: welcome steps, then for each question the answer `choices`
 * names, for each other waiting step the next of `inputs`, and a trigger after every step that does
 * not wait. Returns the ids of the steps played in order.
 */
async function play(session: BotVisitorClient, script: BuiltScript, choices: Record<string, string>, inputs: string[] = []): Promise<number[]> {
  const stepKey = Object.fromEntries(Object.entries(script.steps).map(([k, v]) => [v, k]));
  const welcome = await session.postWelcomeSteps();
  const played: number[] = (welcome.result as { chatbotStep: { id: number } }[]).map((m) => m.chatbotStep.id);
  let current: { step: StepResult['chatbot_step']; messageId: number } | null = {
    step: { id: played.at(-1)!, type: 'question_selection', isLast: false, operatorFound: false }, messageId: welcome.result.at(-1).id,
  };
  for (let guard = 0; current && guard < 50; guard++) {
    const { step, messageId } = current;
    let next: RpcBody;
    if (step.type === 'question_selection') {
      const label = choices[stepKey[step.id]!]!;
      next = await session.choose(messageId, script.answers[label]!, label);
    } else if (['question_phone', 'question_email', 'free_input_single', 'free_input_multi'].includes(step.type)) {
      await session.say(inputs.shift()!);
      if (step.type === 'free_input_multi') await session.say(inputs.shift()!);
      if (step.type === 'question_email') {
        const check = await session.validateEmail();
        if (!check.result.success) continue;
      }
      next = await session.trigger();
    } else {
      if (step.isLast || step.operatorFound) break;
      next = await session.trigger();
    }
    if (next.error) throw new Error(JSON.stringify(next.error));
    const result = next.result as StepResult | undefined;
    current = result ? { step: result.chatbot_step, messageId: result.chatbot_posted_message?.id ?? 0 } : null;
    if (result) played.push(result.chatbot_step.id);
  }
  return played;
}

const keysOf = (script: BuiltScript, ids: number[]) => ids.map((id) => Object.entries(script.steps).find(([, v]) => v === id)![0]);

t.test('every step type: phone, free input, lead on the Sales branch', async (t) => {
  const session = await BotVisitorClient.start(app, livechat, allTypes.id);
  const played = await play(session, allTypes, { topic: 'Sales' }, ['+32 470 12 34 56', 'Fifty desks & chairs']);
  t.same(keysOf(allTypes, played), ['hello', 'topic', 'phone', 'need', 'lead', 'bye']);
  const [lead] = await call(app, admin, 'crm.lead', 'search_read', [[['source_id', '=', allTypes.sourceId]]], {
    fields: ['name', 'email_from', 'phone', 'description', 'team_id', 'type', 'user_id', 'partner_id'],
  });
  t.match(lead, { name: "All Types Bot's New Lead", email_from: false, phone: '+32 470 12 34 56', type: 'lead', user_id: false, partner_id: false });
  t.equal(lead.team_id[0], europe, 'in the step\'s sales team (which works with leads)');
  t.match(lead.description, /^<p>Please call me on: <strong>\+32 470 12 34 56<\/strong><br><br>/, 'the contact line first');
  t.match(lead.description, /All Types Bot: Hello!\s*I am a bot\.<br>/, 'then the transcript, the bot by name');
  t.match(lead.description, /Visitor: Fifty desks &amp; chairs<br>/, 'the visitor under the session\'s anonymous name');
  const [script] = await call(app, admin, 'chatbot.script', 'read', [[allTypes.id], ['lead_count']]);
  t.equal(script.lead_count, 1, 'the script counts its leads');
  const { rows } = await sql<{ raw: string | null }>`SELECT cm.user_raw_answer AS raw FROM chatbot_message cm
    WHERE cm.discuss_channel_id = ${session.channelId} AND cm.user_raw_answer IS NOT NULL`.execute(app.db);
  t.same(rows.map((r) => r.raw), ['<p>+32 470 12 34 56</p>'], 'the phone is stored unvalidated; free input stays in the transcript');
});

t.test('every step type: multi-line input, email (with a retry), ticket on the Support branch', async (t) => {
  const session = await BotVisitorClient.start(app, livechat, allTypes.id);
  const played = await play(session, allTypes, { topic: 'Support' }, ['It broke.', 'Since yesterday.', 'nope', 'Ann@Example.org']);
  t.same(keysOf(allTypes, played), ['hello', 'topic', 'describe', 'email', 'email', 'ticket', 'bye'].filter((k, i, a) => a.indexOf(k) === i));
  const [ticket] = await call(app, admin, 'helpdesk.ticket', 'search_read', [[['source_id', '=', allTypes.sourceId]]], {
    fields: ['name', 'partner_id', 'partner_email', 'description', 'team_id'],
  });
  t.match(ticket, { name: "All Types Bot's Ticket", partner_email: 'Ann@Example.org' });
  t.equal(ticket.team_id[0], care);
  t.equal(ticket.partner_id[1], 'Ann@Example.org', 'a customer made from the email');
  t.match(ticket.description, /Please contact me on: <strong>Ann@Example\.org<\/strong><br><br>/);
  t.match(ticket.description, /Visitor: It broke\.<br>Visitor: Since yesterday\.<br>/, 'both lines of the multi-line answer');
  t.match(ticket.description, /All Types Bot: 'nope' does not look like a valid email/, 'the retry is in the transcript');
});

t.test('a redirect answer ends the script with its link', async (t) => {
  const session = await BotVisitorClient.start(app, livechat, allTypes.id);
  const welcome = await session.postWelcomeSteps();
  const question = welcome.result.at(-1);
  t.same(question.chatbotStep.answers.map((a: { redirectLink: string | false }) => a.redirectLink), [false, false, 'https://example.com/docs'], 'the link is given to the widget');
  const next = await session.choose(question.id, allTypes.answers.Docs!, 'Docs');
  t.match(next.result.chatbot_step, { id: allTypes.steps.bye }, 'no branch for Docs: the closing text');
});

t.test('a logged-in visitor is the lead\'s customer, and their missing email is filled in', async (t) => {
  const uid = await asRoot(app, async (env) => (await env.model('res.users').create([{ login: 'portal-bot', password: 'portal-bot', name: 'Petra Portal',
    groups_id: [[6, 0, [await env.ref('base.group_portal') as number]]] }]))[0]!);
  const cookie = await login(app, 'portal-bot', 'portal-bot');
  const emailBot = await buildScript(app, 'Email Lead Bot', [
    { key: 'email', type: 'question_email', message: 'Email?' },
    { key: 'lead', type: 'create_lead', message: 'Done.' },
  ], { channelId: livechat, sequence: 20 });
  const session = await BotVisitorClient.start(app, livechat, emailBot.id, cookie);
  t.equal(session.guestToken, null, 'no guest for a logged-in visitor');
  await session.postWelcomeSteps();
  await session.say('petra@example.com');
  t.equal((await session.validateEmail()).result.success, true);
  const done = await session.trigger();
  t.match(done.result.chatbot_step, { type: 'create_lead', isLast: true });
  const [partner] = await asRoot(app, (env) => env.model('res.users').read([uid], ['partner_id']));
  const partnerId = (partner!.partner_id as [number, string])[0];
  const [lead] = await call(app, admin, 'crm.lead', 'search_read', [[['source_id', '=', emailBot.sourceId]]], { fields: ['partner_id', 'email_from', 'name'] });
  t.equal(lead.partner_id[0], partnerId, 'the visitor is the customer');
  const [p] = await call(app, admin, 'res.partner', 'read', [[partnerId], ['email']]);
  t.equal(p.email, 'petra@example.com', 'their email, missing until now, is filled in');
});

t.test('Only If over the real routes: every combination of two questions, and the simulator agrees', async (t) => {
  const matrix = await buildScript(app, 'Matrix Bot', [
    { key: 'q1', type: 'question_selection', answers: ['A', 'B'] },
    { key: 'onlyA', type: 'text', onlyIf: ['A'] },
    { key: 'q2', type: 'question_selection', answers: ['C', 'D'] },
    { key: 'AandC', type: 'text', onlyIf: ['A', 'C'] },
    { key: 'anyD', type: 'text', onlyIf: ['A', 'B', 'D'] },
    { key: 'BandC', type: 'text', onlyIf: ['B', 'C'] },
    { key: 'end', type: 'text' },
  ], { channelId: livechat, sequence: 30 });
  const expected: Record<string, string[]> = {
    'A,C': ['q1', 'onlyA', 'q2', 'AandC', 'end'],
    'A,D': ['q1', 'onlyA', 'q2', 'anyD', 'end'],
    'B,C': ['q1', 'q2', 'BandC', 'end'],
    'B,D': ['q1', 'q2', 'anyD', 'end'],
  };
  for (const [combo, steps] of Object.entries(expected)) {
    const [first, second] = combo.split(',');
    const session = await BotVisitorClient.start(app, livechat, matrix.id);
    const played = await play(session, matrix, { q1: first!, q2: second! });
    t.same(keysOf(matrix, played), steps, `${combo} over the routes`);
    const simulated = await call(app, admin, 'chatbot.script', 'simulate', [[matrix.id], [first, second]]);
    const botSteps = simulated.transcript.filter((l: { author: string }) => l.author === 'bot').map((l: { step_id: number }) => l.step_id);
    t.same(keysOf(matrix, botSteps), steps, `${combo} in the simulator`);
    t.equal(simulated.ended, true);
  }
});

t.test('channel rules: "only if no operator", archived scripts, and a rule\'s own page', async (t) => {
  const channel = await asRoot(app, async (env) => (await env.model('im_livechat.channel').create([{ name: 'Rules' }]))[0]!);
  const fallback = await buildScript(app, 'Night Bot', [{ key: 'q', type: 'question_selection', answers: ['Hi'] }], { channelId: channel, onlyIfNoOperator: true, regexUrl: '/night' });
  const archived = await buildScript(app, 'Retired Bot', [{ key: 'q', type: 'question_selection', answers: ['Hi'] }], { channelId: channel, regexUrl: '/retired' });
  await asRoot(app, (env) => env.model('chatbot.script').write([archived.id], { active: false }));
  const init = (page: string) => rpc(app, '/im_livechat/init', { channel_id: channel }, { referer: `http://127.0.0.1:8069${page}` }).then((r) => r.body.result);

  await clearPresence(app);
  const nobody = await init('/night');
  t.equal(nobody.rule.chatbot?.scriptId, fallback.id, 'nobody online: the bot starts');
  t.equal(nobody.available_for_me.scriptId, fallback.id);
  const op = await createOperator(app, { login: 'rules-op', channelId: channel });
  const someone = await init('/night');
  t.notOk(someone.rule.chatbot, 'an operator online: the rule is passed over');
  t.equal(someone.available_for_me, true, 'and the visitor may chat with the operator');
  const retired = await init('/retired');
  t.same(retired.rule, {}, 'an archived script\'s rule is passed over');
  await setPresence(app, op.uid, 'offline');
  const session = await BotVisitorClient.start(app, channel, fallback.id);
  t.ok(session.uuid, 'a session with the night bot');
});

t.test('test mode: the author gets a session with the bot that behaves like a visitor\'s', async (t) => {
  const action = await call(app, admin, 'chatbot.script', 'action_test_script', [[allTypes.id]]);
  t.same(action, { type: 'ir.actions.act_url', url: `/chatbot/${allTypes.id}/test`, target: 'self' });
  const anonymous = await app.inject({ method: 'GET', url: action.url });
  t.equal(anonymous.statusCode, 303, 'a visitor is sent to the login page');
  t.equal(anonymous.headers.location, `/web/login?redirect=${encodeURIComponent(action.url)}`);
  const page = await app.inject({ method: 'GET', url: action.url, headers: { cookie: admin } });
  t.equal(page.statusCode, 200);
  t.match(page.body, /You are currently testing <b>All Types Bot<\/b>/);
  const options = JSON.parse(/<script type="application\/json" id="livechat_test_options">(.*)<\/script>/.exec(page.body)![1]!);
  t.match(options, { isTestChatbot: true, testChatbotData: { scriptId: allTypes.id, name: 'All Types Bot' }, current_partner_id: 3 });
  const channel = options.testChatbotChannelData;
  t.match(channel, { channel_type: 'livechat', name: 'All Types Bot', chatbot_script_id: allTypes.id, memberCount: 2 });
  const tester = new BotVisitorClient(app, allTypes.id, channel.id, channel.uuid, admin, null);
  const played = await play(tester, allTypes, { topic: 'Sales' }, ['555', 'A test']);
  t.same(keysOf(allTypes, played), ['hello', 'topic', 'phone', 'need', 'lead', 'bye']);
  const leads = await call(app, admin, 'crm.lead', 'search_read', [[['source_id', '=', allTypes.sourceId], ['partner_id', '=', 3]]], { fields: ['name'] });
  t.equal(leads.length, 1, 'the tester is the lead\'s customer');
  const again = await app.inject({ method: 'GET', url: action.url, headers: { cookie: admin } });
  t.equal(again.statusCode, 200);
  const [old] = await call(app, admin, 'discuss.channel', 'read', [[channel.id], ['livechat_active']]);
  t.equal(old.livechat_active, false, 'a new test closes the previous one');
  const missing = await app.inject({ method: 'GET', url: '/chatbot/999999/test', headers: { cookie: admin } });
  t.equal(missing.statusCode, 404);
});
