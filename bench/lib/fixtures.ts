import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { seed } from '../../src/db/seed.js';
import { MODELS } from '../../src/models/index.js';
import { SUPERUSER_ID } from '../../src/orm/env.js';
import { Registry } from '../../src/orm/registry.js';
import { runInTransaction } from '../../src/orm/transaction.js';
import { serverEnv, type Backend } from './server.js';

/** Postgres server the benchmark creates its throw-away databases on (never the tests' `test`). */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const SIZES = {
  leads: 10_000,
  partners: 1_000,
  /** Online operators of live chat channel 1 (visitor start). */
  operators: 20,
  /** Conversations of the delivery benchmark, each with its own operator and visitor. */
  conversations: 500,
  /** Guests in the one channel of the fan-out benchmark. */
  fanoutSockets: 10_000,
} as const;

export const BENCH_PASSWORD = 'bench-password';

export interface Fixtures {
  /** A res.partner for the one-record read. */
  partnerId: number;
  /** Logins of the operators of live chat channel 1. */
  operatorLogins: string[];
  conversations: { channelId: number; operatorLogin: string; guestCookie: string }[];
  fanout: { channelId: number; guestCookies: string[] };
}

export interface PreparedBackend extends Backend {
  fixtures: Fixtures;
  /** Seconds spent creating the data. */
  seedSeconds: number;
  dispose(): Promise<void>;
}

