import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { effectiveStatus } from '../bus/presence.js';
import { fields, type Id } from '../orm/fields.js';
import { defineModel } from '../orm/registry.js';

/** SQL for `im_status` of the guest row `alias`: its presence's status, offline without one. */
export const guestImStatus = (alias: string) => sql<string>`COALESCE((SELECT ${effectiveStatus('p')} FROM bus_presence p
  WHERE p.guest_id = ${sql.ref(`${alias}.id`)}), 'offline')`;

/** mail.guest: an anonymous visitor (addons/mail/models/mail_guest.py). Cookie `dgid` = `<id>|<access_token>`. */
export default defineModel({
  name: 'mail.guest',
  table: 'mail_guest',
  description: 'Guest',
  order: 'name, id',
  fields: {
    name: fields.char('Name', { required: true }),
    access_token: fields.char('Access Token', { required: true, groups: 'base.group_system', default: () => randomUUID(), copy: false }),
    country_id: fields.many2one('res.country', 'Country'),
    lang: fields.char('Language'),
    timezone: fields.char('Timezone'),
    channel_ids: fields.many2many('discuss.channel', 'discuss_channel_member', 'guest_id', 'channel_id', 'Channels', {
      compute: async (env, ids) => {
        const { rows } = await sql<{ guest_id: Id; channel_id: Id }>`SELECT guest_id, channel_id FROM discuss_channel_member WHERE guest_id IN (${sql.join(ids)}) ORDER BY channel_id`.execute(env.trx);
        const out = new Map<Id, Id[]>(ids.map((id) => [id, []]));
        for (const r of rows) out.get(r.guest_id)!.push(r.channel_id);
        return out;
      },
    }),
    im_status: fields.char('IM Status', {
      compute: async (env, ids) => {
        const { rows } = await sql<{ id: Id; status: string }>`SELECT g.id, ${guestImStatus('g')} AS status
          FROM mail_guest g WHERE g.id IN (${sql.join(ids)})`.execute(env.trx);
        return new Map(rows.map((r) => [r.id, r.status]));
      },
    }),
  },
  access: [{ group: 'base.group_system', perms: 'rwcu' }],
});
