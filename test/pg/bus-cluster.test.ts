import t from 'tap';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { runInTransaction } from '../../src/orm/transaction.js';
import { login } from '../helpers/app.js';
import { connect, eventually, sleep, wsAddress, type BusClient } from '../helpers/bus.js';
import { scratchDatabase } from '../helpers/pg-database.js';

/**
 * Two service instances on one Postgres database behave as one bus: each holds its own sockets and
 * its own LISTEN connection, and every socket gets every notification of its channels, in id
 * order, exactly once, whichever instance sent it, even across a lost LISTEN connection.
 */
const url = process.env.TEST_DATABASE_URL;

if (!url) {
  t.plan(0, 'needs TEST_DATABASE_URL (real Postgres): two instances share one database');
} else {
  const scratch = await scratchDatabase(url, 'lcrpc_bus');
  const { admin } = scratch;
  const config = loadConfig({ DATABASE_URL: scratch.url, DATA_DIR: 'memory://', PASSWORD_HASH_ROUNDS: '1000', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
  const apps: FastifyInstance[] = [];
  t.teardown(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await scratch.drop();
  });
  // one after the other: the second finds the database migrated and seeded
  const a = await buildApp(config, { logger: false });
  apps.push(a);
  const b = await buildApp(config, { logger: false });
  apps.push(b);
  // both listen on their own port; the test's `ws` clients connect over TCP
  const [addressA, addressB] = await Promise.all([wsAddress(a), wsAddress(b)]);

  const DB = config.dbName;
  const { rows: [adminUser] } = await sql<{ id: number; partner_id: number }>`SELECT id, partner_id FROM res_users WHERE login = 'admin'`.execute(a.db);
  const cookie = await login(a); // sessions live in the database: valid on both instances
  const broadcast = JSON.stringify([DB, 'broadcast']);

  async function storedIds(channels: string[], after: number): Promise<number[]> {
    const { rows } = await sql<{ id: number }>`SELECT id FROM bus_bus WHERE channel IN (${sql.join(channels)}) AND id > ${after} ORDER BY id`.execute(a.db);
    return rows.map((r) => Number(r.id));
  }
  const strictlyIncreasing = (ids: number[]) => ids.every((id, i) => i === 0 || id > ids[i - 1]!);
  async function subscribed(app: FastifyInstance, withCookie?: string): Promise<BusClient> {
    const c = await connect(app, { cookie: withCookie });
    c.subscribe([], await app.busService.bus.maxId());
    return c;
  }
  const until = eventually;

  t.test('a notification sent through one instance reaches sockets held by the other', async (t) => {
    t.not(addressA, addressB, 'two listening instances');
    const onB = await subscribed(b, cookie);
    const onA = await subscribed(a, cookie);
    const partner = { model: 'res.partner', id: adminUser!.partner_id };
    await a.busService.bus.sendNow([{ target: partner, type: 'test/from-a', payload: { n: 1 } }]);
    await runInTransaction(a.database, a.registry, adminUser!.id, {}, async (env) => {
      a.busService.bus.send(env, partner, 'test/from-a', { n: 2 });
    });
    await b.busService.bus.sendNow([{ target: 'broadcast', type: 'test/from-b', payload: {} }]);
    for (const c of [onA, onB]) {
      await c.waitFor('test/from-b');
      t.same(c.notifications.map((n) => [n.message.type, n.message.payload.n]), [['test/from-a', 1], ['test/from-a', 2], ['test/from-b', undefined]]);
    }
    t.same(onA.ids, onB.ids, 'same ids on both instances');
    await Promise.all([onA.end(), onB.end()]);
  });

  t.test('after its LISTEN connection is terminated, an instance catches up: every event, in order, once', async (t) => {
    const listener = b.busService.listener;
    const c = await subscribed(b);
    const start = await a.busService.bus.maxId();
    await a.busService.bus.sendNow([{ target: 'broadcast', type: 'test/cut', payload: { n: 0 } }]);
    await c.waitFor('test/cut');
    const pid = listener.backendPid;
    t.ok(pid, 'B listens on its own connection');

    const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
    t.equal(rows[0]!.ok, true);
    await until(() => !listener.connected, 'B to notice the lost connection', 2000);
    let n = 1;
    // sent while B is not listening
    for (; n <= 10; n++) await a.busService.bus.sendNow([{ target: 'broadcast', type: 'test/cut', payload: { n } }]);
    t.notOk(listener.connected && listener.backendPid === pid);
    // and while it reconnects and after
    const reconnected = until(() => listener.connected, 'B to listen again', 3000);
    for (; n <= 30; n++) {
      await a.busService.bus.sendNow([{ target: 'broadcast', type: 'test/cut', payload: { n } }]);
      if (n % 5 === 0) await sleep(15);
    }
    await reconnected;
    t.not(listener.backendPid, pid, 'a new LISTEN connection');
    await c.until(() => c.ofType('test/cut').length === 31, 'all 31 events', 4000);
    t.same(c.ofType('test/cut').map((x) => x.message.payload.n), Array.from({ length: 31 }, (_, i) => i), 'every event, in order');
    t.same(c.ids, await storedIds([broadcast], start), 'exactly the stored ids, each once');
    await sleep(100);
    t.equal(c.notifications.length, 31, 'nothing delivered twice later');

    // and live delivery goes on through the new connection
    await a.busService.bus.sendNow([{ target: 'broadcast', type: 'test/after-cut', payload: {} }]);
    await c.waitFor('test/after-cut', undefined, 2000);
    await c.end();
  });

  t.test('concurrent senders on both instances: both sockets get every id, strictly increasing, no gap, no duplicate', async (t) => {
    const onA = await subscribed(a);
    const onB = await subscribed(b);
    const start = await a.busService.bus.maxId();
    let sent = 0;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      for (const [app, from] of [[a, 'a'], [b, 'b']] as const) {
        const count = 1 + (i % 3);
        sent += count;
        sends.push(app.busService.bus.sendNow(Array.from({ length: count }, (_, k) => ({ target: 'broadcast', type: 'test/par', payload: { from, i, k } }))));
      }
    }
    await Promise.all(sends);
    const stored = await storedIds([broadcast], start);
    t.equal(stored.length, sent, 'every notification stored');
    t.equal(stored[stored.length - 1]! - stored[0]! + 1, stored.length, 'ids without holes');
    for (const c of [onA, onB]) {
      await c.until(() => c.notifications.length >= sent, `${sent} notifications`, 8000);
      await sleep(50);
      t.same(c.ids, stored, 'the stored ids, in order');
      t.ok(strictlyIncreasing(c.ids), 'strictly increasing');
      t.equal(new Set(c.ids).size, c.ids.length, 'no duplicate');
    }
    await Promise.all([onA.end(), onB.end()]);
  });
}
