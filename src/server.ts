import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const app = await buildApp(config);

/**
 * SIGTERM (docker stop, a rolling restart) or SIGINT: Fastify stops accepting (new requests get
 * 503, which nginx retries on another instance), websocket clients are closed with 1001 so Odoo's
 * worker reconnects (to another instance) and resumes from its last notification id, calls in
 * flight finish, then the bus releases its LISTEN connection and the pool closes: exit 0. Whatever
 * is still running after SHUTDOWN_GRACE_SECONDS is abandoned: exit 1.
 */
closeWithGrace({
  delay: config.shutdownGraceSeconds * 1000,
  logger: { error: (msg: unknown) => app.log.error(msg) },
}, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal, grace_seconds: config.shutdownGraceSeconds }, 'shutting down');
  await app.close();
  app.log.info('stopped');
});

await app.listen({ port: config.port, host: config.host });
