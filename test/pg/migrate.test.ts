import t from 'tap';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';
import { listMigrations, migrate, pendingMigrations } from '../../src/db/migrate.js';
import { scratchDatabase } from '../helpers/pg-database.js';

const url = process.env.TEST_DATABASE_URL;

t.test('two instances migrating one Postgres database at once apply each migration once', { skip: url ? false : 'needs TEST_DATABASE_URL (real Postgres)' }, async (t) => {
  const scratch = await scratchDatabase(url!, 'lcrpc_mig');
  t.teardown(() => scratch.drop());
  const a = await openDatabase({ databaseUrl: scratch.url, dataDir: '', poolMax: 2 });
  const b = await openDatabase({ databaseUrl: scratch.url, dataDir: '', poolMax: 2 });
  t.teardown(async () => { await a.close(); await b.close(); });

  const [appliedA, appliedB] = await Promise.all([migrate(a), migrate(b)]);
  const all = listMigrations().map((m) => m.name);
  t.same([...appliedA, ...appliedB].sort(), [...all].sort(), 'every migration applied by exactly one instance');
  t.same(await pendingMigrations(a), []);
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM res_users WHERE login = 'admin'`.execute(a.db);
  t.equal(rows[0]!.n, 1, 'base records inserted once');
  t.same(await migrate(b), [], 'a second run has nothing to do');
});

t.test('a changed migration stops the start-up', async (t) => {
  const db = await openDatabase({ dataDir: 'memory://' });
  t.teardown(() => db.close());
  const migrations = listMigrations();
  await migrate(db, migrations);
  const changed = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'different' } : m));
  await t.rejects(migrate(db, changed), /was changed after it was applied/);
});
