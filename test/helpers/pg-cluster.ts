import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether a private cluster can be made here (the PostgreSQL server binaries are installed). */
export const clusterAvailable = () => existsSync(join(BIN, 'initdb')) && existsSync(join(BIN, 'pg_ctl'));

/**
 * A throw-away PostgreSQL cluster of its own (initdb into a temporary directory, listening on a
 * free loopback port), for tests that stop, crash and restart the server: the shared one on 5432
 * is never touched. PostgreSQL refuses to run as root, so as root its commands run as the
 * `postgres` OS user, in a directory that user owns.
 */
export class PrivateCluster {
  private constructor(readonly dir: string, readonly port: number, private readonly asUser: string[]) {}

  static async create(): Promise<PrivateCluster> {
    const root = process.getuid?.() === 0;
    const dir = mkdtempSync(join(tmpdir(), 'lcrpc-pg-'));
    if (root) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new PrivateCluster(dir, await freePort(), root ? ['runuser', '-u', 'postgres', '--'] : []);
    await cluster.exec('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await cluster.start();
    return cluster;
  }

  private async exec(tool: string, args: string[]): Promise<string> {
    const [cmd, ...pre] = this.asUser.length ? this.asUser : [join(BIN, tool)];
    const full = this.asUser.length ? [...pre, join(BIN, tool), ...args] : args;
    const { stdout } = await run(cmd!, full, { timeout: 30_000 });
    return stdout;
  }

  url(db = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    // fsync off: a crash of the server (not of the machine) loses nothing committed, and tests run faster
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`;
    await this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
  }

  /**
   * Stops the server: `immediate` is a crash (every backend killed, no checkpoint; recovery from
   * the WAL at the next start), `fast` a clean shutdown that disconnects every client.
   */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '30', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
