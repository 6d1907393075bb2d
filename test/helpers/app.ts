import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';

export interface TestContext { teardown(fn: () => unknown): void }

/**
 * A fresh service for one test file: an in-memory PGlite database by default, or, when
 * TEST_DATABASE_URL is set, a new Postgres database created for this file and dropped after it.
 * `options` go to buildApp (e.g. shorter websocket timers).
 */
export async function testApp(t: TestContext, env: Record<string, string> = {}, options: BuildOptions = {}): Promise<{ app: FastifyInstance; config: Config }> {
  // abuse limits are off unless a test sets them: most files open many sessions from one address
  const base = {
    DATA_DIR: 'memory://', PASSWORD_HASH_ROUNDS: '1000', LOG_LEVEL: 'silent',
    RATE_LIMIT_SESSIONS_PER_MINUTE: '0', RATE_LIMIT_MESSAGES_PER_MINUTE: '0', LOGIN_COOLDOWN_AFTER: '0',
    ...env,
  };
  const url = process.env.TEST_DATABASE_URL;
  let databaseUrl: string | undefined;
  if (url) {
    const name = `lcrpc_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
    await admin.end();
    const u = new URL(url);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    t.teardown(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    });
  }
  const config = loadConfig({ ...base, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) } as NodeJS.ProcessEnv);
  const app = await buildApp(config, { logger: false, ...options });
  t.teardown(() => app.close());
  return { app, config };
}

export interface RpcBody { jsonrpc: string; id: unknown; result?: any; error?: { code: number; message: string; data: { name: string; message: string; arguments: unknown[]; context: object; debug: string } } }

export async function jsonRpc(app: FastifyInstance, url: string, params: unknown, cookie?: string): Promise<{ res: LightMyRequestResponse; body: RpcBody }> {
  const res = await app.inject({
    method: 'POST', url,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    payload: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params }),
  });
  return { res, body: res.json() as RpcBody };
}

/** Logs in through /web/session/authenticate and returns the `session_id=...` cookie. */
export async function login(app: FastifyInstance, user = 'admin', password = 'admin', db = 'odoo'): Promise<string> {
  const { res, body } = await jsonRpc(app, '/web/session/authenticate', { db, login: user, password });
  if (body.error) throw new Error(`login failed: ${body.error.data.message}`);
  const setCookie = res.headers['set-cookie'];
  return String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;
}

/** `call_kw` as the web client sends it; returns the whole JSON-RPC body. */
export async function callKw(app: FastifyInstance, cookie: string, model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<RpcBody> {
  const { body } = await jsonRpc(app, `/web/dataset/call_kw/${model}/${method}`, { model, method, args, kwargs }, cookie);
  return body;
}

/** Like callKw but returns the result, failing loudly on an error. */
export async function call(app: FastifyInstance, cookie: string, model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<any> {
  const body = await callKw(app, cookie, model, method, args, kwargs);
  if (body.error) throw new Error(`${model}.${method} failed: ${body.error.data.name}: ${body.error.data.message}`);
  return body.result;
}
