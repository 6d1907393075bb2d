import { sql } from 'kysely';
import { UserError } from '../errors.js';
import type { Env } from '../orm/env.js';
import { fields, type Id } from '../orm/fields.js';
import { defineModel } from '../orm/registry.js';
import { hashPassword } from '../security/password.js';
import { effectiveStatus } from '../bus/presence.js';
import { checkIdentity } from '../security/identity.js';

const RELATED_TO_PARTNER = ['name', 'email', 'lang', 'tz', 'image_1920'] as const;

/** Puts every user in the groups implied by its groups (res.groups implied_ids), and refreshes `share`. */
export async function closeGroupMemberships(env: Env, uids: Id[]): Promise<void> {
  if (!uids.length) return;
  await sql`
    WITH RECURSIVE implied(uid, gid) AS (
      SELECT uid, gid FROM res_groups_users_rel WHERE uid IN (${sql.join(uids)})
      UNION SELECT i.uid, r.hid FROM implied i JOIN res_groups_implied_rel r ON r.gid = i.gid)
    INSERT INTO res_groups_users_rel (uid, gid) SELECT uid, gid FROM implied ON CONFLICT DO NOTHING`.execute(env.trx);
  const internal = await env.ref('base.group_user', false);
  await sql`UPDATE res_users u SET share = NOT EXISTS (
      SELECT 1 FROM res_groups_users_rel r WHERE r.uid = u.id AND r.gid = ${internal || 0})
    WHERE u.id IN (${sql.join(uids)})`.execute(env.trx);
  env.invalidateGroups();
}

async function settingsIds(env: Env, uids: Id[]): Promise<Map<Id, Id>> {
  await sql`INSERT INTO res_users_settings (user_id) SELECT id FROM res_users WHERE id IN (${sql.join(uids)}) ON CONFLICT (user_id) DO NOTHING`.execute(env.trx);
  const { rows } = await sql<{ id: Id; user_id: Id }>`SELECT id, user_id FROM res_users_settings WHERE user_id IN (${sql.join(uids)})`.execute(env.trx);
  return new Map(rows.map((r) => [r.user_id, r.id]));
}

