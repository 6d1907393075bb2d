import { AccessError } from '../errors.js';
import { fields } from '../orm/fields.js';
import { defineModel } from '../orm/registry.js';
import { checkIdentity } from '../security/identity.js';

/**
 * res.users.apikeys: keys are stored hashed (src/security/apikeys.ts); the key itself is shown once,
 * at creation (res.users.apikeys.description.make_key). `remove` revokes keys behind the identity
 * check; unlinking them directly works too (own keys, any key for administrators).
 */
export default defineModel({
  name: 'res.users.apikeys',
  table: 'res_users_apikeys',
  description: 'Users API Keys',
  logAccess: false,
  fields: {
    name: fields.char('Description', { required: true, readonly: true }),
    user_id: fields.many2one('res.users', 'User', { required: true, readonly: true, ondelete: 'cascade' }),
    scope: fields.char('Scope', { readonly: true }),
    create_date: fields.datetime('Creation Date', { readonly: true }),
    expiration_date: fields.datetime('Expiration Date', { readonly: true }),
  },
  methods: {
    /**
     * remove() / _remove(): deletes the keys if they are the caller's own or the caller is a
     * system user; answers the action closing the dialog. A revoked key stops working at once.
     */
    remove: {
      api: 'records', params: [],
      fn: checkIdentity('remove', async (env, model, ids) => {
        const close = { type: 'ir.actions.act_window_close' };
        if (!ids.length) return close;
        const rows = await model.read(ids, ['user_id'], null);
        const own = rows.length === ids.length && rows.every((r) => r.user_id === env.uid);
        if (!own && !(await env.hasGroup('base.group_system'))) {
          throw new AccessError("You can not remove API keys unless they're yours or you are a system user");
        }
        await model.sudo().unlink(ids);
        return close;
      }),
    },
  },
  access: [
    { group: 'base.group_user', perms: 'ru' },
    { group: 'base.group_portal', perms: 'ru' },
  ],
  rules: [{
    xmlid: 'base.api_key_user',
    name: 'users can only access their own api keys',
    domain: [['user_id', '=', { user: 'id' }]],
    groups: ['base.group_user', 'base.group_portal'],
  }, {
    xmlid: 'base.api_key_admin',
    name: 'Administrators can view user keys to revoke them',
    domain: [],
    groups: ['base.group_system'],
  }],
});
