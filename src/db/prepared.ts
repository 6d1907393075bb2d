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
 * A pg client that runs the instance's frequent parameterised statements as named prepared
 * statements: Postgres parses and plans each once per connection instead of on every call, which
 * is most of its work for the short ORM queries of an RPC call. Everything else goes through as is.
 */
export class PreparingClient extends pg.Client {}

const plainQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(PreparingClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  const [text, values, callback] = args;
  if (typeof text === 'string' && Array.isArray(values) && values.length) {
    const name = preparedName(text);
    if (name) return plainQuery.call(this, { name, text, values }, callback);
  }
  return plainQuery.apply(this, args);
};
