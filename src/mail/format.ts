import { sql } from 'kysely';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';
import { guestImStatus } from '../models/mail_guest.js';
import { completeName, partnerImStatus, partnerLivechatUsername } from '../models/res_partner.js';

/**
 * What discuss sends clients, shaped as Odoo 17: `mail.message.message_format()`, the channel
 * header `discuss.channel._channel_info()` with its im_livechat/website_livechat additions, and
 * the persona and member dicts inside them (addons/mail/models/discuss/*.py, addons/im_livechat).
 * Everything is read as superuser: callers decide who may see what.
 */

/** Who acts or looks: a partner (a logged-in user's, or an author) or a guest; at most one is set. */
export interface Persona { partnerId: Id | null; guestId: Id | null }

type Dict = Record<string, unknown>;

/** `fields.Datetime.to_string`: "YYYY-MM-DD HH:MM:SS", or false. */
export const dtString = (v: unknown): string | false => (v ? String(v).slice(0, 19).replace('T', ' ') : false);

/** The channel types whose members are all listed in channel infos (all but `channel`). */
const isSmallChannel = (type: string) => type !== 'channel';

// ------------------------------------------------------------------------------------ partners

/** What every persona dict of a partner is made of, read in one statement (partnerFacts). */
interface PartnerFact {
  id: Id; name: string | null; email: string | null; active: boolean; is_company: boolean; write_date: string | null;
  im_status: string; user_livechat_username: string | null;
  country: { code: string; id: Id; name: string } | false;
  /** The partner's main user (internal ones first, archived included), as mail_partner_format picks it. */
  user_id: Id | null; user_share: boolean | null;
  /** One of its users is the public user. */
  is_public: boolean;
  /** It speaks for a chatbot that a live chat rule plays (im_livechat's `is_bot`). */
  is_bot: boolean;
}

type PartnerFactRow = Omit<PartnerFact, 'country'> & { country_id: Id | null; country_code: string | null; country_name: string | null };

/**
 * SQL reading every persona fact of the partner row `p`: the stored fields, the computed
 * `im_status` and `user_livechat_username`, the country, the main user, and the
 * public and bot flags (callers add the WHERE). One round trip instead of a read plus a query
 * per computed field; ChannelView joins it to the members it loads.
 */
const partnerFactsFrom = (publicGroup: number | false) => sql<PartnerFactRow>`
  SELECT p.id, p.name, p.email, COALESCE(p.active, false) AS active, COALESCE(p.is_company, false) AS is_company, p.write_date,
    ${partnerImStatus('p')} AS im_status, ${partnerLivechatUsername('p')} AS user_livechat_username,
    pc.id AS country_id, pc.code AS country_code, pc.name AS country_name,
    mu.id AS user_id, mu.share AS user_share,
    EXISTS (SELECT 1 FROM res_users u JOIN res_groups_users_rel r ON r.uid = u.id
      WHERE u.partner_id = p.id AND r.gid = ${publicGroup || 0}) AS is_public,
    EXISTS (SELECT 1 FROM chatbot_script s JOIN im_livechat_channel_rule r ON r.chatbot_script_id = s.id
      WHERE s.operator_partner_id = p.id) AS is_bot
  FROM res_partner p LEFT JOIN res_country pc ON pc.id = p.country_id
  LEFT JOIN LATERAL (SELECT u.id, u.share FROM res_users u WHERE u.partner_id = p.id ORDER BY u.share, u.id LIMIT 1) mu ON true`;

const toPartnerFact = ({ country_id, country_code, country_name, ...r }: PartnerFactRow): PartnerFact =>
  ({ ...r, country: country_id !== null ? { code: country_code!, id: country_id, name: country_name! } : false });

/** The persona facts of `ids` (partnerFactsFrom), in one statement. */
async function partnerFacts(env: Env, ids: Id[]): Promise<Map<Id, PartnerFact>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const { rows } = await sql<PartnerFactRow>`${partnerFactsFrom(await env.ref('base.group_public', false))}
    WHERE p.id IN (${sql.join(unique)})`.execute(env.trx);
  return new Map(rows.map((r) => [r.id, toPartnerFact(r)]));
}

