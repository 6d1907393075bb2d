import { readFileSync, rmSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { NGINX_CONF, nginxBinary, nginxPrefix, nginxTest, renderNginxConfig } from '../helpers/nginx.js';

/**
 * Docker is not available on CI machines, so the deployment files are checked here: both compose
 * files parse and describe what the README promises (services, volume, health checks, grace
 * periods, settings the service knows), and deploy/nginx.conf passes `nginx -t` (Debian's nginx)
 * once its upstream host names are made resolvable. test/pg/ops-cluster.test.ts runs it for real.
 */
const read = (file: string) => parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), { merge: true });
const settings = new Set(Object.keys(JSON.parse(readFileSync(new URL('../../schemas/env.json', import.meta.url), 'utf8')).properties));
const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1] ?? NaN);

t.test('docker-compose.yml: PostgreSQL and one instance', async (t) => {
  const compose = read('docker-compose.yml');
  t.same(Object.keys(compose.services).sort(), ['app', 'db']);
  t.match(compose.services.app.healthcheck.test.join(' '), /\/web\/health/);
  for (const name of Object.keys(compose.services.app.environment)) t.ok(settings.has(name), `${name} is a setting of the service`);
});

t.test('docker-compose.prod.yml: PostgreSQL 15 with a volume, two instances behind nginx', async (t) => {
  const compose = read('docker-compose.prod.yml');
  const { db, app1, app2, nginx } = compose.services;
  t.same(Object.keys(compose.services).sort(), ['app1', 'app2', 'db', 'nginx']);

  t.equal(db.image, 'postgres:15');
  t.same(db.volumes, ['pgdata:/var/lib/postgresql/data']);
  t.ok('pgdata' in compose.volumes, 'a named volume');
  t.match(db.healthcheck.test.join(' '), /pg_isready/);

  for (const [name, app] of [['app1', app1], ['app2', app2]] as const) {
    t.equal(app.build, '.', `${name} runs this repository's image`);
    t.match(app.environment.DATABASE_URL, /^postgres:\/\/odoo:.*@db:5432\/odoo$/);
    t.equal(app.environment.HOST, '0.0.0.0');
    t.equal(app.environment.TRUST_PROXY, 'true', 'client addresses from nginx');
    for (const setting of Object.keys(app.environment)) t.ok(settings.has(setting), `${name}: ${setting} is a setting of the service`);
    t.match(app.healthcheck.test.join(' '), /\/web\/health\/ready/, `${name}: the readiness route is its health check`);
    t.same(app.depends_on, { db: { condition: 'service_healthy' } });
    t.equal(app.init, true, 'SIGTERM reaches node');
    t.ok(seconds(app.stop_grace_period) > Number(app.environment.SHUTDOWN_GRACE_SECONDS), `${name}: the service's own grace period ends before Docker kills it`);
    t.notOk(app.ports, `${name} is reached through nginx only`);
  }
  t.same(app1, app2, 'the two instances are alike');

  t.match(nginx.image, /^nginx:/);
  t.same(nginx.volumes, ['./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro']);
  t.match(nginx.ports, [/:80$/]);
  t.same(nginx.depends_on, { app1: { condition: 'service_healthy' }, app2: { condition: 'service_healthy' } });
  t.match(nginx.healthcheck.test.join(' '), /\/web\/health/);
});

t.test('deploy/nginx.conf: round-robin, websocket upgrade with long timeouts, forwarded headers', async (t) => {
  const conf = readFileSync(NGINX_CONF, 'utf8');
  t.match(conf, /upstream livechat_rpc \{\s*server app1:8069 max_fails=0;\s*server app2:8069 max_fails=0;/, 'both instances, round-robin, neither ever set aside');
  const websocket = /location = \/websocket \{([^}]*)\}/.exec(conf)?.[1] ?? '';
  t.match(websocket, /proxy_set_header Upgrade \$http_upgrade;/);
  t.match(websocket, /proxy_set_header Connection \$connection_upgrade;/);
  t.match(websocket, /proxy_read_timeout 2h;/, 'sockets stay open for hours');
  for (const block of [websocket, /location \/ \{([^}]*)\}/.exec(conf)?.[1] ?? '']) {
    t.match(block, /proxy_set_header X-Forwarded-For \$remote_addr;/, 'the address nginx sees, not one the client sent');
    t.match(block, /proxy_set_header X-Forwarded-Proto \$scheme;/);
    t.match(block, /proxy_set_header X-Request-Id \$request_id;/);
  }
  t.match(conf, /proxy_next_upstream error http_503 non_idempotent;/, 'a call refused by an instance shutting down goes to the other');
  t.match(conf, /location = \/metrics \{\s*return 404;/);
});

const binary = nginxBinary();
t.test('nginx -t accepts deploy/nginx.conf', { skip: !binary && 'nginx is not installed (apt-get install nginx-light)' }, async (t) => {
  const prefix = nginxPrefix();
  t.teardown(() => rmSync(prefix, { recursive: true, force: true }));
  const result = nginxTest(binary!, renderNginxConfig({ upstreams: ['127.0.0.1:18069', '127.0.0.1:18070'], port: 18080, prefix }), prefix);
  t.ok(result.ok, result.output || 'syntax ok');
  const broken = nginxTest(binary!, renderNginxConfig({ upstreams: ['127.0.0.1:18069'], port: 18080, prefix }).replace('proxy_read_timeout 2h;', 'proxy_read_timeout 2h'), prefix);
  t.notOk(broken.ok, 'and would refuse a broken one');
});
