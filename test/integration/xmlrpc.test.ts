import { readFileSync } from 'node:fs';
import t from 'tap';
import { jsonRpc, testApp } from '../helpers/app.js';
import { decodeResponse, xmlCall, xmlPost } from '../helpers/xmlrpc.js';

// a cooldown after 5 wrong passwords per login and address (the other tests stay below it)
const { app } = await testApp(t, { LOGIN_COOLDOWN_AFTER: '5', LOGIN_COOLDOWN_SECONDS: '60' });
const SAMPLE = JSON.parse(readFileSync(new URL('../../../shared/spec/samples/04_xmlrpc.json', import.meta.url), 'utf8')) as { calls: { method: string; result?: unknown; fault?: unknown }[] };

const object = (method: string, model: string, args: unknown[], kwargs?: Record<string, unknown>) =>
  xmlCall(app, '/xmlrpc/2/object', 'execute_kw', ['odoo', 2, 'admin', model, method, args as never, ...(kwargs ? [kwargs as never] : [])]);
const ok = async (method: string, model: string, args: unknown[], kwargs?: Record<string, unknown>) => {
  const answer = await object(method, model, args, kwargs);
  if (answer.fault) throw new Error(`${model}.${method}: fault ${answer.fault.faultCode}: ${answer.fault.faultString}`);
  return answer.result;
};

t.test('common: version, authenticate, login, about (recorded answers)', async (t) => {
  const version = await xmlCall(app, '/xmlrpc/2/common', 'version', []);
  t.equal(version.res.statusCode, 200);
  t.equal(version.res.headers['content-type'], 'text/xml; charset=utf-8');
  t.match(version.res.body, /^<\?xml version='1.0'\?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n/, "xmlrpc.client's layout");
  t.same(version.result, SAMPLE.calls[0]!.result);
  t.equal(version.res.headers['set-cookie'], undefined, 'no session');

  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'authenticate', ['odoo', 'admin', 'admin', {}])).result, 2);
  const wrong = await xmlCall(app, '/xmlrpc/2/common', 'authenticate', ['odoo', 'admin', 'wrong', {}]);
  t.equal(wrong.result, false, 'a bad login is false, not a fault');
  t.match(wrong.res.body, '<value><boolean>0</boolean></value>');
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'login', ['odoo', 'admin', 'admin'])).result, 2);
  t.equal((await xmlCall(app, '/xmlrpc/2/common', 'about', [])).result, 'See http://openerp.com');
  t.same((await xmlCall(app, '/xmlrpc/2/db', 'list', [])).result, ['odoo']);
  t.equal((await xmlCall(app, '/xmlrpc/2/db', 'server_version', [])).result, '17.0');
});

t.test('object: execute_kw with args and kwargs, execute with positional args', async (t) => {
  const ids = await ok('create', 'crm.lead', [[{ name: 'XML-RPC lead 1' }, { name: 'XML-RPC lead 2' }]]);
  t.equal(ids.length, 2);
  t.same(await ok('search', 'crm.lead', [[['name', 'like', 'XML-RPC lead']]], { limit: 1, order: 'id desc' }), [ids[1]]);
  t.equal(await ok('search_count', 'crm.lead', [[['name', 'like', 'XML-RPC lead']]]), 2);
  const [row] = await ok('read', 'crm.lead', [[ids[0]]], { fields: ['name', 'create_date', 'user_id'] });
  t.equal(row.name, 'XML-RPC lead 1');
  t.match(row.create_date, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'datetimes travel as strings');
  t.match((await object('read', 'crm.lead', [[ids[0]]], { fields: ['create_date'] })).res.body, '<name>create_date</name>\n<value><string>');
  t.same(row.user_id, [2, 'Mitchell Admin'], 'many2one as [id, name]');
  const positional = await xmlCall(app, '/xmlrpc/2/object', 'execute', ['odoo', 2, 'admin', 'crm.lead', 'search', [['id', 'in', ids]], 0, 1]);
  t.equal(positional.result.length, 1, 'execute: domain, offset, limit positionally');
  t.equal(await ok('unlink', 'crm.lead', [ids]), true);
});

