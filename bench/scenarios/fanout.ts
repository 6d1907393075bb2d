import { benchServer, type ScenarioContext } from '../lib/context.js';
import { SIZES } from '../lib/fixtures.js';
import { WEBSOCKET_PATH } from '../lib/operators.js';
import type { Figure } from '../lib/report.js';
import { freePort, startServer, type ServerProcess } from '../lib/server.js';
import type { SocketSpec } from '../lib/ws-worker.js';
import { RpcClient, median, nowMs, sleep } from '../lib/util.js';
import { WsClients } from '../lib/ws-clients.js';
import { marker, stats } from './delivery.js';

const EVENTS = 3;
const EVENT_TIMEOUT_MS = 10_000;
/** Opening and subscribing the sockets may take this long at most. */
const OPEN_BUDGET_MS = 75_000;
const CLIENT_PROCESSES = 2;

interface FanoutResult { sockets: number; bytesPerSocket: number; heapPerSocket: number; deliverMs: number[]; delivered: number[]; closes: number; openSeconds: number }

/**
 * Opens `specs` on `server`, measures its memory growth per socket (resident set from /proc after
 * a GC, before and after), then sends EVENTS events, each to every socket, timing each from just
 * before the triggering POST to its arrival on the last socket.
 */
async function measure(ctx: ScenarioContext, server: ServerProcess, specs: SocketSpec[], trigger: (marker: number) => Promise<void>): Promise<FanoutResult> {
  const client = new RpcClient(server.url, 4);
  const clients = new WsClients(CLIENT_PROCESSES);
  try {
    await client.request('GET', '/bench/stats?gc=1', undefined, {});
    await sleep(300);
    const rss0 = server.rss();
    const heap0 = (await stats(client)).memory.heapUsed;
    const t0 = nowMs();
    // bounded: past OPEN_BUDGET_MS the clients stop opening and the phase goes on with what is subscribed
    // (what is left of the run's budget, keeping 25 s for the events and the shutdown)
    const openBudget = Math.max(10_000, Math.min(OPEN_BUDGET_MS, ctx.deadline - Date.now() - 25_000));
    const timer = setTimeout(() => clients.stopOpening(), openBudget);
    const opened = await clients.open(server.url, specs, { concurrency: 32, timeoutMs: 60_000 }).finally(() => clearTimeout(timer));
    if (opened.failed) throw new Error(`${opened.failed} of ${specs.length} sockets failed to open: ${opened.errors.join('; ')}`);
    const deadline = t0 + openBudget + 10_000;
    let subscribed = 0;
    while ((subscribed = (await stats(client)).subscribers) < opened.ok && nowMs() < deadline) await sleep(250);
    const openSeconds = (nowMs() - t0) / 1000;
    ctx.log(`${subscribed} of ${specs.length} sockets open and subscribed in ${openSeconds.toFixed(1)} s`);
    const sockets = subscribed;
    await sleep(1000);
    await client.request('GET', '/bench/stats?gc=1', undefined, {});
    await sleep(300);
    const rss1 = server.rss();
    const heap1 = (await stats(client)).memory.heapUsed;
    await clients.collect();
    const deliverMs: number[] = [];
    const delivered: number[] = [];
    let closes = 0;
    for (let e = 0; e < EVENTS; e++) {
      const m = marker();
      const start = nowMs();
      await trigger(m);
      let last = 0;
      let count = 0;
      const deadline = start + EVENT_TIMEOUT_MS;
      while (count < sockets && nowMs() < deadline) {
        await sleep(50);
        const { hits, unexpectedCloses } = await clients.collect();
        closes += unexpectedCloses;
        for (const [hm, t] of hits) if (hm === m) { count++; last = Math.max(last, t); }
      }
      deliverMs.push(count ? last - start : Number.NaN);
      delivered.push(count);
      await sleep(500);
    }
    return { sockets, bytesPerSocket: (rss1 - rss0) / sockets, heapPerSocket: (heap1 - heap0) / sockets, deliverMs, delivered, closes, openSeconds };
  } finally {
    await clients.close();
    client.close();
  }
}

const kib = (b: number) => b / 1024;

