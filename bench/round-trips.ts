/**
 * `npm run bench:round-trips`: the database round trips of a visitor start, route by route, on
 * PostgreSQL. Round trips are the main cost of a short call on a small machine (each one wakes
 * Postgres and waits for it), so this is the first thing to look at when a live chat route gets
 * slower. It builds a service on a throw-away database (as the tests do), adds 20 online operators,
 * then runs `/im_livechat/init`, `/im_livechat/get_session` (persisted) and the first
 * `/mail/message/post` three times and prints, for the last round, each route's statements and
 * round trips (`-v`: the statements themselves, each with the time until its answer; a held
 * statement answers at once and its time shows in the one it was sent with).
 *
 *   npm run bench:round-trips [-- -v]        (BENCH_PG_URL names the server; default 127.0.0.1:5432)
 *
 * The listener's read after each commit is counted with the route that caused it.
 */
import { PreparingClient } from '../src/db/prepared.js';
import { jsonRpc, testApp } from '../test/helpers/app.js';
import { createOperator } from '../test/helpers/livechat.js';

process.env.TEST_DATABASE_URL ??= process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const verbose = process.argv.includes('-v');

// Count what the pool's clients send: statements asked, and round trips (one ReadyForQuery each).
const statements: { text: string; ms: number }[] = [];
let roundTrips = 0;
type Fn = (...args: unknown[]) => unknown;
const proto = PreparingClient.prototype as unknown as { query: Fn; connect: Fn; connection: { on(event: string, fn: () => void): void } };
const query = proto.query;
proto.query = function (this: unknown, ...args: unknown[]) {
  const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
  const entry = { text: String(text ?? '(query object)').replace(/\s+/g, ' ').trim(), ms: Number.NaN };
  statements.push(entry);
  const started = performance.now();
  const result = query.apply(this, args);
  if (result instanceof Promise) result.then(() => { entry.ms = performance.now() - started; }, () => {});
  return result;
};
const connect = proto.connect;
proto.connect = function (this: typeof proto, ...args: unknown[]) {
  this.connection.on('readyForQuery', () => roundTrips++);
  return connect.apply(this, args);
};

const teardowns: (() => unknown)[] = [];
const { app } = await testApp({ teardown: (fn) => teardowns.push(fn) });
try {
  for (let i = 0; i < 20; i++) await createOperator(app, { login: `operator${i}` });
  for (let round = 1; round <= 3; round++) {
    let channelId = 0;
    let cookie = '';
    const steps: [string, () => unknown][] = [
      ['/im_livechat/init', () => ({ channel_id: 1 })],
      ['/im_livechat/get_session', () => ({ channel_id: 1, anonymous_name: 'Visitor', persisted: true })],
      ['/mail/message/post', () => ({ thread_model: 'discuss.channel', thread_id: channelId, post_data: { body: 'Hello', message_type: 'comment', subtype_xmlid: 'mail.mt_comment' } })],
    ];
    for (const [path, params] of steps) {
      statements.length = 0;
      roundTrips = 0;
      const { res, body } = await jsonRpc(app, path, params(), path === '/mail/message/post' ? cookie : undefined);
      if (body.error) throw new Error(`${path}: ${body.error.data.message}`);
      if (path === '/im_livechat/get_session') {
        channelId = body.result.id;
        cookie = /dgid=[^;]+/.exec(String(res.headers['set-cookie']))![0];
      }
      await new Promise((resolve) => setTimeout(resolve, 50)); // the listener's read after the commit
      if (round < 3) continue;
      console.log(`${path}: ${statements.length} statements, ${roundTrips} round trips`);
      if (verbose) for (const s of statements) console.log(`  ${s.ms.toFixed(2).padStart(6)} ms  ${s.text.slice(0, 150)}`);
    }
  }
} finally {
  for (const fn of teardowns.reverse()) await fn();
}