t.test('faults on /xmlrpc/2: codes 1 to 4', async (t) => {
  const unknownModel = await object('search', 'no.such.model', [[]]);
  t.same(unknownModel.fault, SAMPLE.calls.find((c) => c.fault)!.fault, 'UserError: 2 (recorded)');
  t.match(unknownModel.res.body, '<name>faultCode</name>\n<value><int>2</int></value>');

  const denied = await xmlCall(app, '/xmlrpc/2/object', 'execute_kw', ['odoo', 2, 'wrong', 'res.partner', 'search', [[]]]);
  t.same(denied.fault, { faultCode: 3, faultString: 'Access Denied' }, 'AccessDenied: 3');
  const privateMethod = await object('_read', 'res.partner', [[]]);
  t.same(privateMethod.fault, { faultCode: 4, faultString: 'Private methods (such as _read) cannot be called remotely.' }, 'AccessError: 4');
  const missing = await object('write', 'res.partner', [[999999], { name: 'x' }]);
  t.equal(missing.fault!.faultCode, 2, 'MissingError: 2');
  t.match(missing.fault!.faultString, 'Record does not exist or has been deleted.');
  const invalid = await object('write', 'res.partner', [[3], { no_such_field: 1 }]);
  t.equal(invalid.fault!.faultCode, 1, 'ValueError: 1');
  t.match(invalid.fault!.faultString, /^Traceback \(most recent call last\):\n[\s\S]*ValueError: Invalid field 'no_such_field' on model 'res.partner'\n$/);
  const badMethod = await xmlCall(app, '/xmlrpc/2/object', 'exec_workflow', ['odoo', 2, 'admin', 'res.partner', 'x', 1]);
  t.match(badMethod.fault, { faultCode: 1, faultString: /NameError: Method not available exec_workflow/ }, '17.0 has no workflows');
  const unknownService = await xmlCall(app, '/xmlrpc/2/report', 'render_report', []);
  t.match(unknownService.fault, { faultCode: 1, faultString: /KeyError: 'report'/ }, '17.0 has no report service');
  const arity = await xmlCall(app, '/xmlrpc/2/common', 'login', ['odoo', 'admin']);
  t.match(arity.fault, { faultCode: 1, faultString: /TypeError: exp_login\(\) missing 1 required positional argument: 'password'/ });
  for (const answer of [unknownModel, denied, invalid]) t.equal(answer.res.statusCode, 200, 'faults are HTTP 200');
});

t.test('faults on the legacy /xmlrpc paths: string codes', async (t) => {
  t.equal((await xmlCall(app, '/xmlrpc/common', 'login', ['odoo', 'admin', 'admin'])).result, 2, 'same services');
  const legacy = (model: string, method: string, args: unknown[], password = 'admin') =>
    xmlCall(app, '/xmlrpc/object', 'execute_kw', ['odoo', 2, password, model, method, args as never]);
  t.same((await legacy('no.such.model', 'search', [[]])).fault, { faultCode: "warning -- UserError\n\nObject no.such.model doesn't exist", faultString: '' });
  t.same((await legacy('res.partner', 'search', [[]], 'wrong')).fault, { faultCode: 'AccessDenied', faultString: 'Access Denied' });
  t.same((await legacy('res.partner', '_read', [[]])).fault, { faultCode: 'warning -- AccessError\n\nPrivate methods (such as _read) cannot be called remotely.', faultString: '' });
  const missing = await legacy('res.partner', 'write', [[999999], { name: 'x' }]);
  t.match(missing.fault, { faultCode: /^warning -- MissingError\n\nRecord does not exist or has been deleted\./, faultString: '' });
  const other = await legacy('res.partner', 'write', [[3], { no_such_field: 1 }]);
  t.equal(other.fault!.faultCode, "Invalid field 'no_such_field' on model 'res.partner'", 'other errors: the text is the code');
  t.match(other.fault!.faultString, /^Traceback/, 'and the traceback the string');
  t.match(other.res.body, '<name>faultCode</name>\n<value><string>Invalid field');
});

t.test('None results: fault 1 after the call committed', async (t) => {
  const [id] = await ok('create', 'res.partner', [[{ name: 'Archived over XML-RPC' }]]);
  const archive = await object('action_archive', 'res.partner', [[id]]);
  t.equal(archive.fault?.faultCode, 1);
  t.match(archive.fault?.faultString, 'TypeError: cannot marshal None unless allow_none is enabled');
  t.notMatch(archive.res.body, '<nil/>', 'never sends nil');
  t.same(await ok('read', 'res.partner', [[id], ['active']], { context: { active_test: false } }), [{ id, active: false }], 'the write was kept, as Odoo keeps it');
});

