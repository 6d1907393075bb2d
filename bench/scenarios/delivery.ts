import { benchServer, type ScenarioContext } from '../lib/context.js';
import type { Fixtures } from '../lib/fixtures.js';
import { loginAll, WEBSOCKET_PATH } from '../lib/operators.js';
import type { Figure } from '../lib/report.js';
import type { ServerProcess } from '../lib/server.js';
import { RpcClient, nowMs, percentile, sleep, waitFor } from '../lib/util.js';
import { WsClients } from '../lib/ws-clients.js';

export const POSTS_PER_SECOND = 200;
/** Odoo 17's reference delivery figures were measured at 10 messages per second. */
const ODOO_RATE = 10;
const SLOW_SECONDS = 5;
/** A message not received this long after its post was answered is counted lost. */
const GRACE_MS = 5000;
/** Posts still unanswered this long after the last one was sent are given up on (the phase must end). */
const ANSWER_WAIT_MS = 10_000;
/** More posts than this many seconds' worth waiting for their answer: the server cannot keep up. */
const BACKLOG_SECONDS = 2;

export interface DeliveryResult {
  rate: number;
  /** Posts scheduled, and posts actually sent (fewer when the server fell behind). */
  posts: number; sent: number;
  received: number;
  /** Posts answered successfully whose message never reached the operator's socket. */
  lost: number;
  /** Posts not answered by the end of the phase (the server was overloaded). */
  unanswered: number;
  postErrors: number; firstError?: string;
  /** Percentiles over every message sent; one not delivered counts as the time the phase waited for it. */
  p50: number; p99: number; max: number;
  closes: number;
  /** The server fell more than BACKLOG_SECONDS behind and the schedule was stopped. */
  overloaded: boolean;
  /** Messages delivered per second over the phase. */
  deliveredPerSecond: number;
}

let nextMarker = 1;
/** A fresh marker number (the ws clients find `bnch<N>z` in the frames they receive). */
export const marker = () => nextMarker++;

/**
 * Posts at a fixed rate (open loop: a slow answer does not slow the schedule), each to the next
 * target in turn, and times each message from just before its POST to its arrival on the
 * recording socket. Bounded: when more than BACKLOG_SECONDS of posts are waiting for their answer
 * the schedule stops (overloaded), unanswered posts are given up ANSWER_WAIT_MS after the last
 * one, and answered messages not received GRACE_MS later are lost.
 */
export async function postAtRate(
  clients: WsClients, count: number, rate: number,
  post: (i: number, marker: number) => Promise<{ ok: boolean; error?: string }>,
): Promise<DeliveryResult> {
  await clients.collect(); // forget what arrived before
  const sentAt = new Map<number, number>();
  const answered = new Set<number>();
  const failed = new Set<number>();
  let waiting = 0;
  let firstError: string | undefined;
  let overloaded = false;
  const start = nowMs();
  let sent = 0;
  for (let i = 0; i < count; i++) {
    if (waiting > Math.max(20, rate * BACKLOG_SECONDS)) { overloaded = true; break; }
    const due = start + (i * 1000) / rate;
    const wait = due - nowMs();
    if (wait > 0.5) await sleep(wait);
    const m = marker();
    sentAt.set(m, nowMs());
    sent++;
    waiting++;
    post(i, m).then((r) => {
      if (r.ok) answered.add(m); else { failed.add(m); firstError ??= r.error; }
    }, (err) => { failed.add(m); firstError ??= String(err); }).finally(() => { waiting--; });
  }
  const lastSent = nowMs();
  const latencies = new Map<number, number>();
  let closes = 0;
  const collect = async () => {
    const { hits, unexpectedCloses } = await clients.collect();
    closes += unexpectedCloses;
    for (const [m, t] of hits) {
      const t0 = sentAt.get(m);
      if (t0 !== undefined && !latencies.has(m)) latencies.set(m, t - t0);
    }
  };
  // answers first (bounded), then the messages of answered posts (bounded)
  while (waiting > 0 && nowMs() < lastSent + ANSWER_WAIT_MS) { await collect(); await sleep(100); }
  const graceEnd = nowMs() + GRACE_MS;
  for (;;) {
    await collect();
    const missing = [...answered].filter((m) => !latencies.has(m)).length;
    if (!missing || nowMs() > graceEnd) break;
    await sleep(100);
  }
  const end = nowMs();
  const received = [...latencies.keys()].filter((m) => !failed.has(m)).length;
  const lost = [...answered].filter((m) => !latencies.has(m)).length;
  const unanswered = sent - answered.size - failed.size;
  // a message not delivered counts as delivered at the end of the phase: percentiles are lower bounds then
  const values = [...sentAt].map(([m, t0]) => latencies.get(m) ?? end - t0);
  return {
    rate, posts: count, sent, received, lost, unanswered, postErrors: failed.size, firstError,
    p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : Number.NaN, closes,
    overloaded, deliveredPerSecond: received / ((end - start) / 1000),
  };
}

