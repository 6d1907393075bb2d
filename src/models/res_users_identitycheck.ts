import { OdooError, UserError } from '../errors.js';
import { ensureOne } from '../mail/thread.js';
import { callKw } from '../orm/dispatch.js';
import { fields } from '../orm/fields.js';
import { defineModel } from '../orm/registry.js';
import { checkPassword } from '../security/auth.js';
import { isIdentityProtected, markIdentityChecked } from '../security/identity.js';

/**
 * res.users.identitycheck (res_users.py CheckIdentity): the "Security Control" wizard that
 * `checkIdentity` opens. It remembers the protected call in `request` (readable by nobody); the
 * user writes their password on it and calls `run_check`, which verifies the password and runs
 * the remembered call. Like every transient record, a wizard is only visible to its creator.
 */
export default defineModel({
  name: 'res.users.identitycheck',
  table: 'res_users_identitycheck',
  description: 'Password Check Wizard',
  transient: true,
  fields: {
    request: fields.char('Request', { readonly: true, groups: '.' }),
    password: fields.char('Password'),
  },
  methods: {
    /** run_check(): the password, then the call the wizard was opened for (its result is the answer). */
    run_check: {
      api: 'records', params: [],
      fn: async (env, model, ids) => {
        const id = ensureOne(model.name, ids);
        // the caller must see the wizard (access rights, own records only) before it is read as superuser
        await model.checkAccessRights('write');
        await model.checkAccessRule([id], 'write');
        const [wizard] = await model.sudo().read([id], ['request', 'password', 'create_uid'], null);
        if (!wizard) throw new OdooError('odoo.exceptions.MissingError', 'Record does not exist or has been deleted.');
        const password = wizard.password;
        // `finally: self.password = False`: the password is never kept
        await model.sudo().write([id], { password: false });
        if (!(await checkPassword(env.trx, Number(wizard.create_uid), password))) {
          throw new UserError('Incorrect Password, try again or click on Forgot Password to reset your password.');
        }
        const [context, modelName, recordIds, method] = JSON.parse(String(wizard.request)) as [Record<string, unknown>, string, number[], string];
        const target = env.model(modelName).def.methods?.[method];
        if (!target || !isIdentityProtected(target.fn)) throw new OdooError('builtins.AssertionError', '', []);
        markIdentityChecked(env);
        return callKw(env, modelName, method, [recordIds], { context });
      },
    },
  },
  access: [
    { group: 'base.group_user', perms: 'rwc' },
    { group: 'base.group_portal', perms: 'rwc' },
  ],
  rules: [{
    xmlid: 'base.res_users_identitycheck_own',
    name: 'Transient records: their creator only',
    domain: [['create_uid', '=', { user: 'id' }]],
    groups: [],
  }],
});
