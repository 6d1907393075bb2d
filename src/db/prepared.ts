import { createHash } from 'node:crypto';
import pg from 'pg';
import { createRequire } from 'node:module';

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
 * Texts with a star other than `count(*)` are left unnamed: a prepared `SELECT *` or `RETURNING *`
 * fails once a migration adds a column. (`count(*)` must not keep a statement unprepared: the
 * channel infos, operator loads and unread counters all count, and planning them took longer than
 * running them.)
 */
export function preparedName(text: string): string | undefined {
  const known = names.get(text);
  if (known) return known;
  if (names.size >= MAX_PREPARED || text.replaceAll('count(*)', '').includes('*')) return undefined;
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
 * SQL comment opening a statement whose result nobody reads, to go out in the same round trip as
 * its transaction's COMMIT: it is answered at once (no rows), and an error it raises fails the commit.
 */
export const WITH_COMMIT = '/* sent with COMMIT */';

/**
 * A pg client that saves round trips, the main cost of a short statement on a small machine:
 *
 * - It runs the instance's frequent parameterised statements as named prepared statements:
 *   Postgres parses and plans each once per connection instead of on every call, which is most of
 *   its work for the short ORM queries of an RPC call.
 * - It sends a transaction's BEGIN in the same packet as the transaction's first statement
 *   (pipelined: BEGIN, the statement, one Sync) instead of waiting for BEGIN's answer first. A BEGIN
 *   followed directly by COMMIT or ROLLBACK sends nothing.
 * - A statement opened by WITH_COMMIT (the bus write, last of a transaction) is held and sent with the
 *   COMMIT that follows it (or before whatever else comes first).
 *
 * What each statement sees and what an error does are unchanged: the server runs the pipelined
 * statements in order and skips the rest after an error, which leaves the transaction aborted
 * exactly as separate round trips would have; the error is the one answered.
 */
export class PreparingClient extends pg.Client {
  /** Statements answered but not sent yet (a BEGIN, a WITH_COMMIT statement): they go out with the next one. */
  pending: Step[] = [];
}

interface Step { text: string; values: unknown[] }
type QueryFn = (...args: unknown[]) => unknown;
/** pg's own mapping of JS values (dates, arrays, buffers, objects) to parameters, as its queries bind them. */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (value: unknown) => unknown };
const plainQuery = pg.Client.prototype.query as QueryFn;
const BEGIN = /^\s*begin\s*;?\s*$/i;
const END = /^\s*(commit|rollback)\s*;?\s*$/i;

/** A result as pg gives for a command without rows. */
const commandResult = (command: string) => ({ command, rowCount: null, oid: null, rows: [], fields: [] });

/**
 * An extended-protocol query preceded, in the same pipeline, by the held steps: Parse/Bind/Execute
 * of each (unnamed), then the query's own messages and Sync. The steps' answers (rows, command
 * tags) are not the query's and are skipped; an error in any of them is the query's error.
 */
class PipelinedQuery extends (pg.Query as unknown as new (config: object, values?: unknown, callback?: unknown) => Record<string, any>) {
  private stepsAnswered = 0;
  private parsedBefore = true;
  constructor(private readonly steps: Step[], config: object, callback: (err: Error | null, result: unknown) => void) {
    super(config, undefined, callback);
  }

  prepare(connection: any): void {
    this.parsedBefore = Boolean(this.hasBeenParsed(connection));
    for (const step of this.steps) {
      connection.parse({ text: step.text, name: '' });
      connection.bind({ portal: '', statement: '', values: step.values, valueMapper: prepareValue });
      connection.execute({ portal: '' });
    }
    super.prepare(connection);
  }

  private inSteps(): boolean { return this.stepsAnswered < this.steps.length; }

  handleRowDescription(msg: unknown): void { if (!this.inSteps()) super.handleRowDescription(msg); }
  handleDataRow(msg: unknown): void { if (!this.inSteps()) super.handleDataRow(msg); }
  handleCommandComplete(msg: unknown, connection: unknown): void {
    if (this.inSteps()) { this.stepsAnswered++; return; }
    super.handleCommandComplete(msg, connection);
  }
  handleEmptyQuery(connection: unknown): void {
    if (this.inSteps()) { this.stepsAnswered++; return; }
    super.handleEmptyQuery(connection);
  }