async function countries(env: Env, ids: Id[]): Promise<Map<Id, { code: string; id: Id; name: string }>> {
  if (!ids.length) return new Map();
  const { rows } = await sql<{ id: Id; code: string; name: string }>`SELECT id, code, name FROM res_country WHERE id IN (${sql.join(ids)})`.execute(env.trx);
  return new Map(rows.map((r) => [r.id, { code: r.code, id: r.id, name: r.name }]));
}

const userOf = (p: PartnerFact | undefined) => (p && p.user_id !== null ? { id: p.user_id, isInternalUser: !p.user_share } : false);

/** `res.partner.mail_partner_format()` with its default fields (email only for internal viewers). */
function mailPartnerFormat(p: PartnerFact | undefined, partnerId: Id, viewerInternal: boolean): Dict {
  if (!p) return { id: partnerId, type: 'partner' };
  const data: Dict = { id: p.id, name: p.name ?? false, email: p.email ?? false, active: p.active, im_status: p.im_status, is_company: p.is_company, user: userOf(p), write_date: dtString(p.write_date) };
  if (!viewerInternal) delete data.email;
  return data;
}

/** im_livechat's `_get_partner_data`: the persona of a partner member of a live chat session. */
function livechatPartnerData(p: PartnerFact | undefined, partnerId: Id): Dict {
  if (!p) return { id: partnerId };
  const data: Dict = { active: p.active, id: p.id, is_public: p.is_public, is_bot: p.is_bot };
  if (p.user_livechat_username) data.user_livechat_username = p.user_livechat_username;
  else data.name = p.name ?? false;
  if (!p.is_public) data.country = p.country;
  return data;
}

// ------------------------------------------------------------------------------------ guests

interface GuestRow { id: Id; name: string; im_status: string; write_date: string | null }

/** SQL reading the name, status and write date of the guest row `g` (callers add the WHERE). */
const guestFactsFrom = () => sql<GuestRow>`SELECT g.id, g.name, g.write_date, ${guestImStatus('g')} AS im_status FROM mail_guest g`;

/** `mail.guest._guest_format()`. */
const guestFormat = (g: GuestRow | undefined, id: Id): Dict =>
  (g ? { id: g.id, name: g.name, im_status: g.im_status, write_date: dtString(g.write_date), type: 'guest' } : { id, type: 'guest' });

// ------------------------------------------------------------------------------------ members

export interface MemberRow {
  id: Id; channel_id: Id; partner_id: Id | null; guest_id: Id | null; custom_channel_name: string | null;
  fetched_message_id: Id | null; seen_message_id: Id | null; fold_state: string | null; is_minimized: boolean;
  custom_notifications: string | null; mute_until_dt: string | null; is_pinned: boolean; last_interest_dt: string | null;
  last_seen_dt: string | null; create_date: string | null;
}

/** The columns of MemberRow, read from the member row `m` (named: a prepared statement cannot say `*`). */
export const MEMBER_COLUMNS = sql.raw(['id', 'channel_id', 'partner_id', 'guest_id', 'custom_channel_name', 'fetched_message_id', 'seen_message_id',
  'fold_state', 'is_minimized', 'custom_notifications', 'mute_until_dt', 'is_pinned', 'last_interest_dt', 'last_seen_dt', 'create_date']
  .map((c) => `m.${c}`).join(', '));

/**
 * A member row with its channel's type, for the members of the viewers their unread counter, and
 * the facts of its persona (row_to_json of partnerFactsFrom / guestFactsFrom).
 */
type LoadedMember = MemberRow & { channel_type: string; unread: number | null; partner_fact: PartnerFactRow | null; guest_fact: GuestRow | null };

/** Member dicts from members loaded with their personas' facts. */
class MemberFormatter {
  private constructor(
    private readonly partners: Map<Id, PartnerFact>,
    private readonly guests: Map<Id, GuestRow>,
    private readonly viewerInternal: boolean,
  ) {}

