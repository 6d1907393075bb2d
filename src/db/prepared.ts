import { createHash } from 'node:crypto';
import pg from 'pg';

/** A statement text becomes a prepared statement once it has been run this many times by the instance. */
const HOT_AFTER = 3;
/** At most this many distinct prepared statements per instance (each connection prepares those it runs). */
const MAX_PREPARED = 1000;
/** Counting stops remembering cold texts past this many (texts such as long `IN (...)` lists vary). */
const MAX_COUNTED = 20_000;

const counts = new Map<string, number>();
const names = new Map<string, string>();

/**
 * The prepared-statement name for a parameterised statement the instance runs often, or undefined.
 * Texts with `*` are left unnamed: a prepared `SELECT *` fails once a migration adds a column.
 */
export function preparedName(text: string): string | undefined {
  const known = names.get(text);
  if (known) return known;
  if (names.size >= MAX_PREPARED || text.includes('*')) return undefined;
  const n = (counts.get(text) ?? 0) + 1;
  if (n < HOT_AFTER) {
    if (counts.size >= MAX_COUNTED) counts.clear();
    counts.set(text, n);
    return undefined;
  }
  counts.delete(text);
  const name = `lc_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  names.set(text, name);
  return name;
}

/**
 * A pg client that saves round trips, the main cost of a short statement on a small machine:
 *
 * - It runs the instance's frequent parameterised statements as named prepared statements:
 *   Postgres parses and plans each once per connection instead of on every call, which is most of
 *   its work for the short ORM queries of an RPC call.
 * - It sends a transaction's BEGIN in the same packet as the transaction's first statement
 *   (pipelined: BEGIN, the statement, one Sync) instead of waiting for BEGIN's answer first. A BEGIN
 *   followed directly by COMMIT or ROLLBACK sends nothing. What the statement sees and what an
 *   error does are unchanged: the server runs the two in order, and a failing statement leaves the
 *   transaction aborted exactly as it would have after a separate BEGIN.
 *
 * Everything else goes through as is.
 */
export class PreparingClient extends pg.Client {
  /** A BEGIN answered but not sent yet: it goes out with the next statement. */
  beginPending = false;
}

type QueryFn = (...args: unknown[]) => unknown;
const plainQuery = pg.Client.prototype.query as QueryFn;
const BEGIN = /^\s*begin\s*;?\s*$/i;
const END = /^\s*(commit|rollback)\s*;?\s*$/i;

/** A result as pg gives for a command without rows. */
const commandResult = (command: string) => ({ command, rowCount: null, oid: null, rows: [], fields: [] });

/**
 * An extended-protocol query preceded by BEGIN in the same pipeline: Parse/Bind/Execute of BEGIN,
 * then the query's own messages and Sync. The server answers BEGIN's CommandComplete first; it is
 * not the query's, so it is skipped.
 */
class BeginThenQuery extends (pg.Query as unknown as new (config: object, values?: unknown, callback?: unknown) => Record<string, any>) {
  private beginAnswered = false;
  private parsedBefore = true;

  prepare(connection: any): void {
    this.parsedBefore = Boolean(this.hasBeenParsed(connection));
    connection.parse({ text: 'BEGIN', name: '' });
    connection.bind({ portal: '', statement: '', values: [] });
    connection.execute({ portal: '' });
    super.prepare(connection);
  }

  handleCommandComplete(msg: unknown, connection: unknown): void {
    if (!this.beginAnswered) { this.beginAnswered = true; return; }
    super.handleCommandComplete(msg, connection);
  }

  handleError(err: unknown, connection: any): void {
    // BEGIN's ParseComplete made the client record a named statement as parsed before its own
    // Parse was answered: forget it if that Parse is what failed
    if (this.name && !this.parsedBefore && connection?.parsedStatements) delete connection.parsedStatements[this.name];
    super.handleError(err, connection);
  }
}

(PreparingClient.prototype as unknown as { query: QueryFn }).query = function (this: PreparingClient, ...args: unknown[]) {
  const [text, values, callback] = args;
  if (typeof text === 'string' && typeof callback !== 'function') {
    if (BEGIN.test(text) && !this.beginPending && (values === undefined || (Array.isArray(values) && !values.length))) {
      this.beginPending = true;
      return Promise.resolve(commandResult('BEGIN'));
    }
    if (this.beginPending) {
      this.beginPending = false;
      const end = END.exec(text);
      // a transaction without any statement: nothing to send
      if (end) return Promise.resolve(commandResult(end[1]!.toUpperCase()));
      if (Array.isArray(values) && values.length) {
        const name = preparedName(text);
        return new Promise((resolve, reject) => {
          plainQuery.call(this, new BeginThenQuery({ ...(name ? { name } : {}), text, values }, undefined, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result))));
        });
      }
      // a statement without parameters may hold several: BEGIN goes first on its own
      void (plainQuery.call(this, 'BEGIN') as Promise<unknown>).catch(() => {});
      return plainQuery.apply(this, args);
    }
  } else if (this.beginPending) {
    // anything else (a query object, a callback): BEGIN goes first on its own, in order
    this.beginPending = false;
    void (plainQuery.call(this, 'BEGIN') as Promise<unknown>).catch(() => {});
    return plainQuery.apply(this, args);
  }
  if (typeof text === 'string' && Array.isArray(values) && values.length) {
    const name = preparedName(text);
    if (name) return plainQuery.call(this, { name, text, values }, callback);
  }
  return plainQuery.apply(this, args);
};

/** A client going back to the pool never carries a BEGIN into someone else's work. */
export function forgetPendingBegin(client: unknown): void {
  if (client instanceof PreparingClient) client.beginPending = false;
}
