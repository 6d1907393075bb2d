import { AccessError } from '../errors.js';
import { ensureOne } from '../mail/thread.js';
import type { Env } from '../orm/env.js';
import { fields } from '../orm/fields.js';
import { defineModel } from '../orm/registry.js';
import { generateApiKey } from '../security/apikeys.js';
import { checkIdentity } from '../security/identity.js';

/** `check_access_make_key`: only internal users may create API keys (those who can also remove them). */
async function checkAccessMakeKey(env: Env): Promise<void> {
  if (!(await env.hasGroup('base.group_user'))) throw new AccessError('Only internal users can create API keys');
}

/**
 * res.users.apikeys.description (res_users.py APIKeyDescription): the "New API Key" wizard. The
 * user names the key, then `make_key` (behind the identity check) generates it and answers the
 * action showing it, the key in `context.default_key`: the only time it is ever shown.
 */
export default defineModel({
  name: 'res.users.apikeys.description',
  table: 'res_users_apikeys_description',
  description: 'API Key Description',
  transient: true,
  fields: {
    name: fields.char('Description', { required: true }),
  },
  methods: {
    make_key: {
      api: 'records', params: [],
      fn: checkIdentity('make_key', async (env, model, ids) => {
        const id = ensureOne(model.name, ids);
        await checkAccessMakeKey(env);
        const [wizard] = await model.read([id], ['name']);
        // a key valid for every scope (scope NULL), as the preferences' "New API Key" makes
        const key = await generateApiKey(env.trx, env.uid, null, String(wizard!.name));
        await model.sudo().unlink([id]);
        return {
          type: 'ir.actions.act_window',
          res_model: 'res.users.apikeys.show',
          name: 'API Key Ready',
          views: [[false, 'form']],
          target: 'new',
          context: { default_key: key },
        };
      }),
    },
    check_access_make_key: {
      api: 'records', params: [],
      fn: async (env) => { await checkAccessMakeKey(env); return null; },
    },
  },
  access: [
    { group: 'base.group_user', perms: 'rc' },
    { group: 'base.group_portal', perms: 'rc' },
  ],
  rules: [{
    xmlid: 'base.res_users_apikeys_description_own',
    name: 'Transient records: their creator only',
    domain: [['create_uid', '=', { user: 'id' }]],
    groups: [],
  }],
});
