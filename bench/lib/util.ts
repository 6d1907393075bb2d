import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of the machine. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The p-th percentile (0-100) of values, nearest-rank; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (values: number[]) => percentile(values, 50);

/** Polls `check` every `everyMs` until it returns true; fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Keep-alive HTTP client for JSON-RPC on loopback (lighter than fetch, so the client steals less CPU from the server). */
export class RpcClient {
  private readonly agent: http.Agent;
  constructor(readonly baseUrl: string, maxSockets = 64) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** POSTs a JSON-RPC `call`; returns status, parsed body and Set-Cookie pairs. */
  async call(path: string, params: unknown, cookie?: string): Promise<{ status: number; body: any; cookies: Record<string, string> }> {
    const payload = JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params });
    const { status, text, headers } = await this.request('POST', path, payload, { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) });
    const cookies: Record<string, string> = {};
    const raw = headers['set-cookie'] ?? [];
    for (const c of raw) {
      const pair = c.split(';')[0]!;
      const i = pair.indexOf('=');
      cookies[pair.slice(0, i)] = pair.slice(i + 1);
    }
    let body: any;
    try { body = JSON.parse(text); } catch { body = { error: { message: text.slice(0, 200) } }; }
    return { status, body, cookies };
  }

  /** Like call() but returns `result`, failing on a JSON-RPC error. */
  async result(path: string, params: unknown, cookie?: string): Promise<any> {
    const { body } = await this.call(path, params, cookie);
    if (body.error) throw new Error(`${path}: ${body.error.data?.name ?? ''} ${body.error.data?.message ?? body.error.message}`);
    return body.result;
  }

  request(method: string, path: string, payload: string | undefined, headers: Record<string, string>): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.request({
        agent: this.agent, method, hostname: url.hostname, port: url.port, path: url.pathname + url.search,
        headers: payload === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(payload) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void { this.agent.destroy(); }
}

/** Runs `worker(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool<T>(count: number, concurrency: number, worker: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await worker(i);
    }
  }));
  return out;
}
