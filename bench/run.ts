/**
 * `npm run bench`: the performance figures of issue 8 on loopback, each beside a baseline measured
 * in the same run and Odoo 17's figure on the same kind of machine. Every scenario is bounded in
 * count and time and the whole run stays under 5 minutes. Prints a table and writes
 * bench/results/latest.json (a partial run, `--only`, writes bench/results/partial.json).
 *
 *   npm run bench [-- --only rpc,delivery] [--backend pg|pglite|both] [--seconds 5] [--profile]
 *
 * `--fanout-sockets N` opens fewer than 10,000 sockets in the fan-out scenario (quick profiling runs).
 * `--profile` runs the service processes with `node --cpu-prof` (profiles in
 * bench/results/profiles/, readable in Chrome DevTools or speedscope as flame graphs) and prints
 * where each spent its time.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Scenario, ScenarioContext } from './lib/context.js';
import { prepareBackend, type PreparedBackend } from './lib/fixtures.js';
import { summarize } from './lib/profile.js';
import { machine, score, table, type Figure } from './lib/report.js';
import { ROOT } from './lib/server.js';
import { deliveryScenario } from './scenarios/delivery.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { rpcScenario } from './scenarios/rpc.js';
import { startupScenario } from './scenarios/startup.js';
import { twoInstancesScenario } from './scenarios/two-instances.js';
import { visitorScenario } from './scenarios/visitor.js';

/**
 * In the order they run. `expectedSeconds` (Postgres, PGlite) is what a scenario takes on a busy
 * 2-core machine: one is not started when less than that is left of the run budget.
 */
const SCENARIOS: { name: string; run: Scenario; backends: ('pg' | 'pglite')[]; expectedSeconds: [number, number] }[] = [
  { name: 'rpc', run: rpcScenario, backends: ['pg', 'pglite'], expectedSeconds: [20, 20] },
  { name: 'visitor', run: visitorScenario, backends: ['pg', 'pglite'], expectedSeconds: [15, 15] },
  { name: 'delivery', run: deliveryScenario, backends: ['pg', 'pglite'], expectedSeconds: [35, 45] },
  // several instances share a database only on Postgres (PGlite is one process's embedded database)
  { name: 'two-instances', run: twoInstancesScenario, backends: ['pg'], expectedSeconds: [30, 0] },
  { name: 'startup', run: startupScenario, backends: ['pg', 'pglite'], expectedSeconds: [15, 20] },
  { name: 'fanout', run: fanoutScenario, backends: ['pg', 'pglite'], expectedSeconds: [45, 60] },
];

/** Scenarios are started only while they fit in this budget, so the whole run ends within 5 minutes. */
const RUN_BUDGET_MS = 285_000;

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    backend: { type: 'string', default: 'both' },
    seconds: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    'fanout-sockets': { type: 'string' },
  },
});
const only = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : undefined;
for (const name of only ?? []) if (!SCENARIOS.some((s) => s.name === name)) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
const backends = args.backend === 'both' ? ['pg', 'pglite'] as const : [args.backend as 'pg' | 'pglite'];
if (!backends.every((b) => b === 'pg' || b === 'pglite')) throw new Error('--backend is pg, pglite or both');
const seconds = Math.min(30, Math.max(1, Number(args.seconds)));

const profileDir = fileURLToPath(new URL('./results/profiles/', import.meta.url));
if (args.profile) { rmSync(profileDir, { recursive: true, force: true }); mkdirSync(profileDir, { recursive: true }); }
const nodeArgs = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];

const started = Date.now();
const log = (message: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
const before = machine();
const figures: Figure[] = [];
const skipped: string[] = [];
const failures: string[] = [];

// Both databases first, then each scenario on each backend in turn: if the machine is so slow that
// the budget runs out, the last scenarios are skipped on both backends rather than one backend
// losing them all.
const prepared = new Map<'pg' | 'pglite', PreparedBackend>();
for (const kind of backends) {
  if (!SCENARIOS.some((s) => (!only || only.has(s.name)) && s.backends.includes(kind))) continue;
  log(`${kind}: creating the bench database`);
  try {
    const backend = await prepareBackend(kind);
    prepared.set(kind, backend);
    log(`${kind}: seeded in ${backend.seedSeconds.toFixed(1)} s`);
  } catch (err) {
    failures.push(`${kind}: preparing the database failed: ${(err as Error).message}`);
    log(failures.at(-1)!);
  }
}
try {
  for (const scenario of SCENARIOS.filter((s) => !only || only.has(s.name))) {
    for (const [kind, backend] of prepared) {
      if (!scenario.backends.includes(kind)) continue;
      const left = RUN_BUDGET_MS - (Date.now() - started);
      const needs = scenario.expectedSeconds[kind === 'pg' ? 0 : 1] * 1000;
      if (left < needs) { skipped.push(`${scenario.name} (${kind}): ${Math.round(left / 1000)} s of the run budget left, it takes about ${needs / 1000} s`); continue; }
      log(`${kind}: ${scenario.name}`);
      const ctx: ScenarioContext = { backend, log: (m) => log(`${kind} ${scenario.name}: ${m}`), seconds, earlier: figures, nodeArgs, deadline: started + RUN_BUDGET_MS, fanoutSockets: args['fanout-sockets'] ? Number(args['fanout-sockets']) : undefined };
      try {
        figures.push(...await scenario.run(ctx));
      } catch (err) {
        failures.push(`${scenario.name} (${kind}): ${(err as Error).stack ?? err}`);
        log(`FAILED ${failures.at(-1)}`);
      }
    }
  }
} finally {
  for (const backend of prepared.values()) await backend.dispose().catch((err) => log(`could not drop the bench database: ${err}`));
}

const scored = figures.map(score);
const after = machine();
let commit = 'unknown';
try { commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim(); } catch { /* not a checkout */ }
const results = {
  date: new Date().toISOString(),
  commit,
  machine: { ...before, loadavgAtStart: before.loadavg, loadavgAtEnd: after.loadavg },
  args: { only: only ? [...only] : 'all', backends, seconds },
  durationSeconds: Math.round((Date.now() - started) / 1000),
  figures: scored,
  skipped,
  failures,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = only ? 'partial.json' : 'latest.json';
writeFileSync(new URL(`./results/${file}`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);

console.log(table(scored));
console.log(`\n${before.nproc} x ${before.cpuModel}, Node ${before.node}; load average ${before.loadavg.join(' ')} at start, ${after.loadavg.join(' ')} at end; ${results.durationSeconds} s`);
for (const s of skipped) console.log(`skipped: ${s}`);
for (const f of failures) console.log(`FAILED: ${f}`);
console.log(`results written to bench/results/${file}`);
if (args.profile) {
  // one profile per service process, written when it exits
  for (const f of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const summary = summarize(join(profileDir, f));
    if (summary) console.log(`\n${summary}`);
  }
}
process.exitCode = failures.length ? 1 : 0;
