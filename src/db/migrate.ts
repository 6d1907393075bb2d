import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Database } from './database.js';

const MIGRATIONS_DIR = new URL('../../sql/migrations/', import.meta.url);

export interface Migration { id: number; name: string; text: string; checksum: string }

/** `sql/migrations/NNNN_name.sql`, in number order. */
export function listMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(new URL(file, dir), 'utf8');
      return {
        id: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        text,
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
}

/**
 * Applies pending migrations in one transaction. On Postgres the transaction first takes an
 * advisory lock, so instances starting together apply each file once; the second one waits,
 * then finds nothing pending. A changed applied file stops the start-up: migrations are forward-only.
 */
export async function migrate(database: Database, migrations = listMigrations()): Promise<string[]> {
  const applied: string[] = [];
  await database.runScriptsInTransaction(async (run) => {
    await run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'))`);
    const rows = (await run('SELECT id, name, checksum FROM schema_migrations')) as { id: number; name: string; checksum: string }[];
    const done = new Map(rows.map((r) => [Number(r.id), r]));
    for (const m of migrations) {
      const previous = done.get(m.id);
      if (previous) {
        if (previous.checksum !== m.checksum) {
          throw new Error(`migration ${m.name} was changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      await run(m.text);
      await run('INSERT INTO schema_migrations (id, name, checksum) VALUES ($1, $2, $3)', [m.id, m.name, m.checksum]);
      applied.push(m.name);
    }
  });
  return applied;
}

/** Names of migrations on disk not yet applied (readiness reports them). */
export async function pendingMigrations(database: Database, migrations = listMigrations()): Promise<string[]> {
  const { rows } = await sql<{ id: number }>`SELECT id FROM schema_migrations`.execute(database.db)
    .catch(() => ({ rows: [] as { id: number }[] }));
  const done = new Set(rows.map((r) => Number(r.id)));
  return migrations.filter((m) => !done.has(m.id)).map((m) => m.name);
}
