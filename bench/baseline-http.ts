/**
 * Start-up baseline: a bare Fastify server with a /web/health route, started exactly as the
 * service is (node --import tsx), so the difference is what the service itself does at start.
 */
import fastify from 'fastify';

const app = fastify();
app.get('/web/health', async () => ({ status: 'pass' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