t.test('input values: nil, i8, dateTime, base64, strings that need escaping', async (t) => {
  const nilKwargs = await xmlPost(app, '/xmlrpc/2/object', `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>
    <param><value><string>odoo</string></value></param><param><value><i8>2</i8></value></param><param><value>admin</value></param>
    <param><value><string>res.partner</string></value></param><param><value><string>search_count</string></value></param>
    <param><value><array><data><value><array><data></data></array></value></data></array></value></param>
    <param><value><nil/></value></param></params></methodCall>`);
  t.type(nilKwargs.result, 'number', 'nil kwargs, an i8 uid and an untyped string are accepted');

  // (@foxglove/xmlrpc's own serializer cannot write this string: it puts it in CDATA and throws on `]]>`)
  const created = await xmlPost(app, '/xmlrpc/2/object', `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>
    <param><value>odoo</value></param><param><value><int>2</int></value></param><param><value>admin</value></param>
    <param><value>res.partner</value></param><param><value>create</value></param>
    <param><value><array><data><value><struct>
      <member><name>name</name><value><string>a &lt; b &amp; c ]]&gt; d</string></value></member>
      <member><name>email</name><value><nil/></value></member>
    </struct></value></data></array></value></param></params></methodCall>`);
  const id = created.result as number;
  const [row] = await ok('read', 'res.partner', [[id], ['name', 'email']]);
  t.same(row, { id, name: 'a < b & c ]]> d', email: false }, 'nil stored as no value; markup characters escaped both ways');
  // control characters cannot be sent in XML, but may be stored through JSON-RPC: Odoo strips them
  const viaJson = await jsonRpc(app, '/jsonrpc', { service: 'object', method: 'execute_kw', args: ['odoo', 2, 'admin', 'res.partner', 'write', [[id], { name: 'bell\u0007 tab\tend' }]] });
  t.equal(viaJson.body.result, true);
  const stripped = await object('read', 'res.partner', [[id], ['name']]);
  t.equal(stripped.result[0].name, 'bell tab\tend');
  t.notMatch(stripped.res.body, '\u0007');

  const withDate = await xmlPost(app, '/xmlrpc/2/object', `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>
    <param><value>odoo</value></param><param><value><int>2</int></value></param><param><value>admin</value></param>
    <param><value>mail.shortcode</value></param><param><value>create</value></param>
    <param><value><array><data><value><struct>
      <member><name>source</name><value>hello</value></member>
      <member><name>substitution</name><value><base64>${Buffer.from('Hello there').toString('base64')}</base64></value></member>
      <member><name>last_used</name><value><dateTime.iso8601>20240305T10:11:12</dateTime.iso8601></value></member>
    </struct></value></data></array></value></param></params></methodCall>`);
  t.type(withDate.result, 'number', JSON.stringify(withDate.fault));
  const [canned] = await ok('read', 'mail.shortcode', [[withDate.result], ['substitution', 'last_used']]);
  t.equal(canned.last_used, '2024-03-05 10:11:12', 'dateTime.iso8601 arrives as an Odoo datetime string');
  t.equal(canned.substitution, Buffer.from('Hello there').toString('base64'), 'base64 arrives as its base64 text');
});

t.test('malformed requests get a fault, never a crash', async (t) => {
  for (const body of ['', 'not xml', '<methodCall><methodName>version</methodName>', '<methodCall><params><param><value><int>x</int></value></param></params></methodCall>', '<?xml version="1.0"?><methodCall><methodName>version</methodName><params><param><value><boolean>7</boolean></value></param></params></methodCall>']) {
    const answer = await xmlPost(app, '/xmlrpc/2/common', body);
    t.equal(answer.res.statusCode, 200, JSON.stringify(body));
    t.equal(answer.fault?.faultCode, 1);
    t.match(answer.fault?.faultString, /^Traceback[\s\S]*xml\.parsers\.expat\.ExpatError: /);
  }
  const legacy = await xmlPost(app, '/xmlrpc/common', 'not xml');
  t.type(legacy.fault?.faultCode, 'string');

  const get = await app.inject({ method: 'GET', url: '/xmlrpc/2/object' });
  t.equal(get.statusCode, 405, 'POST only');
  const none = await app.inject({ method: 'POST', url: '/xmlrpc/2/common' });
  t.equal(none.statusCode, 200);
  t.match(none.body, '<fault>', 'no body at all');
});

t.test('wrong passwords over XML-RPC are throttled per address, as on /jsonrpc', async (t) => {
  const from = (ip: string, method: string, params: unknown[]) => app.inject({
    method: 'POST', url: '/xmlrpc/2/common', remoteAddress: ip, headers: { 'content-type': 'text/xml' },
    payload: `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param><value><string>${p}</string></value></param>`).join('')}</params></methodCall>`,
  }).then((res) => decodeResponse(res.body));
  for (let i = 0; i < 5; i++) t.equal((await from('198.51.100.30', 'login', ['odoo', 'admin', 'nope'])).result, false);
  t.same((await from('198.51.100.30', 'login', ['odoo', 'admin', 'admin'])).fault,
    { faultCode: 3, faultString: 'Too many login failures, please wait a bit before trying again.' }, 'then AccessDenied, even with the right password');
  t.equal((await from('198.51.100.31', 'login', ['odoo', 'admin', 'admin'])).result, 2, 'another address is not blocked');
});
