import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownChild } from './cluster.js';

/** The nginx configuration docker-compose.prod.yml runs (a conf.d file, inside the image's `http` block). */
export const NGINX_CONF = new URL('../../deploy/nginx.conf', import.meta.url);

/** Debian's nginx binary, or null where it is not installed (.ci/run installs nginx-light). */
export function nginxBinary(): string | null {
  for (const path of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(path)) return path;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

/**
 * deploy/nginx.conf made runnable outside Docker: the instances `app1:8069`, `app2:8069` become
 * `upstreams` (e.g. 127.0.0.1 ports), it listens on loopback `port`, writes its logs, pid and
 * temporary files under `prefix`, and is wrapped in the main and `http` contexts the nginx image
 * provides. Fails if the file no longer has the lines it replaces.
 */
export function renderNginxConfig(opts: { upstreams: string[]; port: number; prefix: string }): string {
  let conf = readFileSync(NGINX_CONF, 'utf8');
  const replace = (pattern: RegExp, by: string) => {
    if (!pattern.test(conf)) throw new Error(`deploy/nginx.conf has no ${pattern}`);
    conf = conf.replace(pattern, by);
  };
  replace(/^(\s*)server app1:8069( [^;\n]*)?;\n\s*server app2:8069( [^;\n]*)?;$/m, opts.upstreams.map((u) => `$1server ${u}$2;`).join('\n'));
  replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${opts.port};`);
  replace(/\/var\/log\/nginx\//g, `${opts.prefix}/`);
  const temp = (name: string) => join(opts.prefix, name);
  return [
    'worker_processes 1;',
    `pid ${temp('nginx.pid')};`,
    `error_log ${temp('error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${temp(t)};`),
    conf,
    '}',
    '',
  ].join('\n');
}

/** A fresh directory for nginx's files, readable by its workers (which drop root privileges). */
export function nginxPrefix(): string {
  const prefix = mkdtempSync(join(tmpdir(), 'lcrpc-nginx-'));
  chmodSync(prefix, 0o755);
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(prefix, t));
    chmodSync(join(prefix, t), 0o777);
  }
  return prefix;
}

/** `nginx -t` on a configuration: ok, and what nginx said. */
export function nginxTest(binary: string, config: string, prefix: string): { ok: boolean; output: string } {
  const file = join(prefix, 'nginx.conf');
  writeFileSync(file, config);
  const res = spawnSync(binary, ['-t', '-q', '-p', prefix, '-e', 'stderr', '-c', file], { encoding: 'utf8' });
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}` };
}

/** Waits until something accepts TCP connections on the loopback port. */
export async function waitForPort(port: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RunningNginx { port: number; prefix: string; process: ChildProcess; stop(): Promise<void>; accessLog(): string }

/** Runs deploy/nginx.conf on loopback `port` in front of `upstreams`, in the foreground, until stop(). */
export async function startNginx(binary: string, upstreams: string[], port: number): Promise<RunningNginx> {
  const prefix = nginxPrefix();
  const config = renderNginxConfig({ upstreams, port, prefix });
  const test = nginxTest(binary, config, prefix);
  if (!test.ok) throw new Error(`nginx -t failed: ${test.output}`);
  const child = spawn(binary, ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  ownChild(child);
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([waitForPort(port), exited.then(() => { throw new Error(`nginx exited: ${stderr}`); })]);
  return {
    port, prefix, process: child,
    accessLog: () => (existsSync(join(prefix, 'access.log')) ? readFileSync(join(prefix, 'access.log'), 'utf8') : ''),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