  /** From members loaded with their persona facts (LoadedMember): no query. */
  static async load(env: Env, members: LoadedMember[]): Promise<MemberFormatter> {
    const partners = new Map<Id, PartnerFact>();
    const guests = new Map<Id, GuestRow>();
    for (const m of members) {
      if (m.partner_fact) partners.set(m.partner_fact.id, toPartnerFact(m.partner_fact));
      if (m.guest_fact) guests.set(m.guest_fact.id, m.guest_fact);
    }
    return new MemberFormatter(partners, guests, await env.hasGroup('base.group_user'));
  }

  /** `discuss.channel.member._discuss_channel_member_format()`: `{id, thread, persona[, create_date]}`. */
  format(m: MemberRow & { channel_type: string }): Dict {
    const livechat = m.channel_type === 'livechat';
    let persona: Dict;
    if (m.partner_id !== null) {
      const fact = this.partners.get(m.partner_id);
      persona = livechat ? livechatPartnerData(fact, m.partner_id) : mailPartnerFormat(fact, m.partner_id, this.viewerInternal);
      persona.type = 'partner';
    } else {
      persona = guestFormat(this.guests.get(m.guest_id!), m.guest_id!);
    }
    const data: Dict = { id: m.id, thread: { id: m.channel_id, model: 'discuss.channel' }, persona };
    // im_livechat adds when the member joined the session
    if (livechat) data.create_date = dtString(m.create_date);
    return data;
  }
}

/** SQL for a member's `message_unread_counter`: messages after the seen one, notifications excluded. */
export const unreadCount = (member: string) => sql<number>`(SELECT count(*)::int FROM mail_message msg
  WHERE msg.model = 'discuss.channel' AND msg.res_id = ${sql.ref(`${member}.channel_id`)}
    AND msg.message_type NOT IN ('notification', 'user_notification')
    AND (${sql.ref(`${member}.seen_message_id`)} IS NULL OR msg.id > ${sql.ref(`${member}.seen_message_id`)}))`;

/** Member dicts (`_discuss_channel_member_format`) of `memberIds`, in id order, in one statement. */
export async function memberFormat(env: Env, memberIds: Id[]): Promise<Dict[]> {
  if (!memberIds.length) return [];
  const { rows } = await sql<LoadedMember>`SELECT ${MEMBER_COLUMNS}, c.channel_type, NULL AS unread,
      row_to_json(pf) AS partner_fact, row_to_json(gf) AS guest_fact
    FROM discuss_channel_member m JOIN discuss_channel c ON c.id = m.channel_id
    LEFT JOIN LATERAL (${partnerFactsFrom(await env.ref('base.group_public', false))} WHERE p.id = m.partner_id) pf ON true
    LEFT JOIN LATERAL (${guestFactsFrom()} WHERE g.id = m.guest_id) gf ON true
    WHERE m.id IN (${sql.join(memberIds)}) ORDER BY m.id`.execute(env.trx);
  const formatter = await MemberFormatter.load(env, rows);
  return rows.map((m) => formatter.format(m));
}

/** The short persona of a member used by seen/typing notifications: `{id, type}`. */
export const personaRef = (m: { partner_id: Id | null; guest_id: Id | null }) =>
  (m.partner_id !== null ? { id: m.partner_id, type: 'partner' } : { id: m.guest_id, type: 'guest' });

/** `bus.bus._bus_last_id()`: the newest notification id. */
export async function busLastId(env: Env): Promise<number> {
  const { rows } = await sql<{ id: number | null }>`SELECT max(id) AS id FROM bus_bus`.execute(env.trx);
  return Number(rows[0]?.id ?? 0);
}

// ------------------------------------------------------------------------------------ channels

interface ChannelRow {
  id: Id; name: string; channel_type: string; description: string | null; uuid: string; allow_public_upload: boolean;
  create_uid: Id | null; anonymous_name: string | null; country_id: Id | null; country_code: string | null; country_name: string | null;
  livechat_operator_id: Id | null; operator_name: string | null; livechat_visitor_id: Id | null; chatbot_script_id: Id | null;
  member_count: number; bus_last_id: number | null;
}

const samePersona = (m: { partner_id: Id | null; guest_id: Id | null }, me: Persona) =>
  (me.partnerId !== null && m.partner_id === me.partnerId) || (me.guestId !== null && m.guest_id === me.guestId);

