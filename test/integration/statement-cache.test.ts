import { sql } from 'kysely';
import t from 'tap';
import { exactKey } from '../../src/orm/statement-cache.js';
import { call, login, testApp } from '../helpers/app.js';
import { asRoot } from '../helpers/livechat.js';

/**
 * search_read runs the statement compiled for the same search before (src/orm/statement-cache.ts):
 * what it caches is SQL, never rows, and never across record rules, active_test or anything else
 * the statement depends on.
 */
const { app } = await testApp(t);
const admin = await login(app);

t.test('exactKey: the same key only for the same JSON values', async (t) => {
  t.equal(exactKey([[['a', '=', 1]], 'x']), exactKey([[['a', '=', 1]], 'x']));
  t.not(exactKey([1]), exactKey(['1']));
  t.not(exactKey([null]), exactKey([false]));
  t.not(exactKey([{ a: 1 }]), exactKey([{ a: '1' }]));
  for (const odd of [undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, new Date(0), [undefined], { a: undefined }, () => 1, 1n]) {
    t.equal(exactKey([odd]), undefined, `refused: ${String(odd)}`);
  }
  t.equal(exactKey(['x'.repeat(5000)]), undefined, 'too long');
});

const lead = (name: string, extra: Record<string, unknown> = {}) => call(app, admin, 'crm.lead', 'create', [[{ name, type: 'opportunity', ...extra }]]);
const search = (cookie: string, context: Record<string, unknown> = {}) => call(app, cookie, 'crm.lead', 'search_read', [], {
  domain: [['name', 'ilike', 'cache probe']], fields: ['name', 'user_id', 'active'], order: 'name', limit: 10, context,
});

t.test('the same search twice reads the rows of the moment', async (t) => {
  await lead('cache probe 1');
  t.same((await search(admin)).map((r: { name: string }) => r.name), ['cache probe 1']);
  await lead('cache probe 2', { active: false });
  await lead('cache probe 3');
  t.same((await search(admin)).map((r: { name: string }) => r.name), ['cache probe 1', 'cache probe 3'], 'a new record is found');
  t.same((await search(admin, { active_test: false })).map((r: { name: string }) => r.name), ['cache probe 1', 'cache probe 2', 'cache probe 3'], 'active_test is part of the statement');
  t.same((await search(admin)).map((r: { name: string }) => r.name), ['cache probe 1', 'cache probe 3'], 'and the active filter back');
});

t.test('a record rule added or removed applies to the same search at once', async (t) => {
  const uid = await asRoot(app, async (env) => {
    const groups = [await env.ref('base.group_user') as number, await env.ref('sales_team.group_sale_salesman_all_leads') as number];
    const [id] = await env.model('res.users').create([{ login: 'seller', name: 'Seller', password: 'seller-password', groups_id: [[6, 0, groups]] }]);
    return id!;
  });
  const seller = await login(app, 'seller', 'seller-password');
  await lead('cache probe 4', { user_id: uid });
  t.same((await search(admin)).map((r: { name: string }) => r.name), ['cache probe 1', 'cache probe 3', 'cache probe 4']);
  const all = (await search(seller)).map((r: { name: string }) => r.name);
  t.same(all, ['cache probe 1', 'cache probe 3', 'cache probe 4']);
  t.same((await search(seller)).map((r: { name: string }) => r.name), all, 'asked again');
  const { rows: [rule] } = await sql<{ id: number }>`INSERT INTO ir_rule (name, model_id, domain_force, perm_read, perm_write, perm_create, perm_unlink)
    VALUES ('not the first probe', (SELECT id FROM ir_model WHERE model = 'crm.lead'), ${JSON.stringify([['name', '!=', 'cache probe 1']])}, true, false, false, false)
    RETURNING id`.execute(app.db);
  t.same((await search(seller)).map((r: { name: string }) => r.name), ['cache probe 3', 'cache probe 4'], 'the new rule filters the same search');
  t.same((await search(seller)).map((r: { name: string }) => r.name), ['cache probe 3', 'cache probe 4'], 'and again');
  t.same((await search(admin)).map((r: { name: string }) => r.name), ['cache probe 3', 'cache probe 4'], 'another user under the same rule');
  await sql`DELETE FROM ir_rule WHERE id = ${rule!.id}`.execute(app.db);
  t.same((await search(seller)).map((r: { name: string }) => r.name), all, 'removed: all again');
});

t.test('an invalid search still fails every time', async (t) => {
  for (let i = 0; i < 2; i++) {
    const res = await call(app, admin, 'crm.lead', 'search_read', [], { domain: [['nope', '=', 1]], fields: ['name'] }).catch((err: Error) => err.message);
    t.match(String(res), /Invalid field/);
  }
});
