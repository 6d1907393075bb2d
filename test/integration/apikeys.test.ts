import { sql } from 'kysely';
import t from 'tap';
import { jsonRpc, testApp } from '../helpers/app.js';
import { makeApiKey, makeUser } from '../helpers/apikeys.js';
import { xmlCall } from '../helpers/xmlrpc.js';

const { app } = await testApp(t);

/** execute_kw over XML-RPC as `uid` with `secret` (a password or an API key). */
const exec = (uid: number, secret: string, model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) =>
  xmlCall(app, '/xmlrpc/2/object', 'execute_kw', ['odoo', uid, secret, model, method, args as never, kwargs as never]);
const ok = async (uid: number, secret: string, model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) => {
  const answer = await exec(uid, secret, model, method, args, kwargs);
  if (answer.fault) throw new Error(`${model}.${method}: ${answer.fault.faultCode} ${answer.fault.faultString}`);
  return answer.result;
};
const json2 = (key: string, model: string, method: string, body: Record<string, unknown> = {}) => app.inject({
  method: 'POST', url: `/json/2/${model}/${method}`, headers: { authorization: `bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(body),
});
const jsonrpcLogin = async (login: string, secret: string) => (await jsonRpc(app, '/jsonrpc', { service: 'common', method: 'authenticate', args: ['odoo', login, secret, {}] })).body.result;

/** Odoo 17's flow over the External API: description wizard, make_key, identity check, run_check. */
async function newKeyThroughWizard(uid: number, password: string, name: string): Promise<{ key: string; identityAction: any; shown: any }> {
  const [wizardId] = await ok(uid, password, 'res.users.apikeys.description', 'create', [[{ name }]]);
  const identityAction = await ok(uid, password, 'res.users.apikeys.description', 'make_key', [[wizardId]]);
  await ok(uid, password, 'res.users.identitycheck', 'write', [[identityAction.res_id], { password }]);
  const shown = await ok(uid, password, 'res.users.identitycheck', 'run_check', [[identityAction.res_id]]);
  return { key: shown.context.default_key, identityAction, shown };
}

t.test('making a key: the description wizard, the identity check, the key shown once and stored hashed', async (t) => {
  const { key, identityAction, shown } = await newKeyThroughWizard(2, 'admin', 'Integration script');
  t.same(identityAction, {
    type: 'ir.actions.act_window', res_model: 'res.users.identitycheck', res_id: identityAction.res_id,
    name: 'Security Control', target: 'new', views: [[false, 'form']],
  }, 'make_key first asks for the password again');
  t.same(shown, {
    type: 'ir.actions.act_window', res_model: 'res.users.apikeys.show', name: 'API Key Ready',
    views: [[false, 'form']], target: 'new', context: { default_key: key },
  });
  t.match(key, /^[0-9a-f]{40}$/, '20 random bytes in hex');

  const { rows } = await sql<{ name: string; user_id: number; scope: string | null; index: string; key: string }>`SELECT name, user_id, scope, index, key FROM res_users_apikeys WHERE name = 'Integration script'`.execute(app.db);
  t.equal(rows.length, 1);
  t.match(rows[0], { user_id: 2, scope: null, index: key.slice(0, 8) });
  t.match(rows[0]!.key, /^\$pbkdf2-sha512\$6000\$/, 'stored as a pbkdf2-sha512 hash, never in clear');
  t.notMatch(rows[0]!.key, key);
  t.same(await ok(2, 'admin', 'res.users.apikeys', 'search_read', [[['name', '=', 'Integration script']], ['name', 'user_id', 'scope']]),
    [{ id: (await ok(2, 'admin', 'res.users.apikeys', 'search', [[['name', '=', 'Integration script']]]))[0], name: 'Integration script', user_id: [2, 'Mitchell Admin'], scope: false }],
    'the key itself is no field: it cannot be read back');
  t.equal(await ok(2, 'admin', 'res.users.apikeys.description', 'search_count', [[]]), 0, 'the description wizard is gone');
  t.same((await ok(2, 'admin', 'res.users.identitycheck', 'read', [[identityAction.res_id], ['password']]))[0].password, false, 'the password typed is not kept');
  const hidden = await exec(2, 'admin', 'res.users.identitycheck', 'read', [[identityAction.res_id], ['request']]);
  t.equal(hidden.fault?.faultCode, 4, 'the remembered request is readable by nobody');

  // the key works wherever the password does in the External API
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'authenticate', ['odoo', 'admin', key, {}])).result, 2, 'XML-RPC authenticate');
  t.same(await ok(2, key, 'res.users', 'read', [[2], ['login']]), [{ id: 2, login: 'admin' }], 'XML-RPC execute_kw');
  t.equal(await jsonrpcLogin('admin', key), 2, '/jsonrpc authenticate');
  const bearer = await json2(key, 'res.users', 'read', { ids: [2], fields: ['login'] });
  t.equal(bearer.statusCode, 200, '/json/2 bearer token');
  t.same(bearer.json(), [{ id: 2, login: 'admin' }]);
  const web = await jsonRpc(app, '/web/session/authenticate', { db: 'odoo', login: 'admin', password: key });
  t.equal(web.body.error?.data.name, 'odoo.exceptions.AccessDenied', 'not a password for the web client login');
});

t.test('wrong keys and wrong identity checks', async (t) => {
  const key = await makeApiKey(app, 2);
  const wrong = `${key.slice(0, 8)}${'0'.repeat(32)}`;
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'authenticate', ['odoo', 'admin', wrong, {}])).result, false, 'same index, other key');
  t.same((await exec(2, wrong, 'res.partner', 'search_count', [[]])).fault, { faultCode: 3, faultString: 'Access Denied' });
  t.equal((await json2(wrong, 'res.partner', 'search_count', { domain: [] })).statusCode, 401);
  t.same((await exec(3, key, 'res.partner', 'search_count', [[]])).fault, { faultCode: 3, faultString: 'Access Denied' }, "a key opens its own user's account only");

  const [wizardId] = await ok(2, 'admin', 'res.users.apikeys.description', 'create', [[{ name: 'never made' }]]);
  const check = await ok(2, 'admin', 'res.users.apikeys.description', 'make_key', [[wizardId]]);
  await ok(2, 'admin', 'res.users.identitycheck', 'write', [[check.res_id], { password: key }]);
  const refused = await exec(2, 'admin', 'res.users.identitycheck', 'run_check', [[check.res_id]]);
  t.same(refused.fault, { faultCode: 2, faultString: 'Incorrect Password, try again or click on Forgot Password to reset your password.' }, 'the identity check takes the password, not a key');
  t.equal(await ok(2, 'admin', 'res.users.apikeys', 'search_count', [[['name', '=', 'never made']]]), 0);

  const direct = await exec(2, 'admin', 'res.users.identitycheck', 'create', [[{ request: JSON.stringify([{}, 'res.partner', [3], 'unlink']), password: 'admin' }]]);
  const run = await exec(2, 'admin', 'res.users.identitycheck', 'run_check', [direct.result]);
  t.equal(run.fault?.faultCode, 1, 'run_check resumes identity-protected methods only');
  t.equal(await ok(2, 'admin', 'res.partner', 'search_count', [[['id', '=', 3]]]), 1, 'nothing was unlinked');
});

t.test('scopes and expiry: only unexpired keys of scope rpc (or none) open the External API', async (t) => {
  const scoped = await makeApiKey(app, 2, { scope: 'odoo.plugin.outlook' });
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'login', ['odoo', 'admin', scoped])).result, false, 'another scope');
  t.equal((await json2(scoped, 'res.partner', 'search_count', { domain: [] })).statusCode, 401);
  const rpc = await makeApiKey(app, 2, { scope: 'rpc' });
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'login', ['odoo', 'admin', rpc])).result, 2, 'scope rpc');
  const expired = await makeApiKey(app, 2, { expirationDate: '2000-01-01 00:00:00' });
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'login', ['odoo', 'admin', expired])).result, false, 'expired');
});

t.test('revoking: remove (own keys, or any as administrator) and unlink; a revoked key stops at once', async (t) => {
  const bob = await makeUser(app, 'bob_keys', ['base.group_user']);
  const bobKey = await makeApiKey(app, bob, { name: "bob's key" });
  const adminKey = await makeApiKey(app, 2, { name: "admin's key" });
  t.same(await ok(bob, bobKey, 'res.users', 'read', [[bob], ['login']]), [{ id: bob, login: 'bob_keys' }], "bob's key works");
  const [bobKeyId] = await ok(2, 'admin', 'res.users.apikeys', 'search', [[['name', '=', "bob's key"]]]);
  const [adminKeyId] = await ok(2, 'admin', 'res.users.apikeys', 'search', [[['name', '=', "admin's key"]]]);
  t.same(await ok(bob, 'bob_keys', 'res.users.apikeys', 'search', [[]]), [bobKeyId], 'users see their own keys only');

  const removeThroughCheck = async (uid: number, password: string, ids: number[]) => {
    const check = await exec(uid, password, 'res.users.apikeys', 'remove', [ids]);
    if (check.fault) return check;
    t.equal(check.result.res_model, 'res.users.identitycheck', 'remove asks for the password again');
    await ok(uid, password, 'res.users.identitycheck', 'write', [[check.result.res_id], { password }]);
    return exec(uid, password, 'res.users.identitycheck', 'run_check', [[check.result.res_id]]);
  };
  const notHis = await removeThroughCheck(bob, 'bob_keys', [adminKeyId]);
  t.equal(notHis.fault?.faultCode, 4, "bob cannot remove admin's key");
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'login', ['odoo', 'admin', adminKey])).result, 2, "admin's key still works");

  const removed = await removeThroughCheck(2, 'admin', [bobKeyId]);
  t.same(removed.result, { type: 'ir.actions.act_window_close' }, 'an administrator removes any key');
  t.same((await exec(bob, bobKey, 'res.users', 'read', [[bob], ['login']])).fault, { faultCode: 3, faultString: 'Access Denied' }, 'revoked: refused at once');
  t.equal((await json2(bobKey, 'res.users', 'read', { ids: [bob], fields: ['login'] })).statusCode, 401);
  t.equal(await jsonrpcLogin('bob_keys', bobKey), false);

  // unlinking the record revokes it too
  t.equal(await ok(2, adminKey, 'res.users.apikeys', 'unlink', [[adminKeyId]]), true);
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'login', ['odoo', 'admin', adminKey])).result, false, 'unlinked: refused');
});

t.test('only internal users make keys; archived users keys stop working', async (t) => {
  const portal = await makeUser(app, 'portal_keys', ['base.group_portal']);
  const [wizardId] = await ok(portal, 'portal_keys', 'res.users.apikeys.description', 'create', [[{ name: 'portal key' }]]);
  const check = await ok(portal, 'portal_keys', 'res.users.apikeys.description', 'make_key', [[wizardId]]);
  await ok(portal, 'portal_keys', 'res.users.identitycheck', 'write', [[check.res_id], { password: 'portal_keys' }]);
  const refused = await exec(portal, 'portal_keys', 'res.users.identitycheck', 'run_check', [[check.res_id]]);
  t.same(refused.fault, { faultCode: 4, faultString: 'Only internal users can create API keys' });
  const other = await exec(2, 'admin', 'res.users.apikeys.description', 'read', [[wizardId], ['name']]);
  t.ok(other.result?.length === 0 || other.fault, "someone else's wizard is not visible");

  const carol = await makeUser(app, 'carol_keys', ['base.group_user']);
  const carolKey = await makeApiKey(app, carol);
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'login', ['odoo', 'carol_keys', carolKey])).result, carol);
  await ok(2, 'admin', 'res.users', 'write', [[carol], { active: false }]);
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'login', ['odoo', 'carol_keys', carolKey])).result, false, 'archived');
  t.equal((await json2(carolKey, 'res.partner', 'search_count', { domain: [] })).statusCode, 401);
});

t.test('wizards older than an hour are removed when the next identity check starts', async (t) => {
  await sql`UPDATE res_users_identitycheck SET create_date = create_date - interval '2 hours'`.execute(app.db);
  const before = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM res_users_identitycheck`.execute(app.db)).rows[0]!.n);
  t.ok(before > 1, 'wizards left by the tests above');
  await ok(2, 'admin', 'res.users', 'api_key_wizard', [[2]]);
  const after = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM res_users_identitycheck`.execute(app.db)).rows[0]!.n);
  t.equal(after, 1, 'only the new one is left');
});

t.test('res.users.api_key_wizard opens the description wizard behind the identity check', async (t) => {
  const check = await ok(2, 'admin', 'res.users', 'api_key_wizard', [[2]]);
  await ok(2, 'admin', 'res.users.identitycheck', 'write', [[check.res_id], { password: 'admin' }]);
  t.same(await ok(2, 'admin', 'res.users.identitycheck', 'run_check', [[check.res_id]]), {
    type: 'ir.actions.act_window', res_model: 'res.users.apikeys.description', name: 'New API Key', target: 'new', views: [[false, 'form']],
  });
});
