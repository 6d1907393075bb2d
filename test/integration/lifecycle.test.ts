import http from 'node:http';
import net from 'node:net';
import pg from 'pg';
import t from 'tap';
import { sql } from 'kysely';
import { testApp } from '../helpers/app.js';
import { eventually } from '../helpers/bus.js';

/**
 * Readiness (`/web/health/ready`: database, migrations, bus listener) beside Odoo's liveness check,
 * and what a shutdown does to requests in flight and to new ones.
 */
t.test('ready when the database answers and every migration is applied; 503 naming what is missing otherwise', async (t) => {
  const { app } = await testApp(t);
  const ready = await app.inject({ method: 'GET', url: '/web/health/ready' });
  t.equal(ready.statusCode, 200);
  t.equal(ready.headers['cache-control'], 'no-store');
  const checks = app.database.kind === 'pg' ? { database: 'pass', migrations: 'pass', bus_listener: 'pass' } : { database: 'pass', migrations: 'pass' };
  t.same(ready.json(), { status: 'pass', checks });

  const { rows: [last] } = await sql<{ id: number; name: string; checksum: string }>`SELECT id, name, checksum FROM schema_migrations ORDER BY id DESC LIMIT 1`.execute(app.db);
  await sql`DELETE FROM schema_migrations WHERE id = ${last!.id}`.execute(app.db);
  const pending = await app.inject({ method: 'GET', url: '/web/health/ready' });
  t.equal(pending.statusCode, 503, 'a migration on disk not applied: not ready');
  t.match(pending.json(), { status: 'fail', checks: { database: 'pass', migrations: 'fail' }, pending_migrations: [last!.name] });
  t.equal((await app.inject({ method: 'GET', url: '/web/health' })).statusCode, 200, 'while liveness stays up');
  await sql`INSERT INTO schema_migrations (id, name, checksum) VALUES (${last!.id}, ${last!.name}, ${last!.checksum})`.execute(app.db);
  t.equal((await app.inject({ method: 'GET', url: '/web/health/ready' })).statusCode, 200, 'ready again');
});

t.test('on PostgreSQL: not ready while the database refuses connections, ready again after', { skip: !process.env.TEST_DATABASE_URL && 'needs TEST_DATABASE_URL' }, async (t) => {
  const { app, config } = await testApp(t);
  const name = new URL(config.databaseUrl!).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  t.teardown(async () => {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => {});
    await admin.end();
  });
  t.equal((await app.inject({ method: 'GET', url: '/web/health/ready' })).statusCode, 200);
  // the database goes away: new connections are refused and the open ones (pool, LISTEN) are cut
  await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  // the LISTEN connection learns it is gone from its socket, a moment later
  await eventually(() => !app.busService.listener.connected, 'the listener to notice', 5000);
  const down = await app.inject({ method: 'GET', url: '/web/health/ready' });
  t.equal(down.statusCode, 503);
  t.match(down.json(), { status: 'fail', checks: { database: /^fail: /, bus_listener: 'fail' } });
  await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  const deadline = Date.now() + 15_000;
  let status = 0;
  while (Date.now() < deadline && (status = (await app.inject({ method: 'GET', url: '/web/health/ready' })).statusCode) !== 200) await new Promise((r) => setTimeout(r, 100));
  t.equal(status, 200, 'ready again once the database is back and the listener reconnected');
});

t.test('shutdown: a call in flight finishes (its connection closed after it), new requests get 503', async (t) => {
  const { app } = await testApp(t);
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  // a handler still running when the shutdown starts
  app.get('/test/slow', async () => { await held; return { done: true }; });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const agent = new http.Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  const get = (path: string) => new Promise<{ status: number; connection?: string; body: string }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    }).on('error', reject);
  });
  t.equal((await get('/web/health')).status, 200, 'a keep-alive connection is open');
  const inFlight = get('/test/slow');
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  const closed = app.close();
  await new Promise((r) => setTimeout(r, 50));
  // a new request on a new connection is not served: 503 while the listener is still open, then refused
  const late = await new Promise<string>((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/web/health/ready', agent: false }, (res) => { res.resume(); resolve(String(res.statusCode)); })
      .on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  t.ok(['503', 'ECONNREFUSED'].includes(late), `a request arriving during the shutdown: ${late}`);
  release();
  const answer = await inFlight;
  t.same([answer.status, JSON.parse(answer.body)], [200, { done: true }], 'the call in flight got its answer');
  t.equal(answer.connection, 'close', 'and its keep-alive connection is closed after it');
  await closed;
  t.ok(Date.now() - started < 5000, `closed in ${Date.now() - started} ms, not after the 72 s keep-alive timeout`);
});

t.test('shutdown: a websocket reconnecting meanwhile is refused and let go, so close() ends', async (t) => {
  const { app } = await testApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const handshake = 'GET /websocket?version=17.0-1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:8069\r\n\r\n';
  // a raw client: it never answers the server's close frame, so the shutdown waits for it (1 s)
  const open = (label: string) => new Promise<{ received: () => string; closed: Promise<void> }>((resolve) => {
    let data = '';
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(handshake);
      resolve({ received: () => data, closed: new Promise((r) => socket.once('close', () => r())) });
    });
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('error', () => {});
    t.teardown(() => socket.destroy());
    void label;
  });
  const first = await open('first');
  // the upgrade is answered asynchronously: wait for it (a loaded machine takes more than a moment)
  for (const until = Date.now() + 5000; !first.received() && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
  t.match(first.received(), /^HTTP\/1.1 101 /, 'a connected client');
  const started = Date.now();
  const closed = app.close();
  await new Promise((r) => setTimeout(r, 100));
  const late = await open('late');
  const lateClosed = await Promise.race([late.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 900))]);
  t.match(late.received(), /^HTTP\/1.1 503 Service Unavailable\r\n/, 'a client reconnecting during the shutdown gets 503');
  t.ok(lateClosed, 'and its connection is closed at once, not left open');
  const ended = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
  t.ok(ended, `close() ended in ${Date.now() - started} ms`);
  t.match(first.received(), /\x88\x02\x03\xe9/, 'the connected client was sent close code 1001');
});
