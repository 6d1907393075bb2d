import { execFile } from 'node:child_process';
import t from 'tap';
import { sql } from 'kysely';
import { main } from '../../src/cli/index.js';
import type { CliIo } from '../../src/cli/command.js';
import { jsonRpc, login, testApp } from '../helpers/app.js';
import { createOperator, rpc, setCookies } from '../helpers/livechat.js';

/**
 * The admin CLI, in process on the test's database (the same code `npx livechat-rpc` runs):
 * each command's effect, its output, and its exit code for success (0), failure (1) and a wrong
 * command line (2).
 */
const { app } = await testApp(t);

async function cli(argv: string[], opts: { stdin?: string; env?: Record<string, string>; database?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env: { PASSWORD_HASH_ROUNDS: '1000', DATA_DIR: 'memory://', ...opts.env },
    stdout: (s) => { out.push(s); },
    stderr: (s) => { err.push(s); },
    readStdin: async () => opts.stdin ?? '',
  };
  const code = await main(argv, io, opts.database === false ? {} : { database: app.database });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

t.test('the command line: help, unknown commands and options, missing arguments', async (t) => {
  const none = await cli([]);
  t.equal(none.code, 2);
  t.match(none.stderr, /usage: livechat-rpc <command>/);
  const help = await cli(['--help']);
  t.equal(help.code, 0);
  for (const name of ['migrate', 'create-user', 'set-password', 'create-api-key', 'load-demo', 'export-transcripts', 'retention']) t.match(help.stdout, new RegExp(`\\n  ${name} `), `${name} is listed`);
  t.match(await cli(['frobnicate']), { code: 2, stderr: /unknown command 'frobnicate'/ });
  t.match(await cli(['create-user']), { code: 2, stderr: /create-user: missing <login>\nusage: livechat-rpc create-user <login>/ });
  t.match(await cli(['create-user', 'x', '--colour']), { code: 2, stderr: /Unknown option '--colour'/ });
  t.match(await cli(['create-user', 'x', 'y']), { code: 2, stderr: /unexpected argument 'y'/ });
  t.match(await cli(['create-api-key', 'admin', '--days', 'soon']), { code: 2, stderr: /--days must be a whole number of at least 1, got 'soon'/ });
  t.match(await cli(['export-transcripts']), { code: 2, stderr: /--since is required/ });
  t.match(await cli(['export-transcripts', '--since', 'yesterday']), { code: 2, stderr: /--since must be a date/ });
  t.match(await cli(['set-password', 'admin', '--help']), { code: 0, stdout: /usage: livechat-rpc set-password <login>/ });
});

t.test('create-user, set-password: the user logs in with the password given, read or generated', async (t) => {
  const created = await cli(['create-user', 'alice', '--name', 'Alice Operator', '--email', 'alice@example.com', '--password-stdin', '--livechat-channel', '1'], { stdin: 'from-stdin-1\nignored\n' });
  t.equal(created.code, 0, created.stderr);
  t.match(created.stdout, /^created user alice \(id \d+\) in base\.group_user, im_livechat\.im_livechat_group_user, operator of live chat channel 1\n$/);
  const cookie = await login(app, 'alice', 'from-stdin-1');
  t.ok(cookie);
  const { rows: [alice] } = await sql<{ id: number; name: string; in_channel: boolean }>`SELECT u.id, p.name,
    EXISTS (SELECT 1 FROM im_livechat_channel_im_user r WHERE r.user_id = u.id AND r.channel_id = 1) AS in_channel
    FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.login = 'alice'`.execute(app.db);
  t.match(alice, { name: 'Alice Operator', in_channel: true });

  t.match(await cli(['create-user', 'alice']), { code: 1, stderr: /a user with login 'alice' already exists/ });
  t.match(await cli(['create-user', 'zed', '--group', 'base.no_such_group']), { code: 1, stderr: /no group 'base.no_such_group'/ });
  t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM res_users WHERE login = 'zed'`.execute(app.db)).rows[0]!.n, 0, 'nothing is left of a failed command');

  const portal = await cli(['create-user', 'bob', '--portal']);
  t.equal(portal.code, 0);
  const generated = /\npassword: (\S+)\n$/.exec(portal.stdout)?.[1];
  t.ok(generated && generated.length >= 16, 'a generated password is printed once');
  await login(app, 'bob', generated);

  const changed = await cli(['set-password', 'alice', '--password', 'second-pw-2']);
  t.match(changed, { code: 0, stdout: /password of alice \(id \d+\) changed/ });
  t.equal((await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'alice', password: 'from-stdin-1' })).body.error?.data.name, 'odoo.exceptions.AccessDenied', 'the old password no longer works');
  await login(app, 'alice', 'second-pw-2');
  t.equal((await jsonRpc(app, '/web/session/get_session_info', {}, cookie)).body.error?.code, 100, 'the sessions opened with the old password are over');
  t.match(await cli(['set-password', 'nobody', '--password', 'x']), { code: 1, stderr: /no user with login 'nobody'/ });
  t.match(await cli(['set-password', 'alice', '--password', 'x', '--password-stdin']), { code: 2 });
});

t.test('create-api-key: the key, printed alone, opens the External API', async (t) => {
  const made = await cli(['create-api-key', 'alice', '--name', 'ci pipeline', '--days', '30']);
  t.equal(made.code, 0, made.stderr);
  const key = made.stdout.trim();
  t.match(key, /^[0-9a-f]{40}$/, 'only the key on stdout');
  t.match(made.stderr, /API key "ci pipeline" for alice \(id \d+\), expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; it is not shown again/);
  const uid = (await jsonRpc(app, '/jsonrpc', { service: 'common', method: 'authenticate', args: ['odoo', 'alice', key, {}] })).body.result;
  t.type(uid, 'number');
  const { rows: [row] } = await sql<{ name: string; days: number; stored: string }>`SELECT name, round(extract(epoch FROM expiration_date - (now() AT TIME ZONE 'utc')) / 86400)::int AS days, key AS stored
    FROM res_users_apikeys WHERE user_id = ${uid}`.execute(app.db);
  t.match(row, { name: 'ci pipeline', days: 30 });
  t.not(row!.stored, key, 'stored hashed');
  t.match(await cli(['create-api-key', 'nobody']), { code: 1, stderr: /no user with login 'nobody'/ });
});

t.test('load-demo: the demo records, once', async (t) => {
  t.match(await cli(['load-demo']), { code: 0, stdout: 'demo data loaded\n' });
  await login(app, 'demo', 'demo');
  t.equal((await cli(['load-demo'])).code, 0, 'again: nothing more');
  t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM res_users WHERE login = 'demo'`.execute(app.db)).rows[0]!.n, 1);
});

