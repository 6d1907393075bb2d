import t from 'tap';
import { WebSocket } from 'ws';
import { Instance, freePort } from '../helpers/cluster.js';

/**
 * `src/server.ts` as a process (embedded database): on SIGTERM it closes its websockets with 1001
 * (Odoo's worker reconnects on anything but 1000), logs its shutdown and exits 0 within
 * SHUTDOWN_GRACE_SECONDS. test/pg/ops-cluster.test.ts does the same with two instances and nginx.
 */
// on PostgreSQL, test/pg/ops-cluster.test.ts stops two such processes: no need to pay for a third
const covered = Boolean(process.env.TEST_DATABASE_URL) && 'test/pg/ops-cluster.test.ts covers it on PostgreSQL';
t.test('SIGTERM: websockets told to reconnect (1001), clean exit within the grace period', { skip: covered }, async (t) => {
  const server = new Instance('server', await freePort(), { DATA_DIR: 'memory://', PASSWORD_HASH_ROUNDS: '1000', LOG_LEVEL: 'info', SHUTDOWN_GRACE_SECONDS: '5' });
  t.teardown(() => server.stop('SIGKILL'));
  await server.start();
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/websocket?version=17.0-1`, { origin: 'http://127.0.0.1:8069' });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
  t.equal(await server.metric('bus_websockets_open'), 1);

  const { code, ms } = await server.stop('SIGTERM');
  t.equal(await closed, 1001, 'the socket was closed with 1001 GOING_AWAY');
  t.equal(code, 0, 'exit code 0');
  t.ok(ms < 5000, `stopped in ${ms} ms, within the 5 s grace period`);
  const messages = server.logs.map((l) => l.msg);
  t.ok(messages.includes('shutting down') && messages.indexOf('stopped') > messages.indexOf('shutting down'), 'logged: shutting down, then stopped');
  t.match(server.logs.find((l) => l.msg === 'shutting down'), { signal: 'SIGTERM', grace_seconds: 5 });
});
