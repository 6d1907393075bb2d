import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { nowMs, sleep } from './util.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A free loopback port (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Backend {
  kind: 'pg' | 'pglite';
  /** DATABASE_URL for pg, DATA_DIR for pglite. */
  env: Record<string, string>;
}

/**
 * Settings of every benchmarked server: quiet logs (a log line per request would be measured too),
 * cheap password hashes for the hundreds of bench logins, and any rate limit of the public routes
 * raised out of the way (the benchmark is one client hammering loopback).
 */
export function serverEnv(backend: Backend, port: number, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    PASSWORD_HASH_ROUNDS: '1000',
    DB_NAME: 'odoo',
    ...rateLimitsOff(),
    ...backend.env,
    ...extra,
  };
  if (process.env.TSX_TSCONFIG_PATH) env.TSX_TSCONFIG_PATH = process.env.TSX_TSCONFIG_PATH;
  return env;
}

/**
 * The per-client abuse limits of the public routes (RATE_LIMIT_*, issue 9) switched off (`0`):
 * the benchmark is one loopback address creating thousands of sessions. Read from
 * schemas/env.json, so a run on a tree without them still works.
 */
function rateLimitsOff(): Record<string, string> {
  const schema = JSON.parse(readFileSync(new URL('schemas/env.json', `file://${ROOT}`), 'utf8')) as { properties: Record<string, unknown> };
  return Object.fromEntries(Object.keys(schema.properties).filter((k) => k.startsWith('RATE_LIMIT_')).map((k) => [k, '0']));
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Milliseconds from spawn to the first healthy /web/health answer. */
  readonly readyMs: number;
  stop(): Promise<void>;
  /** Resident memory of the process, in bytes (from /proc). */
  rss(): number;
  /** Last lines the process wrote to stderr (for failures). */
  stderr(): string;
}

export interface StartOptions {
  /** Script to run, relative to the repository (default the bench server). */
  script?: string;
  env: Record<string, string>;
  port: number;
  nodeArgs?: string[];
  /** Run the script through tsx (TypeScript); false for built JavaScript. Default true. */
  tsx?: boolean;
  timeoutMs?: number;
  /** Path answering 200 when ready (default /web/health). */
  healthPath?: string;
}

/** Spawns a server process (with tsx unless told otherwise) and waits for its health route; times the start-up. */
export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const script = opts.script ?? 'bench/server.ts';
  const started = nowMs();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...(opts.tsx === false ? [] : ['--import', 'tsx']), script], {
    cwd: ROOT, env: opts.env, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
  let exited: number | null = null;
  child.once('exit', (code) => { exited = code ?? -1; });
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let readyMs = 0;
  for (;;) {
    if (exited !== null) throw new Error(`server ${script} exited with ${exited} before it was ready:\n${err}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`server ${script} not ready in time:\n${err}`); }
    const ok = await probe(opts.port, opts.healthPath ?? '/web/health');
    if (ok) { readyMs = nowMs() - started; break; }
    await sleep(10);
  }
  return {
    child, url, port: opts.port, readyMs,
    stderr: () => err,
    rss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    stop: () => new Promise<void>((resolve) => {
      if (exited !== null) { resolve(); return; }
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => { clearTimeout(kill); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}

/** One GET on a fresh connection; true on a 200. */
function probe(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(1000, () => { socket.destroy(); resolve(false); });
    socket.on('error', () => resolve(false));
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on('data', (d) => { data += d.toString(); });
    socket.on('end', () => resolve(/^HTTP\/1\.1 200/.test(data)));
  });
}