/**
 * `discuss.channel._channel_info()` for `me` (the partner or guest looking), with the im_livechat
 * (anonymous_name, anonymous_country, operator_pid) and website_livechat (`visitor`) additions.
 * Keys come in Odoo's order; results follow `channelIds` (missing channels are left out).
 */
export async function channelInfo(env: Env, channelIds: Id[], me: Persona): Promise<Dict[]> {
  return (await channelInfoFor(env, channelIds, [me]))[0]!;
}

/**
 * `channelInfo` of the same channels for several viewers (e.g. a new session for its operator and
 * its visitor), loaded once (ChannelView).
 */
export async function channelInfoFor(env: Env, channelIds: Id[], viewers: Persona[]): Promise<Dict[][]> {
  const view = await ChannelView.load(env, channelIds, viewers);
  return viewers.map((me) => view.infos(me));
}

/**
 * Channels as their viewers see them, loaded once: the channels with their members (the viewers'
 * unread counters, the members' personas) take one statement whatever the number of channels and
 * viewers (plus website_livechat's visitors when a session has one). Members come as JSON, so
 * their timestamps are ISO strings: dtString prints them as Odoo does.
 */
export class ChannelView {
  private constructor(
    private readonly env: Env,
    private readonly ids: Id[],
    private readonly channels: Map<Id, ChannelRow>,
    private readonly byChannel: Map<Id, LoadedMember[]>,
    private readonly formatter: MemberFormatter,
    private readonly visitors: Map<Id, Dict>,
    private readonly isAdmin: boolean,
    private readonly isShare: boolean,
  ) {}

  static async load(env: Env, channelIds: Id[], viewers: Persona[]): Promise<ChannelView> {
    const ids = [...new Set(channelIds)];
    // the members to show: all of non-`channel` conversations, and the viewers' own everywhere
    const partnerIds = viewers.map((v) => v.partnerId).filter((p): p is Id => p !== null);
    const guestIds = viewers.map((v) => v.guestId).filter((g): g is Id => g !== null);
    const isViewer = sql`(m.partner_id IN (${sql.join(partnerIds.length ? partnerIds : [-1])}) OR m.guest_id IN (${sql.join(guestIds.length ? guestIds : [-1])}))`;
    const { rows: channelRows } = ids.length ? await sql<ChannelRow & { members: LoadedMember[] | null }>`
      SELECT c.id, c.name, c.channel_type, c.description, c.uuid, c.allow_public_upload, c.create_uid, c.anonymous_name,
        c.country_id, ac.code AS country_code, ac.name AS country_name, c.livechat_operator_id,
        COALESCE(NULLIF(${partnerLivechatUsername('op')}, ''), ${completeName('op')}) AS operator_name,
        c.livechat_visitor_id,
        (SELECT st.chatbot_script_id FROM chatbot_script_step st WHERE st.id = c.chatbot_current_step_id) AS chatbot_script_id,
        (SELECT count(*)::int FROM discuss_channel_member m WHERE m.channel_id = c.id) AS member_count,
        (SELECT max(id) FROM bus_bus) AS bus_last_id,
        (SELECT json_agg(x ORDER BY x.id) FROM (
          SELECT ${MEMBER_COLUMNS}, c.channel_type, CASE WHEN ${isViewer} THEN ${unreadCount('m')} END AS unread,
            row_to_json(pf) AS partner_fact, row_to_json(gf) AS guest_fact
          FROM discuss_channel_member m
          LEFT JOIN LATERAL (${partnerFactsFrom(await env.ref('base.group_public', false))} WHERE p.id = m.partner_id) pf ON true
          LEFT JOIN LATERAL (${guestFactsFrom()} WHERE g.id = m.guest_id) gf ON true
          WHERE m.channel_id = c.id AND (c.channel_type != 'channel' OR ${isViewer})) x) AS members
      FROM discuss_channel c LEFT JOIN res_country ac ON ac.id = c.country_id LEFT JOIN res_partner op ON op.id = c.livechat_operator_id
      WHERE c.id IN (${sql.join(ids)})`.execute(env.trx) : { rows: [] };
    const channels = new Map(channelRows.map((c) => [c.id, c]));
    const byChannel = new Map(channelRows.map((c) => [c.id, c.members ?? []]));
    return new ChannelView(
      env, ids, channels, byChannel,
      await MemberFormatter.load(env, [...byChannel.values()].flat()),
      await visitorInfo(env, channelRows.map((c) => c.livechat_visitor_id).filter((v): v is Id => v !== null)),
      env.su || await env.hasGroup('base.group_erp_manager'),
      !(await env.hasGroup('base.group_user')),
    );
  }

