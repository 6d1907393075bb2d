import { fileURLToPath } from 'node:url';
import t from 'tap';
import { findPython, runScenario } from '../helpers/python.js';
import { call, login, testApp } from '../helpers/app.js';

// The real Python client odoorpc (Debian package python3-odoorpc; .ci/run installs it) against the
// listening service. The Debian module lives in the system interpreter, which may not be the first
// python3 on PATH (pyenv), so every candidate is tried.
const SCENARIO = fileURLToPath(new URL('./odoorpc_scenario.py', import.meta.url));

const { python, reason } = await findPython('odoorpc', 'install python3-odoorpc');

if (!python) {
  t.comment(`skipping the odoorpc conformance test: ${reason}`);
  t.test('odoorpc drives the service', { skip: reason }, async () => {});
} else {
  const { app, config } = await testApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  t.test('odoorpc drives the service', async (t) => {
    const out = await runScenario(t, python, SCENARIO, [String(port), config.dbName]);
    if (!out) return;

    t.equal(out.version, '17.0', 'version_info read at connection');
    t.same(out.db_list, [config.dbName], 'db.list()');
    t.same(out.bad_login, { message: 'Access Denied', code: 200, name: 'odoo.exceptions.AccessDenied', data_message: 'Access Denied' }, 'wrong password');
    t.equal(out.uid, 2, 'login');
    t.same(out.context, { lang: 'en_US', tz: out.context.tz, uid: 2 }, 'user context from the session info');

    t.equal(out.user_name, 'Mitchell Admin', 'env.user.name (reads every field fields_get returns)');
    t.equal(out.user_login, 'admin');
    t.same(out.user_partner, [3, 'Mitchell Admin'], 'many2one browsed');
    t.ok(out.user_groups > 0, 'many2many browsed');

    t.ok(Array.isArray(out.companies) && out.companies.length > 0, 'search');
    t.ok(out.companies.every((id: unknown) => Number.isInteger(id)));
    t.same(out.read[0], { id: out.companies[0], name: out.read[0].name, is_company: true }, 'read');
    t.same(Object.keys(out.search_read[0]), ['id', 'name'], 'search_read');

    t.ok(Number.isInteger(out.created), 'create returns an id');
    t.equal(out.write, true, 'write');
    t.same(out.after_write, [{ id: out.created, name: 'odoorpc Partner', email: 'odoorpc@example.com', phone: '+32 2 290 34 90' }]);
    t.equal(out.browse_name, 'odoorpc Partner', 'browse');
    t.equal(out.browse_city, 'Brussels', 'record attribute assignment writes');
    t.equal(out.name_get, 'odoorpc Partner');
    t.equal(out.search_count, 1);
    t.equal(out.unlink, true, 'unlink');
    t.same(out.after_unlink, []);

    for (const f of ['name', 'email', 'parent_id', 'is_company', 'display_name', 'id']) t.ok(out.fields_get_keys.includes(f), `fields_get has ${f}`);
    t.match(out.fields_get_name, { name: 'name', type: 'char', string: 'Name', store: true, searchable: true, sortable: true });
    t.match(out.fields_get_parent, { type: 'many2one', relation: 'res.partner', domain: [], context: {} });

    t.match(out.error_unknown_field, { code: 200, name: 'builtins.ValueError', message: "Invalid field 'no_such_field' on model 'res.partner'" });
    t.same(out.error_unknown_model, { code: 200, name: 'odoo.exceptions.UserError', message: "Object no.such.model doesn't exist", data_message: "Object no.such.model doesn't exist" });
    t.match(out.error_private, { code: 200, name: 'odoo.exceptions.AccessError', message: 'Private methods (such as _read) cannot be called remotely.' });
    t.equal(out.livechat_channel, 'YourWebsite.com', 'im_livechat.channel');
    t.same(out.canned_suggestions, ['rpchi'], 'mail.shortcode.get_suggestions called as a model method');
    t.same(out.lead, ['Lead from odoorpc', out.companies[0], 999.5], 'crm.lead created, browsed and written');
    t.type(out.livechat_sessions, 'number', 'discuss.channel');
    t.equal(out.logout, true, 'logout (session/destroy answers without a result key)');

    // what the client did is really in the database
    const admin = await login(app);
    t.equal(await call(app, admin, 'res.partner', 'search_count', [[['name', '=', 'odoorpc Partner']]], { context: { active_test: false } }), 0, 'the partner is gone');
  });
}
