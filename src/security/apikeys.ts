import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.js';
import { hashPassword, verifyPassword } from './password.js';

/**
 * API keys (res.users.apikeys in odoo/addons/base/models/res_users.py): 20 random bytes shown once
 * as 40 hex digits, stored as a passlib pbkdf2-sha512 hash, found by their first 8 digits kept in
 * clear (the `index` column).
 */
export const API_KEY_SIZE = 20;
export const API_KEY_INDEX_SIZE = 8;
/** KEY_CRYPT_CONTEXT: keys are random, so Odoo hashes them with few rounds. */
export const API_KEY_ROUNDS = 6000;

/**
 * Keys verified before, by digest of the key: the hash they matched and its user. A hit counts only
 * while that hash is still a row of a valid key, read afresh on every call, so a revoked or expired
 * key stops working at once.
 */
const verified = new Map<string, { hash: string; userId: number }>();
const MAX_CACHE = 10_000;

/**
 * `res.users.apikeys._check_credentials(scope=..., key=...)`: the user of an unexpired key of an
 * active user whose scope is the one asked or none ('rpc' is what the External API asks for, so
 * keys created for a narrower scope do not open it); undefined otherwise.
 */
export async function checkApiKey(db: Db | Trx, key: unknown, scope = 'rpc'): Promise<number | undefined> {
  if (typeof key !== 'string' || key.length < API_KEY_INDEX_SIZE) return undefined;
  const { rows } = await sql<{ user_id: number; key: string }>`
    SELECT k.user_id, k.key FROM res_users_apikeys k JOIN res_users u ON u.id = k.user_id
    WHERE u.active AND k.index = ${key.slice(0, API_KEY_INDEX_SIZE)}
      AND (k.scope IS NULL OR k.scope = ${scope})
      AND (k.expiration_date IS NULL OR k.expiration_date >= (now() AT TIME ZONE 'utc'))`.execute(db);
  if (!rows.length) return undefined;
  const digest = createHash('sha256').update(key).digest('hex');
  const known = verified.get(digest);
  if (known && rows.some((r) => r.key === known.hash && r.user_id === known.userId)) return known.userId;
  for (const row of rows) {
    if (await verifyPassword(key, row.key)) {
      if (verified.size >= MAX_CACHE) verified.clear();
      verified.set(digest, { hash: row.key, userId: row.user_id });
      return row.user_id;
    }
  }
  return undefined;
}

/**
 * `res.users.apikeys._generate(scope, name)`: a new key for `uid`, returned in clear this once and
 * stored only hashed. `scope` null makes a key valid for every scope.
 */
export async function generateApiKey(trx: Trx, uid: number, scope: string | null, name: string, expirationDate: string | null = null): Promise<string> {
  const key = randomBytes(API_KEY_SIZE).toString('hex');
  const hash = await hashPassword(key, API_KEY_ROUNDS);
  await sql`INSERT INTO res_users_apikeys (name, user_id, scope, index, key, expiration_date)
    VALUES (${name}, ${uid}, ${scope}, ${key.slice(0, API_KEY_INDEX_SIZE)}, ${hash}, ${expirationDate})`.execute(trx);
  return key;
}
