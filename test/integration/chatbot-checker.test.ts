import t from 'tap';
import { call, callKw, login, testApp } from '../helpers/app.js';
import { buildScript } from '../helpers/chatbot.js';
import { asRoot } from '../helpers/livechat.js';

const { app } = await testApp(t, { DEMO_DATA: 'true' });
const admin = await login(app);
const welcomeBot = await asRoot(app, (env) => env.ref('im_livechat.chatbot_script_welcome_bot')) as number;

interface Problem { script_id: number; step_id: number | false; answer_id: number | false; code: string; severity: string; message: string }
const check = (id: number): Promise<Problem[]> => call(app, admin, 'chatbot.script', 'check_script', [[id]]);
const codes = (problems: Problem[]) => problems.map((p) => p.code);

t.test('sound scripts: the Welcome Bot and a script using every step type have no problem', async (t) => {
  t.same(await check(welcomeBot), []);
  const clean = await buildScript(app, 'Clean Bot', [
    { key: 'hello', type: 'text' },
    { key: 'topic', type: 'question_selection', answers: ['Sales', 'Support', 'Human'] },
    { key: 'phone', type: 'question_phone', onlyIf: ['Sales'] },
    { key: 'lead', type: 'create_lead', onlyIf: ['Sales'] },
    { key: 'describe', type: 'free_input_multi', onlyIf: ['Support'] },
    { key: 'email', type: 'question_email', onlyIf: ['Support'] },
    { key: 'ticket', type: 'create_ticket', onlyIf: ['Support'] },
    { key: 'forward', type: 'forward_operator', message: false, onlyIf: ['Human'] },
    { key: 'sorry', type: 'free_input_single', onlyIf: ['Human'] },
    { key: 'bye', type: 'text' },
  ]);
  t.same(await check(clean.id), []);
});

t.test('each kind of problem is found, with the step (and answer) it concerns', async (t) => {
  const deadEnd = await buildScript(app, 'Dead End Bot', [
    { key: 'q', type: 'question_selection', answers: ['Yes', 'No'] },
    { key: 'yes', type: 'text', onlyIf: ['Yes'] },
  ]);
  const found = await check(deadEnd.id);
  t.same(codes(found), ['dead_end_answer']);
  t.match(found[0], { step_id: deadEnd.steps.q, answer_id: deadEnd.answers.No, severity: 'error', message: /No step follows the answer "No"/ });

  const impossible = await buildScript(app, 'Impossible Bot', [
    { key: 'q1', type: 'question_selection', answers: ['A', 'B'] },
    { key: 'q2', type: 'question_selection', answers: ['C'], onlyIf: ['A'] },
    { key: 'never', type: 'text', onlyIf: ['B', 'C'] },
    { key: 'end', type: 'text' },
  ]);
  t.same(codes(await check(impossible.id)), ['impossible_condition']);
  t.equal((await check(impossible.id))[0]!.step_id, impossible.steps.never);

  const later = await buildScript(app, 'Later Answer Bot', [
    { key: 'early', type: 'text' },
    { key: 'q', type: 'question_selection', answers: ['Go'] },
    { key: 'end', type: 'text' },
  ]);
  await asRoot(app, (env) => env.model('chatbot.script.step').write([later.steps.early!], { triggering_answer_ids: [[6, 0, [later.answers.Go]]] }));
  const laterProblems = await check(later.id);
  t.ok(codes(laterProblems).includes('condition_later_answer'), 'an Only If answer of a later question');
  t.ok(codes(laterProblems).includes('welcome_step_condition'), 'and a welcome step with a condition, which is ignored');

  const foreign = await buildScript(app, 'Foreign Bot', [{ key: 'q', type: 'question_selection', answers: ['Ok'] }, { key: 'end', type: 'text' }]);
  await asRoot(app, (env) => env.model('chatbot.script.step').write([foreign.steps.end!], { triggering_answer_ids: [[6, 0, [deadEnd.answers.Yes]]] }));
  t.same(codes(await check(foreign.id)), ['dead_end_answer', 'condition_other_script'], 'the step never shows, so "Ok" leads nowhere');

  const mute = await buildScript(app, 'Mute Bot', [
    { key: 'hello', type: 'text' },
    { key: 'q', type: 'question_selection', answers: [] },
    { key: 'after', type: 'text' },
  ]);
  t.same(codes(await check(mute.id)), ['question_without_answers', 'unreachable_step']);

  const abrupt = await buildScript(app, 'Abrupt Bot', [
    { key: 'q', type: 'question_selection', answers: ['Human'] },
    { key: 'forward', type: 'forward_operator', message: false },
  ]);
  t.same(codes(await check(abrupt.id)), ['forward_without_fallback']);

  const forwardFirst = await buildScript(app, 'Forward First Bot', [
    { key: 'hello', type: 'text' },
    { key: 'forward', type: 'forward_operator', message: false },
    { key: 'email', type: 'question_email' },
  ]);
  const [script] = await call(app, admin, 'chatbot.script', 'read', [[forwardFirst.id], ['first_step_warning']]);
  t.equal(script.first_step_warning, 'first_step_operator', 'Odoo\'s own warning agrees');
  t.same(codes(await check(forwardFirst.id)), ['first_step_operator']);

  const monologue = await buildScript(app, 'Monologue Bot', [{ key: 'a', type: 'text' }, { key: 'b', type: 'text', message: '' }]);
  t.same(codes(await check(monologue.id)), ['first_step_invalid', 'empty_message']);

  const empty = await buildScript(app, 'Empty Bot', []);
  t.same(codes(await check(empty.id)), ['no_steps']);

  const all = await call(app, admin, 'chatbot.script', 'check_script', [[deadEnd.id, abrupt.id]]);
  t.same(all.map((p: Problem) => [p.script_id, p.code]), [[deadEnd.id, 'dead_end_answer'], [abrupt.id, 'forward_without_fallback']], 'several scripts at once');
});

