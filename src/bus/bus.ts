import { sql } from 'kysely';
import type { Database, Trx } from '../db/database.js';
import { WITH_COMMIT } from '../db/prepared.js';
import type { Env } from '../orm/env.js';
import { channelKey, channelOf, type Target } from './channels.js';

/** Serialises bus writes from insert to commit, so ids become visible in increasing order. */
export const BUS_WRITE_LOCK = 0x0d00_17_02;
/** Held by the one instance cleaning the replay window. */
const BUS_GC_LOCK = 0x0d00_17_03;
/** Odoo's limit for one NOTIFY payload (ODOO_NOTIFY_PAYLOAD_MAX_LENGTH). */
export const NOTIFY_PAYLOAD_MAX = 8000;
/** A client without a `last` id gets what was sent in the last 50 s (bus.bus._poll, 2 x TIMEOUT / 2). */
const FIRST_POLL_SECONDS = 50;

const QUEUE = Symbol('bus.queue');

/** A stored notification; `message` is its JSON text. */
export interface BusRow { id: number; channel: string; message: string; create_date: string }

/** A notification as clients receive it: `{"id": N, "message": {type, payload}}`. */
export const notificationJson = (row: BusRow): string => `{"id":${row.id},"message":${row.message}}`;
interface Pending { channel: string; message: string }
/** A call's notifications waiting for its pre-commit write. */
interface Queue { pending: Pending[]; scheduled: boolean }

/**
 * Splits channel keys into JSON arrays each shorter than the NOTIFY payload limit, counted in bytes
 * as Postgres does (Odoo splits the same way). The payload is only a hint (fan-out reads the table),
 * so a channel too long for any payload is left out rather than failing the sender's transaction;
 * there is always at least one payload, so the commit is still announced.
 */
export function notifyPayloads(channels: string[], max = NOTIFY_PAYLOAD_MAX): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let size = 2; // the brackets
  for (const c of channels) {
    const bytes = Buffer.byteLength(c);
    if (bytes + 2 >= max) continue;
    const added = bytes + (current.length ? 1 : 0);
    if (current.length && size + added >= max) {
      out.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    size += bytes + (current.length ? 1 : 0);
    current.push(c);
  }
  if (current.length || !out.length) out.push(`[${current.join(',')}]`);
  return out;
}

/**
 * The bus of one instance (bus.bus _sendone/_sendmany/_poll). Notifications are queued on the
 * call's environment and written in its transaction just before commit, together with a NOTIFY
 * that Postgres (and PGlite) delivers only if the transaction commits: a rollback sends nothing.
 */
export class Bus {
  /** Notifications written by this instance since start. */
  written = 0;

  constructor(private readonly database: Database, readonly dbName: string, private readonly replaySeconds: number) {}

  /** `bus._sendone(target, type, payload)` inside the caller's transaction. */
  send(env: Env, target: Target, type: string, payload: unknown): void {
    const queue = env.service(QUEUE, (): Queue => ({ pending: [], scheduled: false }));
    queue.pending.push({ channel: channelKey(channelOf(this.dbName, target)), message: JSON.stringify({ type, payload }) });
    if (queue.scheduled) return;
    // a send from a pre-commit hook running after the write schedules another write
    queue.scheduled = true;
    env.beforeCommit(() => {
      queue.scheduled = false;
      return this.write(env.trx, queue.pending);
    });
  }

  /** Sends in a transaction of its own (presence changes and other events without a caller transaction). */
  async sendNow(notifications: { target: Target; type: string; payload: unknown }[]): Promise<void> {
    if (!notifications.length) return;
    const pending = notifications.map((n) => ({ channel: channelKey(channelOf(this.dbName, n.target)), message: JSON.stringify({ type: n.type, payload: n.payload }) }));
    await this.database.db.transaction().execute((trx) => this.write(trx, pending));
  }

