import { BENCH_PASSWORD } from './fixtures.js';
import { RpcClient, pool } from './util.js';

/** Logs users in through /web/session/authenticate; returns their `session_id=...` cookies, in order. */
export async function loginAll(client: RpcClient, logins: string[], concurrency = 8): Promise<string[]> {
  return pool(logins.length, concurrency, async (i) => {
    const { body, cookies } = await client.call('/web/session/authenticate', { db: 'odoo', login: logins[i], password: BENCH_PASSWORD });
    if (body.error || !cookies.session_id) throw new Error(`login ${logins[i]} failed: ${JSON.stringify(body.error ?? body).slice(0, 200)}`);
    return `session_id=${cookies.session_id}`;
  });
}

/** The socket an Odoo 17 tab opens: the bus worker's versioned URL. */
export const WEBSOCKET_PATH = '/websocket?version=17.0-1';