  /** The member dict of a loaded member (all members of non-`channel` conversations, the viewers' own), else undefined. */
  member(memberId: Id): Dict | undefined {
    for (const members of this.byChannel.values()) {
      const m = members.find((x) => x.id === memberId);
      if (m) return this.formatter.format(m);
    }
    return undefined;
  }

  /** How many members the channel has. */
  memberCount(channelId: Id): number | undefined {
    return this.channels.get(channelId)?.member_count;
  }

  /** `_channel_info()` of the channels for `me`, in the order they were asked (missing ones left out). */
  infos(me: Persona): Dict[] {
    const { env, channels, byChannel, formatter, visitors, isAdmin, isShare } = this;
    const out: Dict[] = [];
    for (const id of this.ids) {
      const c = channels.get(id);
      if (!c) continue;
      const all = byChannel.get(id) ?? [];
      const member = all.find((m) => samePersona(m, me));
      const info: Dict = {
        avatarCacheKey: 'no-avatar',
        channel_type: c.channel_type,
        memberCount: c.member_count,
        id: c.id,
        name: c.name,
        defaultDisplayMode: false,
        description: c.description ?? false,
        uuid: c.uuid,
        group_based_subscription: false,
        create_uid: c.create_uid ?? false,
        // a `channel` is open to internal users by default (group_public_id = base.group_user)
        authorizedGroupFullName: c.channel_type === 'channel' ? 'User types / Internal User' : false,
        allow_public_upload: c.allow_public_upload,
        model: 'discuss.channel',
        is_editable: c.channel_type === 'channel' ? isAdmin || c.create_uid === env.uid
          : c.channel_type === 'group' ? Boolean(member) && !isShare : false,
      };
      if (me.partnerId !== null || me.guestId !== null) {
        info.message_needaction_counter = 0;
        if (member) {
          info.channelMembers = [['ADD', [formatter.format(member)]]];
          info.state = member.fold_state || 'open';
          info.message_unread_counter = member.unread ?? 0;
          info.message_unread_counter_bus_id = Number(c.bus_last_id ?? 0);
          info.is_minimized = member.is_minimized;
          info.custom_notifications = member.custom_notifications ?? false;
          info.mute_until_dt = dtString(member.mute_until_dt);
          info.seen_message_id = member.seen_message_id ?? false;
          info.custom_channel_name = member.custom_channel_name ?? false;
          info.is_pinned = member.is_pinned;
          info.last_interest_dt = dtString(member.last_interest_dt);
        }
      }
      if (isSmallChannel(c.channel_type)) {
        info.channelMembers = [['ADD', all.map((m) => formatter.format(m))]];
        const sortKey = (m: MemberRow) => Number(m.partner_id ?? m.guest_id);
        info.seen_partners_info = [...all].sort((a, b) => sortKey(a) - sortKey(b)).map((m) => ({
          id: m.id,
          ...(m.partner_id !== null ? { partner_id: m.partner_id } : { guest_id: m.guest_id }),
          fetched_message_id: m.fetched_message_id ?? false,
          seen_message_id: m.seen_message_id ?? false,
        }));
      }
      info.invitedMembers = [['ADD', []]];
      info.rtcSessions = [['ADD', []]];
      // im_livechat
      if (c.chatbot_script_id !== null) info.chatbot_script_id = c.chatbot_script_id;
      info.anonymous_name = c.anonymous_name ?? false;
      info.anonymous_country = c.country_id !== null && c.country_code !== null ? { code: c.country_code, id: c.country_id, name: c.country_name } : false;
      if (c.livechat_operator_id !== null) info.operator_pid = [c.livechat_operator_id, (c.operator_name ?? '').replace(/,/g, '')];
      // website_livechat
      if (c.livechat_visitor_id !== null && visitors.has(c.livechat_visitor_id)) info.visitor = visitors.get(c.livechat_visitor_id);
      out.push(info);
    }
    return out;
  }
}

