import t from 'tap';
import { AccessDenied, TooManyRequests } from '../../src/errors.js';
import { LOGIN_COOLDOWN_MESSAGE, LoginThrottle, RateLimiter } from '../../src/security/throttle.js';

/** The limiters on a fake clock: bursts, refill, Retry-After, cooldown expiry, and 0 = off. */
t.test('RateLimiter: a burst of perMinute, then one more every 60/perMinute seconds', async (t) => {
  let now = 1_000_000;
  const limiter = new RateLimiter(6, () => now);
  for (let i = 0; i < 6; i++) limiter.take('a');
  const err = t.throws(() => limiter.take('a')) as TooManyRequests;
  t.ok(err instanceof TooManyRequests);
  t.equal(err.retryAfterSeconds, 10, 'one call refills in 10 s at 6 per minute');
  t.doesNotThrow(() => limiter.take('b'), 'keys are independent');
  now += 9_000;
  t.throws(() => limiter.take('a'), TooManyRequests, 'not yet');
  now += 1_000;
  t.doesNotThrow(() => limiter.take('a'), 'refilled after 10 s');
  t.throws(() => limiter.take('a'), TooManyRequests, 'and only one');
  now += 3_600_000;
  for (let i = 0; i < 6; i++) limiter.take('a');
  t.throws(() => limiter.take('a'), TooManyRequests, 'an idle hour refills to the burst, not beyond');
});

t.test('RateLimiter: 0 is off', async (t) => {
  const limiter = new RateLimiter(0);
  t.equal(limiter.enabled, false);
  for (let i = 0; i < 1000; i++) limiter.take('a');
  t.pass('never refuses');
});

t.test('LoginThrottle: Odoo\'s cooldown, per login and address', async (t) => {
  let now = 0;
  const th = new LoginThrottle(5, 60, () => now);
  for (let i = 0; i < 5; i++) { th.check('Admin', '1.2.3.4'); th.failed('Admin', '1.2.3.4'); }
  const err = t.throws(() => th.check('admin', '1.2.3.4')) as AccessDenied;
  t.ok(err instanceof AccessDenied);
  t.equal(err.message, LOGIN_COOLDOWN_MESSAGE);
  t.doesNotThrow(() => th.check('admin', '1.2.3.5'), 'another address');
  t.doesNotThrow(() => th.check('demo', '1.2.3.4'), 'another login');
  now += 59_999;
  t.throws(() => th.check('admin', '1.2.3.4'), AccessDenied, 'still cooling down');
  now += 1;
  t.doesNotThrow(() => th.check('admin', '1.2.3.4'), 'one try after the cooldown');
  th.failed('admin', '1.2.3.4');
  t.throws(() => th.check('admin', '1.2.3.4'), AccessDenied, 'a wrong one starts the next cooldown at once');
  th.succeeded('admin', '1.2.3.4');
  t.doesNotThrow(() => th.check('admin', '1.2.3.4'), 'a success clears it');
});

t.test('LoginThrottle: after 0 is off', async (t) => {
  const th = new LoginThrottle(0, 60);
  for (let i = 0; i < 100; i++) th.failed('admin', 'x');
  t.doesNotThrow(() => th.check('admin', 'x'));
});