/** A dedicated database (Postgres `bench_<pid>_<n>`, or a PGlite directory), migrated and filled with the bench data. */
export async function prepareBackend(kind: 'pg' | 'pglite'): Promise<PreparedBackend> {
  let backend: Backend;
  let dispose: () => Promise<void>;
  if (kind === 'pg') {
    const name = `bench_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
    await admin.end();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    backend = { kind, env: { DATABASE_URL: url.toString() } };
    dispose = async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'lcrpc-bench-'));
    backend = { kind, env: { DATA_DIR: dir } };
    dispose = async () => rmSync(dir, { recursive: true, force: true });
  }
  const started = Date.now();
  try {
    const fixtures = await fill(backend);
    return { ...backend, fixtures, seedSeconds: (Date.now() - started) / 1000, dispose };
  } catch (err) {
    await dispose().catch(() => {});
    throw err;
  }
}

/** Migrates the database as a start-up would, then creates the bench records (ORM for users, SQL for bulk rows). */
async function fill(backend: Backend): Promise<Fixtures> {
  const config = loadConfig(serverEnv(backend, 0) as NodeJS.ProcessEnv);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
  try {
    const registry = new Registry([...MODELS], { dbName: config.dbName, passwordHashRounds: config.passwordHashRounds });
    await migrate(database);
    await seed(database, registry, config);
    return await runInTransaction(database, registry, SUPERUSER_ID, {}, async (env) => {
      const trx = env.trx;
      const internal = await env.ref('base.group_user') as number;
      const livechatUser = await env.ref('im_livechat.im_livechat_group_user') as number;
      const userCount = SIZES.operators + SIZES.conversations;
      const logins = Array.from({ length: userCount }, (_, i) => `bench_op${i + 1}`);
      // one user through the ORM, the others as the same rows in bulk (what res.users.create
      // writes: partner, user, memberships closed over implied groups, settings); 520 ORM creates
      // take seconds on PGlite
      const [templateUid] = await env.model('res.users').create([{
        login: logins[0], name: 'Operator 1', password: BENCH_PASSWORD, lang: 'en_US', groups_id: [[6, 0, [internal, livechatUser]]],
      }]);
      const { rows: [template] } = await sql<{ password: string }>`SELECT password FROM res_users WHERE id = ${templateUid!}`.execute(trx);
      const { rows: bulkPartners } = await sql<{ id: number }>`INSERT INTO res_partner (name, lang, active, create_uid, write_uid)
        SELECT 'Operator ' || i, 'en_US', true, 1, 1 FROM generate_series(2, ${userCount}) AS i ORDER BY i RETURNING id`.execute(trx);
      const partnerIds0 = bulkPartners.map((p) => p.id).sort((a, b) => a - b);
      const { rows: bulkUsers } = await sql<{ id: number }>`INSERT INTO res_users (login, password, partner_id, company_id, active, share, create_uid, write_uid)
        SELECT l, ${template!.password}, p, 1, true, false, 1, 1 FROM unnest(${sql.val(logins.slice(1))}::text[], ${sql.val(partnerIds0)}::int[]) AS x(l, p)
        RETURNING id`.execute(trx);
      const bulkUids = bulkUsers.map((u) => u.id).sort((a, b) => a - b);
      await sql`INSERT INTO res_groups_users_rel (uid, gid) SELECT u, r.gid FROM unnest(${sql.val(bulkUids)}::int[]) AS u, res_groups_users_rel r WHERE r.uid = ${templateUid!}`.execute(trx);
      await sql`INSERT INTO res_users_settings (user_id) SELECT unnest(${sql.val(bulkUids)}::int[])`.execute(trx);
      const uids = [templateUid!, ...bulkUids];
      const { rows: users } = await sql<{ id: number; partner_id: number; login: string }>`SELECT id, partner_id, login FROM res_users WHERE id IN (${sql.join(uids)}) ORDER BY id`.execute(trx);
      if (users.some((u, i) => u.login !== logins[i])) throw new Error('bench users are not in login order');
      const partnerOf = new Map(users.map((u) => [u.id, u.partner_id]));
      const operatorUids = uids.slice(0, SIZES.operators);
      await sql`INSERT INTO im_livechat_channel_im_user (channel_id, user_id) SELECT 1, unnest(${sql.val(operatorUids)}::int[])`.execute(trx);

      const { rows: partners } = await sql<{ id: number }>`INSERT INTO res_partner (name, email, phone, is_company, lang)
        SELECT 'Customer ' || i, 'customer' || i || '@example.com', '+32 470 00 ' || lpad(i::text, 4, '0'), i % 5 = 0, 'en_US'
        FROM generate_series(1, ${SIZES.partners}) AS i RETURNING id`.execute(trx);
      const partnerIds = partners.map((p) => p.id);
      const salespeople = [2, ...uids.slice(0, 9)];
      await sql`INSERT INTO crm_lead (name, type, active, priority, user_id, team_id, company_id, stage_id, partner_id, expected_revenue, probability, create_uid, write_uid)
        SELECT 'Opportunity ' || i, CASE WHEN i % 10 < 8 THEN 'opportunity' ELSE 'lead' END, i % 20 <> 0, (i % 4)::text,
          (${sql.val(salespeople)}::int[])[1 + i % ${salespeople.length}], (SELECT min(id) FROM crm_team), 1,
          (SELECT array_agg(id ORDER BY id) FROM crm_stage)[1 + i % 4], (${sql.val(partnerIds)}::int[])[1 + i % ${partnerIds.length}],
          (i % 97) * 1000.0, (i % 101)::float, 2, 2
        FROM generate_series(1, ${SIZES.leads}) AS i`.execute(trx);

      const guestCount = SIZES.conversations + SIZES.fanoutSockets;
      const { rows: guests } = await sql<{ id: number; access_token: string }>`INSERT INTO mail_guest (name, access_token, lang)
        SELECT 'Visitor ' || i, md5(i::text || clock_timestamp()::text || random()::text), 'en_US'
        FROM generate_series(1, ${guestCount}) AS i RETURNING id, access_token`.execute(trx);
      const cookie = (g: { id: number; access_token: string }) => `dgid=${g.id}|${g.access_token}`;

      const conversations: Fixtures['conversations'] = [];
      const convUids = uids.slice(SIZES.operators);
      const { rows: channels } = await sql<{ id: number; n: number }>`INSERT INTO discuss_channel (name, channel_type, uuid, livechat_active, livechat_operator_id, livechat_channel_id, anonymous_name)
        SELECT 'Visitor ' || n || ' Operator', 'livechat', md5('conv' || n || random()::text), true, p.partner_id, 1, 'Visitor ' || n
        FROM unnest(${sql.val(convUids.map((u) => partnerOf.get(u)!))}::int[]) WITH ORDINALITY AS p(partner_id, n) RETURNING id, name`
        .execute(trx).then((r) => ({ rows: r.rows.map((c: any) => ({ id: c.id, n: Number(/Visitor (\d+)/.exec(c.name)![1]) })) }));
      channels.sort((a, b) => a.n - b.n);
      await sql`INSERT INTO discuss_channel_member (channel_id, partner_id)
        SELECT c, p FROM unnest(${sql.val(channels.map((c) => c.id))}::int[], ${sql.val(convUids.map((u) => partnerOf.get(u)!))}::int[]) AS x(c, p)`.execute(trx);
      await sql`INSERT INTO discuss_channel_member (channel_id, guest_id)
        SELECT c, g FROM unnest(${sql.val(channels.map((c) => c.id))}::int[], ${sql.val(guests.slice(0, SIZES.conversations).map((g) => g.id))}::int[]) AS x(c, g)`.execute(trx);
      channels.forEach((c, i) => conversations.push({ channelId: c.id, operatorLogin: logins[SIZES.operators + i]!, guestCookie: cookie(guests[i]!) }));

      const fanGuests = guests.slice(SIZES.conversations);
      const { rows: big } = await sql<{ id: number }>`INSERT INTO discuss_channel (name, channel_type, uuid) VALUES ('All visitors', 'channel', md5('fanout' || random()::text)) RETURNING id`.execute(trx);
      const fanoutChannel = big[0]!.id;
      await sql`INSERT INTO discuss_channel_member (channel_id, partner_id) SELECT ${fanoutChannel}, partner_id FROM res_users WHERE id = 2`.execute(trx);
      await sql`INSERT INTO discuss_channel_member (channel_id, guest_id) SELECT ${fanoutChannel}, unnest(${sql.val(fanGuests.map((g) => g.id))}::int[])`.execute(trx);

      await sql`ANALYZE`.execute(trx).catch(() => {});
      return {
        partnerId: partnerIds[partnerIds.length - 1]!,
        operatorLogins: logins.slice(0, SIZES.operators),
        conversations,
        fanout: { channelId: fanoutChannel, guestCookies: fanGuests.map(cookie) },
      };
    });
  } finally {
    await database.close();
  }
}
