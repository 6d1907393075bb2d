import autocannon from 'autocannon';
import { benchServer, type ScenarioContext } from '../lib/context.js';
import { CpuMeter, databaseOf } from '../lib/cpu.js';
import type { Figure } from '../lib/report.js';
import { RpcClient } from '../lib/util.js';

const CONNECTIONS = 32;
const CONTEXT = { lang: 'en_US', tz: 'Europe/Brussels', uid: 2, allowed_company_ids: [1] };

/** What the web client's list view of opportunities asks (issue 8, scenario 1). */
const SEARCH_READ = {
  model: 'crm.lead', method: 'search_read', args: [],
  kwargs: {
    domain: [['type', '=', 'opportunity'], ['active', '=', true], ['probability', '>=', 0]],
    fields: ['name', 'partner_id', 'stage_id', 'expected_revenue', 'user_id'],
    limit: 80, context: CONTEXT,
  },
};
const readCall = (partnerId: number) => ({ model: 'res.partner', method: 'read', args: [[partnerId], ['name', 'email', 'phone']], kwargs: { context: CONTEXT } });

interface Load { rps: number; p50: number; p99: number; total: number; failures: number; cpuMs: { node: number; postgres: number } }

async function load(meter: CpuMeter, url: string, body: string, cookie: string | undefined, seconds: number): Promise<Load> {
  await meter.start();
  const result = await autocannon({
    url, method: 'POST', connections: CONNECTIONS, duration: seconds, body,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
  });
  const cpu = await meter.stop();
  const per = (s: number) => (result.requests.total ? (s * 1000) / result.requests.total : Number.NaN);
  return {
    cpuMs: { node: per(cpu.node), postgres: per(cpu.postgres) },
    rps: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

/** Checks a route answers the expected number of records (so the load below measures real answers). */
async function check(client: RpcClient, path: string, params: unknown, cookie: string | undefined, rows: number): Promise<void> {
  const result = await client.result(path, params, cookie);
  if (!Array.isArray(result) || result.length !== rows) throw new Error(`${path} answered ${JSON.stringify(result).slice(0, 200)}, expected ${rows} records`);
}

/**
 * Scenario 1: `call_kw` throughput with a logged-in session, 32 connections (autocannon), beside
 * bare Fastify routes running the equivalent hand-written SQL through the same pool.
 */
export async function rpcScenario(ctx: ScenarioContext): Promise<Figure[]> {
  const server = await benchServer(ctx);
  const client = new RpcClient(server.url);
  const meter = new CpuMeter(server.child.pid!, databaseOf(ctx.backend.env.DATABASE_URL));
  try {
    const { cookies } = await client.call('/web/session/authenticate', { db: 'odoo', login: 'admin', password: 'admin' });
    const cookie = `session_id=${cookies.session_id}`;
    const cases = [
      { name: 'search_read', ours: '/web/dataset/call_kw/crm.lead/search_read', base: '/bench/baseline/search_read', params: SEARCH_READ, rows: 80, goal: 1400, odoo: 138 },
      { name: 'read', ours: '/web/dataset/call_kw/res.partner/read', base: '/bench/baseline/read', params: readCall(ctx.backend.fixtures.partnerId), rows: 1, goal: 4000, odoo: 407 },
    ];
    const figures: Figure[] = [];
    for (const c of cases) {
      await check(client, c.ours, c.params, cookie, c.rows);
      await check(client, c.base, c.params, undefined, c.rows);
      const body = JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: c.params });
      await load(meter, server.url + c.ours, body, cookie, 1); // warm-up
      await load(meter, server.url + c.base, body, undefined, 1);
      const base = await load(meter, server.url + c.base, body, undefined, ctx.seconds);
      const ours = await load(meter, server.url + c.ours, body, cookie, ctx.seconds);
      await check(client, c.ours, c.params, cookie, c.rows);
      const cpu = (l: Load) => `${(l.cpuMs.node + l.cpuMs.postgres).toFixed(3)} ms (Node ${l.cpuMs.node.toFixed(3)}${ctx.backend.kind === 'pg' ? ` + Postgres ${l.cpuMs.postgres.toFixed(3)}` : ''})`;
      ctx.log(`${c.name}: ${ours.rps.toFixed(0)} req/s (p99 ${ours.p99} ms, CPU ${cpu(ours)}/call) vs baseline ${base.rps.toFixed(0)} req/s (p99 ${base.p99} ms, CPU ${cpu(base)}/call)`);
      figures.push({
        scenario: `1 rpc ${c.name}`, backend: ctx.backend.kind, label: `${c.name} throughput`, value: ours.rps, unit: 'req/s', better: 'higher',
        goal: { value: c.goal }, ...(c.name === 'search_read' ? { ratioGoal: { value: 0.6, text: '>= 0.6x baseline' } } : {}),
        baseline: { label: 'bare SQL route', value: base.rps }, odoo: c.odoo,
        notes: `p50 ${ours.p50} ms, p99 ${ours.p99} ms (baseline p99 ${base.p99} ms); ${ours.total} requests, ${ours.failures} failed`,
      });
      figures.push({
        scenario: `1 rpc ${c.name}`, backend: ctx.backend.kind, label: `${c.name} p99 latency`, value: ours.p99, unit: 'ms', better: 'lower',
        baseline: { label: 'bare SQL route', value: base.p99 },
      });
      // CPU per call hardly depends on what else the machine runs: the figure to compare runs with
      figures.push({
        scenario: `1 rpc ${c.name}`, backend: ctx.backend.kind, label: `${c.name} server CPU per call`, value: ours.cpuMs.node + ours.cpuMs.postgres, unit: 'ms', better: 'lower',
        baseline: { label: 'bare SQL route', value: base.cpuMs.node + base.cpuMs.postgres }, notes: `ours ${cpu(ours)}, baseline ${cpu(base)}`,
      });
    }
    return figures;
  } finally {
    client.close();
    await server.stop();
  }
}
