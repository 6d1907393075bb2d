import t from 'tap';
import { main } from '../../src/cli/index.js';
import type { CliIo } from '../../src/cli/command.js';
import { testApp } from '../helpers/app.js';
import { buildScript } from '../helpers/chatbot.js';
import { asRoot } from '../helpers/livechat.js';

/** `livechat-rpc check-chatbot`, in process on the test's database, as the other CLI commands are tested. */
const { app } = await testApp(t, { DEMO_DATA: 'true' });
const welcomeBot = await asRoot(app, (env) => env.ref('im_livechat.chatbot_script_welcome_bot')) as number;

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { env: { DATA_DIR: 'memory://' }, stdout: (s) => { out.push(s); }, stderr: (s) => { err.push(s); }, readStdin: async () => '' };
  const code = await main(argv, io, { database: app.database });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

t.test('a sound script passes, with exit code 0', async (t) => {
  const ok = await cli(['check-chatbot', String(welcomeBot)]);
  t.same(ok, { code: 0, stdout: `Welcome Bot (#${welcomeBot}): no problem\n`, stderr: '' });
});

t.test('problems are printed with their step, and errors fail the check', async (t) => {
  const broken = await buildScript(app, 'Broken Bot', [
    { key: 'q', type: 'question_selection', answers: ['Yes', 'No'] },
    { key: 'yes', type: 'text', onlyIf: ['Yes'] },
  ]);
  const out = await cli(['check-chatbot', String(broken.id)]);
  t.equal(out.code, 1);
  t.match(out.stdout, `Broken Bot (#${broken.id}): 1 problem\n  error   dead_end_answer  step #${broken.steps.q} "q says hi"\n           No step follows the answer "No"`);
  const json = await cli(['check-chatbot', String(broken.id), '--json']);
  t.match(JSON.parse(json.stdout.trim()), { script_id: broken.id, code: 'dead_end_answer', answer_id: broken.answers.No });

  const warned = await buildScript(app, 'Abrupt Bot', [{ key: 'q', type: 'question_selection', answers: ['Human'] }, { key: 'f', type: 'forward_operator', message: false }]);
  t.equal((await cli(['check-chatbot', String(warned.id)])).code, 0, 'a warning alone passes');
  t.equal((await cli(['check-chatbot', String(warned.id), '--strict'])).code, 1, 'unless --strict');

  const all = await cli(['check-chatbot', 'all']);
  t.equal(all.code, 1, 'all: one broken script fails the run');
  t.match(all.stdout, /Welcome Bot \(#\d+\): no problem\n/);
  t.match(all.stdout, /Broken Bot \(#\d+\): 1 problem/);
});

t.test('wrong command lines and unknown scripts', async (t) => {
  t.match(await cli(['check-chatbot']), { code: 2, stderr: /check-chatbot: missing/ });
  t.match(await cli(['check-chatbot', 'some']), { code: 2, stderr: /expected a script id or "all", not 'some'/ });
  t.match(await cli(['check-chatbot', '999999']), { code: 1, stderr: /no chatbot script with id 999999/ });
  const help = await cli(['--help']);
  t.match(help.stdout, /\n  check-chatbot +check chatbot scripts/);
});
