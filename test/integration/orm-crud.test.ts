/**
 * The ORM's record methods over JSON-RPC `call_kw` (odoo/models.py 17.0, spec sections 4 and 5):
 * search, search_count, search_read, read formats, create, write (related fields, x2many commands),
 * unlink, copy, exists, name_search / name_create / name_get, default_get, check_access_rights.
 * Every failing call must leave the data as it was.
 */
import t, { type Test } from 'tap';
import { call, callKw, login, testApp, type RpcBody } from '../helpers/app.js';

const { app } = await testApp(t, { DEMO_DATA: 'true' });
const admin = await login(app);
const demo = await login(app, 'demo', 'demo');
const portal = await login(app, 'portal', 'portal');

type Vals = Record<string, unknown>;
const rpc = (method: string, args: unknown[] = [], kwargs: Vals = {}, model = 'res.partner', cookie = admin) => call(app, cookie, model, method, args, kwargs);
const raw = (method: string, args: unknown[] = [], kwargs: Vals = {}, model = 'res.partner', cookie = admin) => callKw(app, cookie, model, method, args, kwargs);

/** Asserts the call failed with the given Python/Odoo exception class (and message, when given). */
function failed(tt: Test, body: RpcBody, name: string, message?: string | RegExp): void {
  tt.notOk('result' in body, 'no result');
  tt.equal(body.error?.code, 200);
  tt.equal(body.error?.data.name, name);
  if (typeof message === 'string') tt.equal(body.error?.data.message, message);
  else if (message) tt.match(body.error?.data.message, message);
}

/** A snapshot of everything a failing call could have touched. */
async function snapshot(): Promise<unknown> {
  const ctx = { context: { active_test: false } };
  return {
    partners: await rpc('search_read', [[], ['name', 'email', 'parent_id', 'child_ids', 'active', 'type', 'city', 'image_1920']], { ...ctx, order: 'id' }),
    users: await rpc('search_read', [[], ['login', 'name', 'email', 'groups_id', 'active']], { ...ctx, order: 'id' }, 'res.users'),
    groups: await rpc('search_read', [[], ['name', 'implied_ids', 'users']], { order: 'id' }, 'res.groups'),
    xmlids: await rpc('search_count', [[]], {}, 'ir.model.data'),
  };
}

/** Runs a call that must fail and checks the database did not change. */
async function unchanged(tt: Test, run: () => Promise<RpcBody>, name: string, message?: string | RegExp): Promise<void> {
  const before = await snapshot();
  const body = await run();
  failed(tt, body, name, message);
  tt.same(await snapshot(), before, 'data unchanged');
}

// ------------------------------------------------------------------ fixture

const [BE] = await rpc('search', [[['code', '=', 'BE']]], {}, 'res.country');
const acme = await rpc('create', [{ name: 'Acme', is_company: true, email: 'info@acme.example', country_id: BE, city: 'Liège' }]);
const [anna, bob] = await rpc('create', [[
  { name: 'Anna Acme', parent_id: acme, email: 'anna@acme.example', function: 'CEO' },
  { name: 'Bob Acme', parent_id: acme, email: false },
]]);
const archived = await rpc('create', [{ name: 'Zed Archived', active: false }]);

