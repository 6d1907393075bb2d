import { benchServer, type ScenarioContext } from '../lib/context.js';
import { CpuMeter, databaseOf } from '../lib/cpu.js';
import { loginAll, WEBSOCKET_PATH } from '../lib/operators.js';
import type { Figure } from '../lib/report.js';
import { RpcClient, nowMs, percentile, waitFor } from '../lib/util.js';
import { WsClients } from '../lib/ws-clients.js';

const VISITORS = 16;
/** At most this many sessions per measured phase, whatever the speed. */
const MAX_SESSIONS = 5000;

interface Phase { sessions: number; errors: number; firstError?: string; rate: number; p50: number; p99: number; cpuMs?: { node: number; postgres: number } }

/**
 * 16 concurrent visitors, each in a loop: `/im_livechat/init`, `/im_livechat/get_session`
 * (persisted: operator assignment, channel, guest and its cookie), then the first
 * `/mail/message/post` with that cookie. Bounded by time and by MAX_SESSIONS.
 */
async function runVisitors(client: RpcClient, paths: { init: string; session: string; post: string }, seconds: number): Promise<Phase> {
  const stopAt = nowMs() + seconds * 1000;
  let sessions = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const started = nowMs();
  const fail = (what: string) => { errors++; firstError ??= what; };
  await Promise.all(Array.from({ length: VISITORS }, async (_, v) => {
    while (nowMs() < stopAt && sessions + errors < MAX_SESSIONS) {
      const t0 = nowMs();
      const init = await client.call(paths.init, { channel_id: 1 });
      if (init.body.error || !init.body.result?.available_for_me) { fail(`init: ${JSON.stringify(init.body).slice(0, 200)}`); continue; }
      const got = await client.call(paths.session, { channel_id: 1, anonymous_name: `Visitor ${v}`, persisted: true });
      const channelId = got.body.result?.id;
      if (got.body.error || !channelId || !got.cookies.dgid) { fail(`get_session: ${JSON.stringify(got.body).slice(0, 200)}`); continue; }
      const post = await client.call(paths.post, {
        thread_model: 'discuss.channel', thread_id: channelId,
        post_data: { body: 'Hello, I have a question about my order', message_type: 'comment', subtype_xmlid: 'mail.mt_comment' },
      }, `dgid=${got.cookies.dgid}`);
      if (post.body.error || !post.body.result?.id) { fail(`message/post: ${JSON.stringify(post.body).slice(0, 200)}`); continue; }
      sessions++;
      latencies.push(nowMs() - t0);
    }
  }));
  const elapsed = (nowMs() - started) / 1000;
  return { sessions, errors, firstError, rate: sessions / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Scenario 2: visitor start with 20 online operators (their tabs connected to the bus and reporting activity). */
export async function visitorScenario(ctx: ScenarioContext): Promise<Figure[]> {
  const server = await benchServer(ctx);
  const client = new RpcClient(server.url, VISITORS * 2);
  const sockets = new WsClients(1);
  try {
    const cookies = await loginAll(client, ctx.backend.fixtures.operatorLogins);
    const opened = await sockets.open(server.url, cookies.map((cookie) => ({
      path: WEBSOCKET_PATH, cookie, subscribe: { channels: [], last: 0 }, presence: true, record: false,
    })));
    if (opened.failed) throw new Error(`operator sockets failed: ${opened.errors.join('; ')}`);
    await waitFor('operators online', async () => (await client.result('/im_livechat/init', { channel_id: 1 })).available_for_me === true, 10_000);

    await runVisitors(client, { init: '/im_livechat/init', session: '/im_livechat/get_session', post: '/mail/message/post' }, 1); // warm-up
    // server CPU per session (Node + the database's Postgres processes) explains the rate on a shared machine
    const meter = new CpuMeter(server.child.pid!, databaseOf(ctx.backend.env.DATABASE_URL));
    const measured = async (paths: { init: string; session: string; post: string }): Promise<Phase> => {
      await meter.start();
      const phase = await runVisitors(client, paths, ctx.seconds);
      const cpu = await meter.stop();
      const per = (seconds: number) => (phase.sessions ? (seconds * 1000) / phase.sessions : Number.NaN);
      return { ...phase, cpuMs: { node: per(cpu.node), postgres: per(cpu.postgres) } };
    };
    const base = await measured({ init: '/bench/baseline/init', session: '/bench/baseline/get_session', post: '/bench/baseline/message_post' });
    const ours = await measured({ init: '/im_livechat/init', session: '/im_livechat/get_session', post: '/mail/message/post' });
    const cpu = (p: Phase) => `${(p.cpuMs!.node + p.cpuMs!.postgres).toFixed(1)} ms (Node ${p.cpuMs!.node.toFixed(1)}${ctx.backend.kind === 'pg' ? ` + Postgres ${p.cpuMs!.postgres.toFixed(1)}` : ''})`;
    if (base.errors) ctx.log(`baseline errors: ${base.errors} (${base.firstError})`);
    if (ours.errors) ctx.log(`errors: ${ours.errors} (${ours.firstError})`);
    ctx.log(`${ours.sessions} sessions, ${ours.rate.toFixed(1)}/s (p99 ${ours.p99.toFixed(1)} ms, server CPU ${cpu(ours)}/session) vs baseline ${base.rate.toFixed(1)}/s (${cpu(base)}/session)`);
    return [{
      scenario: '2 visitor start', backend: ctx.backend.kind, label: 'sessions started (init + get_session + first post)', value: ours.rate, unit: 'sessions/s', better: 'higher',
      goal: { value: 500 }, baseline: { label: '3 bare SQL routes', value: base.rate }, odoo: 18,
      notes: `16 visitors, 20 operators online; ${ours.sessions} sessions, ${ours.errors} errors; one session p50 ${ours.p50.toFixed(1)} ms, p99 ${ours.p99.toFixed(1)} ms`,
    }, {
      scenario: '2 visitor start', backend: ctx.backend.kind, label: 'server CPU per session', value: ours.cpuMs!.node + ours.cpuMs!.postgres, unit: 'ms', better: 'lower',
      baseline: { label: '3 bare SQL routes', value: base.cpuMs!.node + base.cpuMs!.postgres },
      notes: `ours ${cpu(ours)}, baseline ${cpu(base)}`,
    }];
  } finally {
    await sockets.close();
    client.close();
    await server.stop();
  }
}
