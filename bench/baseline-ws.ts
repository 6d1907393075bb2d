/**
 * Fan-out baseline: Fastify and @fastify/websocket (the service's own stack) with nothing on top:
 * sockets that are only kept open, and a route sending one frame to all of them. Measured like
 * the service (memory per socket from outside, time to deliver one event to every socket).
 */
import websocket from '@fastify/websocket';
import fastify from 'fastify';
import type { WebSocket } from 'ws';

const app = fastify();
await app.register(websocket, { options: { maxPayload: 1 << 20, perMessageDeflate: false } });
const sockets = new Set<WebSocket>();
app.get('/web/health', async () => ({ status: 'pass' }));
app.get('/websocket', { websocket: true }, (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
app.get<{ Querystring: { gc?: string } }>('/bench/stats', async (request) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (request.query.gc && gc) { gc(); gc(); }
  return { pid: process.pid, subscribers: sockets.size, sockets: sockets.size, memory: process.memoryUsage() };
});
app.post('/bench/baseline/deliver', async (request) => {
  const { params } = (typeof request.body === 'string' ? JSON.parse(request.body) : request.body) as { params: { marker: string } };
  const frame = JSON.stringify([{ id: 0, message: { type: 'discuss.channel/new_message', payload: { message: { body: `<p>${params.marker}</p>` } } } }]);
  for (const s of sockets) s.send(frame);
  return { jsonrpc: '2.0', id: 1, result: true };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
