import t from 'tap';
import { sql, type Transaction } from 'kysely';
import { openDatabase, type Database } from '../../src/db/database.js';
import { PreparingClient, WITH_COMMIT } from '../../src/db/prepared.js';
import { scratchDatabase } from '../helpers/pg-database.js';

/**
 * Transactions begin at their first statement that is not a plain read (src/db/deferred-begin.ts):
 * a call that only reads sends neither BEGIN nor COMMIT, and everything else behaves as one
 * transaction from that statement on.
 */
const url = process.env.TEST_DATABASE_URL;

if (!url) {
  t.plan(0, 'needs TEST_DATABASE_URL (real Postgres): deferred BEGIN is a Postgres driver feature');
} else {
  const scratch = await scratchDatabase(url, 'lcrpc_defer');
  const { admin, name } = scratch;
  const databases: Database[] = [];
  t.teardown(async () => {
    await Promise.all(databases.map((d) => d.close()));
    await scratch.drop();
  });
  const open = async () => {
    const d = await openDatabase({ databaseUrl: scratch.url, dataDir: 'memory://', poolMax: 2 });
    databases.push(d);
    return d;
  };
  const database = await open();
  const db = database.db;
  await sql`CREATE TABLE note (id serial PRIMARY KEY, body text NOT NULL, at timestamp DEFAULT now())`.execute(db);
  await sql`INSERT INTO note (body) VALUES ('committed before')`.execute(db);

  /** Whether the backend `pid` is inside a transaction, seen from another connection. */
  const inTransaction = async (pid: number) => {
    const { rows } = await admin.query(`SELECT xact_start IS NOT NULL AS open FROM pg_stat_activity WHERE pid = $1`, [pid]);
    return rows[0]?.open as boolean;
  };
  const pidOf = async (trx: Transaction<any>) =>
    Number((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]!.pid);

  t.test('a transaction that only reads never begins', async (t) => {
    const seen = await db.transaction().execute(async (trx) => {
      const pid = await pidOf(trx);
      const { rows } = await sql<{ body: string }>`SELECT body FROM note ORDER BY id`.execute(trx);
      t.notOk(await inTransaction(pid), 'no BEGIN was sent for plain reads');
      return rows.map((r) => r.body);
    });
    t.same(seen, ['committed before']);
  });

  t.test('the first write begins it; rolling back undoes everything from there', async (t) => {
    await t.rejects(db.transaction().execute(async (trx) => {
      const pid = await pidOf(trx);
      await sql`SELECT count(*) FROM note`.execute(trx);
      await sql`INSERT INTO note (body) VALUES ('rolled back')`.execute(trx);
      t.ok(await inTransaction(pid), 'BEGIN was sent before the INSERT');
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM note WHERE body = 'rolled back'`.execute(trx);
      t.equal(rows[0]!.n, 1, 'the transaction sees its own write');
      throw new Error('boom');
    }), /boom/);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM note WHERE body = 'rolled back'`.execute(db);
    t.equal(rows[0]!.n, 0);
  });

  t.test('a committed transaction keeps its writes and reads after them see them', async (t) => {
    await db.transaction().execute(async (trx) => {
      await sql`INSERT INTO note (body) VALUES ('kept')`.execute(trx);
    });
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM note WHERE body = 'kept'`.execute(db);
    t.equal(rows[0]!.n, 1);
  });

  t.test('locks, the clock and NOTIFY begin the transaction first', async (t) => {
    for (const statement of [
      sql`SELECT id FROM note ORDER BY id LIMIT 1 FOR UPDATE`,
      sql`SELECT pg_advisory_xact_lock(4242)`,
      sql`SELECT now() AS at`,
      sql`SELECT pg_notify('deferred_begin_test', 'x')`,
    ]) {
      await db.transaction().execute(async (trx) => {
        const pid = await pidOf(trx);
        await statement.execute(trx);
        t.ok(await inTransaction(pid), statement.compile(db).sql);
      });
    }
    // the clock read before a write is the transaction's: the row written after it has the same time
    const [at, written] = await db.transaction().execute(async (trx) => {
      const { rows: [clock] } = await sql<{ at: string }>`SELECT now()::timestamp::text AS at`.execute(trx);
      const { rows: [row] } = await sql<{ at: string }>`INSERT INTO note (body) VALUES ('clock') RETURNING at::text AS at`.execute(trx);
      return [clock!.at, row!.at];
    });
    t.equal(written, at);
  });

  t.test('after a failed read, the transaction is aborted as Postgres would have it', async (t) => {
    const err = await db.transaction().execute(async (trx) => {
      await t.rejects(sql`SELECT no_such_column FROM note`.execute(trx));
      return sql`INSERT INTO note (body) VALUES ('after failure')`.execute(trx).then(() => null, (e: { code?: string }) => e);
    }).catch((e: { code?: string }) => e);
    t.equal((err as { code?: string } | null)?.code, '25P02', 'the next statement is refused');
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM note WHERE body = 'after failure'`.execute(db);
    t.equal(rows[0]!.n, 0);
  });

  // BEGIN travels with the transaction's first statement (src/db/prepared.ts, PreparingClient)
  t.test('BEGIN is pipelined with the first statement and changes nothing the statement sees', async (t) => {
    const client = new PreparingClient({ connectionString: scratch.url });
    await client.connect();
    t.teardown(() => client.end());
    const pid = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const sent: string[] = [];
    client.connection.on('readyForQuery', () => sent.push('ready'));

    t.match(await client.query('BEGIN', []), { command: 'BEGIN' }, 'BEGIN is answered at once');
    t.notOk(await inTransaction(pid), 'nothing was sent yet');
    const inserted = await client.query('INSERT INTO note (body) VALUES ($1) RETURNING id, body', ['pipelined']);
    t.same(inserted.rows.map((r: { body: string }) => r.body), ['pipelined'], 'the statement answers its own rows');
    t.equal(inserted.command, 'INSERT');
    t.equal(sent.length, 1, 'BEGIN and the INSERT took one round trip');
    t.ok(await inTransaction(pid), 'the transaction is open');
    await client.query('ROLLBACK');
    t.equal((await client.query(`SELECT count(*)::int AS n FROM note WHERE body = 'pipelined'`)).rows[0].n, 0, 'and rolls back as one');

    // a failing first statement leaves the transaction aborted, as after a separate BEGIN
    await client.query('BEGIN', []);
    await t.rejects(client.query('SELECT 1 / $1::int', [0]), { code: '22012' });
    await t.rejects(client.query('SELECT $1::int', [1]), { code: '25P02' });
    await client.query('ROLLBACK');
    t.same((await client.query('SELECT $1::int AS n', [7])).rows, [{ n: 7 }], 'the connection is usable after the rollback');

    // a prepared statement (hot after three runs) on the pipelined path, then again on its own
    const text = 'SELECT body FROM note WHERE body = $1';
    for (let i = 0; i < 4; i++) await client.query(text, ['kept']);
    await client.query('BEGIN', []);
    t.same((await client.query(text, ['committed before'])).rows, [{ body: 'committed before' }]);
    await client.query('COMMIT');
    t.same((await client.query(text, ['committed before'])).rows, [{ body: 'committed before' }]);

    // a statement without parameters may be a script: BEGIN goes first on its own
    await client.query('BEGIN', []);
    const script = await client.query(`INSERT INTO note (body) VALUES ('script 1'); INSERT INTO note (body) VALUES ('script 2')`) as unknown as unknown[];
    t.equal(script.length, 2, 'both statements of the script ran');
    t.ok(await inTransaction(pid));
    await client.query('ROLLBACK');

    // BEGIN straight followed by COMMIT sends nothing at all
    const before = sent.length;
    t.match(await client.query('BEGIN', []), { command: 'BEGIN' });
    t.match(await client.query('COMMIT', []), { command: 'COMMIT' });
    t.equal(sent.length, before, 'no round trip for an empty transaction');
  });

  t.test('a statement opened by WITH_COMMIT goes out with the COMMIT', async (t) => {
    const client = new PreparingClient({ connectionString: scratch.url });
    await client.connect();
    t.teardown(() => client.end());
    const pid = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    let roundTrips = 0;
    client.connection.on('readyForQuery', () => roundTrips++);
    const count = async (body: string) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM note WHERE body = ${body}`.execute(db)).rows[0]!.n;
    const marked = `${WITH_COMMIT} INSERT INTO note (body) SELECT $1::text WHERE 1 / $2::int = 1`;

    await client.query('BEGIN', []);
    t.match(await client.query(marked, ['with commit', 1]), { rows: [] }, 'answered at once, without rows');
    t.notOk(await inTransaction(pid), 'nothing sent yet');
    t.equal(await count('with commit'), 0);
    await client.query('COMMIT', []);
    t.equal(roundTrips, 1, 'BEGIN, the statement and COMMIT took one round trip');
    t.equal(await count('with commit'), 1, 'committed');

    // its error is the commit's, and the transaction does not outlive it
    await client.query('BEGIN', []);
    await client.query('INSERT INTO note (body) VALUES ($1)', ['before a failed commit']);
    await client.query(marked, ['never', 0]);
    await t.rejects(client.query('COMMIT', []), { code: '22012' }, 'the commit fails with the statement\'s error');
    t.notOk(await inTransaction(pid), 'the aborted transaction was rolled back');
    t.equal(await count('before a failed commit'), 0, 'nothing of it was kept');
    t.same((await client.query('SELECT $1::int AS n', [3])).rows, [{ n: 3 }], 'the connection is usable');

    // another statement before the commit sends the held one first; its error is that statement's
    await client.query('BEGIN', []);
    await client.query(marked, ['flushed', 1]);
    t.same((await client.query('SELECT count(*)::int AS n FROM note WHERE body = $1', ['flushed'])).rows, [{ n: 1 }], 'the transaction sees it');
    await client.query('ROLLBACK', []);
    await client.query('BEGIN', []);
    await client.query(marked, ['flushed', 0]);
    await t.rejects(client.query('SELECT $1::int AS n', [4]), { code: '22012' });
    await client.query('ROLLBACK', []);

    // rolled back before anything was sent: nothing is sent
    const before = roundTrips;
    await client.query('BEGIN', []);
    await client.query(marked, ['rolled back unsent', 1]);
    await client.query('ROLLBACK', []);
    t.equal(roundTrips, before, 'no round trip');
    t.equal(await count('rolled back unsent'), 0);
  });

  t.test('a BEGIN not sent yet does not follow its connection back to the pool', async (t) => {
    const single = await openDatabase({ databaseUrl: scratch.url, dataDir: 'memory://', poolMax: 1 });
    databases.push(single);
    const first = await single.pool!.connect();
    await first.query('BEGIN');
    first.release();
    const again = await single.pool!.connect();
    t.equal(again, first, 'the same connection');
    const pid = Number((await again.query('SELECT pg_backend_pid() AS pid, $1::int AS x', [1])).rows[0].pid);
    t.notOk(await inTransaction(pid), 'its next user is not inside a transaction');
    again.release();
  });

  t.test('a server whose default isolation is stricter than READ COMMITTED begins at once', async (t) => {
    await admin.query(`ALTER DATABASE ${name} SET default_transaction_isolation = 'repeatable read'`);
    const strict = await open();
    await strict.db.transaction().execute(async (trx) => {
      const pid = await pidOf(trx);
      await sql`SELECT count(*) FROM note`.execute(trx);
      t.ok(await inTransaction(pid), 'one snapshot for the whole transaction, as asked');
    });
    await admin.query(`ALTER DATABASE ${name} RESET default_transaction_isolation`);
  });
}
