import t, { type Test } from 'tap';
import { login, testApp } from '../helpers/app.js';
import { makeApiKey, makeUser } from '../helpers/apikeys.js';

const { app } = await testApp(t);
const key = await makeApiKey(app, 2);

/** POST /json/2/<model>/<method> as Odoo 19's documentation shows it. */
const post = (path: string, body: unknown, headers: Record<string, string> = {}) => app.inject({
  method: 'POST', url: `/json/2/${path}`,
  headers: { authorization: `bearer ${key}`, 'content-type': 'application/json; charset=utf-8', 'x-odoo-database': 'odoo', ...headers },
  payload: typeof body === 'string' ? body : JSON.stringify(body),
});
const ok = async (path: string, body: unknown) => {
  const res = await post(path, body);
  if (res.statusCode !== 200) throw new Error(`${path}: HTTP ${res.statusCode} ${res.body}`);
  return res.json();
};
/** An error answer: its status and JSON error object. */
const error = async (t: Test, res: Awaited<ReturnType<typeof post>>, status: number, name: string, message: string | RegExp) => {
  t.equal(res.statusCode, status, `${name} is HTTP ${status}`);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  const body = res.json();
  t.same(Object.keys(body), ['name', 'message', 'arguments', 'context', 'debug'], 'serialize_exception fields');
  t.equal(body.name, name);
  t.match(body.message, message);
  t.match(body.debug, /^Traceback \(most recent call last\):/);
  return body;
};

t.test('the ORM over /json/2: named parameters, ids and context in the body', async (t) => {
  const created = await ok('res.partner/create', { vals_list: [{ name: 'Deco Json2', is_company: true }], context: { lang: 'en_US' } });
  t.same(created.length, 1, 'create answers the ids (a list), as a recordset is answered');
  const [id] = created;
  t.same(await ok('res.partner/search_read', { domain: [['name', 'ilike', '%json2%'], ['is_company', '=', true]], fields: ['name'] }), [{ id, name: 'Deco Json2' }]);
  t.equal(await ok('res.partner/search_count', { domain: [['id', '=', id]] }), 1);
  t.same(await ok('res.partner/search', { domain: [['id', '=', id]], limit: 1 }), [id]);
  t.equal(await ok('res.partner/write', { ids: [id], vals: { phone: '+32 2 290 34 90' } }), true);
  t.same(await ok('res.partner/read', { ids: [id], fields: ['phone'] }), [{ id, phone: '+32 2 290 34 90' }]);
  const fields = await ok('res.partner/fields_get', { allfields: ['name'], attributes: ['type', 'string'] });
  t.same(fields, { name: { type: 'char', string: 'Name' } });
  t.equal(await ok('res.partner/write', { ids: [id], vals: { active: false } }), true);
  t.same(await ok('res.partner/search', { domain: [['id', '=', id]] }), [], 'archived records hidden by default');
  t.same(await ok('res.partner/search', { domain: [['id', '=', id]], context: { active_test: false } }), [id], 'the context is honoured');
  const nothing = await post('res.partner/check_access_rule', { ids: [id], operation: 'read' });
  t.equal(nothing.statusCode, 200);
  t.equal(nothing.body, 'null', 'None is null');
  t.equal(await ok('res.partner/unlink', { ids: [id] }), true);

  // live chat models alike
  const [canned] = await ok('mail.shortcode/create', { vals_list: [{ source: 'json2hi', substitution: 'Hello from JSON-2' }] });
  t.match(await ok('mail.shortcode/get_suggestions', { search: 'json2', limit: 3 }), [{ id: canned, source: 'json2hi', substitution: 'Hello from JSON-2' }]);
  const leads = await ok('crm.lead/create', { vals_list: [{ name: 'Lead over JSON-2' }, { name: 'Second lead' }] });
  t.equal(leads.length, 2);
  t.same(await ok('crm.lead/copy', { ids: [leads[0]] }).then((r: unknown[]) => r.length), 1, 'copy answers a list too');
  t.ok((await ok('discuss.channel/search_read', { domain: [['channel_type', '=', 'livechat']], fields: ['name'] })).every((c: { name: unknown }) => typeof c.name === 'string'));
});

t.test('one transaction per call: an error keeps nothing', async (t) => {
  const before = await ok('res.partner/search_count', { domain: [] });
  const res = await post('res.partner/create', { vals_list: [{ name: 'first of two' }, { no_such_field: 1 }] });
  await error(t, res, 500, 'builtins.ValueError', "Invalid field 'no_such_field' on model 'res.partner'");
  t.equal(await ok('res.partner/search_count', { domain: [] }), before, 'the first record was rolled back');
});