  /**
   * Writes a call's notifications and its NOTIFYs in one statement: on Postgres the write lock is
   * taken first (the rows to insert are joined with it, so no id is drawn before the lock is
   * held), then the rows, then one pg_notify per payload, delivered by the commit.
   */
  private async write(trx: Trx, pending: Pending[]): Promise<void> {
    if (!pending.length) return;
    const batch = pending.splice(0);
    const values = sql.join(batch.map((p) => sql`(${p.channel}, ${p.message})`));
    const payloads = notifyPayloads([...new Set(batch.map((p) => p.channel))]);
    const lock = this.database.kind === 'pg'
      ? sql`SELECT pg_advisory_xact_lock(${BUS_WRITE_LOCK})`
      : sql`SELECT 1`;
    // on Postgres the statement goes out with the COMMIT that follows it: one round trip less, and
    // the write lock is held for no round trip at all (its rows are not read)
    const sendWithCommit = this.database.kind === 'pg' ? sql.raw(WITH_COMMIT) : sql``;
    await sql`${sendWithCommit} WITH _lock AS MATERIALIZED (${lock}),
      _rows AS (INSERT INTO bus_bus (channel, message) SELECT v.channel, v.message FROM _lock, (VALUES ${values}) AS v(channel, message) RETURNING id)
      SELECT pg_notify('imbus', p) FROM unnest(${sql.val(payloads)}::text[]) AS p, (SELECT count(*) FROM _rows) AS _n`.execute(trx);
    this.written += batch.length;
  }

  /** Every notification after `cursor`, whatever its channel: one read serves all sockets of the instance. */
  async rowsAfter(cursor: number, limit: number): Promise<BusRow[]> {
    const { rows } = await sql<BusRow>`SELECT id, channel, message, create_date FROM bus_bus WHERE id > ${cursor} ORDER BY id LIMIT ${limit}`.execute(this.database.db);
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** `bus.bus._poll(channels, last)`: id > last, or the last 50 s when last is 0. */
  async poll(channels: string[], last: number): Promise<BusRow[]> {
    if (!channels.length) return [];
    const cond = last > 0
      ? sql`id > ${last}`
      : sql`create_date > (now() AT TIME ZONE 'utc') - make_interval(secs => ${FIRST_POLL_SECONDS})`;
    const { rows } = await sql<BusRow>`SELECT id, channel, message, create_date FROM bus_bus
      WHERE channel IN (${sql.join(channels)}) AND ${cond} ORDER BY id`.execute(this.database.db);
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async maxId(): Promise<number> {
    const { rows } = await sql<{ id: number | null }>`SELECT max(id) AS id FROM bus_bus`.execute(this.database.db);
    return Number(rows[0]?.id ?? 0);
  }

  /**
   * Where a client resuming from `last` continues (ir.websocket._subscribe): from 0 when `last` is
   * beyond any id ever written (the database was reset), and `missed` when notifications after
   * `last` were already removed by the replay-window clean-up. An empty table after a clean-up is
   * not a reset: ids up to `deleted_up_to` did exist.
   */
  async resumeFrom(last: number): Promise<{ from: number; missed: boolean }> {
    if (!(last > 0)) return { from: 0, missed: false };
    const newest = await this.maxId();
    const deleted = await this.deletedUpTo();
    if (last > Math.max(newest, deleted)) return { from: 0, missed: false };
    return { from: last, missed: last < deleted };
  }

  /** The highest id removed by the replay-window clean-up. */
  async deletedUpTo(): Promise<number> {
    const { rows } = await sql<{ deleted_up_to: number }>`SELECT deleted_up_to FROM bus_gc_state WHERE id = 1`.execute(this.database.db);
    return Number(rows[0]?.deleted_up_to ?? 0);
  }

  /** Deletes notifications older than the replay window; one instance at a time. Returns the count. */
  async collectGarbage(): Promise<number> {
    return this.database.db.transaction().execute(async (trx) => {
      if (this.database.kind === 'pg') {
        const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${BUS_GC_LOCK}) AS ok`.execute(trx);
        if (!rows[0]?.ok) return 0;
      }
      const { rows } = await sql<{ id: number }>`DELETE FROM bus_bus
        WHERE create_date < (now() AT TIME ZONE 'utc') - make_interval(secs => ${this.replaySeconds}) RETURNING id`.execute(trx);
      if (rows.length) {
        const top = rows.reduce((max, r) => Math.max(max, Number(r.id)), 0);
        await sql`UPDATE bus_gc_state SET deleted_up_to = GREATEST(deleted_up_to, ${top}) WHERE id = 1`.execute(trx);
      }
      return rows.length;
    });
  }
}