/** res.users (odoo/addons/base/models/res_users.py, im_livechat and bus additions). */
export default defineModel({
  name: 'res.users',
  table: 'res_users',
  description: 'User',
  order: 'name, login',
  recName: 'name',
  recNamesSearch: ['name', 'login'],
  copySuffixFields: ['login', 'name'],
  displayName: (a) => sql`(SELECT _p.name FROM res_partner AS _p WHERE _p.id = ${sql.ref(`${a}.partner_id`)})`,
  sqlConstraints: { res_users_login_key: 'You can not have two users with the same login !' },
  fields: {
    partner_id: fields.many2one('res.partner', 'Related Partner', { required: true, ondelete: 'restrict', help: 'Partner-related data of the user' }),
    login: fields.char('Login', { required: true, help: 'Used to log into the system' }),
    password: fields.char('Password', {
      help: "Keep empty if you don't want the user to be able to connect on the system.",
      copy: false,
      compute: async (_env, ids) => new Map(ids.map((id) => [id, ''])),
      inverse: async (env, ids, value) => {
        if (typeof value !== 'string' || value === '') return;
        const hash = await hashPassword(value, env.registry.settings.passwordHashRounds);
        await sql`UPDATE res_users SET password = ${hash} WHERE id IN (${sql.join(ids)})`.execute(env.trx);
      },
    }),
    name: fields.char('Name', { related: 'partner_id.name' }),
    email: fields.char('Email', { related: 'partner_id.email' }),
    lang: fields.char('Language', { related: 'partner_id.lang' }),
    tz: fields.char('Timezone', { related: 'partner_id.tz' }),
    image_1920: fields.image('Image', { related: 'partner_id.image_1920' }),
    active: fields.boolean('Active', { default: true }),
    share: fields.boolean('Share User', { readonly: true, help: "External user with limited access, created only for the purpose of sharing data." }),
    groups_id: fields.many2many('res.groups', 'res_groups_users_rel', 'uid', 'gid', 'Groups'),
    company_id: fields.many2one('res.company', 'Company', { required: true, default: 1, context: { user_preference: true }, help: 'The default company for this user.' }),
    company_ids: fields.many2many('res.company', 'res_company_users_rel', 'user_id', 'cid', 'Companies', {
      compute: async (env, ids) => {
        const { rows } = await sql<{ id: Id; company_id: Id | null }>`SELECT id, company_id FROM res_users WHERE id IN (${sql.join(ids)})`.execute(env.trx);
        return new Map(rows.map((r) => [r.id, r.company_id ? [r.company_id] : []]));
      },
    }),
    signature: fields.html('Email Signature'),
    notification_type: fields.selection('Notification', [['email', 'Handle by Emails'], ['inbox', 'Handle in Odoo']], {
      required: true, default: 'email',
      help: 'Policy on how to handle Chatter notifications:\n- Handle by Emails: notifications are sent to your email address\n- Handle in Odoo: notifications appear in your Odoo Inbox',
    }),
    login_date: fields.datetime('Latest authentication', { readonly: true }),
    im_status: fields.char('IM Status', {
      // bus.presence status; no presence row, or one not polled for 65 s, is offline
      compute: async (env, ids) => {
        const { rows } = await sql<{ id: Id; status: string }>`SELECT u.id, COALESCE(${effectiveStatus('p')}, 'offline') AS status
          FROM res_users u LEFT JOIN bus_presence p ON p.user_id = u.id WHERE u.id IN (${sql.join(ids)})`.execute(env.trx);
        return new Map(rows.map((r) => [r.id, r.status]));
      },
    }),
    res_users_settings_id: fields.many2one('res.users.settings', 'Settings', {
      compute: async (env, ids) => settingsIds(env, ids),
    }),
    livechat_username: fields.char('Livechat Username', {
      help: 'This username will be used as your name in the livechat channels.',
      compute: async (env, ids) => {
        const { rows } = await sql<{ user_id: Id; livechat_username: string | null }>`SELECT user_id, livechat_username FROM res_users_settings WHERE user_id IN (${sql.join(ids)})`.execute(env.trx);
        return new Map(rows.map((r) => [r.user_id, r.livechat_username ?? false]));
      },
      inverse: async (env, ids, value) => {
        const settings = await settingsIds(env, ids);
        await env.model('res.users.settings').sudo().write([...settings.values()], { livechat_username: value });
      },
    }),
    livechat_lang_ids: fields.many2many('res.lang', 'res_users_settings_res_lang_rel', 'res_users_settings_id', 'res_lang_id', 'Livechat languages', {
      help: 'These languages, in addition to your main language, will be used to assign you to Live Chat sessions.',
      compute: async (env, ids) => {
        const { rows } = await sql<{ user_id: Id; lang_id: Id }>`SELECT s.user_id, r.res_lang_id AS lang_id FROM res_users_settings s JOIN res_users_settings_res_lang_rel r ON r.res_users_settings_id = s.id WHERE s.user_id IN (${sql.join(ids)}) ORDER BY r.res_lang_id`.execute(env.trx);
        const out = new Map<Id, Id[]>(ids.map((id) => [id, []]));
        for (const r of rows) out.get(r.user_id)!.push(r.lang_id);
        return out;
      },
      inverse: async (env, ids, value) => {
        const settings = await settingsIds(env, ids);
        await env.model('res.users.settings').sudo().write([...settings.values()], { livechat_lang_ids: value });
      },
    }),
    api_key_ids: fields.one2many('res.users.apikeys', 'user_id', 'API Keys'),
    has_access_livechat: fields.boolean('Has access to Livechat', {
      compute: async (env, ids) => {
        const gid = await env.ref('im_livechat.im_livechat_group_user', false);
        const { rows } = await sql<{ uid: Id }>`SELECT uid FROM res_groups_users_rel WHERE gid = ${gid || 0} AND uid IN (${sql.join(ids)})`.execute(env.trx);
        const members = new Set(rows.map((r) => r.uid));
        return new Map(ids.map((id) => [id, members.has(id)]));
      },
    }),
  },
  methods: {
    /** api_key_wizard(): behind the identity check, the action opening the "New API Key" wizard. */
    api_key_wizard: {
      api: 'records', params: [],
      fn: checkIdentity('api_key_wizard', async () => ({
        type: 'ir.actions.act_window', res_model: 'res.users.apikeys.description', name: 'New API Key', target: 'new', views: [[false, 'form']],
      })),
    },
  },
  hooks: {
    async beforeCreate(env, valsList) {
      const defaultGroup = await env.ref('base.group_user', false);
      for (const vals of valsList) {
        if (!vals.partner_id) {
          if (typeof vals.name !== 'string' || !vals.name.trim()) {
            throw new UserError('You must provide a name for the new user.');
          }
          const partner: Record<string, unknown> = { active: vals.active ?? true };
          for (const f of RELATED_TO_PARTNER) if (f in vals) { partner[f] = vals[f]; }
          const [pid] = await env.model('res.partner').sudo().create([partner]);
          vals.partner_id = pid;
        }
        for (const f of RELATED_TO_PARTNER) if (f in vals) delete vals[f];
        if (!('groups_id' in vals) && defaultGroup) vals.groups_id = [[6, 0, [defaultGroup]]];
      }
    },
    async afterCreate(env, ids) {
      await closeGroupMemberships(env, ids);
      await settingsIds(env, ids);
    },
    async afterWrite(env, ids, vals) {
      if ('groups_id' in vals) await closeGroupMemberships(env, ids);
    },
    async beforeUnlink(env, ids) {
      if (ids.includes(1) || ids.includes(2)) {
        throw new UserError('You can not remove the admin user as it is used internally for resources created by Odoo (updates, module installation, ...)');
      }
    },
  },
  access: [
    { group: 'base.group_erp_manager', perms: 'rwcu' },
    { group: 'base.group_user', perms: 'r' },
    { group: 'base.group_portal', perms: 'r' },
  ],
});
