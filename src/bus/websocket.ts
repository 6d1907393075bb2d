import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { WEBSOCKET_WORKER_VERSION } from '../rpc/version.js';
import type { Subscriber } from './fanout.js';
import type { BusIdentity } from './presence.js';

/** Odoo's close codes (addons/bus/websocket.py CloseCode). */
export const CloseCode = {
  CLEAN: 1000, GOING_AWAY: 1001, MESSAGE_TOO_BIG: 1009, SERVER_ERROR: 1011, TRY_LATER: 1013,
  SESSION_EXPIRED: 4001, KEEP_ALIVE_TIMEOUT: 4002,
} as const;

export interface WebsocketOptions {
  /** Frames allowed in a burst, and the delay each frame "costs" (websocket_rate_limit_burst/_delay). */
  rateLimitBurst: number;
  rateLimitDelayMs: number;
  /** Connections are closed with 4002 after this long, plus 0-50 % jitter (websocket_keep_alive_timeout). */
  keepAliveMs: number;
  /** Idle time before a PING; a connection that does not answer before the next check is dropped. */
  pingIntervalMs: number;
  /** Larger frames close the connection with 1009 (Odoo: 1 MiB). */
  maxFrameBytes: number;
}

export const DEFAULT_WEBSOCKET_OPTIONS: WebsocketOptions = {
  rateLimitBurst: 10, rateLimitDelayMs: 200, keepAliveMs: 3600_000, pingIntervalMs: 45_000, maxFrameBytes: 1 << 20,
};

/** How long a shutdown waits for clients to answer the 1001 close frame before dropping them. */
const SHUTDOWN_GRACE_MS = 1000;

function page(title: string, text: string): string {
  return `<!doctype html>\n<html lang=en>\n<title>400 ${title}</title>\n<h1>${title}</h1>\n<p>${text}</p>\n`;
}

const identityKey = (who: BusIdentity) => (who.uid !== null ? `u${who.uid}` : `g${who.guestId}`);

/** One connected client: what the fan-out needs, plus protocol state. */
class BusSocket implements Subscriber {
  channels = new Set<string>();
  lastId = 0;
  private readonly frames: number[] = [];
  constructor(private readonly ws: WebSocket) {}

  send(frame: string | Buffer): void {
    // a Buffer is the UTF-8 of a text frame (the fan-out encodes a frame once for many sockets)
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(frame, { binary: false });
  }

  /**
   * Odoo's rule (Websocket._limit_rate): a frame arriving when the last `burst` frames all came
   * within `burst x delay` exceeds the limit (so `burst` frames pass, the next one closes with 1013).
   */
  overRate(burst: number, delayMs: number, now = Date.now()): boolean {
    if (this.frames.length >= burst && now - this.frames[0]! < burst * delayMs) return true;
    this.frames.push(now);
    if (this.frames.length > burst) this.frames.shift();
    return false;
  }
}

/**
 * `GET /websocket` with Odoo 17's protocol (addons/bus/websocket.py, controllers/websocket.py).
 * Wrapped with fastify-plugin so that `websocketServer` and `injectWS` reach the app.
 */
