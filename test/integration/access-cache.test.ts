import { sql } from 'kysely';
import t from 'tap';
import { runInTransaction } from '../../src/orm/transaction.js';
import { call, callKw, login, testApp } from '../helpers/app.js';
import { asRoot } from '../helpers/livechat.js';

/**
 * Access rights, record rules and group memberships are cached per instance and checked against
 * access_signaling once per call (security/access.ts): whatever changes them, through the ORM or
 * straight in the tables (as another instance's transaction does), the next call sees the change,
 * the changing call sees its own change, and a rolled-back change is never seen.
 */
const { app } = await testApp(t);
const admin = await login(app);

// an internal user without Sales rights: crm.lead is not readable for it
const uid = await asRoot(app, async (env) => {
  const [id] = await env.model('res.users').create([{ login: 'clerk', name: 'Clerk', password: 'clerk-password', groups_id: [[6, 0, [await env.ref('base.group_user') as number]]] }]);
  return id!;
});
const clerk = await login(app, 'clerk', 'clerk-password');
const { rows: [ids] } = await sql<{ user_group: number; salesman: number; lead_model: number; partner_model: number }>`
  SELECT (SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'group_user') AS user_group,
    (SELECT res_id FROM ir_model_data WHERE module = 'sales_team' AND name = 'group_sale_salesman') AS salesman,
    (SELECT id FROM ir_model WHERE model = 'crm.lead') AS lead_model,
    (SELECT id FROM ir_model WHERE model = 'res.partner') AS partner_model`.execute(app.db);
const readLeads = () => callKw(app, clerk, 'crm.lead', 'search_read', [[]], { fields: ['name'] });
const denied = (body: Awaited<ReturnType<typeof readLeads>>) => body.error?.data.name === 'odoo.exceptions.AccessError';

t.test('an access right added or removed in the tables is seen by the next call', async (t) => {
  t.ok(denied(await readLeads()), 'no right yet');
  await sql`INSERT INTO ir_model_access (name, model_id, group_id, perm_read) VALUES ('clerk reads leads', ${ids!.lead_model}, ${ids!.user_group}, true)`.execute(app.db);
  const allowed = await readLeads();
  t.notOk(allowed.error, 'allowed at once');
  await sql`UPDATE ir_model_access SET active = false WHERE name = 'clerk reads leads'`.execute(app.db);
  t.ok(denied(await readLeads()), 'archived: denied again');
  await sql`DELETE FROM ir_model_access WHERE name = 'clerk reads leads'`.execute(app.db);
});

t.test('a group membership added in the tables is seen by the next call', async (t) => {
  t.ok(denied(await readLeads()));
  await sql`INSERT INTO res_groups_users_rel (gid, uid) VALUES (${ids!.salesman}, ${uid})`.execute(app.db);
  t.notOk((await readLeads()).error, 'a salesman now');
  await sql`DELETE FROM res_groups_users_rel WHERE gid = ${ids!.salesman} AND uid = ${uid}`.execute(app.db);
  t.ok(denied(await readLeads()), 'not any more');
});

t.test('a record rule added in the tables applies to the next call, and its removal too', async (t) => {
  const all = await call(app, clerk, 'res.partner', 'search', [[]]);
  t.ok(all.length > 1);
  const { rows: [rule] } = await sql<{ id: number }>`INSERT INTO ir_rule (name, model_id, domain_force, perm_read, perm_write, perm_create, perm_unlink)
    VALUES ('own partner only', ${ids!.partner_model}, ${JSON.stringify([['id', '=', { user: 'partner_id' }]])}, true, false, false, false) RETURNING id`.execute(app.db);
  const { rows: [me] } = await sql<{ partner_id: number }>`SELECT partner_id FROM res_users WHERE id = ${uid}`.execute(app.db);
  t.same(await call(app, clerk, 'res.partner', 'search', [[]]), [me!.partner_id], 'the global rule filters');
  const hidden = all.find((id: number) => id !== me!.partner_id);
  t.equal((await callKw(app, clerk, 'res.partner', 'read', [[hidden], ['name']])).error?.data.name, 'odoo.exceptions.AccessError', 'and read refuses the others');
  await sql`DELETE FROM ir_rule WHERE id = ${rule!.id}`.execute(app.db);
  t.same(await call(app, clerk, 'res.partner', 'search', [[]]), all);
});

t.test('a call sees its own change; a rolled-back change is seen by no later call', async (t) => {
  const seenInside = await runInTransaction(app.database, app.registry, uid, {}, async (env) => {
    const before = await env.model('crm.lead').checkAccessRights('read', false);
    await env.sudo().model('res.users').write([uid], { groups_id: [[4, ids!.salesman]] });
    const after = await env.model('crm.lead').checkAccessRights('read', false);
    throw Object.assign(new Error('rolled back'), { seen: [before, after] });
  }).catch((err: { seen?: boolean[] }) => err.seen);
  t.same(seenInside, [false, true], 'denied, then allowed within the same call');
  t.ok(denied(await readLeads()), 'the rolled-back membership grants nothing');
  t.ok(denied(await readLeads()), 'still nothing on the next call');
});

t.test('rights changed through RPC by an administrator apply to the next call', async (t) => {
  const [aclId] = await call(app, admin, 'ir.model.access', 'create', [[{ name: 'clerk reads leads (rpc)', model_id: ids!.lead_model, group_id: ids!.user_group, perm_read: true }]]);
  t.notOk((await readLeads()).error);
  await call(app, admin, 'ir.model.access', 'unlink', [[aclId]]);
  t.ok(denied(await readLeads()));
});

t.test("the commercial partner a portal rule reads follows its partner's new company at the next call", async (t) => {
  const { companies } = await asRoot(app, async (env) => {
    const [a, b] = await env.model('res.partner').create([{ name: 'Company A', is_company: true }, { name: 'Company B', is_company: true }]);
    await env.model('res.partner').create([{ name: 'Colleague at B', parent_id: b }]);
    const [id] = await env.model('res.users').create([{ login: 'customer', name: 'Customer', password: 'customer-password', groups_id: [[6, 0, [await env.ref('base.group_portal') as number]]] }]);
    const [{ partner_id: [partnerId] }] = await env.model('res.users').read([id!], ['partner_id']) as unknown as [{ partner_id: [number] }];
    await env.model('res.partner').write([partnerId], { parent_id: a });
    return { companies: { a: a!, b: b! } };
  });
  const customer = await login(app, 'customer', 'customer-password');
  const names = async () => (await call(app, customer, 'res.partner', 'search_read', [[]], { fields: ['name'] })).map((r: { name: string }) => r.name).sort();
  t.same(await names(), ['Company A', 'Customer'], 'its own company and contacts');
  // moved to company B straight in the table, as another instance's transaction would
  await sql`UPDATE res_partner SET parent_id = ${companies.b} WHERE name = 'Customer'`.execute(app.db);
  t.same(await names(), ['Colleague at B', 'Company B', 'Customer'], 'now company B\'s');
});
