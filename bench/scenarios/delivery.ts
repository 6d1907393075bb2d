import { benchServer, type ScenarioContext } from '../lib/context.js';
import type { Fixtures } from '../lib/fixtures.js';
import { loginAll, WEBSOCKET_PATH } from '../lib/operators.js';
import type { Figure } from '../lib/report.js';
import type { ServerProcess } from '../lib/server.js';
import { RpcClient, nowMs, percentile, sleep, waitFor } from '../lib/util.js';
import { WsClients } from '../lib/ws-clients.js';

export const POSTS_PER_SECOND = 200;
/** A message not received this long after the last post is counted lost. */
const GRACE_MS = 5000;

export interface DeliveryResult { posts: number; received: number; lost: number; postErrors: number; firstError?: string; p50: number; p99: number; max: number; closes: number }

let nextMarker = 1;
/** A fresh marker number (the ws clients find `bnch<N>z` in the frames they receive). */
export const marker = () => nextMarker++;

/**
 * Posts at a fixed rate (open loop: a slow answer does not slow the schedule), each to the next
 * target in turn, and times each message from just before its POST to its arrival on the
 * recording socket. Messages not received GRACE_MS after the last post are lost.
 */
export async function postAtRate(
  clients: WsClients, count: number, rate: number,
  post: (i: number, marker: number) => Promise<{ ok: boolean; error?: string }>,
): Promise<DeliveryResult> {
  await clients.collect(); // forget what arrived before
  const sent = new Map<number, number>();
  const inflight: Promise<void>[] = [];
  let postErrors = 0;
  let firstError: string | undefined;
  const start = nowMs();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - nowMs();
    if (wait > 0.5) await sleep(wait);
    const m = marker();
    sent.set(m, nowMs());
    inflight.push(post(i, m).then((r) => {
      if (!r.ok) { postErrors++; firstError ??= r.error; sent.delete(m); }
    }, (err) => { postErrors++; firstError ??= String(err); sent.delete(m); }));
  }
  await Promise.all(inflight);
  const latencies = new Map<number, number>();
  const deadline = nowMs() + GRACE_MS;
  let closes = 0;
  for (;;) {
    const { hits, unexpectedCloses } = await clients.collect();
    closes += unexpectedCloses;
    for (const [m, t] of hits) {
      const t0 = sent.get(m);
      if (t0 !== undefined && !latencies.has(m)) latencies.set(m, t - t0);
    }
    if (latencies.size >= sent.size || nowMs() > deadline) break;
    await sleep(100);
  }
  const values = [...latencies.values()];
  return {
    posts: count, received: latencies.size, lost: sent.size - latencies.size, postErrors, firstError,
    p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : Number.NaN, closes,
  };
}

/**
 * 500 conversations: each operator's socket (logged-in session) and each visitor's socket (guest
 * cookie) open on `socketServer`; visitors post through `postServer` at POSTS_PER_SECOND and the
 * operator's socket must receive `discuss.channel/new_message`.
 */
export async function measureDelivery(
  ctx: ScenarioContext, postServer: ServerProcess, socketServer: ServerProcess, fixtures: Fixtures, seconds: number,
): Promise<DeliveryResult> {
  const postClient = new RpcClient(postServer.url, 128);
  const socketClient = new RpcClient(socketServer.url, 16);
  const clients = new WsClients(2);
  try {
    const conversations = fixtures.conversations;
    const cookies = await loginAll(socketClient, conversations.map((c) => c.operatorLogin));
    const specs = conversations.flatMap((c, i) => [
      { path: WEBSOCKET_PATH, cookie: cookies[i]!, subscribe: { channels: [], last: 0 }, record: true },
      { path: WEBSOCKET_PATH, cookie: c.guestCookie, subscribe: { channels: [], last: 0 }, record: false },
    ]);
    const opened = await clients.open(socketServer.url, specs);
    if (opened.failed) throw new Error(`${opened.failed} sockets failed to open: ${opened.errors.join('; ')}`);
    await waitFor('every socket subscribed', async () => (await stats(socketClient)).subscribers >= specs.length, 60_000, 100);
    ctx.log(`${opened.ok} sockets open and subscribed`);
    const post = async (i: number, m: number) => {
      const c = conversations[i % conversations.length]!;
      const { body } = await postClient.call('/mail/message/post', {
        thread_model: 'discuss.channel', thread_id: c.channelId,
        post_data: { body: `Is my order on its way? bnch${m}z`, message_type: 'comment', subtype_xmlid: 'mail.mt_comment' },
      }, c.guestCookie);
      return body.error ? { ok: false, error: JSON.stringify(body.error).slice(0, 300) } : { ok: true };
    };
    await postAtRate(clients, POSTS_PER_SECOND, POSTS_PER_SECOND, post); // warm-up second
    return await postAtRate(clients, Math.round(seconds * POSTS_PER_SECOND), POSTS_PER_SECOND, post);
  } finally {
    await clients.close();
    postClient.close();
    socketClient.close();
  }
}

