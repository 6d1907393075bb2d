import type { PreparedBackend } from './fixtures.js';
import type { Figure } from './report.js';
import { freePort, serverEnv, startServer, type ServerProcess } from './server.js';

export interface ScenarioContext {
  backend: PreparedBackend;
  log(message: string): void;
  /** Length of each measured load phase, in seconds (bounded by the runner). */
  seconds: number;
  /** Figures measured earlier in the run (the two-instance scenario compares with the single one). */
  earlier: Figure[];
  /** Extra node flags of the service processes (`--profile` adds --cpu-prof). */
  nodeArgs: string[];
  /** Date.now() by which the scenario should be done (the run's 5-minute budget). */
  deadline: number;
  /** Fewer fan-out sockets than the 10,000 of the issue (`--fanout-sockets`, for quick profiling runs only). */
  fanoutSockets?: number;
}

export type Scenario = (ctx: ScenarioContext) => Promise<Figure[]>;

/** A fresh bench server on the backend's database (each scenario starts its own, so memory and caches start alike). */
export async function benchServer(ctx: ScenarioContext, opts: { nodeArgs?: string[]; extraEnv?: Record<string, string> } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const server = await startServer({ env: serverEnv(ctx.backend, port, { MIGRATE_ON_START: 'false', ...opts.extraEnv }), port, nodeArgs: [...ctx.nodeArgs, ...(opts.nodeArgs ?? [])] });
  ctx.log(`server pid ${server.child.pid} ready on :${port} in ${server.readyMs.toFixed(0)} ms`);
  return server;
}