/**
 * 500 conversations: each operator's socket (logged-in session) and each visitor's socket (guest
 * cookie) open on `socketServer`; visitors post through `postServer` at POSTS_PER_SECOND and the
 * operator's socket must receive `discuss.channel/new_message`.
 */
export async function measureDelivery(
  ctx: ScenarioContext, postServer: ServerProcess, socketServer: ServerProcess, fixtures: Fixtures, seconds: number,
  opts: { slowRate?: boolean } = {},
): Promise<{ fast: DeliveryResult; slow?: DeliveryResult }> {
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
    // the rate Odoo's own figures were taken at (issue 8: 10 msg/s), for a like-for-like comparison;
    // first, while the server is not behind on anything
    const slow = opts.slowRate ? await postAtRate(clients, ODOO_RATE * SLOW_SECONDS, ODOO_RATE, post) : undefined;
    await postAtRate(clients, POSTS_PER_SECOND / 2, POSTS_PER_SECOND, post); // warm-up half second
    const fast = await postAtRate(clients, Math.round(seconds * POSTS_PER_SECOND), POSTS_PER_SECOND, post);
    return { fast, slow };
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
  const load = r.overloaded
    ? `OVERLOADED: ${r.sent} of ${r.posts} posts sent before the server fell ${BACKLOG_SECONDS} s behind, ${r.unanswered} unanswered, ${r.deliveredPerSecond.toFixed(0)} delivered/s; percentiles are lower bounds`
    : `${r.sent} posts at ${r.rate}/s`;
  return `${load}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms; ${r.lost} lost, ${r.postErrors} post errors${r.firstError ? ` (${r.firstError})` : ''}, ${r.closes} sockets closed`;
}

/** Scenario 3: message delivery, 1,000 sockets (500 conversations), 200 posts/s. */
export async function deliveryScenario(ctx: ScenarioContext): Promise<Figure[]> {
  const server = await benchServer(ctx);
  try {
    const base = await measureBaseline(server, ctx.seconds);
    ctx.log(`baseline: ${describe(base)}`);
    const { fast: ours, slow } = await measureDelivery(ctx, server, server, ctx.backend.fixtures, ctx.seconds * 2, { slowRate: true });
    ctx.log(describe(ours));
    if (slow) ctx.log(`at ${ODOO_RATE}/s: ${describe(slow)}`);
    const scenario = '3 delivery';
    const figures: Figure[] = [{
      scenario, backend: ctx.backend.kind, label: `post -> operator socket p99 at ${POSTS_PER_SECOND}/s`, value: ours.p99, unit: 'ms', better: 'lower',
      goal: { value: 25 }, baseline: { label: 'bare ws push', value: base.p99 }, odoo: 85, notes: describe(ours),
    }, {
      scenario, backend: ctx.backend.kind, label: `post -> operator socket p50 at ${POSTS_PER_SECOND}/s`, value: ours.p50, unit: 'ms', better: 'lower',
      baseline: { label: 'bare ws push', value: base.p50 }, odoo: 64,
    }, {
      scenario, backend: ctx.backend.kind, label: 'messages lost', value: ours.lost + ours.postErrors + (slow ? slow.lost + slow.postErrors : 0), unit: '', better: 'lower',
      goal: { value: 0 }, notes: `of ${ours.sent + (slow?.sent ?? 0)} sent (posts answered but never received)`,
    }];
    if (slow) {
      figures.push({
        scenario, backend: ctx.backend.kind, label: `post -> operator socket p99 at ${ODOO_RATE}/s (Odoo's rate)`, value: slow.p99, unit: 'ms', better: 'lower',
        odoo: 85, notes: describe(slow),
      });
    }
    return figures;
  } finally {
    await server.stop();
  }
}
