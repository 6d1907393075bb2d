import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A throw-away database for the test files that need real Postgres beyond testApp (several instances, the driver itself). */
export interface ScratchDatabase {
  name: string;
  /** Its connection URL. */
  url: string;
  /** A connection to the server's admin database (pg_stat_activity, pg_terminate_backend, ALTER DATABASE...). */
  admin: pg.Client;
  /** Drops the database (whatever is still connected to it) and closes `admin`. */
  drop(): Promise<void>;
}

/** Creates an empty database named `<prefix>_<random>` on the server of `serverUrl`. */
export async function scratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  const url = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  return {
    name, url, admin,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
