import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { listMigrations, pendingMigrations } from '../db/migrate.js';

/** A readiness probe answers within this, even when the database hangs instead of refusing. */
const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The instance's lifecycle as a load balancer or orchestrator sees it:
 * - `GET /web/health/ready`, the readiness probe (`/web/health` stays Odoo's liveness check): 200
 *   when the database answers, no migration on disk is pending and (on PostgreSQL) the bus LISTEN
 *   connection is up; otherwise 503 naming the failing checks. While the instance shuts down,
 *   Fastify answers 503 to every new request (`return503OnClosing`), this one included.
 * - On shutdown, answers still being written carry `Connection: close`: a keep-alive connection
 *   would otherwise hold the server open until its idle timeout (72 s), past any grace period.
 */
export default fp(async (app) => {
  // read once: files on disk do not change while the process runs
  const onDisk = listMigrations();
  let closing = false;
  app.addHook('preClose', (done) => { closing = true; done(); });
  app.addHook('onSend', async (_request, reply) => { if (closing) reply.header('Connection', 'close'); });

  app.get('/web/health/ready', async (_request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const checks: Record<string, string> = {};
    let pending: string[] = [];
    try {
      await withTimeout(sql`SELECT 1`.execute(app.db), CHECK_TIMEOUT_MS);
      checks.database = 'pass';
      pending = await withTimeout(pendingMigrations(app.database, onDisk), CHECK_TIMEOUT_MS);
      checks.migrations = pending.length ? 'fail' : 'pass';
    } catch (err) {
      checks.database = `fail: ${(err as Error).message}`;
      checks.migrations = 'unknown';
    }
    if (app.database.kind === 'pg') checks.bus_listener = app.busService.listener.connected ? 'pass' : 'fail';
    const ok = Object.values(checks).every((v) => v === 'pass');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'pass' : 'fail', checks, ...(pending.length ? { pending_migrations: pending } : {}) });
  });
}, { name: 'odoo-lifecycle', dependencies: ['odoo-db', 'odoo-bus'] });
