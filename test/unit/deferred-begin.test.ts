import t from 'tap';
import { isPlainRead } from '../../src/db/deferred-begin.js';

t.test('plain SELECTs may run before BEGIN', async (t) => {
  for (const q of [
    'SELECT t.id, "t"."name" FROM "res_partner" AS t WHERE t.id IN ($1)',
    '  select 1',
    '(SELECT id FROM crm_lead) UNION (SELECT id FROM crm_lead)',
    'SELECT s.sid FROM http_session s WHERE s.updated = $1',
    'SELECT now_playing FROM t', // a column, not the clock
  ]) t.ok(isPlainRead(q), q);
});

t.test('anything else begins the transaction first', async (t) => {
  for (const q of [
    'INSERT INTO bus_bus (channel, message) VALUES ($1, $2)',
    'UPDATE res_users SET login_date = now()',
    'DELETE FROM http_session WHERE sid = $1',
    'WITH x AS (DELETE FROM t RETURNING id) SELECT id FROM x',
    'SELECT id FROM bus_presence WHERE user_id = $1 FOR UPDATE',
    'SELECT id FROM t FOR NO KEY UPDATE',
    'SELECT id FROM t FOR SHARE',
    'SELECT pg_advisory_xact_lock($1)',
    'SELECT pg_try_advisory_xact_lock($1) AS ok',
    "SELECT pg_notify('imbus', $1)",
    "SELECT nextval('access_signaling_seq')",
    "SELECT set_config('x', 'y', true)",
    "SELECT to_char(now() AT TIME ZONE 'utc', 'YYYY') AS now",
    'SELECT id FROM bus_bus WHERE create_date > CURRENT_TIMESTAMP',
    'SELECT localtimestamp',
    'savepoint "a"',
    'SET LOCAL statement_timeout = 0',
  ]) t.notOk(isPlainRead(q), q);
});