t.test('simulate: the Welcome Bot on a list of inputs, writing nothing', async (t) => {
  const before = await call(app, admin, 'mail.message', 'search_count', [[]]);
  const sim = await call(app, admin, 'chatbot.script', 'simulate', [[welcomeBot], ['I have a pricing question', 'not-an-email', 'me@example.com']]);
  t.same(sim.transcript.map((l: { author: string; body: string }) => `${l.author}: ${l.body}`), [
    'bot: <p>Welcome to CompanyName! 👋</p>',
    'bot: <p>What are you looking for?</p>',
    'visitor: <p>I have a pricing question</p>',
    'bot: <p>Hmmm, let me check if I can find someone that could help you with that...</p>',
    'bot: <p>Hu-ho, it looks like none of our operators are available 🙁</p>',
    'bot: <p>Would you mind leaving your email address so that we can reach you back?</p>',
    'visitor: <p>not-an-email</p>',
    "bot: <p>&#39;not-an-email&#39; does not look like a valid email. Can you please try again?</p>",
    'visitor: <p>me@example.com</p>',
  ]);
  t.match(sim, { ended: true, operator_found: false, waiting_step_id: false, records: [], unused_inputs: [], error: false });
  t.equal(await call(app, admin, 'mail.message', 'search_count', [[]]), before, 'nothing was written');

  const human = await call(app, admin, 'chatbot.script', 'simulate', [[welcomeBot], ['I have a pricing question']], { operator_available: true });
  t.match(human, { ended: true, operator_found: true });
  const waiting = await call(app, admin, 'chatbot.script', 'simulate', [[welcomeBot], []]);
  t.match(waiting, { ended: false, waiting_step_id: await asRoot(app, (env) => env.ref('im_livechat.chatbot_script_welcome_step_dispatch')) });
  const wrong = await call(app, admin, 'chatbot.script', 'simulate', [[welcomeBot], ['Pizza', 'me@example.com']]);
  t.match(wrong, { ended: false, error: /"Pizza" is not an answer of "What are you looking for\?"/, unused_inputs: ['Pizza', 'me@example.com'] });
  const byId = await call(app, admin, 'chatbot.script', 'simulate', [[welcomeBot], [await asRoot(app, (env) => env.ref('im_livechat.chatbot_script_welcome_step_dispatch_answer_just_looking'))]]);
  t.match(byId, { ended: true, error: false }, 'an answer may be given by id');
});

t.test('the checker is for live chat users only', async (t) => {
  await asRoot(app, (env) => env.model('res.users').create([{ login: 'plain', password: 'plain', name: 'Plain User' }]));
  const plain = await login(app, 'plain', 'plain');
  const denied = await callKw(app, plain, 'chatbot.script', 'check_script', [[welcomeBot]]);
  t.equal(denied.error?.data.name, 'odoo.exceptions.AccessError');
  const many = await callKw(app, admin, 'chatbot.script', 'simulate', [[welcomeBot, welcomeBot + 1000], []]);
  t.equal(many.error?.data.name, 'builtins.ValueError', 'simulate runs one script');
});

t.test('copy: the steps and answers are copied and the copy\'s "Only If" answers are its own', async (t) => {
  const copyId = await call(app, admin, 'chatbot.script', 'copy', [[welcomeBot]]);
  const [copy] = await call(app, admin, 'chatbot.script', 'read', [[copyId], ['title', 'script_step_ids', 'operator_partner_id', 'source_id']]);
  t.equal(copy.title, 'Welcome Bot (copy)');
  t.equal(copy.script_step_ids.length, 9);
  t.equal(copy.operator_partner_id[1], 'Welcome Bot (copy)', 'a bot partner of its own');
  t.equal(copy.source_id[1], 'Welcome Bot (copy)', 'a utm source of its own');
  const steps = await call(app, admin, 'chatbot.script.step', 'read', [copy.script_step_ids, ['triggering_answer_ids', 'answer_ids']]);
  const own = new Set(steps.flatMap((s: { answer_ids: number[] }) => s.answer_ids));
  const triggers = steps.flatMap((s: { triggering_answer_ids: number[] }) => s.triggering_answer_ids);
  t.equal(triggers.length, 7);
  t.ok(triggers.every((a: number) => own.has(a)), 'every condition names an answer of the copy');
  t.same(await check(copyId), [], 'and the copy is as sound as the original');
  const sim = await call(app, admin, 'chatbot.script', 'simulate', [[copyId], ['I am just looking around']]);
  t.equal(sim.transcript.at(-1).body, '<p>Please do! If there is anything we can help with, let us know</p>');
});