/** website_livechat's `visitor` entry of a channel info. */
async function visitorInfo(env: Env, ids: Id[]): Promise<Map<Id, Dict>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await env.model('website.visitor').sudo().read(unique, ['display_name', 'country_id', 'is_connected', 'lang_id', 'partner_id'], null);
  const countryMap = await countries(env, rows.map((r) => r.country_id).filter((c): c is Id => typeof c === 'number'));
  const langIds = rows.map((r) => r.lang_id).filter((l): l is Id => typeof l === 'number');
  const langs = new Map<Id, string>();
  if (langIds.length) {
    const { rows: l } = await sql<{ id: Id; name: string }>`SELECT id, name FROM res_lang WHERE id IN (${sql.join(langIds)})`.execute(env.trx);
    for (const r of l) langs.set(r.id, r.name);
  }
  const { rows: tracks } = await sql<{ visitor_id: Id; page_name: string; at: string }>`
    SELECT visitor_id, page_name, to_char(visit_datetime, 'HH24:MI') AS at FROM (
      SELECT t.*, row_number() OVER (PARTITION BY visitor_id ORDER BY visit_datetime DESC, id DESC) AS n
      FROM website_track t WHERE visitor_id IN (${sql.join(unique)}) AND page_name IS NOT NULL) s
    WHERE n <= 3 ORDER BY visit_datetime ASC, id ASC`.execute(env.trx);
  const out = new Map<Id, Dict>();
  for (const r of rows) {
    const country = typeof r.country_id === 'number' ? countryMap.get(r.country_id) : undefined;
    out.set(r.id, {
      display_name: r.display_name,
      country_code: country ? country.code.toLowerCase() : false,
      country_id: country ? country.id : false,
      id: r.id,
      is_connected: r.is_connected,
      history: tracks.filter((t) => t.visitor_id === r.id).map((t) => `${t.page_name} (${t.at})`).join(' → '),
      website_name: false,
      lang_name: typeof r.lang_id === 'number' ? langs.get(r.lang_id) ?? false : false,
      partner_id: r.partner_id,
      type: 'visitor',
    });
  }
  return out;
}

// ------------------------------------------------------------------------------------ messages

interface MessageRow {
  id: Id; body: string | null; date: string; email_from: string | null; message_type: string; subtype_id: Id | null;
  subtype_name: string | null; subtype_description: string | null; subject: string | null; model: string | null;
  res_id: Id | null; parent_id: Id | null; author_id: Id | null; author_guest_id: Id | null; pinned_at: string | null;
  create_date: string | null; write_date: string | null; author_guest_name: string | null;
  /** The channel it was posted in, when it belongs to one. */
  channel_name: string | null; channel_type: string | null;
  /** The partner of the chatbot the channel currently runs, if any. */
  bot_partner_id: Id | null;
  recipients: { id: Id; name: string | null }[] | null;
  /** Its consumed rating (the newest), if any. */
  rating: { id: Id; rating: number } | null;
}

const RATING_IMAGE = (rating: number) => (rating >= 4 ? 5 : rating >= 3 ? 3 : rating >= 1 ? 1 : 0);
const RATING_TEXT = (rating: number) => (rating >= 4 ? 'top' : rating >= 3 ? 'ok' : rating >= 1 ? 'ko' : 'none');

/**
 * `mail.message.message_format()` of `messageIds` (in that order), with the im_livechat override:
 * in live chat sessions `email_from` goes when there is an author, and an operator's online chat
 * name replaces the author's `name` as `user_livechat_username`. The messages with their channel,
 * recipients, rating and guest author take one statement, their partner authors one more.
 */
