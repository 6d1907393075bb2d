import { readFileSync } from 'node:fs';
import pg from 'pg';
import { PG_ADMIN_URL } from './fixtures.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used (from /proc), 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Postgres server processes serving a database. */
async function backendPids(database: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    return rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

/**
 * CPU time the service spends on a load phase: its Node process and, on Postgres, the server
 * processes of its database. Unlike throughput it hardly moves with what else the machine runs,
 * so it is what the figures are explained with on a shared machine.
 */
export class CpuMeter {
  private node0 = 0;
  private pg0 = new Map<number, number>();
  constructor(private readonly nodePid: number, private readonly pgDatabase: string | undefined) {}

  async start(): Promise<void> {
    this.node0 = cpuSeconds(this.nodePid);
    this.pg0 = new Map();
    if (this.pgDatabase) for (const pid of await backendPids(this.pgDatabase)) this.pg0.set(pid, cpuSeconds(pid));
  }

  /** Seconds used since start(): Node, and the database's Postgres backends (new ones counted from their start). */
  async stop(): Promise<{ node: number; postgres: number }> {
    const node = cpuSeconds(this.nodePid) - this.node0;
    let postgres = 0;
    if (this.pgDatabase) {
      for (const pid of await backendPids(this.pgDatabase)) {
        const before = this.pg0.get(pid);
        postgres += cpuSeconds(pid) - (before ?? 0);
      }
    }
    return { node, postgres };
  }
}

/** The database name of a postgres:// URL. */
export const databaseOf = (url: string | undefined) => (url ? decodeURIComponent(new URL(url).pathname.slice(1)) : undefined);