/** The bare server does not depend on the backend: measured once per run. */
const baselines = new Map<number, Promise<FanoutResult>>();
function baseline(ctx: ScenarioContext, n: number): Promise<FanoutResult> {
  let result = baselines.get(n);
  if (!result) {
    result = (async () => {
      const port = await freePort();
      const bare = await startServer({ script: 'bench/baseline-ws.ts', env: { PATH: process.env.PATH ?? '', PORT: String(port) }, port, nodeArgs: ['--expose-gc'] });
      const bareClient = new RpcClient(bare.url, 1);
      try {
        const base = await measure(ctx, bare, Array.from({ length: n }, () => ({ path: '/websocket', record: true })), async (m) => {
          await bareClient.call('/bench/baseline/deliver', { marker: `bnch${m}z` });
        });
        ctx.log(`baseline: ${kib(base.bytesPerSocket).toFixed(1)} KiB/socket, delivered in ${base.deliverMs.map((v) => v.toFixed(0)).join(', ')} ms`);
        return base;
      } finally {
        bareClient.close();
        bare.child.kill('SIGKILL');
      }
    })();
    baselines.set(n, result);
    result.catch(() => baselines.delete(n));
  }
  return result;
}

/**
 * Scenario 4: 10,000 idle sockets on one instance, each a visitor (guest cookie) of one channel;
 * an operator posts in the channel and every socket must receive `discuss.channel/new_message`.
 * Baseline: the same sockets on a bare Fastify + @fastify/websocket process broadcasting a frame.
 */
export async function fanoutScenario(ctx: ScenarioContext): Promise<Figure[]> {
  const n = Math.min(SIZES.fanoutSockets, ctx.fanoutSockets ?? SIZES.fanoutSockets);
  const base = await baseline(ctx, n);

  const server = await benchServer(ctx, { nodeArgs: ['--expose-gc'] });
  try {
    const admin = new RpcClient(server.url, 2);
    const { cookies } = await admin.call('/web/session/authenticate', { db: 'odoo', login: 'admin', password: 'admin' });
    const cookie = `session_id=${cookies.session_id}`;
    const channelId = ctx.backend.fixtures.fanout.channelId;
    let postError: string | undefined;
    const ours = await measure(ctx, server, ctx.backend.fixtures.fanout.guestCookies.slice(0, n).map((c) => ({
      path: WEBSOCKET_PATH, cookie: c, subscribe: { channels: [], last: 0 }, record: true,
    })), async (m) => {
      const { body } = await admin.call('/mail/message/post', {
        thread_model: 'discuss.channel', thread_id: channelId,
        post_data: { body: `The shop closes at 6 pm today bnch${m}z`, message_type: 'comment', subtype_xmlid: 'mail.mt_comment' },
      }, cookie);
      if (body.error) postError ??= JSON.stringify(body.error).slice(0, 300);
    });
    admin.close();
    if (postError) ctx.log(`post failed: ${postError}`);
    const worst = Math.max(...ours.deliverMs);
    // sockets the phase had no time to open count as not served
    const dropped = n - Math.min(...ours.delivered) + ours.closes;
    ctx.log(`${kib(ours.bytesPerSocket).toFixed(1)} KiB/socket (heap ${kib(ours.heapPerSocket).toFixed(1)} KiB), delivered in ${ours.deliverMs.map((v) => v.toFixed(0)).join(', ')} ms, ${dropped} dropped`);
    const scenario = '4 fan-out 10k sockets';
    return [{
      scenario, backend: ctx.backend.kind, label: 'server memory per idle socket', value: kib(ours.bytesPerSocket), unit: 'KiB', better: 'lower',
      goal: { value: 20 }, baseline: { label: 'bare @fastify/websocket', value: kib(base.bytesPerSocket) }, odoo: 48,
      notes: `resident set growth / ${ours.sockets} sockets after GC (JS heap ${kib(ours.heapPerSocket).toFixed(1)} KiB/socket); sockets opened and subscribed in ${ours.openSeconds.toFixed(1)} s`,
    }, {
      scenario, backend: ctx.backend.kind, label: 'one event to every socket', value: median(ours.deliverMs) / 1000, unit: 's', better: 'lower',
      goal: { value: 1 }, baseline: { label: 'bare broadcast', value: median(base.deliverMs) / 1000 }, odoo: 3.5,
      notes: `median of ${EVENTS} posts (operator's /mail/message/post to the last socket's receipt); worst ${(worst / 1000).toFixed(2)} s`,
    }, {
      scenario, backend: ctx.backend.kind, label: 'sockets not served', value: dropped, unit: '', better: 'lower',
      goal: { value: 0 }, notes: `delivered per event: ${ours.delivered.join(', ')} of ${n}${ours.sockets < n ? ` (only ${ours.sockets} sockets opened and subscribed in the time the run allowed)` : ''}; sockets closed by the server: ${ours.closes}`,
    }];
  } finally {
    // a profiled server must exit by itself to write its profile; otherwise no need to wait for
    // 10,000 presences to be marked offline
    if (ctx.nodeArgs.length) await server.stop(); else server.child.kill('SIGKILL');
  }
}