t.test('authentication: bearer API key, errors 401 and 403', async (t) => {
  const none = await post('res.partner/search', { domain: [] }, { authorization: '' });
  const body = await error(t, none, 401, 'werkzeug.exceptions.Unauthorized', 'User not authenticated, use an API Key with a Bearer Authorization header.');
  t.equal(none.headers['www-authenticate'], 'Bearer');
  t.same(body.arguments, ['User not authenticated, use an API Key with a Bearer Authorization header.', 401]);
  const invalid = await post('res.partner/search', { domain: [] }, { authorization: 'Bearer 0123456789abcdef0123456789abcdef01234567' });
  const invalidBody = await error(t, invalid, 401, 'werkzeug.exceptions.Unauthorized', 'Invalid apikey');
  t.same(invalidBody.arguments, ['Invalid apikey', 401], "Odoo's documented example");
  t.match(invalidBody.debug, /werkzeug\.exceptions\.Unauthorized: 401 Unauthorized: Invalid apikey\n$/);
  t.equal((await post('res.partner/search_count', { domain: [] }, { authorization: `BEARER   ${key}` })).statusCode, 200, 'the scheme is case-insensitive');

  // a browser session: only for the user's own navigation (Sec-Fetch headers), never mixed with another user's key
  const cookie = await login(app);
  const session = await post('res.partner/search_count', { domain: [] }, { authorization: '', cookie });
  await error(t, session, 401, 'werkzeug.exceptions.Unauthorized', 'Missing "Authorization" or Sec-headers for interactive usage.');
  const navigating = await post('res.partner/search_count', { domain: [] }, {
    authorization: '', cookie, 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'same-origin', 'sec-fetch-user': '?1',
  });
  t.equal(navigating.statusCode, 200);
  const bob = await makeUser(app, 'bob_json2', ['base.group_user']);
  const bobKey = await makeApiKey(app, bob);
  await error(t, await post('res.partner/search_count', { domain: [] }, { authorization: `bearer ${bobKey}`, cookie }), 403, 'odoo.exceptions.AccessDenied', 'Session user does not match the used apikey.');

  // access rights are the key user's
  const denied = await post('res.users/create', { vals_list: [{ name: 'x', login: 'x_json2' }] }, { authorization: `bearer ${bobKey}` });
  await error(t, denied, 403, 'odoo.exceptions.AccessError', /You are not allowed to create 'User' \(res\.users\) records/);
  t.equal(await ok('res.users/search_count', { domain: [['login', '=', 'x_json2']] }), 0);
});

t.test('errors: HTTP statuses with the exception in the body', async (t) => {
  await error(t, await post('no.such.model/search', { domain: [] }), 404, 'werkzeug.exceptions.NotFound', "the model 'no.such.model' does not exist");
  await error(t, await post('res.partner/frobnicate', {}), 404, 'werkzeug.exceptions.NotFound', "The method 'res.partner.frobnicate' does not exist");
  await error(t, await post('res.partner/_read', {}), 403, 'odoo.exceptions.AccessError', "Private methods (such as 'res.partner._read') cannot be called remotely.");
  await error(t, await post('res.partner/search', { ids: [3], domain: [] }), 422, 'werkzeug.exceptions.UnprocessableEntity', 'cannot call res.partner.search with ids');
  await error(t, await post('res.partner/search', { domain: [], nope: 1 }), 422, 'werkzeug.exceptions.UnprocessableEntity', "got an unexpected keyword argument 'nope'");
  await error(t, await post('res.partner/search', {}), 422, 'werkzeug.exceptions.UnprocessableEntity', "missing a required argument: 'domain'");
  await error(t, await post('res.partner/read', { ids: 'x' }), 422, 'werkzeug.exceptions.UnprocessableEntity', 'ids must be a list');
  await error(t, await post('res.partner/write', { ids: [999999], vals: { name: 'x' } }), 404, 'odoo.exceptions.MissingError', 'Record does not exist or has been deleted.');
  await error(t, await post('res.partner/search', { domain: [], order: 'name; DROP TABLE x' }), 422, 'odoo.exceptions.UserError', /Invalid "order" specified/);
  await error(t, await post('res.partner/search', '{"domain": ['), 400, 'werkzeug.exceptions.BadRequest', /^could not parse the body as json: /);
  await error(t, await post('res.partner/search', '[1, 2]'), 400, 'werkzeug.exceptions.BadRequest', 'could not parse the body, expecting a json object');
  await error(t, await post('res.partner/search', '{}', { 'content-type': 'text/plain' }), 400, 'werkzeug.exceptions.BadRequest', /is type='\/json\/2\/rpc'/);
  await error(t, await post('res.partner/search', { domain: [] }, { 'x-odoo-database': 'other' }), 404, 'werkzeug.exceptions.NotFound', 'database "other" does not exist');
  for (const [method, url] of [['GET', '/json/2/res.partner/search'], ['POST', '/json/2'], ['POST', '/json/2/res.partner'], ['DELETE', '/json/2/a/b/c']] as const) {
    const res = await app.inject({ method, url, headers: { authorization: `bearer ${key}` } });
    await error(t, res, 404, 'werkzeug.exceptions.NotFound', 'Did you mean POST /json/2/<model>/<method>?');
  }
});