export async function messageFormat(env: Env, messageIds: Id[], opts: { formatReply?: boolean } = {}): Promise<Dict[]> {
  const formatReply = opts.formatReply ?? true;
  const ids = [...new Set(messageIds)];
  if (!ids.length) return [];
  const { rows } = await sql<MessageRow>`
    SELECT m.id, m.body, m.date, m.email_from, m.message_type, m.subtype_id, s.name AS subtype_name, s.description AS subtype_description,
      m.subject, m.model, m.res_id, m.parent_id, m.author_id, m.author_guest_id, m.pinned_at, m.create_date, m.write_date,
      ag.name AS author_guest_name, c.name AS channel_name, c.channel_type, bot.operator_partner_id AS bot_partner_id,
      (SELECT json_agg(json_build_object('id', p.id, 'name', p.name) ORDER BY p.id) FROM mail_message_res_partner_rel rel
        JOIN res_partner p ON p.id = rel.res_partner_id WHERE rel.mail_message_id = m.id) AS recipients,
      (SELECT json_build_object('id', r.id, 'rating', r.rating) FROM rating_rating r
        WHERE r.message_id = m.id AND r.consumed ORDER BY r.id DESC LIMIT 1) AS rating
    FROM mail_message m LEFT JOIN mail_message_subtype s ON s.id = m.subtype_id LEFT JOIN mail_guest ag ON ag.id = m.author_guest_id
    LEFT JOIN discuss_channel c ON m.model = 'discuss.channel' AND c.id = m.res_id
    LEFT JOIN chatbot_script_step st ON st.id = c.chatbot_current_step_id LEFT JOIN chatbot_script bot ON bot.id = st.chatbot_script_id
    WHERE m.id IN (${sql.join(ids)})`.execute(env.trx);
  const byId = new Map(rows.map((r) => [r.id, r]));

  // messages a running chatbot posted carry their step
  const chatbotSteps = await chatbotStepsOf(env, rows.filter((r) => r.bot_partner_id !== null && r.author_id === r.bot_partner_id).map((r) => r.id));
  const otherNames = new Map<string, Map<Id, string>>();
  for (const r of rows) {
    if (!r.model || r.model === 'discuss.channel' || !r.res_id || !env.registry.get(r.model)) continue;
    if (!otherNames.has(r.model)) otherNames.set(r.model, new Map());
  }
  for (const [model, names] of otherNames) {
    const resIds = [...new Set(rows.filter((r) => r.model === model && r.res_id).map((r) => r.res_id!))];
    const found = await env.model(model).sudo().read(resIds, ['display_name'], null);
    for (const f of found) names.set(f.id, String(f.display_name ?? ''));
  }
  const recordName = (r: MessageRow): string | false => {
    if (!r.model || !r.res_id) return false;
    if (r.model === 'discuss.channel') return r.channel_name ?? false;
    return otherNames.get(r.model)?.get(r.res_id) ?? false;
  };

  const facts = await partnerFacts(env, rows.map((r) => r.author_id).filter((a): a is Id => a !== null));
  const comment = await env.ref('mail.mt_comment', false);
  const note = await env.ref('mail.mt_note', false);
  const parents = formatReply
    ? new Map((await messageFormat(env, rows.filter((r) => r.model === 'discuss.channel' && r.parent_id).map((r) => r.parent_id!), { formatReply: false })).map((m) => [m.id as Id, m]))
    : new Map<Id, Dict>();

  const out: Dict[] = [];
  for (const id of messageIds) {
    const r = byId.get(id);
    if (!r) continue;
    const livechat = r.channel_type === 'livechat';
    let author: Dict | false = false;
    if (r.author_id !== null) {
      const p = facts.get(r.author_id);
      author = { id: r.author_id, name: p?.name ?? false, is_company: p?.is_company ?? false, user: userOf(p), type: 'partner' };
      if (livechat && p?.user_livechat_username) {
        author = { id: r.author_id, user_livechat_username: p.user_livechat_username, is_company: p.is_company, user: userOf(p), type: 'partner' };
      }
    } else if (r.author_guest_id !== null) {
      author = { id: r.author_guest_id, name: r.author_guest_name ?? false, type: 'guest' };
    }
    const name = recordName(r);
    const vals: Dict = {
      id: r.id,
      body: r.body ?? '',
      date: dtString(r.date),
      email_from: r.email_from ?? false,
      message_type: r.message_type,
      subtype_id: r.subtype_id !== null ? [r.subtype_id, r.subtype_name ?? ''] : false,
      subject: r.subject ?? false,
      model: r.model ?? false,
      res_id: r.res_id ?? 0,
      record_name: name,
      starred_partner_ids: [],
    };
    if (livechat && r.author_id !== null) delete vals.email_from;
    if (r.parent_id !== null && parents.has(r.parent_id)) vals.parentMessage = parents.get(r.parent_id);
    Object.assign(vals, {
      author,
      default_subject: name,
      notifications: [],
      attachments: [],
      trackingValues: [],
      linkPreviews: [],
      reactions: [],
      pinned_at: dtString(r.pinned_at),
      create_date: dtString(r.create_date),
      write_date: dtString(r.write_date),
    });
    const chatbotStep = chatbotSteps.get(r.id);
    if (chatbotStep) vals.chatbotStep = chatbotStep;
    if (r.rating) {
      const rating = Number(r.rating.rating);
      vals.rating = { id: r.rating.id, ratingImageUrl: `/rating/static/src/img/rating_${RATING_IMAGE(rating)}.png`, ratingText: RATING_TEXT(rating) };
    }
    Object.assign(vals, {
      needaction_partner_ids: [],
      history_partner_ids: [],
      is_note: r.subtype_id !== null && r.subtype_id === note,
      is_discussion: r.subtype_id !== null && r.subtype_id === comment,
      subtype_description: r.subtype_description ?? false,
      recipients: (r.recipients ?? []).map((p) => ({ id: p.id, name: p.name ?? false })),
      scheduledDatetime: false,
    });
    if (r.model) vals.module_icon = '/mail/static/description/icon.png';
    vals.sms_ids = [];
    out.push(vals);
  }
  return out;
}

