import { sql } from 'kysely';
import { effectiveStatus } from '../bus/presence.js';
import type { Env } from '../orm/env.js';
import { fields, countsById, type Id } from '../orm/fields.js';
import { defineModel } from '../orm/registry.js';

async function baseUrl(env: Env): Promise<string> {
  const { rows } = await sql<{ value: string }>`SELECT value FROM ir_config_parameter WHERE key = 'web.base.url'`.execute(env.trx);
  return rows[0]?.value ?? '';
}

/** Ratings of the last 14 days that count for satisfaction (rating.parent.mixin). */
async function ratingStats(env: Env, ids: Id[]) {
  const { rows } = await sql<{ id: Id; count: number; great: number; avg: number | null }>`
    SELECT c.id, count(r.id)::int AS count, count(r.id) FILTER (WHERE r.rating >= 4)::int AS great, avg(r.rating) AS avg
    FROM im_livechat_channel c LEFT JOIN rating_rating r ON r.parent_res_model = 'im_livechat.channel' AND r.parent_res_id = c.id
      AND r.consumed AND r.rating >= 1 AND r.write_date >= (now() AT TIME ZONE 'utc') - interval '14 days'
    WHERE c.id IN (${sql.join(ids)}) GROUP BY c.id`.execute(env.trx);
  return new Map(rows.map((r) => [r.id, r]));
}

/** Operators of each channel whose presence is online (`available_operator_ids`). */
export async function availableOperators(env: Env, channelIds: Id[]): Promise<Map<Id, Id[]>> {
  const out = new Map<Id, Id[]>(channelIds.map((id) => [id, []]));
  if (!channelIds.length) return out;
  const { rows } = await sql<{ channel_id: Id; user_id: Id }>`${availableOperatorRows(channelIds)} ORDER BY r.user_id`.execute(env.trx);
  for (const r of rows) out.get(r.channel_id)!.push(r.user_id);
  return out;
}

/** The `(channel_id, user_id)` rows of `available_operator_ids`, as SQL others can build on. */
export const availableOperatorRows = (channelIds: Id[]) => sql<{ channel_id: Id; user_id: Id }>`
  SELECT r.channel_id, r.user_id FROM im_livechat_channel_im_user r
  JOIN res_users u ON u.id = r.user_id AND u.active
  JOIN bus_presence p ON p.user_id = u.id
  WHERE r.channel_id IN (${sql.join(channelIds)}) AND ${effectiveStatus('p')} = 'online'`;

