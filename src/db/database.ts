import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, type Transaction } from 'kysely';
import { DeferredBeginPostgresDialect } from './deferred-begin.js';
import { forgetPending, PreparingClient } from './prepared.js';

/** Rows are untyped at this layer: the model registry is the schema. */
export type Db = Kysely<any>;
export type Trx = Transaction<any>;

/**
 * The one storage handle of an instance: real Postgres through a `pg` pool, or the embedded PGlite.
 * Both return timestamps and dates as the raw strings Postgres prints, int8 and numeric as numbers,
 * so the ORM formats values identically on either backend.
 */
export interface Database {
  readonly kind: 'pg' | 'pglite';
  readonly db: Db;
  readonly pool?: pg.Pool;
  readonly pglite?: PGlite;
  /** Runs a multi-statement SQL script in one transaction (simple query protocol). */
  runScriptsInTransaction(scripts: (run: (sql: string, params?: unknown[]) => Promise<unknown[]>) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;
const raw = (value: string) => value;
const parsers: Record<number, (value: string) => unknown> = {
  [OID.int8]: Number,
  [OID.numeric]: Number.parseFloat,
  [OID.date]: raw,
  [OID.timestamp]: raw,
  [OID.timestamptz]: raw,
};

/** Arbitrary but fixed key for pg_advisory_xact_lock around migrations and registry sync. */
export const MIGRATION_LOCK_KEY = 0x0d00_17_01;

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; poolMax?: number }): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolMax ?? 10);
  return openPGlite(opts.dataDir);
}

function openPostgres(connectionString: string, max: number): Database {
  const pool = new pg.Pool({
    // frequent statements are prepared once per connection (prepared.ts)
    Client: PreparingClient,
    connectionString,
    max,
    types: { getTypeParser: ((oid: number, format?: string) => parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser },
  });
  // An idle client losing its server must not crash the process; the next checkout reconnects.
  pool.on('error', () => {});
  // Nor a checked-out one (a server restarted mid-call): its query fails, the call answers an error,
  // and the pool drops the broken client when it is released.
  pool.on('connect', (client) => { client.on('error', () => {}); });
  pool.on('release', (_err, client) => forgetPending(client));
  // read-only calls skip BEGIN and COMMIT (deferred-begin.ts)
  const db = new Kysely<any>({ dialect: new DeferredBeginPostgresDialect({ pool }) });
  return {
    kind: 'pg',
    db,
    pool,
    async runScriptsInTransaction(body) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        await body(async (text, params) => {
          const res = params ? await client.query(text, params) : await client.query(text);
          return Array.isArray(res) ? res.flatMap((r) => r.rows ?? []) : res.rows ?? [];
        });
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => db.destroy(),
  };
}

async function openPGlite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(inMemory ? dataDir : dataDir, { parsers });
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
  return {
    kind: 'pglite',
    db,
    pglite,
    async runScriptsInTransaction(body) {
      // Only ever called before the instance serves requests, so no Kysely query holds PGlite's lock.
      await pglite.transaction(async (tx) => {
        await body(async (text, params) => {
          if (params) return (await tx.query(text, params)).rows;
          const results = await tx.exec(text);
          return results.flatMap((r) => r.rows);
        });
      });
    },
    close: () => db.destroy(),
  };
}

/** True for Postgres errors worth retrying the whole transaction for (Odoo's retrying()). */
export function isRetryableDbError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '40001' || code === '40P01' || code === '55P03';
}
