import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScenarioContext } from '../lib/context.js';
import type { Figure } from '../lib/report.js';
import { freePort, serverEnv, startServer } from '../lib/server.js';
import { median } from '../lib/util.js';

const RUNS = 3;

/** Milliseconds from spawning `node --import tsx <script>` to its first healthy /web/health. */
async function timeStart(script: string, env: (port: number) => Record<string, string>): Promise<number> {
  const port = await freePort();
  const server = await startServer({ script, env: env(port), port, timeoutMs: 120_000 });
  await server.stop();
  return server.readyMs;
}

/**
 * Scenario 6: time to ready of the real server (src/server.ts, migrations on as by default). On
 * PGlite the database is created by a first start, and the figure is the second start on that
 * data directory; on Postgres, a start on the bench database. Baseline: a bare Fastify server.
 */
export async function startupScenario(ctx: ScenarioContext): Promise<Figure[]> {
  const bare: number[] = [];
  const ours: number[] = [];
  let first: number | undefined;
  let dir: string | undefined;
  try {
    let backend = ctx.backend;
    if (ctx.backend.kind === 'pglite') {
      dir = mkdtempSync(join(tmpdir(), 'lcrpc-start-'));
      backend = { ...ctx.backend, env: { DATA_DIR: dir } };
      first = await timeStart('src/server.ts', (port) => serverEnv(backend, port));
    }
    for (let i = 0; i < RUNS; i++) {
      bare.push(await timeStart('bench/baseline-http.ts', (port) => ({ PATH: process.env.PATH ?? '', PORT: String(port) })));
      ours.push(await timeStart('src/server.ts', (port) => serverEnv(backend, port)));
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  const value = median(ours) / 1000;
  ctx.log(`ready in ${ours.map((v) => v.toFixed(0)).join(', ')} ms (bare Fastify ${bare.map((v) => v.toFixed(0)).join(', ')} ms)${first ? `; first start ${first.toFixed(0)} ms` : ''}`);
  return [{
    scenario: '6 start-up', backend: ctx.backend.kind,
    label: ctx.backend.kind === 'pglite' ? 'time to ready, second start' : 'time to ready', value, unit: 's', better: 'lower',
    goal: { value: 2 }, baseline: { label: 'bare Fastify', value: median(bare) / 1000 },
    notes: `median of ${RUNS} (node --import tsx src/server.ts, migrations checked)${first ? `; first start (creates the database) ${(first / 1000).toFixed(2)} s` : ''}`,
  }];
}
