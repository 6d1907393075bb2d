import t from 'tap';
import { call, callKw, login, testApp } from '../helpers/app.js';
import { createOperator, rpc } from '../helpers/livechat.js';

t.test('/metrics shows the bus figures to loopback clients', async (t) => {
  const { app } = await testApp(t);
  await app.busService.bus.sendNow([{ target: 'broadcast', type: 'test/ping', payload: {} }]);
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/plain/);
  for (const name of ['bus_websockets_open', 'bus_notifications_written_total', 'bus_notifications_delivered_total', 'bus_listener_lag_seconds', 'bus_listener_connected', 'process_cpu_user_seconds_total']) {
    t.match(res.body, new RegExp(`^${name} `, 'm'), `${name} is exported`);
  }
  t.match(res.body, /^bus_notifications_written_total 1$/m, 'the notification written is counted');
  t.match(res.body, /^bus_listener_connected 1$/m);
  const remote = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
  t.equal(remote.statusCode, 403, 'without a token, other hosts are refused');
});

t.test('with METRICS_TOKEN, /metrics needs it as a bearer token', async (t) => {
  const { app } = await testApp(t, { METRICS_TOKEN: 's3cret' });
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong!' } })).statusCode, 401);
  const ok = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3', headers: { authorization: 'Bearer s3cret' } });
  t.equal(ok.statusCode, 200);
  t.match(ok.body, /bus_websockets_open/);
});

t.test('requests per route and per model method, pool, live chat sessions and operators online', async (t) => {
  const { app } = await testApp(t);
  const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const value = (body: string, series: string) => {
    const line = body.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const before = await scrape();
  t.equal(value(before, 'livechat_sessions_open'), 0);
  t.equal(value(before, 'livechat_operators_online'), 0);

  const admin = await login(app);
  await call(app, admin, 'res.partner', 'search_read', [[]], { fields: ['name'], limit: 1 });
  await call(app, admin, 'res.partner', 'search_read', [[]], { fields: ['name'], limit: 1 });
  t.equal((await callKw(app, admin, 'res.partner', 'no_such_method')).error?.data.name, 'builtins.AttributeError');
  t.equal((await callKw(app, admin, 'no.such.model', 'read', [[1]])).error?.data.name, 'builtins.KeyError');
  t.equal((await callKw(app, admin, 'res.users', 'create', [{ login: 'admin', name: 'Twin' }])).error?.data.name, 'odoo.exceptions.ValidationError');
  await createOperator(app, { login: 'op-metrics' });
  await rpc(app, '/im_livechat/get_session', { channel_id: 1, anonymous_name: 'Visitor', persisted: true });
  await rpc(app, '/im_livechat/get_session', { channel_id: 1, anonymous_name: 'Visitor', persisted: true });

  const body = await scrape();
  t.equal(value(body, 'rpc_call_duration_seconds_count{model="res.partner",method="search_read",outcome="ok"}'), 2, 'two calls of res.partner.search_read');
  t.equal(value(body, 'rpc_call_duration_seconds_count{model="res.partner",method="unknown",outcome="AttributeError"}'), 1, 'a method the model lacks is not a label');
  t.equal(value(body, 'rpc_call_duration_seconds_count{model="unknown",method="unknown",outcome="KeyError"}'), 1, 'nor is an unknown model');
  t.equal(value(body, 'rpc_call_duration_seconds_count{model="res.users",method="create",outcome="ValidationError"}'), 1, 'the exception raised is the outcome');
  t.notMatch(body, /no_such/, 'names clients make up never become labels');
  t.equal(value(body, 'http_request_duration_seconds_count{route="/web/dataset/call_kw/*",method="POST",status_code="200"}'), 5);
  t.equal(value(body, 'http_request_duration_seconds_count{route="/im_livechat/get_session",method="POST",status_code="200"}'), 2);
  t.ok(value(body, 'http_request_duration_seconds_bucket{le="+Inf",route="/web/session/authenticate",method="POST",status_code="200"}'), 'latency buckets');
  await app.inject({ method: 'GET', url: '/no/such/page/1234' });
  t.match(await scrape(), /http_request_duration_seconds_count\{route="unmatched",method="GET",status_code="404"\} 1/, 'unmatched URLs share one label');
  t.equal(value(body, 'livechat_sessions_open'), 2, 'the two sessions');
  t.equal(value(body, 'livechat_operators_online'), 1, 'the online operator');
  if (app.database.kind === 'pg') {
    t.ok(value(body, 'db_pool_connections{state="total"}')! >= 1, 'pool connections');
    t.equal(value(body, 'db_pool_connections{state="waiting"}'), 0);
    t.equal(value(body, 'db_pool_max_connections'), 10);
  } else {
    t.notMatch(body, /db_pool_connections/, 'no pool on PGlite');
  }
});