/** im_livechat.channel (addons/im_livechat/models/im_livechat_channel.py). */
export default defineModel({
  name: 'im_livechat.channel',
  table: 'im_livechat_channel',
  description: 'Livechat Channel',
  fields: {
    name: fields.char('Channel Name', { required: true }),
    button_text: fields.char('Text of the Button', { translate: true, default: 'Have a Question? Chat with us.', help: 'Default text displayed on the Livechat Support Button' }),
    default_message: fields.char('Welcome Message', { translate: true, default: 'How may I help you?', help: 'This is an automated \'welcome\' message that your visitor will see when they initiate a new conversation.' }),
    input_placeholder: fields.char('Chat Input Placeholder', { translate: true, help: 'Text that prompts the user to initiate the chat.' }),
    header_background_color: fields.char('Header Background Color', { default: '#875A7B', help: 'Default background color of the channel header once open' }),
    title_color: fields.char('Title Color', { default: '#FFFFFF', help: 'Default title color of the channel once open' }),
    button_background_color: fields.char('Button Background Color', { default: '#875A7B', help: 'Default background color of the Livechat button' }),
    button_text_color: fields.char('Button Text Color', { default: '#FFFFFF', help: 'Default text color of the Livechat button' }),
    image_128: fields.image('Image', { help: 'Channel image' }),
    user_ids: fields.many2many('res.users', 'im_livechat_channel_im_user', 'channel_id', 'user_id', 'Operators', {
      default: (env: Env) => [env.uid],
    }),
    channel_ids: fields.one2many('discuss.channel', 'livechat_channel_id', 'Sessions'),
    rule_ids: fields.one2many('im_livechat.channel.rule', 'channel_id', 'Rules'),
    available_operator_ids: fields.many2many('res.users', 'im_livechat_channel_im_user', 'channel_id', 'user_id', 'Available Operators', {
      compute: (env, ids) => availableOperators(env, ids),
    }),
    are_you_inside: fields.boolean('Are you inside the matrix?', {
      compute: async (env, ids) => {
        const { rows } = await sql<{ channel_id: Id }>`SELECT channel_id FROM im_livechat_channel_im_user WHERE user_id = ${env.uid} AND channel_id IN (${sql.join(ids)})`.execute(env.trx);
        const inside = new Set(rows.map((r) => r.channel_id));
        return new Map(ids.map((id) => [id, inside.has(id)]));
      },
    }),
    nbr_channel: fields.integer('Number of conversation', {
      compute: async (env, ids) => {
        const { rows } = await sql<{ id: Id; n: number }>`SELECT livechat_channel_id AS id, count(*)::int AS n FROM discuss_channel WHERE livechat_channel_id IN (${sql.join(ids)}) GROUP BY livechat_channel_id`.execute(env.trx);
        return countsById(ids, rows);
      },
    }),
    web_page: fields.char('Web Page', {
      help: 'URL to a static page where you client can discuss with the operator of the channel.',
      compute: async (env, ids) => { const base = await baseUrl(env); return new Map(ids.map((id) => [id, `${base}/im_livechat/support/${id}`])); },
    }),
    script_external: fields.html('Script (external)', {
      compute: async (env, ids) => {
        const base = await baseUrl(env);
        return new Map(ids.map((id) => [id, `<script type="text/javascript" src="${base}/im_livechat/loader/${id}"></script>\n<script type="text/javascript" src="${base}/im_livechat/assets_embed.js"></script>`]));
      },
    }),
    chatbot_script_count: fields.integer('Number of Chatbot', {
      compute: async (env, ids) => {
        const { rows } = await sql<{ id: Id; n: number }>`SELECT channel_id AS id, count(DISTINCT chatbot_script_id)::int AS n FROM im_livechat_channel_rule WHERE channel_id IN (${sql.join(ids)}) GROUP BY channel_id`.execute(env.trx);
        return countsById(ids, rows);
      },
    }),
    rating_count: fields.integer('# Ratings', { compute: async (env, ids) => new Map([...(await ratingStats(env, ids))].map(([id, s]) => [id, s.count])) }),
    rating_percentage_satisfaction: fields.integer('Rating Satisfaction', {
      // % of great ratings (>= 4) among the last 14 days' ratings; -1 without rating
      compute: async (env, ids) => new Map([...(await ratingStats(env, ids))].map(([id, s]) => [id, s.count ? Math.round((s.great * 100) / s.count) : -1])),
    }),
    rating_avg: fields.float('Average Rating', { compute: async (env, ids) => new Map([...(await ratingStats(env, ids))].map(([id, s]) => [id, s.avg ? Number(s.avg) : 0])) }),
    rating_avg_percentage: fields.float('Average Rating (%)', { compute: async (env, ids) => new Map([...(await ratingStats(env, ids))].map(([id, s]) => [id, s.avg ? Number(s.avg) / 5 : 0])) }),
    // data retention (ours, src/livechat/retention.ts): not in Odoo
    retention_days: fields.integer('Keep Conversations (days)', {
      default: 0, help: 'Conversations whose last message is older than this are deleted or anonymised by the retention job. 0 keeps them forever.',
    }),
    retention_action: fields.selection('After Retention', [['anonymize', 'Anonymize the visitor'], ['delete', 'Delete the conversation']], {
      required: true, default: 'anonymize',
      help: 'Anonymize keeps the conversation, its message count and ratings, and removes the visitor\'s name, email, phone and country; Delete removes the conversation with its messages and ratings.',
    }),
  },
  sqlConstraints: {
    im_livechat_channel_retention_days_positive: 'The retention period cannot be negative.',
    im_livechat_channel_retention_action_valid: 'The retention action must be anonymize or delete.',
  },
  methods: {
    /** action_join: the current user becomes an operator of the channels. */
    action_join: {
      api: 'records', params: [],
      fn: async (env, model, ids) => {
        await model.checkAccessRule(ids, 'read');
        for (const id of ids) await sql`INSERT INTO im_livechat_channel_im_user (channel_id, user_id) VALUES (${id}, ${env.uid}) ON CONFLICT DO NOTHING`.execute(env.trx);
        return null;
      },
    },
    /** action_quit: the current user stops being an operator of the channels. */
    action_quit: {
      api: 'records', params: [],
      fn: async (env, _model, ids) => {
        if (ids.length) await sql`DELETE FROM im_livechat_channel_im_user WHERE user_id = ${env.uid} AND channel_id IN (${sql.join(ids)})`.execute(env.trx);
        return null;
      },
    },
  },
  access: [
    { group: null, perms: 'r' },
    { group: 'im_livechat.im_livechat_group_user', perms: 'r' },
    { group: 'im_livechat.im_livechat_group_manager', perms: 'rwcu' },
  ],
});