export default fp(async function websocketRoutes(app: FastifyInstance, opts: { websocket?: Partial<WebsocketOptions> }): Promise<void> {
  const options = { ...DEFAULT_WEBSOCKET_OPTIONS, ...opts.websocket };
  const service = app.busService;
  /** Presences being marked offline after a close (shutdown waits for them). */
  const disconnecting = new Set<Promise<void>>();
  await app.register(websocket, {
    options: { maxPayload: options.maxFrameBytes, perMessageDeflate: false },
    preClose: async function (this: FastifyInstance) {
      // shutdown: 1001 GOING_AWAY, so Odoo's worker reconnects (to another instance); a client that
      // does not answer the close frame in time is dropped (ws alone would wait 30 s, past
      // Fastify's close timeout), then the presences being marked offline are waited for
      const wss = this.websocketServer;
      // no new socket meanwhile (what @fastify/websocket's own preClose does): a reconnecting
      // client is told 503 and its connection closed, so it goes elsewhere. Routed as usual, the
      // upgrade would get Fastify's 503 but its connection would stay open, holding close() up to
      // the grace period
      const server = this.server;
      for (const listener of server.listeners('upgrade')) server.removeListener('upgrade', listener as (...args: unknown[]) => void);
      server.on('upgrade', (_request, socket) => {
        socket.on('error', () => {});
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      });
      const open = [...wss.clients];
      for (const client of open) client.close(CloseCode.GOING_AWAY);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(open.map((c) => (c.readyState === c.CLOSED ? undefined : new Promise((r) => c.once('close', r))))),
        new Promise((r) => { timer = setTimeout(r, SHUTDOWN_GRACE_MS); }),
      ]);
      clearTimeout(timer);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await Promise.allSettled([...disconnecting]);
    },
  });

  app.route({
    method: 'GET',
    url: '/websocket',
    preValidation: async (request: FastifyRequest, reply) => {
      const upgrade = String(request.headers.upgrade ?? '').toLowerCase() === 'websocket'
        && String(request.headers.connection ?? '').toLowerCase().includes('upgrade');
      if (!upgrade) {
        return reply.code(400).type('text/html; charset=utf-8').send(page('Bad Request', 'The browser (or proxy) sent a request that this server could not understand.'));
      }
      if (!request.headers.origin) {
        return reply.code(400).type('text/html; charset=utf-8').send(page('Bad Request', 'Empty or missing header(s): origin'));
      }
    },
    handler: async (_request, reply) => reply.code(400).type('text/html; charset=utf-8')
      .send(page('Bad Request', 'The browser (or proxy) sent a request that this server could not understand.')),
    wsHandler: (ws, request) => { void serve(ws, request); },
  });

  async function serve(ws: WebSocket, request: FastifyRequest): Promise<void> {
    const version = (request.query as { version?: string }).version;
    if (request.headers['user-agent'] && version !== WEBSOCKET_WORKER_VERSION) {
      ws.close(CloseCode.CLEAN, 'OUTDATED_VERSION');
      return;
    }
    // the rate limit applies to frames as they arrive (not as they are processed); frames
    // arriving while the identity is looked up wait in order
    const socket = new BusSocket(ws);
    let closing = false;
    const close = (code: number, reason?: string) => { closing = true; ws.close(code, reason); };
    const overRate = () => {
      if (closing) return true;
      if (!socket.overRate(options.rateLimitBurst, options.rateLimitDelayMs)) return false;
      close(CloseCode.TRY_LATER);
      return true;
    };
    const early: Buffer[] = [];
    const buffer = (data: Buffer) => { if (!overRate()) early.push(data); };
    ws.on('message', buffer);
    let who: BusIdentity;
    try {
      ({ who } = await service.identify(request));
    } catch (err) {
      request.log.error({ err }, 'websocket identification failed');
      ws.close(CloseCode.SERVER_ERROR);
      return;
    }
    if (ws.readyState !== ws.OPEN) return;
    const key = identityKey(who);
    const known = who.uid !== null || who.guestId !== null;
    if (known) {
      const entry = service.connected.get(key);
      if (entry) entry.count++; else service.connected.set(key, { who, count: 1 });
    }
    let chain = Promise.resolve();
    let closed = false;

    const handle = async (data: Buffer) => {
      if (closed || closing) return;
      let frame: { event_name?: unknown; data?: Record<string, unknown> };
      try { frame = JSON.parse(data.toString('utf8')); } catch { return; } // invalid JSON is ignored, as Odoo does
      if (!frame || typeof frame !== 'object') return;
      if (who.uid !== null) {
        // every message re-checks the session: a logged-out or changed user ends the connection
        const { session } = await service.identify(request);
        if (session.uid !== who.uid) { close(CloseCode.SESSION_EXPIRED); return; }
      }
      const body = frame.data && typeof frame.data === 'object' ? frame.data : {};
      if (frame.event_name === 'subscribe') {
        const channels = Array.isArray(body.channels) ? body.channels : [];
        if (!channels.every((c) => typeof c === 'string')) return;
        const last = typeof body.last === 'number' && Number.isFinite(body.last) ? Math.floor(body.last) : 0;
        const allowed = await service.channelsFor(who, channels as string[]);
        if (!closed && !closing) await service.fanout.subscribe(socket, allowed, last);
      } else if (frame.event_name === 'update_presence') {
        const inactivity = typeof body.inactivity_period === 'number' ? body.inactivity_period : 0;
        if (known) await service.presence.update(who, inactivity);
      }
    };
    const enqueue = (data: Buffer) => {
      chain = chain.then(() => handle(data)).catch((err) => {
        request.log.error({ err }, 'websocket message failed');
      });
    };
    ws.off('message', buffer);
    ws.on('message', (data: Buffer) => { if (!overRate()) enqueue(data); });
    for (const data of early) enqueue(data);

    // keep-alive: close with 4002 after the timeout plus up to 50 % jitter; the worker reconnects at once
    const keepAlive = setTimeout(() => close(CloseCode.KEEP_ALIVE_TIMEOUT), options.keepAliveMs * (1 + Math.random() * 0.5));
    let alive = true;
    ws.on('pong', () => { alive = true; });
    const ping = setInterval(() => {
      if (!alive) { ws.terminate(); return; }
      alive = false;
      ws.ping();
    }, options.pingIntervalMs);
    keepAlive.unref();
    ping.unref();

    ws.on('close', () => {
      closed = true;
      clearTimeout(keepAlive);
      clearInterval(ping);
      service.fanout.detach(socket);
      if (!known) return;
      const entry = service.connected.get(key);
      if (entry && --entry.count === 0) {
        service.connected.delete(key);
        const done = service.presence.disconnected(who).catch((err) => { request.log.warn({ err }, 'presence update on close failed'); });
        disconnecting.add(done);
        void done.finally(() => disconnecting.delete(done));
      }
    });
  }
}, { name: 'odoo-websocket', dependencies: ['odoo-bus'] });