export async function stats(client: RpcClient): Promise<{ subscribers: number; sockets: number; memory: NodeJS.MemoryUsage }> {
  const { text } = await client.request('GET', '/bench/stats', undefined, {});
  return JSON.parse(text);
}

/** The transport floor: the same rate of POSTs, each pushed by the server to one of 500 bare sockets without the database. */
async function measureBaseline(server: ServerProcess, seconds: number): Promise<DeliveryResult> {
  const client = new RpcClient(server.url, 128);
  const clients = new WsClients(2);
  try {
    const n = 500;
    const opened = await clients.open(server.url, Array.from({ length: n }, (_, i) => ({ path: `/bench/baseline/ws?n=${i}`, record: true })));
    if (opened.failed) throw new Error(`baseline sockets failed: ${opened.errors.join('; ')}`);
    await sleep(200);
    const post = async (i: number, m: number) => {
      const { body } = await client.call('/bench/baseline/deliver', { n: i % n, marker: `bnch${m}z` });
      return body.error ? { ok: false, error: JSON.stringify(body.error) } : { ok: true };
    };
    await postAtRate(clients, POSTS_PER_SECOND, POSTS_PER_SECOND, post);
    return await postAtRate(clients, Math.round(seconds * POSTS_PER_SECOND), POSTS_PER_SECOND, post);
  } finally {
    await clients.close();
    client.close();
  }
}

export function describe(r: DeliveryResult): string {
  return `${r.posts} posts at ${POSTS_PER_SECOND}/s: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms; ${r.lost} lost, ${r.postErrors} post errors${r.firstError ? ` (${r.firstError})` : ''}, ${r.closes} sockets closed`;
}

/** Scenario 3: message delivery, 1,000 sockets (500 conversations), 200 posts/s. */
export async function deliveryScenario(ctx: ScenarioContext): Promise<Figure[]> {
  const server = await benchServer(ctx);
  try {
    const base = await measureBaseline(server, ctx.seconds);
    ctx.log(`baseline: ${describe(base)}`);
    const ours = await measureDelivery(ctx, server, server, ctx.backend.fixtures, ctx.seconds * 2);
    ctx.log(describe(ours));
    const scenario = '3 delivery';
    return [{
      scenario, backend: ctx.backend.kind, label: 'post -> operator socket p99', value: ours.p99, unit: 'ms', better: 'lower',
      goal: { value: 25 }, baseline: { label: 'bare ws push', value: base.p99 }, odoo: 85, notes: describe(ours),
    }, {
      scenario, backend: ctx.backend.kind, label: 'post -> operator socket p50', value: ours.p50, unit: 'ms', better: 'lower',
      baseline: { label: 'bare ws push', value: base.p50 }, odoo: 64,
    }, {
      scenario, backend: ctx.backend.kind, label: 'messages lost', value: ours.lost + ours.postErrors, unit: '', better: 'lower',
      goal: { value: 0 }, notes: `of ${ours.posts}`,
    }];
  } finally {
    await server.stop();
  }
}
