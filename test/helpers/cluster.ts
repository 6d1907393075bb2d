import { spawn, type ChildProcess } from 'node:child_process';
import { WebSocket } from 'ws';
import type { Notification } from './bus.js';

export { freePort } from './pg-cluster.js';

const ROOT = new URL('../../', import.meta.url);

const children = new Set<ChildProcess>();
let reaping = false;
/**
 * Kills the processes a test started when the test process ends, even when tap times it out
 * (SIGTERM, where 'exit' handlers do not run): otherwise they outlive it, listening, connected.
 */
export function ownChild(child: ChildProcess): void {
  if (!reaping) {
    reaping = true;
    process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); });
    process.once('SIGTERM', () => { for (const c of children) c.kill('SIGKILL'); process.exit(143); });
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** A service instance running as its own process (`node --import tsx src/server.ts`), as in production. */
export class Instance {
  /** Its pino log lines, parsed. */
  readonly logs: Record<string, any>[] = [];
  stderr = '';
  private child: ChildProcess | undefined;
  private exited: Promise<{ code: number | null; signal: string | null }> | undefined;

  constructor(readonly name: string, readonly port: number, private readonly env: Record<string, string>) {}

  get url(): string { return `http://127.0.0.1:${this.port}`; }
  get running(): boolean { return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null; }

  /** Starts the process and waits until its readiness route answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    // only what the service needs: not the test runner's loaders (NODE_OPTIONS) or settings
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...this.env, PORT: String(this.port), HOST: '127.0.0.1' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    ownChild(child);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let partial = '';
    child.stdout!.on('data', (data: Buffer) => {
      const text = partial + data.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line.trim()) { try { this.logs.push(JSON.parse(line)); } catch { this.logs.push({ msg: line }); } }
    });
    child.stderr!.on('data', (data: Buffer) => { this.stderr += data.toString('utf8'); });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited while starting: ${this.stderr}`);
      const status = await fetch(`${this.url}/web/health/ready`).then((r) => r.status, () => 0);
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs} ms: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends `signal` and waits for the exit: its code and how long it took. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
    if (!this.child || !this.running) return { code: this.child?.exitCode ?? null, ms: 0 };
    const started = Date.now();
    this.child.kill(signal);
    const { code } = await this.exited!;
    return { code, ms: Date.now() - started };
  }

  /** A figure of its /metrics (loopback clients need no token). */
  async metric(series: string): Promise<number | undefined> {
    const body = await (await fetch(`${this.url}/metrics`)).text();
    const line = body.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }
}

/**
 * A bus client that behaves as Odoo's websocket worker: when the server closes the connection with
 * anything but 1000 (1001 on shutdown), it connects again and subscribes with the id of the last
 * notification it received, so it resumes where it was. Records every notification once received.
 */
export class ResilientSocket {
  readonly notifications: Notification[] = [];
  readonly closeCodes: number[] = [];
  connections = 0;
  private ws: WebSocket | undefined;
  private stopped = false;
  private waiters: (() => void)[] = [];

  /**
   * `onOpen` runs after each (re)connection's subscribe: an operator's tab reports its presence
   * again, as Odoo's im_status service does when the bus connects.
   */
  constructor(
    private readonly url: string, private readonly headers: Record<string, string>, private readonly channels: string[],
    private readonly onOpen: (socket: ResilientSocket) => void = () => {}, private readonly reconnectDelayMs = 150,
  ) {}

  get lastId(): number { return this.notifications.at(-1)?.id ?? 0; }

  /** Connects and subscribes from `last` (the first time) or from the last id received. */
  async open(last?: number): Promise<void> {
    const ws = new WebSocket(this.url, { headers: this.headers, origin: 'http://127.0.0.1:8069' });
    this.ws = ws;
    ws.on('message', (data: Buffer) => {
      this.notifications.push(...(JSON.parse(data.toString('utf8')) as Notification[]));
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('error', () => {});
    ws.on('close', (code: number) => {
      this.closeCodes.push(code);
      if (this.stopped || code === 1000) return;
      setTimeout(() => { void this.open().catch(() => this.retry()); }, this.reconnectDelayMs);
    });
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    this.connections++;
    ws.send(JSON.stringify({ event_name: 'subscribe', data: { channels: this.channels, last: last ?? this.lastId } }));
    this.onOpen(this);
  }

  private retry(): void {
    if (!this.stopped) setTimeout(() => { void this.open().catch(() => this.retry()); }, this.reconnectDelayMs);
  }

  send(frame: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** Waits until `cond` holds (checked on every frame), or fails after `ms`. */
  async until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => { const timer = setTimeout(resolve, Math.min(left, 200)); this.waiters.push(() => { clearTimeout(timer); resolve(); }); });
    }
  }

  close(): void {
    this.stopped = true;
    this.ws?.terminate();
  }
}