  handleError(err: unknown, connection: any): void {
    // a step's ParseComplete made the client record the query's named statement as parsed before
    // its own Parse was answered: forget it if that Parse never happened or failed
    if (this.name && !this.parsedBefore && connection?.parsedStatements) delete connection.parsedStatements[this.name];
    super.handleError(err, connection);
  }
}

/**
 * Sends `text` with the held steps before it, in one round trip. When `text` is COMMIT and a step
 * fails, the server skips the COMMIT and the transaction stays open, aborted: it is rolled back,
 * so that a failed commit ends the transaction as a COMMIT refused by the server does.
 */
function pipelined(client: PreparingClient, steps: Step[], text: string, values: unknown[]): Promise<unknown> {
  const name = values.length ? preparedName(text) : undefined;
  const commit = END.exec(text)?.[1]?.toLowerCase() === 'commit';
  return new Promise((resolve, reject) => {
    plainQuery.call(client, new PipelinedQuery(steps, { ...(name ? { name } : {}), text, values, queryMode: 'extended' }, (err, result) => {
      if (!err) return resolve(result);
      if (!commit) return reject(err);
      (plainQuery.call(client, 'ROLLBACK') as Promise<unknown>).then(() => reject(err), () => reject(err));
    }));
  });
}

(PreparingClient.prototype as unknown as { query: QueryFn }).query = function (this: PreparingClient, ...args: unknown[]) {
  const [text, values, callback] = args;
  const noValues = values === undefined || (Array.isArray(values) && !values.length);
  if (typeof text === 'string' && typeof callback !== 'function') {
    if (BEGIN.test(text) && noValues && !this.pending.length) {
      this.pending.push({ text: 'BEGIN', values: [] });
      return Promise.resolve(commandResult('BEGIN'));
    }
    if (text.startsWith(WITH_COMMIT) && this.pending.every((s) => s.text === 'BEGIN')) {
      this.pending.push({ text, values: Array.isArray(values) ? values : [] });
      return Promise.resolve(commandResult('SELECT'));
    }
    if (this.pending.length) {
      const steps = this.pending.splice(0);
      const end = END.exec(text);
      const begun = steps.some((s) => s.text === 'BEGIN');
      // a transaction without any statement sent: nothing to send, or to undo
      if (end && begun && (steps.length === 1 || end[1]!.toLowerCase() === 'rollback')) return Promise.resolve(commandResult(end[1]!.toUpperCase()));
      if (end && !begun && end[1]!.toLowerCase() === 'rollback') return plainQuery.apply(this, args);
      // a statement with parameters is exactly one statement: it goes in the same pipeline; one
      // without may be a script, which the extended protocol refuses: the steps go first on their own
      if (!noValues || end) return pipelined(this, steps, text, Array.isArray(values) ? values : []);
      return flushThen(this, steps, args);
    }
  } else if (this.pending.length) {
    return flushThen(this, this.pending.splice(0), args);
  }
  if (typeof text === 'string' && Array.isArray(values) && values.length) {
    const name = preparedName(text);
    if (name) return plainQuery.call(this, { name, text, values }, callback);
  }
  return plainQuery.apply(this, args);
};

/** Sends the held steps, then the query as asked; a step's error is the query's. */
function flushThen(client: PreparingClient, steps: Step[], args: unknown[]): unknown {
  const flushed = pipelined(client, steps, 'SELECT 1', []);
  const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] as (err: Error | null, res?: unknown) => void : undefined;
  if (callback) {
    const rest = args.slice(0, -1);
    flushed.then(() => plainQuery.call(client, ...rest, callback), (err: Error) => callback(err));
    return undefined;
  }
  const result = plainQuery.apply(client, args);
  if (!(result instanceof Promise)) return result;
  return flushed.then(() => result, (err) => { result.catch(() => {}); throw err; });
}

/** A client going back to the pool never carries held statements into someone else's work. */
export function forgetPending(client: unknown): void {
  if (client instanceof PreparingClient) client.pending = [];
}
