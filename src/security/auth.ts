import { createHash, createHmac } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { AccessDenied } from '../errors.js';
import { checkApiKey } from './apikeys.js';
import { verifyPassword } from './password.js';
import type { ThrottleSource } from './throttle.js';

interface UserCredentials { id: number; password: string | null; active: boolean; login: string }

/**
 * Password checks cost ~0.3 s at Odoo's 600k rounds, and the External API checks the password on
 * every call (res.users.check). A successful check is remembered per (uid, password digest) for as
 * long as the stored hash is the same one, so a password change invalidates it at once.
 */
const verified = new Map<string, string>();
const MAX_CACHE = 10_000;

function cacheKey(uid: number, password: string): string {
  return `${uid}:${createHash('sha256').update(password).digest('hex')}`;
}

async function matches(user: UserCredentials, password: string): Promise<boolean> {
  if (!user.password) return false;
  const key = cacheKey(user.id, password);
  if (verified.get(key) === user.password) return true;
  if (!(await verifyPassword(password, user.password))) return false;
  if (verified.size >= MAX_CACHE) verified.clear();
  verified.set(key, user.password);
  return true;
}

/**
 * `_check_credentials`: the password, or (for non-interactive logins: External API) an API key of
 * scope `rpc` belonging to this user (res.users.apikeys._check_credentials(...) == uid). Keys are
 * looked up first: found by their index prefix and hashed with few rounds, they cost far less than
 * a password check that is bound to fail for them.
 */
async function credentialsMatch(db: Db, user: UserCredentials, password: string, interactive: boolean): Promise<boolean> {
  if (!interactive && (await checkApiKey(db, password, 'rpc')) === user.id) return true;
  return matches(user, password);
}

/**
 * `res.users.authenticate` / `_login`: the uid for login + password, or AccessDenied. Archived users
 * cannot log in. Interactive logins (the web client's /web/session/authenticate) take the password
 * only; the External API (`common.login` / `authenticate`) also accepts an API key.
 */
export async function authenticate(db: Db, login: unknown, password: unknown, opts: { interactive?: boolean; limit?: ThrottleSource } = {}): Promise<number> {
  const interactive = opts.interactive ?? true;
  const limit = opts.limit;
  // `_assert_can_auth`: a login cooling down is refused before its password is looked at
  limit?.throttle.check(login, limit.source);
  if (typeof login !== 'string' || typeof password !== 'string' || !login || !password) throw new AccessDenied();
  const { rows } = await sql<UserCredentials>`SELECT id, password, active, login FROM res_users WHERE login = ${login} AND active`.execute(db);
  const user = rows[0];
  if (!user || !(await credentialsMatch(db, user, password, interactive))) {
    limit?.throttle.failed(login, limit.source);
    throw new AccessDenied();
  }
  limit?.throttle.succeeded(login, limit.source);
  await sql`UPDATE res_users SET login_date = (now() AT TIME ZONE 'utc') WHERE id = ${user.id}`.execute(db);
  return user.id;
}

/** `res.users.check(db, uid, passwd)`, run by the External API on every `object` call (password or API key). */
export async function checkCredentials(db: Db, uid: unknown, password: unknown, limit?: ThrottleSource): Promise<number> {
  const id = typeof uid === 'number' ? uid : typeof uid === 'string' && /^\d+$/.test(uid) ? Number(uid) : NaN;
  // every External API call carries the password: guessing through it is throttled like a login (keyed by uid)
  const key = `uid:${Number.isInteger(id) ? id : String(uid)}`;
  limit?.throttle.check(key, limit.source);
  if (!Number.isInteger(id) || typeof password !== 'string' || !password) throw new AccessDenied();
  // an id beyond res_users.id's int4 is no user (Odoo's query compares it as a bigint and finds
  // none); sent as an int4 parameter it would fail in Postgres instead
  const { rows } = id >= -2147483648 && id <= 2147483647
    ? await sql<UserCredentials>`SELECT id, password, active, login FROM res_users WHERE id = ${id} AND active`.execute(db)
    : { rows: [] as UserCredentials[] };
  const user = rows[0];
  if (!user || !(await credentialsMatch(db, user, password, false))) {
    limit?.throttle.failed(key, limit.source);
    throw new AccessDenied();
  }
  limit?.throttle.succeeded(key, limit.source);
  return user.id;
}

/**
 * `res.users._check_credentials(password, {'interactive': True})` for the user `uid`: the password
 * itself, never an API key (the identity check before making or removing keys).
 */
export async function checkPassword(db: Db, uid: number, password: unknown): Promise<boolean> {
  if (typeof password !== 'string' || !password) return false;
  const { rows } = await sql<UserCredentials>`SELECT id, password, active, login FROM res_users WHERE id = ${uid} AND active`.execute(db);
  return rows[0] ? matches(rows[0], password) : false;
}

/**
 * The session token ties a session to the security-relevant state of its user (Odoo's
 * `_compute_session_token`): changing the password or archiving the user ends every session.
 */
export function sessionToken(secret: string, sid: string, user: { id: number; login: string; password: string | null; active: boolean }): string {
  return createHmac('sha256', secret).update(`${sid}\0${user.id}\0${user.login}\0${user.password ?? ''}\0${user.active}`).digest('hex');
}
