import OdooJSONRpcModule from '@fernandoslim/odoo-jsonrpc';
import OdooAwait from 'odoo-await';
import { OdooClient } from 'odoo-xmlrpc-ts';
import t from 'tap';
import { testApp } from '../helpers/app.js';

// The npm Odoo clients (devDependencies) against the listening service, each as its README uses
// it, on partners and the live chat models: odoo-await and odoo-xmlrpc-ts speak XML-RPC through
// node's `xmlrpc` package; @fernandoslim/odoo-jsonrpc speaks JSON-RPC, with a web session
// (/web/session/authenticate + /web/dataset/call_kw) or with an API key (/jsonrpc).
const { app, config } = await testApp(t);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
const db = config.dbName;
// the package is CommonJS with `exports.default`: from ESM its class is one `.default` further
const OdooJSONRpc = OdooJSONRpcModule.default;

/** The error a client call rejects with (odoo-await rejects with node-xmlrpc's fault, the others with Errors). */
async function rejection(promise: Promise<unknown>): Promise<any> {
  try { await promise; } catch (err) { return err; }
  throw new Error('the call did not fail');
}

t.test('odoo-await (XML-RPC)', async (t) => {
  const odoo = new OdooAwait({ baseUrl: 'http://127.0.0.1', port, db, username: 'admin', password: 'admin' });
  t.equal(await odoo.connect(), 2, 'connect: authenticate');

  const partner = await odoo.create('res.partner', { name: 'Await Partner', email: 'await@example.com', is_company: true });
  t.ok(Number.isInteger(partner), 'create');
  t.same(await odoo.read('res.partner', partner, ['name', 'email']), [{ id: partner, name: 'Await Partner', email: 'await@example.com' }], 'read one id');
  t.equal(await odoo.update('res.partner', partner, { phone: '+32 2 290 34 90' }), true, 'update');
  t.same(await odoo.searchRead('res.partner', { email: 'await@example.com' }, ['phone']), [{ id: partner, phone: '+32 2 290 34 90' }], 'searchRead with an object domain');
  t.same(await odoo.search('res.partner', ['email', '=', 'await@example.com']), [partner], 'search with a single leaf');
  const fields = await odoo.getFields('res.partner', ['type', 'string']) as Record<string, unknown>;
  t.same(fields.email, { type: 'char', string: 'Email' }, 'getFields');

  // x2many helpers: {action: 'create'} becomes [0, 0, vals]
  const child = await odoo.create('res.partner', { name: 'Await Contact', parent_id: partner });
  t.equal(await odoo.update('res.partner', partner, { child_ids: { action: 'create', value: { name: 'Await Second Contact' } } }), true);
  t.equal((await odoo.read('res.partner', partner, ['child_ids']) as { child_ids: number[] }[])[0]!.child_ids.length, 2, 'child added through [0, 0, vals]');
  t.equal(await odoo.update('res.partner', partner, { child_ids: { action: 'remove', id: child } }), true, '[3, id] unlinks from the set');

  // external ids through ir.model.data
  await odoo.createExternalId('res.partner', partner, 'await_partner');
  t.equal(await odoo.searchByExternalId('await_partner'), partner, 'searchByExternalId');
  t.match(await odoo.readByExternalId('await_partner', ['name']), { id: partner, name: 'Await Partner' });

  // live chat models
  const [channel] = await odoo.searchRead('im_livechat.channel', [], ['name']);
  t.match(channel, { id: 1, name: 'YourWebsite.com' }, 'im_livechat.channel');
  const canned = await odoo.create('mail.shortcode', { source: 'awaithi', substitution: 'Hello from odoo-await' });
  t.same(await odoo.execute_kw('mail.shortcode', 'get_suggestions', [[], { search: 'awaithi' }]).then((r: any[]) => r.map((s) => s.source)), ['awaithi'], 'execute_kw: a live chat method');
  const lead = await odoo.create('crm.lead', { name: 'Lead from odoo-await', partner_id: partner });
  t.match(await odoo.read('crm.lead', lead, ['name', 'partner_id']), [{ name: 'Lead from odoo-await', partner_id: [partner, 'Await Partner'] }]);
  t.equal(await odoo.delete('crm.lead', lead), true);
  t.equal(await odoo.delete('mail.shortcode', canned), true);

  // errors: node-xmlrpc's fault objects carry Odoo's code and text
  const fault = await rejection(odoo.search('no.such.model', []));
  t.equal(fault.faultCode, 2);
  t.equal(fault.faultString, "Object no.such.model doesn't exist");
  const none = await rejection(odoo.action('res.partner', 'action_archive', partner));
  t.equal(none.faultCode, 1, 'a method answering None is a fault, as in Odoo');
  t.match(none.faultString, 'cannot marshal None');
  t.same(await odoo.searchRead('res.partner', [['id', '=', partner]], ['active'], { offset: 0, limit: 0, order: '', context: { active_test: false } }), [{ id: partner, active: false }], 'its write was kept');
  t.equal(await new OdooAwait({ baseUrl: 'http://127.0.0.1', port, db, username: 'admin', password: 'wrong' }).connect().catch((e: unknown) => e),
    'Error connecting to database. This is probably due to invalid credentials.', 'a wrong password: authenticate answers false');
});

