import pg from 'pg';
import t from 'tap';
import { main } from '../../src/cli/index.js';
import { Instance, ResilientSocket, freePort } from '../helpers/cluster.js';
import { nginxBinary, startNginx, type RunningNginx } from '../helpers/nginx.js';
import type { Notification } from '../helpers/bus.js';
import { scratchDatabase } from '../helpers/pg-database.js';

/**
 * docker-compose.prod.yml's topology without Docker: two instances of the service as their own
 * processes on one PostgreSQL database, Debian's nginx in front with deploy/nginx.conf, on loopback.
 * A visitor and an operator talk through nginx with their websockets on different instances; then
 * each instance is restarted in turn (SIGTERM) in the middle of the conversation: no call fails,
 * the one in flight finishes, sockets reconnect and resume, and every message reaches both sides
 * once, in order. The retention job of both instances runs on one at a time.
 */
const url = process.env.TEST_DATABASE_URL;
const binary = nginxBinary();

if (!url || !binary) {
  t.plan(0, !url ? 'needs TEST_DATABASE_URL (real Postgres): two instances share one database' : 'needs nginx (apt-get install nginx-light)');
} else {
  const scratch = await scratchDatabase(url, 'ops');
  const dbUrl = scratch.url;
  const db = new pg.Client({ connectionString: dbUrl });

  const GRACE_SECONDS = 10;
  const env = {
    DATABASE_URL: dbUrl, PASSWORD_HASH_ROUNDS: '1000', LOG_LEVEL: 'info', TRUST_PROXY: 'true',
    SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS), RETENTION_INTERVAL_SECONDS: '1',
    RATE_LIMIT_SESSIONS_PER_MINUTE: '0', RATE_LIMIT_MESSAGES_PER_MINUTE: '0', LOGIN_COOLDOWN_AFTER: '0',
  };
  const a = new Instance('A', await freePort(), env);
  const b = new Instance('B', await freePort(), env);
  let nginx: RunningNginx | undefined;
  const sockets: ResilientSocket[] = [];
  t.teardown(async () => {
    for (const s of sockets) s.close();
    await nginx?.stop();
    await Promise.all([a.stop('SIGKILL'), b.stop('SIGKILL')]);
    await db.end().catch(() => {});
    await scratch.drop();
  });

  // the first instance migrates the new database; the second finds it done
  await a.start();
  await b.start();
  nginx = await startNginx(binary, [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`], await freePort());
  await db.connect();
  const front = `http://127.0.0.1:${nginx.port}`;
  const wsFront = `ws://127.0.0.1:${nginx.port}/websocket?version=17.0-1`;

  // the operator, made with the admin CLI
  const quiet = { stdout() {}, stderr() {}, readStdin: async () => '' };
  const made = await main(['create-user', 'op', '--name', 'Olivia Operator', '--password', 'op-pass', '--operator', '--livechat-channel', '1'], { ...quiet, env: { DATABASE_URL: dbUrl, PASSWORD_HASH_ROUNDS: '1000' } });
  if (made !== 0) throw new Error('create-user failed');

  /** A JSON-RPC call (to nginx unless `base` says otherwise): its result, or an error naming what failed. */
  async function rpc(path: string, params: unknown, cookie?: string, base = front): Promise<{ result: any; setCookie: string[] }> {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    const body = JSON.parse(text);
    if (body.error) throw new Error(`${path}: ${body.error.data.name}: ${body.error.data.message}`);
    return { result: body.result, setCookie: res.headers.getSetCookie() };
  }
  const cookieOf = (setCookie: string[], key: string) => setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${key}=`))!;
  const maxBusId = async () => Number((await db.query('SELECT coalesce(max(id), 0) AS id FROM bus_bus')).rows[0].id);
  const messagesOf = (s: ResilientSocket, channelId: number): Notification[] =>
    s.notifications.filter((n) => n.message.type === 'discuss.channel/new_message' && n.message.payload.id === channelId);
  /** Which instance holds a socket opened last: the one whose open socket count grew. */
  async function socketCounts(): Promise<[number, number]> {
    return [(await a.metric('bus_websockets_open')) ?? 0, (await b.metric('bus_websockets_open')) ?? 0];
  }

  const operatorCookie = cookieOf((await rpc('/web/session/authenticate', { db: 'odoo', login: 'op', password: 'op-pass' })).setCookie, 'session_id');
  let session: any;
  let visitorCookie: string;
  let operator: ResilientSocket;
  let visitor: ResilientSocket;

  t.test('through nginx: the operator on one instance, the visitor on the other, messages both ways', async (t) => {
    operator = new ResilientSocket(wsFront, { cookie: operatorCookie }, [], (s) => s.send({ event_name: 'update_presence', data: { inactivity_period: 0, im_status_ids_by_model: {} } }));
    sockets.push(operator);
    await operator.open(await maxBusId());
    const deadline = Date.now() + 5000;
    while ((await db.query(`SELECT status FROM bus_presence p JOIN res_users u ON u.id = p.user_id WHERE u.login = 'op'`)).rows[0]?.status !== 'online') {
      if (Date.now() > deadline) throw new Error('the operator never came online');
      await new Promise((r) => setTimeout(r, 50));
    }
    const operatorOn = (await socketCounts()).indexOf(1);
    t.not(operatorOn, -1, `the operator's socket is on instance ${'AB'[operatorOn]}`);

    const opened = await rpc('/im_livechat/get_session', { channel_id: 1, anonymous_name: 'Vera Visitor', persisted: true });
    session = opened.result;
    visitorCookie = cookieOf(opened.setCookie, 'dgid');
    t.match(session, { operator_pid: [Number, 'Olivia Operator'] }, 'the online operator got the conversation');
    await operator.until(() => operator.notifications.some((n) => n.message.type === 'mail.record/insert' && n.message.payload.Thread?.id === session.id), 'the new conversation');
    // as Odoo's web client does on a new conversation: subscribe again to hear it
    operator.send({ event_name: 'subscribe', data: { channels: [], last: operator.lastId } });

    // nginx spreads new connections: open the visitor's until it lands on the other instance
    for (let attempt = 0; ; attempt++) {
      const candidate = new ResilientSocket(wsFront, { cookie: visitorCookie }, [`mail.guest_${session.guest_token}`]);
      await candidate.open(await maxBusId());
      const counts = await socketCounts();
      if (counts[1 - operatorOn] === 1) { visitor = candidate; break; }
      candidate.close();
      if (attempt === 8) throw new Error(`the visitor's socket always lands with the operator's: ${counts}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    sockets.push(visitor);
    t.same((await socketCounts()).sort(), [1, 1], 'one socket on each instance');

    for (let i = 0; i < 3; i++) {
      const fromVisitor = (await rpc('/mail/message/post', { thread_model: 'discuss.channel', thread_id: session.id, post_data: { body: `visitor ${i}`, message_type: 'comment' } }, visitorCookie)).result;
      await operator.until(() => messagesOf(operator, session.id).some((n) => n.message.payload.message.id === fromVisitor.id), `visitor ${i} at the operator`);
      const fromOperator = (await rpc('/mail/message/post', { thread_model: 'discuss.channel', thread_id: session.id, post_data: { body: `operator ${i}`, message_type: 'comment' } }, operatorCookie)).result;
      await visitor.until(() => messagesOf(visitor, session.id).some((n) => n.message.payload.message.id === fromOperator.id), `operator ${i} at the visitor`);
    }
    t.same(messagesOf(visitor, session.id).map((n) => n.message.payload.message.body), ['visitor 0', 'operator 0', 'visitor 1', 'operator 1', 'visitor 2', 'operator 2'].map((b) => `<p>${b}</p>`));
    const upstreams = new Set(nginx!.accessLog().split('\n').filter((l) => l.includes('POST /mail/message/post')).map((l) => l.split(' ').at(-3)));
    t.same([...upstreams].sort(), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].sort(), 'the calls went round-robin to both instances');
  });

  t.test('rolling restart during the conversation: no call fails, nothing is lost', async (t) => {
    const failures: string[] = [];
    const posted: { id: number; body: string }[] = [];
    let talking = true;
    let n = 0;
    // both sides keep talking through nginx while the instances restart one after the other
    const talk = (async () => {
      while (talking) {
        const i = n++;
        const [who, cookie] = i % 2 ? ['operator', operatorCookie] : ['visitor', visitorCookie];
        const body = `${who} says ${i}`;
        try {
          const { result } = await rpc('/mail/message/post', { thread_model: 'discuss.channel', thread_id: session.id, post_data: { body, message_type: 'comment' } }, cookie);
          posted.push({ id: result.id, body });
        } catch (err) {
          failures.push(`${body}: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // a call in flight on A when it is told to stop: held by a table lock until A is shutting down
    const locker = new pg.Client({ connectionString: dbUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE mail_message IN EXCLUSIVE MODE');
    const inFlight = rpc('/mail/message/post', { thread_model: 'discuss.channel', thread_id: session.id, post_data: { body: 'in flight on A', message_type: 'comment' } }, visitorCookie, a.url);
    await new Promise((r) => setTimeout(r, 300));
    const stoppingA = a.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    t.ok(a.running, 'A waits for its call in flight');
    await locker.query('COMMIT');
    await locker.end();
    const finished = await inFlight;
    t.type(finished.result.id, 'number', 'the call in flight got its answer');
    posted.push({ id: finished.result.id, body: 'in flight on A' });
    const stopA = await stoppingA;
    t.equal(stopA.code, 0, 'A exited cleanly');
    t.ok(stopA.ms < GRACE_SECONDS * 1000, `within the grace period (${stopA.ms} ms)`);
    t.ok(a.logs.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM') && a.logs.some((l) => l.msg === 'stopped'), 'it logged its shutdown');
    const listeners = async () => Number((await db.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query = 'SELECT pg_backend_pid() AS pid'`, [scratch.name])).rows[0].n);
    t.equal(await listeners(), 1, 'only B still listens: A released its LISTEN connection');

    await new Promise((r) => setTimeout(r, 500));
    await a.start();
    await new Promise((r) => setTimeout(r, 500));
    const stopB = await b.stop('SIGTERM');
    t.equal(stopB.code, 0, 'B exited cleanly' + (stopB.code ? JSON.stringify({ ms: stopB.ms, logs: b.logs.slice(-6), err: b.stderr.slice(-2000) }) : ''));
    await new Promise((r) => setTimeout(r, 500));
    await b.start();
    await new Promise((r) => setTimeout(r, 500));
    talking = false;
    await talk;

    t.same(failures, [], 'every call answered, while the instances restarted');
    t.ok(posted.length > 20, `${posted.length} messages posted`);
    const { rows } = await db.query(`SELECT body, count(*)::int AS n FROM mail_message WHERE model = 'discuss.channel' AND res_id = $1 AND (body LIKE '%says%' OR body = '<p>in flight on A</p>') GROUP BY body`, [session.id]);
    t.equal(rows.length, posted.length, 'every message stored');
    t.ok(rows.every((r) => r.n === 1), 'none twice');

    const ids = posted.map((p) => p.id).sort((x, y) => x - y);
    for (const [who, s] of [['operator', operator], ['visitor', visitor]] as const) {
      await s.until(() => ids.every((id) => messagesOf(s, session.id).some((m) => m.message.payload.message.id === id)), `every message at the ${who}`, 15_000);
      t.ok(s.closeCodes.includes(1001), `the ${who}'s socket was told to reconnect (1001), ${s.connections} connections`);
      const got = messagesOf(s, session.id).map((m) => m.message.payload.message.id).filter((id) => ids.includes(id));
      t.same(got, ids, `the ${who} got every message once, in order`);
      const busIds = s.notifications.map((m) => m.id);
      t.ok(busIds.every((id, i) => i === 0 || id > busIds[i - 1]!), `the ${who}'s notifications: strictly increasing ids, no duplicate`);
    }
  });

  t.test('the retention job of the two instances: one run at a time, logged', async (t) => {
    const { rows: [archive] } = await db.query(`INSERT INTO im_livechat_channel (name, retention_days, retention_action) VALUES ('Archive', 1, 'anonymize') RETURNING id`);
    await db.query(`INSERT INTO im_livechat_channel_im_user (channel_id, user_id) SELECT $1, id FROM res_users WHERE login = 'op'`, [archive.id]);
    const old = (await rpc('/im_livechat/get_session', { channel_id: archive.id, anonymous_name: 'Old Timer', persisted: true })).result;
    t.type(old.id, 'number', 'the operator, back online after the restarts, got it');
    await db.query(`UPDATE discuss_channel SET create_date = create_date - interval '2 days' WHERE id = $1`, [old.id]);
    const deadline = Date.now() + 10_000;
    while (!(await db.query('SELECT livechat_anonymized_at FROM discuss_channel WHERE id = $1', [old.id])).rows[0].livechat_anonymized_at) {
      if (Date.now() > deadline) throw new Error('the job never anonymised the conversation');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2500));
    const runs = [...a.logs, ...b.logs].filter((l) => l.job === 'retention' && l.retention?.livechat_channel_id === archive.id);
    const done = runs.filter((l) => l.conversation_ids.includes(old.id));
    t.equal(done.length, 1, 'one run (on one instance) anonymised it');
    t.match(done[0], { msg: /^retention: Archive \(#\d+, 1 days\): anonymized 1 conversations/, retention: { conversations: 1, guests: 1 } });
    t.ok(runs.length > done.length, 'later runs, on either instance, found nothing more to do');
  });
}
