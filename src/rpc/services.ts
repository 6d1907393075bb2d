import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import { AccessDenied, AccessError, OdooError, PythonError, UserError, pyTypeName, typeError, valueError } from '../errors.js';
import { callKw } from '../orm/dispatch.js';
import { runInTransaction } from '../orm/transaction.js';
import { authenticate, checkCredentials } from '../security/auth.js';
import type { ThrottleSource } from '../security/throttle.js';
import { versionInfo } from './version.js';

/** psycopg2's error for a database name that does not exist (what Odoo answers for a wrong db). */
export function unknownDatabase(db: unknown): OdooError {
  return new OdooError('psycopg2.OperationalError', `connection to server failed: FATAL:  database "${String(db)}" does not exist\n`);
}

type PyFunction = (...args: unknown[]) => Promise<unknown>;

/**
 * A Python function with its signature: positional arguments are checked as Python checks them
 * (`exp_login() missing 1 required positional argument: 'password'`), then passed on.
 */
function pyFunction(name: string, required: string[], optional: [string, unknown][], fn: PyFunction, varArgs = false): (args: unknown[]) => Promise<unknown> {
  const max = required.length + optional.length;
  return (args) => {
    if (args.length < required.length) {
      const missing = required.slice(args.length).map((n) => `'${n}'`);
      const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}`;
      throw typeError(`${name}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
    }
    if (!varArgs && args.length > max) {
      const takes = optional.length ? `from ${required.length} to ${max}` : `${max}`;
      throw typeError(`${name}() takes ${takes} positional argument${max === 1 && !optional.length ? '' : 's'} but ${args.length} ${args.length === 1 ? 'was' : 'were'} given`);
    }
    const full = [...args];
    for (let i = args.length; i < max; i++) full.push(optional[i - required.length]![1]);
    return fn(...full);
  };
}