t.test('odoo-xmlrpc-ts (XML-RPC)', async (t) => {
  const client = new OdooClient({ url: `http://127.0.0.1:${port}`, db, username: 'admin', password: 'admin' });
  const version = await client.version();
  t.match(version, { server_version: '17.0', server_serie: '17.0', protocol_version: 1 });
  t.equal(await client.authenticate(), 2);

  const id = await client.create('res.partner', { name: 'Typed Partner', is_company: true });
  t.ok(Number.isInteger(id));
  t.same(await client.search('res.partner', [['name', '=', 'Typed Partner']], { limit: 1 }), [id]);
  t.equal(await client.searchCount('res.partner', [['name', '=', 'Typed Partner']]), 1);
  t.same(await client.read('res.partner', [id], ['name', 'is_company']), [{ id, name: 'Typed Partner', is_company: true }]);
  t.equal(await client.write('res.partner', [id], { city: 'Brussels' }), true);
  t.same(await client.searchRead('res.partner', [['id', '=', id]], { fields: ['city'] }), [{ id, city: 'Brussels' }]);
  const fields = await client.fieldsGet('res.partner');
  t.match(fields.name, { type: 'char', string: 'Name' }, "fieldsGet (['string', 'help', 'type'])");
  t.equal(await client.unlink('res.partner', [id]), true);

  const sessions = await client.searchRead<{ id: number; name: string }>('discuss.channel', [['channel_type', '=', 'livechat']], { fields: ['name'] });
  t.ok(Array.isArray(sessions), 'discuss.channel (live chat sessions)');
  const canned = await client.create('mail.shortcode', { source: 'typedhi', substitution: 'Hello from odoo-xmlrpc-ts' });
  t.match(await client.execute('mail.shortcode', 'get_suggestions', [], { search: 'typedhi' }), [{ id: canned, source: 'typedhi' }], 'execute with kwargs');
  const lead = await client.create('crm.lead', { name: 'Lead from odoo-xmlrpc-ts', expected_revenue: 2500000000.5 });
  t.same(await client.read('crm.lead', [lead], ['expected_revenue']), [{ id: lead, expected_revenue: 2500000000.5 }], 'a float beyond int32 travels as a double');

  const fault = await rejection(client.execute('no.such.model', 'search', [[]]));
  t.match(fault.message, "Object no.such.model doesn't exist", 'faults surface as the text of node-xmlrpc\'s error');
  const wrong = new OdooClient({ url: `http://127.0.0.1:${port}`, db, username: 'admin', password: 'wrong' });
  t.equal((await rejection(wrong.authenticate())).name, 'OdooAuthenticationError');
});

t.test('@fernandoslim/odoo-jsonrpc (JSON-RPC: web session, then an API key)', async (t) => {
  const odoo = new OdooJSONRpc({ baseUrl: 'http://127.0.0.1', port, db, username: 'admin', password: 'admin' });
  const info = await odoo.connect();
  t.match(info, { uid: 2, db, server_version: '17.0', username: 'admin' }, 'session info of /web/session/authenticate');
  t.match(odoo.sessionId, /^[0-9a-f]{40}$/, 'the session_id cookie');

  const id = await odoo.create('res.partner', { name: 'JSON Partner', email: 'json@example.com' });
  t.same(await odoo.read('res.partner', id, ['name', 'email']), [{ id, name: 'JSON Partner', email: 'json@example.com' }]);
  t.equal(await odoo.update('res.partner', id, { city: 'Ghent' }), true);
  t.same(await odoo.searchRead('res.partner', [['id', '=', id]], ['city'], { limit: 1 }), [{ id, city: 'Ghent' }]);
  t.same(await odoo.search('res.partner', [['email', '=', 'json@example.com']]), [id]);
  t.ok((await odoo.getFields('res.partner')).email, 'getFields');
  t.equal(await odoo.delete('res.partner', id), true);
  const [channel] = await odoo.searchRead<{ name: string }>('im_livechat.channel', [], ['name']);
  t.equal(channel!.name, 'YourWebsite.com');

  // an API key, made with Odoo's wizard through call_kw, then used by a second client
  const [wizard] = await odoo.call_kw('res.users.apikeys.description', 'create', [[{ name: 'odoo-jsonrpc' }]]);
  const check = await odoo.call_kw('res.users.apikeys.description', 'make_key', [[wizard]]);
  await odoo.call_kw('res.users.identitycheck', 'write', [[check.res_id], { password: 'admin' }]);
  const apiKey = (await odoo.call_kw('res.users.identitycheck', 'run_check', [[check.res_id]])).context.default_key;
  t.match(apiKey, /^[0-9a-f]{40}$/);

  const keyed = new OdooJSONRpc({ baseUrl: 'http://127.0.0.1', port, db, username: 'admin', apiKey });
  t.same(await keyed.connect(), { uid: 2 }, 'common.authenticate with the key over /jsonrpc');
  const lead = await keyed.create('crm.lead', { name: 'Lead over /jsonrpc with a key' });
  t.match(await keyed.read('crm.lead', lead, ['name']), [{ id: lead, name: 'Lead over /jsonrpc with a key' }], 'object.execute_kw with the key');
  const canned = await keyed.create('mail.shortcode', { source: 'jsonhi', substitution: 'Hello from odoo-jsonrpc' });
  t.match(await keyed.call_kw('mail.shortcode', 'get_suggestions', [], { search: 'jsonhi' }), [{ id: canned }]);
  t.equal(await keyed.delete('crm.lead', lead), true);

  const error = await rejection(keyed.call_kw('no.such.model', 'search', [[]]));
  t.equal(error.message, "Object no.such.model doesn't exist", 'the error message of the JSON-RPC envelope');
  const wrongKey = new OdooJSONRpc({ baseUrl: 'http://127.0.0.1', port, db, username: 'admin', apiKey: '0'.repeat(40) });
  // common.authenticate answers false for a wrong key; the library takes that for a connection
  // (it never reads a failed login) and refuses the first call itself
  t.same(await wrongKey.connect(), { uid: false }, 'authenticate answers false');
  t.equal((await rejection(wrongKey.call_kw('res.partner', 'search', [[]]))).message, 'Please connect with credentials or api key first.');
});
