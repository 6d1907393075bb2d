import {
  CompiledQuery, PostgresDialect,
  type DatabaseConnection, type Driver, type QueryCompiler, type QueryResult, type TransactionSettings,
} from 'kysely';

/**
 * A plain SELECT that reads committed rows and nothing else: no row locks, no advisory locks, no
 * NOTIFY, no sequence, no setting, no clock (inside a transaction the clock is the transaction's
 * start, so a statement reading it must already be in the transaction).
 */
const SELECT = /^\s*\(?\s*select\b/i;
const NOT_A_PLAIN_READ = /\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b|\bpg_(try_)?advisory|\bpg_notify\b|\b(nextval|setval|currval|lastval|set_config)\s*\(|\bnow\s*\(|\b(current_timestamp|current_time|current_date|localtimestamp|localtime|transaction_timestamp|statement_timestamp|clock_timestamp|timeofday)\b/i;

/** Whether `sql` can run before the transaction's BEGIN without any observable difference. */
export function isPlainRead(sql: string): boolean {
  return SELECT.test(sql) && !NOT_A_PLAIN_READ.test(sql);
}

type State = 'none' | 'deferred' | 'begun' | 'failed';

/** A pooled connection whose BEGIN may still be owed. */
class DeferredBeginConnection implements DatabaseConnection {
  state: State = 'none';
  constructor(readonly inner: DatabaseConnection) {}

  /** Sends the owed BEGIN before a statement that is not a plain read. */
  async ensureBegun(): Promise<void> {
    if (this.state === 'failed') throw abortedTransaction();
    if (this.state !== 'deferred') return;
    await this.inner.executeQuery(CompiledQuery.raw('begin'));
    this.state = 'begun';
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.state === 'failed') throw abortedTransaction();
    if (this.state !== 'deferred' || isPlainRead(query.sql)) {
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (err) {
        // in a transaction a failed statement aborts it: what follows fails until the rollback
        if (this.state === 'deferred') this.state = 'failed';
        throw err;
      }
    }
    await this.ensureBegun();
    return this.inner.executeQuery<R>(query);
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize: number, options?: Parameters<DatabaseConnection['streamQuery']>[2]): AsyncIterableIterator<QueryResult<R>> {
    await this.ensureBegun();
    yield* this.inner.streamQuery<R>(query, chunkSize, options);
  }
}

/** Postgres's text for a statement sent after a failed one in the same transaction (SQLSTATE 25P02). */
function abortedTransaction(): Error {
  return Object.assign(new Error('current transaction is aborted, commands ignored until end of transaction block'), { code: '25P02' });
}

/**
 * Defers a transaction's BEGIN to its first statement that is not a plain read (isPlainRead), and
 * skips BEGIN and COMMIT altogether for a transaction that only reads: two round trips less for
 * every read-only RPC call (search_read, read...). Under READ COMMITTED, Postgres's default
 * isolation and the one every call runs at, each statement of a transaction takes its own
 * snapshot of committed rows, so plain reads see exactly the same rows inside or outside the
 * transaction; everything that depends on being inside it (locks, NOTIFY, the transaction clock,
 * writes) starts it first. A transaction asking for an isolation level or access mode begins at
 * once, and so does every transaction on a server whose default isolation is not READ COMMITTED.
 */
class DeferredBeginDriver implements Driver {
  private readonly wrappers = new WeakMap<DatabaseConnection, DeferredBeginConnection>();
  /** Off when the server's default isolation is stricter (one snapshot per transaction). */
  private enabled = false;
  constructor(private readonly inner: Driver) {}

  async init(): Promise<void> {
    await this.inner.init();
    const conn = await this.inner.acquireConnection();
    try {
      const { rows } = await conn.executeQuery<{ default_transaction_isolation: string }>(CompiledQuery.raw('show default_transaction_isolation'));
      this.enabled = rows[0]?.default_transaction_isolation === 'read committed';
    } finally {
      await this.inner.releaseConnection(conn);
    }
  }

  destroy(): Promise<void> { return this.inner.destroy(); }

  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.inner.acquireConnection();
    let wrapper = this.wrappers.get(conn);
    if (!wrapper) this.wrappers.set(conn, (wrapper = new DeferredBeginConnection(conn)));
    return wrapper;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as DeferredBeginConnection;
    c.state = 'none';
    await this.inner.releaseConnection(c.inner);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as DeferredBeginConnection;
    if (!this.enabled || settings.isolationLevel || settings.accessMode) {
      await this.inner.beginTransaction(c.inner, settings);
      c.state = 'begun';
    } else {
      c.state = 'deferred';
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as DeferredBeginConnection;
    const state = c.state;
    c.state = 'none';
    if (state === 'begun') await this.inner.commitTransaction(c.inner);
    else if (state === 'failed') throw abortedTransaction();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as DeferredBeginConnection;
    const state = c.state;
    c.state = 'none';
    if (state === 'begun') await this.inner.rollbackTransaction(c.inner);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    const c = connection as DeferredBeginConnection;
    await c.ensureBegun();
    await this.inner.savepoint!(c.inner, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    const c = connection as DeferredBeginConnection;
    await this.inner.rollbackToSavepoint!(c.inner, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint!((connection as DeferredBeginConnection).inner, name, compile);
  }
}

/** Kysely's PostgresDialect with deferred BEGIN (DeferredBeginDriver). */
export class DeferredBeginPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new DeferredBeginDriver(super.createDriver());
  }
}