/** Python's `int(value)` as model.dispatch applies it to the uid. */
function pyInt(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw valueError(`cannot convert float ${value > 0 ? 'infinity' : value < 0 ? '-infinity' : 'NaN'} to integer`);
    return Math.trunc(value);
  }
  if (typeof value === 'string') {
    if (/^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return Number(value.replace(/_/g, '').trim());
    throw valueError(`invalid literal for int() with base 10: '${value}'`);
  }
  throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`);
}

const PRIVATE_METHOD = /^(_.*|init)$/;

/** db service methods that need the master password (odoo/service/db.py); this service has none. */
const MASTER_PASSWORD_METHODS = new Set([
  'create_database', 'duplicate_database', 'drop', 'dump', 'restore', 'rename',
  'change_admin_password', 'migrate_databases', 'list_countries',
]);

/**
 * The RPC services behind `/jsonrpc` and `/xmlrpc/2/*` (odoo/service/common.py, model.py, db.py).
 * `args` are positional, exactly as clients send them.
 */
export function rpcServices(app: FastifyInstance, config: Config) {
  const checkDb = (db: unknown) => { if (db !== config.dbName) throw unknownDatabase(db); };

  /** common.exp_authenticate: uid or false; runs non-interactively, so API keys are accepted. */
  const login = async (db: unknown, user: unknown, password: unknown): Promise<number | false> => {
    checkDb(db);
    try { return await authenticate(app.db, user, password, { interactive: false }); } catch (err) {
      if (err instanceof AccessDenied) return false;
      throw err;
    }
  };

  const common: Record<string, (args: unknown[]) => Promise<unknown>> = {
    version: pyFunction('exp_version', [], [], async () => versionInfo()),
    login: pyFunction('exp_login', ['db', 'login', 'password'], [], async (db, user, password) => login(db, user, password)),
    authenticate: pyFunction('exp_authenticate', ['db', 'login', 'password', 'user_agent_env'], [], async (db, user, password) => login(db, user, password)),
    about: pyFunction('exp_about', [], [['extended', false]], async (extended) => (extended ? ['See http://openerp.com', '17.0'] : 'See http://openerp.com')),
    set_loglevel: pyFunction('exp_set_loglevel', ['loglevel'], [['logger', null]], async () => true),
  };

  const dbService: Record<string, (args: unknown[]) => Promise<unknown>> = {
    list: pyFunction('exp_list', [], [['document', false]], async () => [config.dbName]),
    db_exist: pyFunction('exp_db_exist', ['db_name'], [], async (name) => name === config.dbName),
    server_version: pyFunction('exp_server_version', [], [], async () => '17.0'),
    list_lang: pyFunction('exp_list_lang', [], [], async () => {
      const { rows } = await sql<{ code: string; name: string }>`SELECT code, name FROM res_lang ORDER BY name`.execute(app.db);
      return rows.map((r) => [r.code, r.name]);
    }),
  };

  /**
   * object service (odoo/service/model.py dispatch): credentials first, then the method name, then
   * `execute(db, uid, obj, method, *args)` or `execute_kw(db, uid, obj, method, args, kw=None)`.
   */
  async function object(method: string, args: unknown[], limit?: ThrottleSource): Promise<unknown> {
    if (args.length < 3) throw new PythonError('IndexError', 'list index out of range');
    const [db, rawUid, password] = args;
    const uid = pyInt(rawUid);
    checkDb(db);
    const userId = await checkCredentials(app.db, uid, password, limit);
    const run = async (model: unknown, name: unknown, positional: unknown, keywords: unknown) => {
      if (typeof name !== 'string') throw new PythonError('AttributeError', `'${pyTypeName(name)}' object has no attribute 'startswith'`);
      if (PRIVATE_METHOD.test(name)) throw new AccessError(`Private methods (such as ${name}) cannot be called remotely.`);
      if (typeof model !== 'string' || !app.registry.get(model)) throw new UserError(`Object ${String(model)} doesn't exist`);
      return runInTransaction(app.database, app.registry, userId, {}, (env) => callKw(env, model, name, positional, keywords ?? {}));
    };
    const rest = args.slice(3);
    if (method === 'execute') {
      return pyFunction('execute', ['db', 'uid', 'obj', 'method'], [], (_db, _uid, model, name, ...positional) => run(model, name, positional, {}), true)([db, uid, ...rest]);
    }
    if (method === 'execute_kw') {
      return pyFunction('execute_kw', ['db', 'uid', 'obj', 'method', 'args'], [['kw', null]], (_db, _uid, model, name, positional, keywords) => run(model, name, positional, keywords))([db, uid, ...rest]);
    }
    throw new PythonError('NameError', `Method not available ${method}`);
  }

  /**
   * Dispatches one call to a service, raising what Odoo raises for unknown services and methods.
   * `limit` throttles wrong passwords of the caller's address (common.login/authenticate, object).
   */
  return async function dispatch(service: unknown, method: unknown, args: unknown, limit?: ThrottleSource): Promise<unknown> {
    if (typeof service !== 'string' || !['common', 'db', 'object'].includes(service)) {
      // odoo.http.dispatch_rpc looks the service up in a dict
      throw new PythonError('KeyError', String(service), [service]);
    }
    if (typeof method !== 'string') throw typeError(`can only concatenate str (not "${pyTypeName(method)}") to str`);
    if (args === null || typeof args !== 'object') throw typeError(`argument after * must be an iterable, not ${pyTypeName(args)}`);
    const list = Array.isArray(args) ? args : Object.keys(args as object);
    switch (service) {
      case 'common': {
        const fn = common[method];
        if (!fn) throw new PythonError('Exception', `Method not found: ${method}`);
        if (!limit || (method !== 'login' && method !== 'authenticate')) return fn(list);
        // exp_authenticate answers false for a wrong password; during a cooldown it raises AccessDenied, as Odoo's
        limit.throttle.check(list[1], limit.source);
        const uid = await fn(list);
        if (uid === false) limit.throttle.failed(list[1], limit.source); else limit.throttle.succeeded(list[1], limit.source);
        return uid;
      }
      case 'db': {
        const fn = dbService[method];
        if (fn) return fn(list);
        if (MASTER_PASSWORD_METHODS.has(method)) {
          if (!list.length) throw new PythonError('IndexError', 'list index out of range');
          throw new AccessDenied();
        }
        throw new PythonError('KeyError', `Method not found: ${method}`);
      }
      default:
        return object(method, list, limit);
    }
  };
}
