import { sql } from 'kysely';
import { defineModel } from '../orm/registry.js';
import { fields, type Id } from '../orm/fields.js';
import { effectiveStatus } from '../bus/presence.js';

/**
 * "Company, Person" for a person under a company (res.partner._compute_complete_name): the name of
 * the nearest company among the ancestors (the commercial partner), else of the direct parent.
 */
export function completeName(a: string) {
  const col = (c: string) => sql.ref(`${a}.${c}`);
  const commercial = sql`(WITH RECURSIVE _up(id, parent_id, is_company, name, depth) AS (
      SELECT _p.id, _p.parent_id, _p.is_company, _p.name, 1 FROM res_partner AS _p WHERE _p.id = ${col('parent_id')}
      UNION ALL SELECT _q.id, _q.parent_id, _q.is_company, _q.name, _up.depth + 1 FROM res_partner AS _q JOIN _up ON _q.id = _up.parent_id WHERE NOT _up.is_company AND _up.depth < 32)
    SELECT COALESCE((SELECT name FROM _up WHERE is_company ORDER BY depth LIMIT 1), (SELECT name FROM _up WHERE depth = 1)))`;
  return sql`CASE WHEN ${col('parent_id')} IS NOT NULL AND NOT ${col('is_company')} AND ${col('name')} IS NOT NULL
    THEN COALESCE(${commercial} || ', ', '') || ${col('name')}
    ELSE COALESCE(${col('name')}, '') END`;
}

/** SQL for `user_livechat_username` of the partner row `alias`: the livechat_username of its first user. */
export const partnerLivechatUsername = (alias: string) => sql<string | null>`(SELECT s.livechat_username FROM res_users u
  JOIN res_users_settings s ON s.user_id = u.id WHERE u.partner_id = ${sql.ref(`${alias}.id`)} ORDER BY u.id LIMIT 1)`;

/**
 * SQL for `im_status` of the partner row `alias` (mail's res.partner._compute_im_status): the best
 * status over its users' presences; a partner without user is 'im_partner'.
 */
export const partnerImStatus = (alias: string) => sql<string>`CASE
  WHEN NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = ${sql.ref(`${alias}.id`)}) THEN 'im_partner'
  ELSE COALESCE((SELECT s.status FROM (SELECT ${effectiveStatus('bp')} AS status FROM res_users u
    JOIN bus_presence bp ON bp.user_id = u.id WHERE u.partner_id = ${sql.ref(`${alias}.id`)}) s
    ORDER BY CASE s.status WHEN 'online' THEN 0 WHEN 'away' THEN 1 ELSE 2 END LIMIT 1), 'offline') END`;

/** res.partner (odoo/addons/base/models/res_partner.py): contacts and companies. */
export default defineModel({
  name: 'res.partner',
  table: 'res_partner',
  description: 'Contact',
  order: 'complete_name ASC, id DESC',
  parentName: 'parent_id',
  recNamesSearch: ['complete_name', 'email', 'ref', 'vat'],
  displayName: completeName,
  copySuffixFields: ['name'],
  fields: {
    name: fields.char('Name'),
    complete_name: fields.char('Complete Name', { sql: completeName }),
    is_company: fields.boolean('Is a Company', { default: false, help: 'Check if the contact is a company, otherwise it is a person' }),
    parent_id: fields.many2one('res.partner', 'Related Company'),
    child_ids: fields.one2many('res.partner', 'parent_id', 'Contact', { domain: [['active', '=', true]] }),
    company_id: fields.many2one('res.company', 'Company'),
    type: fields.selection('Address Type', [['contact', 'Contact'], ['invoice', 'Invoice Address'], ['delivery', 'Delivery Address'], ['private', 'Private Address'], ['other', 'Other Address']], { default: 'contact' }),
    function: fields.char('Job Position'),
    email: fields.char('Email'),
    phone: fields.char('Phone'),
    mobile: fields.char('Mobile'),
    website: fields.char('Website Link'),
    street: fields.char('Street'),
    street2: fields.char('Street2'),
    zip: fields.char('Zip'),
    city: fields.char('City'),
    country_id: fields.many2one('res.country', 'Country', { ondelete: 'restrict' }),
    lang: fields.char('Language', { help: 'All the emails and documents sent to this contact will be translated in this language.' }),
    tz: fields.char('Timezone'),
    vat: fields.char('Tax ID'),
    ref: fields.char('Reference'),
    comment: fields.html('Notes'),
    color: fields.integer('Color Index', { default: 0 }),
    active: fields.boolean('Active', { default: true }),
    image_1920: fields.image('Image'),
    user_ids: fields.one2many('res.users', 'partner_id', 'Users'),
    user_livechat_username: fields.char('User Livechat Username', {
      // livechat_username of the partner's first user
      compute: async (env, ids) => {
        const { rows } = await sql<{ id: Id; name: string | null }>`SELECT p.id, ${partnerLivechatUsername('p')} AS name
          FROM res_partner p WHERE p.id IN (${sql.join(ids)})`.execute(env.trx);
        return new Map(rows.map((r) => [r.id, r.name ?? false]));
      },
    }),
    im_status: fields.char('IM Status', {
      compute: async (env, ids) => {
        const { rows } = await sql<{ id: Id; status: string }>`SELECT p.id, ${partnerImStatus('p')} AS status
          FROM res_partner p WHERE p.id IN (${sql.join(ids)})`.execute(env.trx);
        return new Map(rows.map((r) => [r.id, r.status]));
      },
    }),
  },
  access: [
    { group: 'base.group_user', perms: 'rwcu' },
    { group: 'base.group_portal', perms: 'r' },
    { group: 'base.group_public', perms: 'r' },
  ],
  // base's res_partner_portal_public_rule: portal and public users read their own commercial
  // partner and its contacts, not other customers' names, emails and phones
  rules: [{
    xmlid: 'base.res_partner_portal_public_rule',
    name: 'res_partner: portal/public: read access on my commercial partner',
    domain: [['id', 'child_of', { user: 'commercial_partner_id' }]],
    groups: ['base.group_portal', 'base.group_public'],
  }],
});