t.test('search', async (t) => {
  const companies = await rpc('search', [[['is_company', '=', true], ['name', '=', 'Acme']]]);
  t.same(companies, [acme], 'positional domain');
  t.same(await rpc('search', [], { domain: [['parent_id', '=', acme]] }), [anna, bob], 'domain as keyword; default order complete_name, id desc');
  t.same(await rpc('search', [[['parent_id', '=', acme]], 0, 1]), [anna], 'positional offset and limit');
  t.same(await rpc('search', [[['parent_id', '=', acme]], 1, 1]), [bob], 'offset');
  t.same(await rpc('search', [[['parent_id', '=', acme]]], { order: 'name desc' }), [bob, anna], 'order keyword');
  t.same(await rpc('search', [[['parent_id', '=', acme]], 0, null, 'id desc']), [bob, anna], 'order positional');
  t.same(await rpc('search', [[['parent_id', '=', acme]]], { limit: 0 }), [anna, bob], 'limit 0 = no limit');
  t.same(await rpc('search', [[['parent_id', '=', acme]]], { limit: false, offset: false }), [anna, bob], 'limit false = no limit');
  t.same(await rpc('search', [[['id', '=', archived]]]), [], 'archived records are hidden');
  t.same(await rpc('search', [[['id', '=', archived]]], { context: { active_test: false } }), [archived], 'unless active_test is false');
  t.same(await rpc('search', [[['id', '=', archived], ['active', '=', false]]]), [archived], 'or the domain mentions active');
  failed(t, await raw('search', [[]], { count: true }), 'builtins.TypeError', "BaseModel.search() got an unexpected keyword argument 'count'");
  failed(t, await raw('search', [[]], { order: 'nope desc' }), 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'");
  failed(t, await raw('search', [[]], { order: 'name; DROP TABLE res_partner' }), 'odoo.exceptions.UserError', /^Invalid "order" specified/);
  failed(t, await raw('search', [[['nope', '=', 1]]]), 'builtins.ValueError');
});

t.test('search_count', async (t) => {
  t.equal(await rpc('search_count', [[['parent_id', '=', acme]]]), 2);
  t.equal(await rpc('search_count', [], { domain: [['parent_id', '=', acme]] }), 2, 'domain keyword');
  t.equal(await rpc('search_count', [[['parent_id', '=', acme]], 1]), 1, 'limit caps the count');
  t.equal(await rpc('search_count', [[['parent_id', '=', acme]]], { limit: 5 }), 2);
  t.equal(await rpc('search_count', [[['id', '=', archived]]]), 0, 'active filter');
  const all = await rpc('search_count', [[]]);
  t.equal(all, (await rpc('search', [[]])).length);
});

t.test('search_read', async (t) => {
  // what the web client sends: args [] and everything in kwargs
  const rows = await rpc('search_read', [], { domain: [['parent_id', '=', acme]], fields: ['name', 'parent_id', 'email'], offset: 0, limit: 80, order: 'name' });
  t.same(rows, [
    { id: anna, name: 'Anna Acme', parent_id: [acme, 'Acme'], email: 'anna@acme.example' },
    { id: bob, name: 'Bob Acme', parent_id: [acme, 'Acme'], email: false },
  ]);
  t.same(Object.keys(rows[0]), ['id', 'name', 'parent_id', 'email'], 'keys in the requested order, id first');
  t.same(await rpc('search_read', [[['id', '=', anna]], ['parent_id']], { load: '' }), [{ id: anna, parent_id: acme }], "load='' gives raw many2one ids");
  t.same(await rpc('search_read', [[['id', '=', anna]], ['parent_id']], { load: null }), [{ id: anna, parent_id: acme }], 'load=None too');
  t.same(await rpc('search_read', [[['parent_id', '=', acme]], ['name'], 1, 1, 'name']), [{ id: bob, name: 'Bob Acme' }], 'all positional');
  t.same(await rpc('search_read', [[['id', '=', -1]], ['name']]), [], 'nothing found');
  const all = await rpc('search_read', [[['id', '=', anna]]]);
  t.ok(['name', 'email', 'parent_id', 'child_ids', 'display_name', 'create_date', 'write_uid'].every((f) => f in all[0]), 'no fields = every field');
  t.same(await rpc('search_read', [], { domain: [['id', '=', anna]], fields: [] }), all, 'fields [] = every field');
  failed(t, await raw('search_read', [[]], { fields: ['nope'] }), 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'");
  failed(t, await raw('search_read', [[['id', '=', -1]]], { fields: ['nope'] }), 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'", );
  failed(t, await raw('search_read', [[]], { bogus: 1 }), 'builtins.TypeError', "BaseModel._read_format() got an unexpected keyword argument 'bogus'");
  // active_test only filters the search, not the x2many values read afterwards
  const hidden = await rpc('create', [{ name: 'Hidden Acme', parent_id: acme, active: false }]);
  const [withInactive] = await rpc('search_read', [[['id', '=', acme]], ['child_ids']], { context: { active_test: false } });
  t.same(withInactive.child_ids, [anna, bob], 'inactive children stay hidden in search_read');
  const [read] = await rpc('read', [[acme], ['child_ids']], { context: { active_test: false } });
  t.same(read.child_ids, [anna, bob, hidden], 'read with active_test false shows them');
  await rpc('unlink', [[hidden]]);
});

t.test('read formats', async (t) => {
  const rows = await rpc('read', [[anna, 999999, acme], ['email', 'child_ids', 'parent_id', 'name', 'is_company', 'color', 'phone', 'country_id']]);
  t.same(rows.map((r: Vals) => r.id), [anna, acme], 'missing ids omitted, order of the ids kept');
  t.same(Object.keys(rows[0]), ['id', 'email', 'child_ids', 'parent_id', 'name', 'is_company', 'color', 'phone', 'country_id'], 'field order as requested');
  t.same(rows[0], { id: anna, email: 'anna@acme.example', child_ids: [], parent_id: [acme, 'Acme'], name: 'Anna Acme', is_company: false, color: 0, phone: false, country_id: false });
  t.same(rows[1].child_ids, [anna, bob], 'one2many as ids');
  t.same(rows[1].parent_id, false, 'empty many2one is false');
  t.same(rows[1].country_id, [BE, 'Belgium'], 'many2one as [id, display_name]');
  t.same(await rpc('read', [[anna], ['display_name']]), [{ id: anna, display_name: 'Acme, Anna Acme' }], 'display_name of a contact');
  t.same(await rpc('read', [anna, ['name']]), [{ id: anna, name: 'Anna Acme' }], 'a single id');
  t.same(await rpc('read', [[anna, anna], ['name']]), [{ id: anna, name: 'Anna Acme' }, { id: anna, name: 'Anna Acme' }], 'one dict per id given, as Odoo iterates the recordset');
  t.same(await rpc('read', [[anna], ['parent_id'], null]), [{ id: anna, parent_id: acme }], 'load positional');
  t.same(await rpc('read', [[]], { fields: ['name'] }), [], 'no ids');

  const [r] = await rpc('read', [[anna], ['create_date', 'write_date', 'create_uid']]);
  t.match(r.create_date, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'datetime as YYYY-MM-DD HH:MM:SS');
  t.match(r.write_date, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  t.same(r.create_uid, [2, 'Mitchell Admin']);

  // explicit empty string stays "", unset is false
  await rpc('write', [[bob], { function: '' }]);
  t.same(await rpc('read', [[bob], ['function', 'email']]), [{ id: bob, function: '', email: false }]);

  // datetimes and dates written in server format come back in the same format
  const [demoUid] = await rpc('search', [[['login', '=', 'demo']]], {}, 'res.users');
  await rpc('write', [[demoUid], { login_date: '2024-01-15 10:30:00' }], {}, 'res.users');
  t.same(await rpc('read', [[demoUid], ['login_date']], {}, 'res.users'), [{ id: demoUid, login_date: '2024-01-15 10:30:00' }]);
  await rpc('write', [[demoUid], { login_date: '2024-02-01' }], {}, 'res.users');
  t.same((await rpc('read', [[demoUid], ['login_date']], {}, 'res.users'))[0].login_date, '2024-02-01 00:00:00', 'a date for a datetime is midnight');
  failed(t, await raw('write', [[demoUid], { login_date: 'yesterday' }], {}, 'res.users'), 'builtins.ValueError');

  // binaries: base64, or a size with bin_size
  const png = Buffer.from('hello binary world').toString('base64');
  await rpc('write', [[anna], { image_1920: png }]);
  t.same(await rpc('read', [[anna], ['image_1920']]), [{ id: anna, image_1920: png }], 'base64');
  t.same(await rpc('read', [[anna], ['image_1920']], { context: { bin_size: true } }), [{ id: anna, image_1920: '18.00 bytes' }], 'bin_size: human size');
  t.same(await rpc('read', [[anna], ['image_1920']], { context: { bin_size_image_1920: true } }), [{ id: anna, image_1920: '18.00 bytes' }], 'bin_size_<field>');
  t.same(await rpc('read', [[bob], ['image_1920']], { context: { bin_size: true } }), [{ id: bob, image_1920: false }], 'empty binary is false');
  const big = Buffer.alloc(3 * 1024 + 512, 7).toString('base64');
  await rpc('write', [[bob], { image_1920: big }]);
  t.same((await rpc('read', [[bob], ['image_1920']], { context: { bin_size: true } }))[0].image_1920, '3.50 Kb');
  await rpc('write', [[anna, bob], { image_1920: false }]);

  failed(t, await raw('read', [[anna], ['nope']]), 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'");
  const everything = await rpc('read', [[acme]]);
  t.ok('child_ids' in everything[0] && 'display_name' in everything[0], 'no fields: all fields');
});

t.test('create', async (t) => {
  const id = await rpc('create', [{ name: 'Single' }]);
  t.type(id, 'number', 'one dict -> one id');
  const ids = await rpc('create', [[{ name: 'Multi 1' }, { name: 'Multi 2' }]]);
  t.equal(ids.length, 2, 'a list -> a list of ids');
  t.same(await rpc('create', [[]]), [], 'empty list');
  const [single] = await rpc('read', [[id], ['type', 'active', 'is_company', 'color', 'city']]);
  t.same(single, { id, type: 'contact', active: true, is_company: false, color: 0, city: false }, 'field defaults');
  const withDefaults = await rpc('create', [{ name: 'Ctx' }], { context: { default_city: 'Paris', default_type: 'invoice', default_nope: 1 } });
  t.same(await rpc('read', [[withDefaults], ['city', 'type']]), [{ id: withDefaults, city: 'Paris', type: 'invoice' }], 'context default_<field>');
  const explicit = await rpc('create', [{ name: 'Explicit', city: 'Ghent' }], { context: { default_city: 'Paris' } });
  t.equal((await rpc('read', [[explicit], ['city']]))[0].city, 'Ghent', 'values win over context defaults');
  const trimmed = await rpc('create', [{ name: '  Padded  ' }]);
  t.equal((await rpc('read', [[trimmed], ['name']]))[0].name, 'Padded', 'char values are trimmed');
  const magic = await rpc('create', [{ name: 'Magic', id: 424242, create_uid: 1, write_date: '2000-01-01 00:00:00' }]);
  const [m] = await rpc('read', [[magic], ['create_uid', 'write_date']]);
  t.not(magic, 424242, 'id is ignored');
  t.same(m.create_uid, [2, 'Mitchell Admin'], 'create_uid is ignored');
  t.not(m.write_date, '2000-01-01 00:00:00', 'write_date is ignored');
  await rpc('unlink', [[id, ...ids, withDefaults, explicit, trimmed, magic]]);

  await unchanged(t, () => raw('create', [{ name: 'x', nope: 1 }]), 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'");
  await unchanged(t, () => raw('create', [[{ name: 'first' }, { name: 'second', nope: 1 }]]), 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'");
  await unchanged(t, () => raw('create', [{ name: 'x', type: 'bogus' }]), 'builtins.ValueError', "Wrong value for res.partner.type: 'bogus'");
  await unchanged(t, () => raw('create', [{ name: 'x', color: 'red' }]), 'builtins.ValueError', "invalid literal for int() with base 10: 'red'");
  await unchanged(t, () => raw('create', [{ comment: 'no name' }], {}, 'res.groups'), 'odoo.exceptions.ValidationError',
    'The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Access Groups (res.groups)\nField: Name (name)\n');
  await unchanged(t, () => raw('create', [{ name: false }], {}, 'res.groups'), 'odoo.exceptions.ValidationError', /Field: Name \(name\)\n$/);
  await unchanged(t, () => raw('create', [{ name: 'Nowhere' }], {}, 'res.country'), 'odoo.exceptions.ValidationError', /Model: Country \(res\.country\)\nField: Country Code \(code\)\n$/);
  await unchanged(t, () => raw('create', [{ name: 'x', parent_id: 99999999 }]), 'odoo.exceptions.ValidationError', /^The operation cannot be completed/);
  await unchanged(t, () => raw('create', [{ name: 'No rights' }], {}, 'res.partner', portal), 'odoo.exceptions.AccessError');
});

t.test('write', async (t) => {
  t.equal(await rpc('write', [[anna], { function: 'CTO', phone: '+32 1' }]), true, 'returns true');
  t.same(await rpc('read', [[anna], ['function', 'phone']]), [{ id: anna, function: 'CTO', phone: '+32 1' }]);
  t.equal(await rpc('write', [anna, { function: 'CFO' }]), true, 'a single id');
  t.equal(await rpc('write', [[], { function: 'x' }]), true, 'no ids');
  t.equal(await rpc('write', [[anna, bob], { city: 'Namur' }]), true, 'several ids');
  t.same((await rpc('read', [[anna, bob], ['city']])).map((r: Vals) => r.city), ['Namur', 'Namur']);
  await rpc('write', [[anna], { city: false, parent_id: false }]);
  t.same(await rpc('read', [[anna], ['city', 'parent_id']]), [{ id: anna, city: false, parent_id: false }], 'false clears');
  await rpc('write', [[anna], { parent_id: [acme, 'Acme'] }]);
  t.same((await rpc('read', [[anna], ['parent_id']]))[0].parent_id, [acme, 'Acme'], 'a many2one may be written as a [id, name] pair');
  const before = (await rpc('read', [[anna], ['write_date', 'create_date']]))[0];
  await rpc('write', [[anna], { create_date: '2000-01-01 00:00:00', id: 5 }]);
  t.equal((await rpc('read', [[anna], ['create_date']]))[0].create_date, before.create_date, 'magic fields are ignored');

  // related fields of res.users are written through to the partner
  const [demoUser] = await rpc('search_read', [[['login', '=', 'demo']], ['partner_id']], {}, 'res.users');
  await rpc('write', [[demoUser.id], { name: 'Marc Renamed', email: 'renamed@example.com' }], {}, 'res.users');
  t.same(await rpc('read', [[demoUser.partner_id[0]], ['name', 'email']]), [{ id: demoUser.partner_id[0], name: 'Marc Renamed', email: 'renamed@example.com' }], 'partner updated');
  t.same(await rpc('read', [[demoUser.id], ['name', 'email', 'display_name']], {}, 'res.users'), [{ id: demoUser.id, name: 'Marc Renamed', email: 'renamed@example.com', display_name: 'Marc Renamed' }]);
  await rpc('write', [[demoUser.id], { name: 'Marc Demo', email: 'mark.brown23@example.com' }], {}, 'res.users');

  await unchanged(t, () => raw('write', [[anna], { function: 'x', nope: 1 }]), 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'");
  await unchanged(t, () => raw('write', [[anna], { function: 'x', type: 'nope' }]), 'builtins.ValueError', "Wrong value for res.partner.type: 'nope'");
  await unchanged(t, () => raw('write', [[anna, 99999999], { function: 'x' }]), 'odoo.exceptions.MissingError');
  await unchanged(t, () => raw('write', [[anna, 99999999], { type: 'nope' }]), 'odoo.exceptions.MissingError', /Record: res\.partner\(99999999,\)/);
  await unchanged(t, () => raw('write', [[anna], { parent_id: 99999999 }]), 'odoo.exceptions.ValidationError');
  await unchanged(t, () => raw('write', [[1], { name: false }], {}, 'res.company'), 'odoo.exceptions.ValidationError', /Field: Company Name \(name\)\n$/);
  await unchanged(t, () => raw('write', [[demoUser.id], { name: 'Nope' }], {}, 'res.users', demo), 'odoo.exceptions.AccessError');
});

t.test('x2many commands (one2many child_ids)', async (t) => {
  const parent = await rpc('create', [{ name: 'Holding', is_company: true, child_ids: [[0, 0, { name: 'Kid 1' }], [0, false, { name: 'Kid 2' }], [0, 'virtual_3', { name: 'Kid 3' }]] }]);
  const kids = async () => (await rpc('read', [[parent], ['child_ids']]))[0].child_ids as number[];
  const names = async (ids: number[]) => (await rpc('read', [ids, ['name']])).map((r: Vals) => r.name);
  const [k1, k2, k3] = await kids();
  t.same(await names([k1!, k2!, k3!]), ['Kid 1', 'Kid 2', 'Kid 3'], 'CREATE with 0, false or a virtual id');
  t.same((await rpc('read', [[k1!], ['parent_id']]))[0].parent_id, [parent, 'Holding'], 'created lines point to the parent');

  await rpc('write', [[parent], { child_ids: [[1, k1, { name: 'Kid One' }]] }]);
  t.same(await names([k1!]), ['Kid One'], 'UPDATE');

  await rpc('write', [[parent], { child_ids: [[2, k2, 0]] }]);
  t.same(await rpc('exists', [[k2]]), [], 'DELETE removes the record');
  t.same(await kids(), [k3, k1], 'ordered by complete_name: "Holding, Kid 3" < "Holding, Kid One"');
  await rpc('write', [[parent], { child_ids: [[2, k3, false]] }]);
  t.same(await rpc('exists', [[k3]]), [], 'DELETE with false');

  const loose = await rpc('create', [[{ name: 'Loose 1' }, { name: 'Loose 2' }]]);
  await rpc('write', [[parent], { child_ids: [[4, loose[0], 0], [4, loose[1], false]] }]);
  t.same(await kids(), [k1, ...loose], 'LINK');

  await rpc('write', [[parent], { child_ids: [[3, loose[0], 0]] }]);
  t.same(await kids(), [k1, loose[1]], 'UNLINK');
  t.same(await rpc('read', [[loose[0]], ['parent_id']]), [{ id: loose[0], parent_id: false }], 'UNLINK keeps the record, without parent');

  await rpc('write', [[parent], { child_ids: [[5, 0, 0]] }]);
  t.same(await kids(), [], 'CLEAR');
  t.same((await rpc('exists', [[k1, loose[1]]])).length, 2, 'CLEAR keeps the records');
  await rpc('write', [[parent], { child_ids: [[4, k1, 0]] }]);
  await rpc('write', [[parent], { child_ids: [[5, false, false]] }]);
  t.same(await kids(), [], 'CLEAR with false');

  await rpc('write', [[parent], { child_ids: [[6, 0, [k1, loose[0]]]] }]);
  t.same(await kids(), [k1, loose[0]], 'SET');
  await rpc('write', [[parent], { child_ids: [[6, false, [loose[1]]]] }]);
  t.same(await kids(), [loose[1]], 'SET with false');
  await rpc('write', [[parent], { child_ids: [k1, loose[0]] }]);
  t.same(await kids(), [k1, loose[0]], 'a plain id list replaces the set');

  await unchanged(t, () => raw('write', [[parent], { child_ids: [[4, loose[1], 0], [9, 0, 0]] }]), 'builtins.ValueError');
  await unchanged(t, () => raw('write', [[parent], { child_ids: [[0, 0, { name: 'ok' }], [0, 0, { nope: 1 }]] }]), 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'");
  await unchanged(t, () => raw('write', [[parent], { child_ids: [[1, k1, { type: 'bad' }]] }]), 'builtins.ValueError', "Wrong value for res.partner.type: 'bad'");
  await unchanged(t, () => raw('write', [[parent], { child_ids: 'nope' }]), 'builtins.ValueError');
});

t.test('x2many commands (many2many implied_ids)', async (t) => {
  const [g1, g2, g3] = await rpc('create', [[{ name: 'T Alpha' }, { name: 'T Beta' }, { name: 'T Gamma' }]], {}, 'res.groups');
  const owner = await rpc('create', [{ name: 'T Owner', implied_ids: [[6, 0, [g1]]] }], {}, 'res.groups');
  const implied = async () => (await rpc('read', [[owner], ['implied_ids']], {}, 'res.groups'))[0].implied_ids as number[];
  t.same(await implied(), [g1], 'SET on create');
  await rpc('write', [[owner], { implied_ids: [[4, g2, 0], [4, g3, false]] }], {}, 'res.groups');
  t.same(await implied(), [g1, g2, g3], 'LINK (ordered by the comodel _order: name)');
  await rpc('write', [[owner], { implied_ids: [[4, g2, 0]] }], {}, 'res.groups');
  t.same(await implied(), [g1, g2, g3], 'LINK twice is harmless');
  await rpc('write', [[owner], { implied_ids: [[3, g1, false]] }], {}, 'res.groups');
  t.same(await implied(), [g2, g3], 'UNLINK');
  t.same(await rpc('exists', [[g1]], {}, 'res.groups'), [g1], 'UNLINK keeps the record');
  await rpc('write', [[owner], { implied_ids: [[5, false, false]] }], {}, 'res.groups');
  t.same(await implied(), [], 'CLEAR');
  t.same((await rpc('exists', [[g1, g2, g3]], {}, 'res.groups')).length, 3, 'CLEAR keeps the records');
  await rpc('write', [[owner], { implied_ids: [[6, false, [g1, g3]]] }], {}, 'res.groups');
  t.same(await implied(), [g1, g3], 'SET with false');
  await rpc('write', [[owner], { implied_ids: [[0, 0, { name: 'T Delta' }], [0, false, { name: 'T Epsilon' }]] }], {}, 'res.groups');
  const withNew = await implied();
  t.equal(withNew.length, 4, 'CREATE adds new linked records');
  const [delta] = await rpc('search', [[['name', '=', 'T Delta']]], {}, 'res.groups');
  await rpc('write', [[owner], { implied_ids: [[1, delta, { name: 'T Delta 2' }]] }], {}, 'res.groups');
  t.same((await rpc('read', [[delta], ['name']], {}, 'res.groups'))[0].name, 'T Delta 2', 'UPDATE');
  await rpc('write', [[owner], { implied_ids: [[2, delta, 0]] }], {}, 'res.groups');
  t.same(await rpc('exists', [[delta]], {}, 'res.groups'), [], 'DELETE');
  await rpc('write', [[owner], { implied_ids: [g2] }], {}, 'res.groups');
  t.same(await implied(), [g2], 'a plain id list replaces the set');
  await rpc('write', [[owner], { implied_ids: false }], {}, 'res.groups');
  t.same(await implied(), [], 'false clears');
  await unchanged(t, () => raw('write', [[owner], { implied_ids: [[4, g1, 0], [4, 99999999, 0]] }], {}, 'res.groups'), 'odoo.exceptions.ValidationError');
});

t.test('unlink', async (t) => {
  const [a, b] = await rpc('create', [[{ name: 'Doomed A' }, { name: 'Doomed B' }]]);
  await rpc('create', [{ module: '__export__', name: `res_partner_${a}`, model: 'res.partner', res_id: a }], {}, 'ir.model.data');
  t.equal(await rpc('search_count', [[['model', '=', 'res.partner'], ['res_id', '=', a]]], {}, 'ir.model.data'), 1);
  t.equal(await rpc('unlink', [[a, b]]), true, 'returns true');
  t.same(await rpc('exists', [[a, b]]), []);
  t.equal(await rpc('search_count', [[['model', '=', 'res.partner'], ['res_id', '=', a]]], {}, 'ir.model.data'), 0, 'its xml ids are gone');
  t.equal(await rpc('unlink', [[a]]), true, 'unlinking deleted ids is no error');
  t.equal(await rpc('unlink', [[]]), true, 'no ids');
  await unchanged(t, () => raw('unlink', [[2]], {}, 'res.users'), 'odoo.exceptions.UserError', /You can not remove the admin user/);
  await unchanged(t, () => raw('unlink', [[anna]], {}, 'res.partner', portal), 'odoo.exceptions.AccessError');
});

t.test('copy', async (t) => {
  const copy = await rpc('copy', [acme]);
  t.type(copy, 'number', 'the new id');
  const [c] = await rpc('read', [[copy], ['name', 'email', 'city', 'country_id', 'is_company', 'child_ids']]);
  t.same(c, { id: copy, name: 'Acme (copy)', email: 'info@acme.example', city: 'Liège', country_id: [BE, 'Belgium'], is_company: true, child_ids: [] }, 'stored values copied, one2many not');
  const named = await rpc('copy', [[acme]], { default: { name: 'Acme Two', city: 'Mons' } });
  t.same(await rpc('read', [[named], ['name', 'city']]), [{ id: named, name: 'Acme Two', city: 'Mons' }], 'default overrides');
  const positional = await rpc('copy', [[acme], { name: 'Acme Three' }]);
  t.equal((await rpc('read', [[positional], ['name']]))[0].name, 'Acme Three', 'default positional');
  await rpc('unlink', [[copy, named, positional]]);
  await unchanged(t, () => raw('copy', [[anna, bob]]), 'builtins.ValueError', `Expected singleton: res.partner(${anna}, ${bob})`);
  await unchanged(t, () => raw('copy', [[acme]], { default: { nope: 1 } }), 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'");
});

t.test('exists', async (t) => {
  const gone = await rpc('create', [{ name: 'Gone' }]);
  await rpc('unlink', [[gone]]);
  t.same(await rpc('exists', [[bob, gone, anna]]), [bob, anna], 'existing ids, in order');
  t.same(await rpc('exists', [[archived]]), [archived], 'archived records exist');
  t.same(await rpc('exists', [[]]), []);
});

t.test('name_search, name_create, name_get', async (t) => {
  t.same(await rpc('name_search', ['Acme'], { args: [['parent_id', '=', acme]] }), [[anna, 'Acme, Anna Acme'], [bob, 'Acme, Bob Acme']], 'domain keyword, display names');
  t.same(await rpc('name_search', ['anna', [['parent_id', '=', acme]]]), [[anna, 'Acme, Anna Acme']], 'domain positional, ilike');
  t.same(await rpc('name_search', [], { name: 'anna@acme', args: [] }), [[anna, 'Acme, Anna Acme']], 'searches the email too');
  t.same(await rpc('name_search', ['Acme', [['id', 'in', [acme, anna, bob]]], '=']), [[acme, 'Acme']], 'operator =');
  t.same(await rpc('name_search', ['Acme', [['id', 'in', [acme, anna, bob]]], 'not ilike']), [], 'negative operators must hold for every name field');
  t.same(await rpc('name_search', ['Bob', [['id', 'in', [acme, anna, bob]]], 'not ilike']), [[acme, 'Acme'], [anna, 'Acme, Anna Acme']]);
  t.same(await rpc('name_search', ['', [['id', 'in', [acme, anna, bob]]]]), [[acme, 'Acme'], [anna, 'Acme, Anna Acme'], [bob, 'Acme, Bob Acme']], 'empty name matches everything');
  t.same(await rpc('name_search', ['Acme'], { args: [['id', 'in', [acme, anna, bob]]], limit: 1 }), [[acme, 'Acme']], 'limit');
  t.same(await rpc('name_search', ['Zed Archived']), [], 'archived records are not found');
  t.same(await rpc('name_search', ['admin'], {}, 'res.users'), [[2, 'Mitchell Admin']], 'res.users searches the login');

  const created = await rpc('name_create', ['Quick Contact']);
  t.same(created, [created[0], 'Quick Contact'], '[id, display_name]');
  t.same(await rpc('read', [[created[0]], ['name']]), [{ id: created[0], name: 'Quick Contact' }]);
  await rpc('unlink', [[created[0]]]);

  t.same(await rpc('name_get', [[anna, acme]]), [[anna, 'Acme, Anna Acme'], [acme, 'Acme']], 'name_get still works');
  t.same(await rpc('name_get', [[2, 6]], {}, 'res.groups'), [[2, 'Administration / Access Rights'], [6, 'Technical Features']]);
});

t.test('default_get', async (t) => {
  t.same(await rpc('default_get', [['type', 'is_company', 'active', 'name', 'color', 'email']]), { type: 'contact', is_company: false, active: true, color: 0 }, 'field defaults only');
  t.same(await rpc('default_get', [['type', 'city']], { context: { default_type: 'delivery', default_city: 'Bruges' } }), { type: 'delivery', city: 'Bruges' }, 'context defaults');
  t.same(await rpc('default_get', [['type', 'nope']]), { type: 'contact' }, 'unknown names are ignored');
  t.same(await rpc('default_get', [['nope']], { context: { default_nope: 3 } }), { nope: 3 }, 'unless the context has a default for them');
  t.same(await rpc('default_get', [], { fields_list: ['notification_type', 'active'] }, 'res.users'), { notification_type: 'email', active: true }, 'fields_list keyword');
  t.same(await rpc('default_get', [[]]), {});
});

t.test('check_access_rights', async (t) => {
  t.equal(await rpc('check_access_rights', ['write']), true, 'admin may write partners');
  t.equal(await rpc('check_access_rights', ['unlink'], { raise_exception: false }, 'res.users'), true);
  t.equal(await rpc('check_access_rights', ['write'], { raise_exception: false }, 'res.users', demo), false, 'raise_exception false -> false');
  t.equal(await rpc('check_access_rights', ['read', false], {}, 'res.users', demo), true, 'positional raise_exception');
  t.equal(await rpc('check_access_rights', ['create', false], {}, 'res.partner', portal), false);
  t.equal(await rpc('check_access_rights', ['read'], {}, 'res.partner', portal), true);
  failed(t, await raw('check_access_rights', ['write'], {}, 'res.users', demo), 'odoo.exceptions.AccessError', /^You are not allowed to modify 'User' \(res\.users\) records\./);
  failed(t, await raw('check_access_rights', ['delete']), 'builtins.AssertionError', 'Invalid access mode');
});

t.test('archiving and metadata', async (t) => {
  const id = await rpc('create', [{ name: 'Archivable' }]);
  const none = await raw('action_archive', [[id]]);
  t.notOk('result' in none, 'action_archive returns None: no result member');
  t.notOk(none.error);
  t.same(await rpc('read', [[id], ['active']]), [{ id, active: false }]);
  t.notOk('result' in await raw('action_unarchive', [[id]]));
  t.same(await rpc('read', [[id], ['active']]), [{ id, active: true }]);
  t.notOk('result' in await raw('toggle_active', [[id]]));
  t.same(await rpc('read', [[id], ['active']]), [{ id, active: false }], 'toggle_active');

  const [meta] = await rpc('get_metadata', [[acme]]);
  t.same(Object.keys(meta).slice(0, 5), ['id', 'create_uid', 'create_date', 'write_uid', 'write_date']);
  t.same(meta.create_uid, [2, 'Mitchell Admin']);
  t.same([meta.xmlid, meta.xmlids, meta.noupdate], ['', [], false], 'no xml id');
  const [admin2] = await rpc('get_metadata', [[3]]);
  t.same([admin2.xmlid, admin2.noupdate], ['base.partner_admin', true]);
  const [key] = await rpc('get_metadata', [[1]], {}, 'res.lang');
  t.equal(key.id, 1);
});
