import { sql } from 'kysely';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';
import type { Model } from '../orm/model.js';
import type { RpcMethod } from '../orm/registry.js';

/** Methods wrapped by `checkIdentity`: the only ones `res.users.identitycheck.run_check` may resume. */
const PROTECTED = new WeakSet<RpcMethod['fn']>();
const CHECKED = Symbol('identity-checked');

/** Whether `fn` is an identity-protected method (Odoo's `__has_check_identity`). */
export function isIdentityProtected(fn: RpcMethod['fn']): boolean {
  return PROTECTED.has(fn);
}

/** Marks this call as having just re-checked the user's password (run_check), for the method it resumes. */
export function markIdentityChecked(env: Env): void {
  env.service(CHECKED, () => ({ checked: false })).checked = true;
}

/**
 * Odoo's `@check_identity` (res_users.py): a security-sensitive action (making or removing an API
 * key) runs only right after the user typed their password again. Otherwise it answers the action
 * opening the `res.users.identitycheck` wizard, which remembers the call; the client writes the
 * password on the wizard and calls `run_check`, which checks it and runs the call. Odoo skips the
 * wizard for 10 minutes after a check in the same web session; this service keeps no such window
 * (the ORM does not see the session), so every protected call goes through the wizard: stricter,
 * and what Odoo does for the stateless External API anyway.
 */
export function checkIdentity(methodName: string, fn: RpcMethod['fn']): RpcMethod['fn'] {
  const wrapped: RpcMethod['fn'] = async (env: Env, model: Model, ids: Id[], args: Record<string, unknown>) => {
    if (env.service(CHECKED, () => ({ checked: false })).checked) return fn(env, model, ids, args);
    // transient records live an hour (Odoo's _transient_max_hours vacuum): older wizards go now
    await sql`DELETE FROM res_users_identitycheck WHERE create_date < (now() AT TIME ZONE 'utc') - interval '1 hour'`.execute(env.trx);
    await sql`DELETE FROM res_users_apikeys_description WHERE create_date < (now() AT TIME ZONE 'utc') - interval '1 hour'`.execute(env.trx);
    // keep the context's JSON values, as Odoo strips what json.dumps cannot write
    const context = JSON.parse(JSON.stringify(env.context)) as Record<string, unknown>;
    const [wizardId] = await env.model('res.users.identitycheck').sudo().create([
      { request: JSON.stringify([context, model.name, ids, methodName]) },
    ]);
    // the wizard belongs to the caller (create_uid), as Odoo's sudo() create keeps the uid
    return {
      type: 'ir.actions.act_window',
      res_model: 'res.users.identitycheck',
      res_id: wizardId,
      name: 'Security Control',
      target: 'new',
      views: [[false, 'form']],
    };
  };
  PROTECTED.add(wrapped);
  return wrapped;
}
