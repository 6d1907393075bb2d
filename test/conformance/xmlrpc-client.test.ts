import { fileURLToPath } from 'node:url';
import t from 'tap';
import { findPython, runScenario } from '../helpers/python.js';
import { testApp } from '../helpers/app.js';

// Python's standard xmlrpc.client (the client of Odoo's External API documentation, and the
// strictest reader of the XML-RPC wire format: expat, int/double/dateTime types, faults) against
// the listening service.
const SCENARIO = fileURLToPath(new URL('./xmlrpc_scenario.py', import.meta.url));

const { python, reason } = await findPython('xmlrpc.client');

if (!python) {
  t.comment(`skipping the xmlrpc.client conformance test: ${reason}`);
  t.test('xmlrpc.client drives the service', { skip: reason }, async () => {});
} else {
  const { app, config } = await testApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  t.test('xmlrpc.client drives the service (the External API walkthrough, live chat models, faults, API keys)', async (t) => {
    const out = await runScenario(t, python, SCENARIO, [String(port), config.dbName]);
    if (!out) return;

    t.same(out.version, { server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 });
    t.equal(out.uid, 2, 'authenticate');
    t.equal(out.bad_login, false, 'a wrong password authenticates as False');
    t.equal(out.check_access_rights, true);
    t.ok(out.search.length >= 3 && out.search.every(Number.isInteger), 'search');
    t.same(out.search_page, out.search.slice(1, 3), 'offset and limit');
    t.equal(out.search_count, out.search.length, 'search_count');
    for (const f of ['id', 'name', 'display_name', 'is_company', 'create_date', 'write_date']) t.ok(out.read_all_fields.includes(f), `read without fields has ${f}`);
    t.same(Object.keys(out.read[0]), ['id', 'name', 'country_id', 'comment']);
    t.equal(out.read[0].country_id, false, 'empty many2one is False');
    t.same(out.fields_get_name, { type: 'char', string: 'Name' }, 'fields_get with attributes (no help: none is defined)');
    t.ok(out.fields_get_count > 20);
    t.ok(out.search_read.length > 0 && out.search_read.length <= 5);
    t.same(Object.keys(out.search_read[0]), ['id', 'name', 'country_id', 'comment']);
    t.ok(Number.isInteger(out.create), 'create');
    t.equal(out.write, true, 'write');
    t.same(out.display_name, [{ id: out.create, display_name: 'Newer partner' }]);
    t.equal(out.unlink, true);
    t.same(out.after_unlink, [], 'unlinked');

    t.match(out.livechat_channels, [{ id: 1, name: 'YourWebsite.com', user_ids: Array }], 'im_livechat.channel');
    t.match(out.canned_suggestions, [{ source: 'xmlhello', substitution: 'Hello from xmlrpc.client' }], 'mail.shortcode.get_suggestions');
    t.equal(out.canned_unlink, true);
    t.equal(out.lead_write, true);
    t.match(out.lead, [{ name: 'Lead from xmlrpc.client', email_from: 'buyer@example.com', expected_revenue: 1234.5 }], 'crm.lead');
    t.match(out.lead[0].create_date, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'datetimes arrive as strings');
    t.type(out.livechat_sessions, 'number');
    t.equal(out.write_none, true, 'None (nil) accepted in values and as kwargs');
    t.equal(out.lead_after_none, false);
    t.equal(out.datetime_param, '2024-03-05 10:11:12', 'an xmlrpc.client.DateTime parameter is stored as a datetime');
    t.equal(out.lead_unlink, true);

    t.same(out.fault_user_error, { code: 2, string: "Object no.such.model doesn't exist" });
    t.same(out.fault_access_denied, { code: 3, string: 'Access Denied' });
    t.same(out.fault_access_error, { code: 4, string: 'Private methods (such as _read) cannot be called remotely.' });
    t.same(out.fault_none_result, { code: 1, string: 'TypeError: cannot marshal None unless allow_none is enabled' });
    t.same(out.fault_value_error, { code: 1, string: "ValueError: Invalid field 'no_such_field' on model 'res.partner'" });
    t.same(out.legacy_fault, { code: "warning -- UserError\n\nObject no.such.model doesn't exist", string: '' });
    t.equal(out.legacy_login, 2);
    t.same(out.db_list, [config.dbName]);

    t.equal(out.key_length, 40, 'an API key made through the wizard');
    t.equal(out.key_authenticate, 2, 'authenticate with the key');
    t.equal(out.key_search_count, out.search_count, 'execute_kw with the key');
    t.equal(out.key_unlink, true);
    t.same(out.revoked_key, { code: 3, string: 'Access Denied' }, 'revoked key refused');
  });
}
