import { buildService } from '../lib/build.js';
import type { ScenarioContext } from '../lib/context.js';
import type { Figure } from '../lib/report.js';
import { freePort, serverEnv, startServer } from '../lib/server.js';
import { median } from '../lib/util.js';

const RUNS = 3;
/** The bare servers do not depend on the backend: timed with the first backend only. */
const bareTimes = { js: [] as number[], tsx: [] as number[] };

/** Milliseconds from spawning `node [--import tsx] <script>` to its first healthy /web/health. */
async function timeStart(script: string, tsx: boolean, env: (port: number) => Record<string, string>): Promise<number> {
  const port = await freePort();
  const server = await startServer({ script, tsx, env: env(port), port, timeoutMs: 120_000 });
  await server.stop();
  return server.readyMs;
}

/**
 * Scenario 6: time from spawning the server to its first healthy /web/health, with the default
 * settings (migrations checked and start-up data synced at every start), on the bench database:
 * the second start of that PGlite data directory, or a start on the Postgres database. Timed as
 * the Docker image runs it (`node dist/server.js`, built JavaScript) and as `npm start` runs it
 * (TypeScript through tsx); each beside a bare Fastify server started the same way.
 */
export async function startupScenario(ctx: ScenarioContext): Promise<Figure[]> {
  const built = await buildService();
  const bareEnv = (port: number) => ({ PATH: process.env.PATH ?? '', PORT: String(port) });
  const ours = { js: [] as number[], tsx: [] as number[] };
  const timeBare = !bareTimes.js.length;
  for (let i = 0; i < RUNS; i++) {
    if (timeBare) {
      bareTimes.js.push(await timeStart(built.bare, false, bareEnv));
      bareTimes.tsx.push(await timeStart('bench/baseline-http.ts', true, bareEnv));
    }
    ours.js.push(await timeStart(built.server, false, (port) => serverEnv(ctx.backend, port)));
    ours.tsx.push(await timeStart('src/server.ts', true, (port) => serverEnv(ctx.backend, port)));
  }
  const ms = (v: number[]) => v.map((x) => x.toFixed(0)).join(', ');
  ctx.log(`node dist/server.js ready in ${ms(ours.js)} ms (bare Fastify ${ms(bareTimes.js)} ms); npm start (tsx) ${ms(ours.tsx)} ms (bare ${ms(bareTimes.tsx)} ms)`);
  const label = ctx.backend.kind === 'pglite' ? 'time to ready, second start' : 'time to ready';
  return [{
    scenario: '6 start-up', backend: ctx.backend.kind, label: `${label} (node, built JS)`, value: median(ours.js) / 1000, unit: 's', better: 'lower',
    goal: { value: 2 }, baseline: { label: 'bare Fastify', value: median(bareTimes.js) / 1000 },
    notes: `median of ${RUNS}, as the Docker image starts (migrations and start-up data checked)`,
  }, {
    scenario: '6 start-up', backend: ctx.backend.kind, label: `${label} (npm start, tsx)`, value: median(ours.tsx) / 1000, unit: 's', better: 'lower',
    baseline: { label: 'bare Fastify, tsx', value: median(bareTimes.tsx) / 1000 },
    notes: `median of ${RUNS}; TypeScript compiled on the fly at every start`,
  }];
}
