import { benchServer, type ScenarioContext } from '../lib/context.js';
import type { Figure } from '../lib/report.js';
import { describe, measureDelivery } from './delivery.js';

/**
 * Scenario 5: two server processes on one Postgres database; the visitors post through instance A,
 * every socket is on instance B, so each message crosses A's commit, NOTIFY, B's LISTEN and B's
 * one read of bus_bus. Compared with the single-instance p99 measured earlier in the run.
 */
export async function twoInstancesScenario(ctx: ScenarioContext): Promise<Figure[]> {
  const a = await benchServer(ctx);
  const b = await benchServer(ctx).catch(async (err) => { await a.stop(); throw err; });
  try {
    const { fast: r, slow } = await measureDelivery(ctx, a, b, ctx.backend.fixtures, ctx.seconds * 2, { slowRate: true });
    ctx.log(describe(r));
    if (slow) ctx.log(`at 10/s: ${describe(slow)}`);
    const single = ctx.earlier.find((f) => f.scenario === '3 delivery' && f.backend === 'pg' && f.label.startsWith('post -> operator socket p99 at 200'));
    return [{
      scenario: '5 two instances', backend: 'pg', label: 'post on A -> operator socket on B p99 at 200/s', value: r.p99, unit: 'ms', better: 'lower',
      ...(single ? { baseline: { label: 'one instance (3)', value: single.value }, ratioGoal: { value: 2, text: '<= 2x one instance' } } : {}),
      notes: describe(r),
    }, {
      scenario: '5 two instances', backend: 'pg', label: 'messages lost', value: r.lost + r.postErrors, unit: '', better: 'lower',
      goal: { value: 0 }, notes: `of ${r.sent} sent (posts answered but never received)`,
    }];
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}