/**
 * im_livechat's `_message_format` addition for the messages a running chatbot posted: the step each
 * was posted at (`chatbotStep {id, answers, selectedAnswerId}`, answers only for a question), so
 * that the widget can show the answer buttons and the one picked.
 */
async function chatbotStepsOf(env: Env, messageIds: Id[]): Promise<Map<Id, Dict>> {
  if (!messageIds.length) return new Map();
  const { rows } = await sql<{ message_id: Id; step_id: Id; step_type: string; selected: Id | null }>`
    SELECT cm.mail_message_id AS message_id, cm.script_step_id AS step_id, st.step_type, cm.user_script_answer_id AS selected
    FROM chatbot_message cm JOIN chatbot_script_step st ON st.id = cm.script_step_id WHERE cm.mail_message_id IN (${sql.join(messageIds)})`.execute(env.trx);
  const questions = [...new Set(rows.filter((r) => r.step_type === 'question_selection').map((r) => r.step_id))];
  const answers = new Map<Id, Dict[]>(questions.map((id) => [id, []]));
  if (questions.length) {
    const { rows: found } = await sql<{ id: Id; name: string; redirect_link: string | null; step_id: Id }>`
      SELECT id, name, redirect_link, script_step_id AS step_id FROM chatbot_script_answer WHERE script_step_id IN (${sql.join(questions)})
      ORDER BY sequence, id`.execute(env.trx);
    for (const a of found) answers.get(a.step_id)!.push({ id: a.id, label: a.name, redirectLink: a.redirect_link || false });
  }
  return new Map(rows.map((r) => [r.message_id, { id: r.step_id, answers: answers.get(r.step_id) ?? [], selectedAnswerId: r.selected ?? false }]));
}

/**
 * `res.partner.mail_partner_format()` of partners with Odoo's default fields (email only for an
 * internal viewer), plus `type: "partner"` as the clients key personas.
 */
export async function partnerFormat(env: Env, partnerIds: Id[]): Promise<Map<Id, Dict>> {
  const facts = await partnerFacts(env, partnerIds);
  const internal = await env.hasGroup('base.group_user');
  return new Map([...new Set(partnerIds)].map((id) => [id, { ...mailPartnerFormat(facts.get(id), id, internal), type: 'partner' }]));
}
