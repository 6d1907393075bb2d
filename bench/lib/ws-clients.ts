import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SocketSpec, WorkerCommand, WorkerReply } from './ws-worker.js';

const WORKER = fileURLToPath(new URL('./ws-worker.ts', import.meta.url));

/**
 * Websocket clients spread over several processes (one process cannot hold 10,000 sockets and
 * read their frames quickly on its own); each socket goes to the process `i % processes`.
 */
export class WsClients {
  private readonly workers: ChildProcess[];
  private readonly waiting = new Map<ChildProcess, ((reply: WorkerReply) => void)[]>();

  constructor(processes: number) {
    this.workers = Array.from({ length: processes }, () => {
      const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      this.waiting.set(child, []);
      child.on('message', (msg: WorkerReply) => this.waiting.get(child)!.shift()?.(msg));
      return child;
    });
  }

  private ask(child: ChildProcess, cmd: WorkerCommand): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      this.waiting.get(child)!.push(resolve);
      child.send(cmd, (err) => { if (err) reject(err); });
    });
  }

  /** Opens the sockets (spread round-robin); returns how many opened and the first errors. */
  async open(baseUrl: string, specs: SocketSpec[], opts: { concurrency?: number; timeoutMs?: number } = {}): Promise<{ ok: number; failed: number; errors: string[] }> {
    const shares = this.workers.map(() => [] as SocketSpec[]);
    specs.forEach((s, i) => shares[i % shares.length]!.push(s));
    const replies = await Promise.all(this.workers.map((w, i) => this.ask(w, {
      cmd: 'open', baseUrl, sockets: shares[i]!, concurrency: opts.concurrency ?? 64, timeoutMs: opts.timeoutMs ?? 30_000,
    })));
    const out = { ok: 0, failed: 0, errors: [] as string[] };
    for (const r of replies) if (r.type === 'opened') { out.ok += r.ok; out.failed += r.failed; out.errors.push(...r.errors); }
    return out;
  }

  /** Tells every process to stop opening sockets (a pending open() then resolves with what opened). */
  stopOpening(): void {
    for (const w of this.workers) if (w.connected) w.send({ cmd: 'stop-opening' } satisfies WorkerCommand);
  }

  /** Marker arrivals since the last collect: [marker, time ms], plus sockets the server closed. */
  async collect(): Promise<{ hits: [number, number][]; unexpectedCloses: number; codes: Record<string, number> }> {
    const replies = await Promise.all(this.workers.map((w) => this.ask(w, { cmd: 'collect' })));
    const out = { hits: [] as [number, number][], unexpectedCloses: 0, codes: {} as Record<string, number> };
    for (const r of replies) {
      if (r.type !== 'collected') continue;
      for (const h of r.hits) out.hits.push(h);
      out.unexpectedCloses += r.unexpectedCloses;
      for (const [k, v] of Object.entries(r.codes)) out.codes[k] = (out.codes[k] ?? 0) + v;
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => (w.connected ? this.ask(w, { cmd: 'close' }).catch(() => undefined) : undefined)));
    await Promise.all(this.workers.map((w) => (w.exitCode !== null ? undefined : new Promise((r) => { w.once('exit', r); setTimeout(() => { w.kill('SIGKILL'); r(undefined); }, 2000); }))));
  }
}
