/**
 * A websocket client process of the benchmark (forked by ws-clients.ts): opens many sockets to
 * one server, subscribes them as Odoo's bus worker does, and records when each benchmark message
 * (a body carrying a `bnch<N>z` marker) reaches a recording socket. Finding markers with a regular
 * expression instead of parsing every frame keeps this process's share of the 2 cores small.
 */
import WebSocket from 'ws';
import { nowMs } from './util.js';

export interface SocketSpec {
  /** Path and query, e.g. `/websocket?version=17.0-1`. */
  path: string;
  cookie?: string;
  /** Sent as Odoo's `subscribe` frame once open. */
  subscribe?: { channels: string[]; last: number };
  /** Also send `update_presence` (an operator's tab reporting activity). */
  presence?: boolean;
  /** Record marker arrivals on this socket. */
  record: boolean;
}

export type WorkerCommand =
  | { cmd: 'open'; baseUrl: string; sockets: SocketSpec[]; concurrency: number; timeoutMs: number }
  | { cmd: 'collect' }
  /** Stop opening more sockets (the phase ran out of time); the open command then answers. */
  | { cmd: 'stop-opening' }
  | { cmd: 'close' };

export type WorkerReply =
  | { type: 'opened'; ok: number; failed: number; errors: string[] }
  | { type: 'collected'; hits: [number, number][]; unexpectedCloses: number; codes: Record<string, number> }
  | { type: 'closed' };

const MARKER = /bnch(\d+)z/g;
const sockets: WebSocket[] = [];
let hits: [number, number][] = [];
let unexpectedCloses = 0;
const codes: Record<string, number> = {};
let closing = false;
let stopOpening = false;

function reply(msg: WorkerReply): void { process.send!(msg); }

function open(baseUrl: string, spec: SocketSpec, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${spec.path}`, {
      headers: { origin: baseUrl, ...(spec.cookie ? { cookie: spec.cookie } : {}) },
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    const seen = new Set<number>();
    ws.on('message', (data: Buffer) => {
      if (!spec.record) return;
      const t = nowMs();
      const text = data.toString('utf8');
      if (!text.includes('bnch')) return;
      for (const m of text.matchAll(MARKER)) {
        const marker = Number(m[1]);
        if (seen.has(marker)) continue;
        seen.add(marker);
        hits.push([marker, t]);
      }
    });
    ws.once('open', () => {
      sockets.push(ws);
      if (spec.subscribe) ws.send(JSON.stringify({ event_name: 'subscribe', data: spec.subscribe }));
      if (spec.presence) ws.send(JSON.stringify({ event_name: 'update_presence', data: { inactivity_period: 0, im_status_ids_by_model: {} } }));
      resolve();
    });
    ws.once('error', reject);
    ws.on('close', (code) => {
      if (closing) return;
      unexpectedCloses++;
      codes[code] = (codes[code] ?? 0) + 1;
    });
  });
}

process.on('message', async (msg: WorkerCommand) => {
  if (msg.cmd === 'stop-opening') {
    stopOpening = true;
  } else if (msg.cmd === 'open') {
    stopOpening = false;
    let ok = 0;
    let failed = 0;
    const errors: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(msg.concurrency, msg.sockets.length) }, async () => {
      while (next < msg.sockets.length && !stopOpening) {
        const spec = msg.sockets[next++]!;
        try { await open(msg.baseUrl, spec, msg.timeoutMs); ok++; } catch (err) {
          failed++;
          if (errors.length < 5) errors.push(String((err as Error).message ?? err));
        }
      }
    }));
    reply({ type: 'opened', ok, failed, errors });
  } else if (msg.cmd === 'collect') {
    reply({ type: 'collected', hits, unexpectedCloses, codes });
    hits = [];
  } else if (msg.cmd === 'close') {
    closing = true;
    for (const ws of sockets) ws.terminate();
    sockets.length = 0;
    reply({ type: 'closed' });
    setTimeout(() => process.exit(0), 50);
  }
});
process.on('disconnect', () => process.exit(0));