t.test('export-transcripts: one JSON line per conversation, messages as plain text', async (t) => {
  await createOperator(app, { login: 'op-export' });
  const opened = await rpc(app, '/im_livechat/get_session', { channel_id: 1, anonymous_name: 'Zoe', persisted: true }, { 'x-country-code': 'BE' });
  const cookie = `dgid=${setCookies(opened.res).dgid}`;
  await rpc(app, '/mail/message/post', { thread_model: 'discuss.channel', thread_id: opened.body.result.id, post_data: { body: 'Where is my order? It is late', message_type: 'comment' } }, { cookie });
  await rpc(app, '/im_livechat/feedback', { uuid: opened.body.result.uuid, rate: 3, reason: 'slow' }, { cookie });

  const all = await cli(['export-transcripts', '--since', '2000-01-01']);
  t.equal(all.code, 0, all.stderr);
  const lines = all.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  t.equal(all.stderr, `${lines.length} conversation${lines.length === 1 ? '' : 's'} exported\n`);
  const zoe = lines.find((l) => l.id === opened.body.result.id);
  t.match(zoe, {
    uuid: opened.body.result.uuid, livechat_channel: { id: 1, name: 'YourWebsite.com' }, active: true,
    visitor: { name: 'Zoe', country: 'BE', guest_id: Number }, ratings: [{ rating: 3, feedback: 'slow' }],
    messages: [{ author: 'Visitor', author_type: 'guest', body: 'Where is my order? It is late', message_type: 'comment' }, { message_type: 'notification', body: /^Rating:\s+slow$/ }],
  });
  t.match(zoe.operator, { name: 'op-export' });
  const future = await cli(['export-transcripts', '--since', '2000-01-01', '--until', '2000-01-02']);
  t.same([future.code, future.stdout, future.stderr], [0, '', '0 conversations exported\n'], 'nothing in that window');
  const other = await cli(['export-transcripts', '--since', '2000-01-01 00:00', '--livechat-channel', '999']);
  t.equal(other.stdout, '', 'another live chat channel: none');
});

t.test('retention: dry run and run, as text or JSON', async (t) => {
  t.match(await cli(['retention', '--dry-run']), { code: 0, stdout: 'retention: no live chat channel has a retention period\n' });
  await sql`UPDATE im_livechat_channel SET retention_days = 30 WHERE id = 1`.execute(app.db);
  await sql`UPDATE discuss_channel SET create_date = create_date - interval '40 days' WHERE channel_type = 'livechat'`.execute(app.db);
  await sql`UPDATE mail_message SET date = date - interval '40 days' WHERE model = 'discuss.channel'`.execute(app.db);
  const dry = await cli(['retention', '--dry-run']);
  t.match(dry, { code: 0, stdout: /^YourWebsite\.com \(#1, 30 days\): would anonymize 1 conversations; 2 messages kept/ });
  const json = JSON.parse((await cli(['retention', '--dry-run', '--json'])).stdout);
  t.match(json, { dry_run: true, skipped: false, channels: [{ livechat_channel_id: 1, conversations: 1 }] });
  t.match(await cli(['retention']), { code: 0, stdout: /^YourWebsite\.com \(#1, 30 days\): anonymized 1 conversations/ });
  t.match(await cli(['retention']), { code: 0, stdout: /anonymized 0 conversations/ });
});

t.test('migrate: an up-to-date database stays as it is', async (t) => {
  t.same(await cli(['migrate']), { code: 0, stdout: 'database is up to date\n', stderr: '' });
});

t.test('a database that is not migrated is refused, except by migrate', async (t) => {
  // a fresh in-memory database of the CLI's own
  t.match(await cli(['create-user', 'x'], { database: false }), { code: 1, stderr: /the database is not migrated \(\d+ pending, e\.g\. 0001_base\): run `livechat-rpc migrate` first/ });
});

t.test('npx livechat-rpc: the bin script runs the same CLI', async (t) => {
  const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['bin/livechat-rpc.js', ...args], { env: { ...process.env, DATA_DIR: 'memory://', DATABASE_URL: '', PASSWORD_HASH_ROUNDS: '1000' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
  const help = await run(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /usage: livechat-rpc <command>/);
  t.equal((await run(['nonsense'])).code, 2);
});
