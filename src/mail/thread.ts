import { sql } from 'kysely';
import type { Target } from '../bus/channels.js';
import { MissingError, NotFound, valueError } from '../errors.js';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';
import { ChannelView, MEMBER_COLUMNS, channelInfo, memberFormat, messageFormat, personaRef, unreadCount, type MemberRow, type Persona } from './format.js';
import { htmlEscape, htmlSanitize } from './sanitize.js';

/**
 * Discuss channel behaviour (addons/mail/models/discuss/discuss_channel.py and the im_livechat
 * overrides): posting, members, seen / typing / fold state, each with the bus notifications
 * Odoo 17 sends. Every function works as superuser on the data: callers check access first.
 */

export type { Persona } from './format.js';
type Dict = Record<string, unknown>;

export interface PostOptions {
  /** HTML (sanitized here, as mail.message's Html body is); plain text becomes `<p>text</p>`. */
  body: string;
  /** Default `comment`. */
  messageType?: 'comment' | 'notification';
  /** Default `mail.mt_comment` ("Discussions"). */
  subtypeXmlid?: 'mail.mt_comment' | 'mail.mt_note';
  /** The client's id for its pending copy, echoed in the formatted message. */
  temporaryId?: number;
  /** Mentioned partners (the message's recipients). */
  partnerIds?: Id[];
  /** Message replied to; ignored unless it belongs to the same channel. */
  parentId?: Id | null;
  /** Mark the message seen for its author's member (default); a chatbot's messages are not. */
  markSeen?: boolean;
  /**
   * The routes' access check for a guest author, made with the channel read: a guest who is not a
   * member (or a channel that does not exist, archived or not) is werkzeug's NotFound.
   */
  guestMustBeMember?: boolean;
}

const channelTarget = (id: Id): Target => ({ model: 'discuss.channel', id });
const personaTarget = (p: { partner_id: Id | null; guest_id: Id | null }): Target =>
  (p.partner_id !== null ? { model: 'res.partner', id: p.partner_id } : { model: 'mail.guest', id: p.guest_id! });

function send(env: Env, target: Target, type: string, payload: unknown): void {
  env.registry.bus?.send(env, target, type, payload);
}

/** SQL for the transaction's "now" as Odoo writes datetimes ("YYYY-MM-DD HH:MM:SS", UTC). */
const NOW_STRING = sql<string>`to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD HH24:MI:SS')`;

interface ChannelHead { id: Id; name: string; channel_type: string; uuid: string; livechat_active: boolean; chatbot_current_step_id: Id | null }

async function channelHead(env: Env, channelId: Id): Promise<ChannelHead> {
  const { rows } = await sql<ChannelHead>`SELECT id, name, channel_type, uuid, livechat_active, chatbot_current_step_id FROM discuss_channel WHERE id = ${channelId}`.execute(env.trx);
  if (!rows[0]) throw new MissingError(`Record does not exist or has been deleted.\n(Record: discuss.channel(${channelId},), User: ${env.uid})`);
  return rows[0];
}

/** `self.ensure_one()` on the ids of a call. */
export function ensureOne(model: string, ids: Id[]): Id {
  if (ids.length !== 1) throw valueError(`Expected singleton: ${model}(${ids.join(', ')}${ids.length === 1 ? ',' : ''})`);
  return ids[0]!;
}

/** The member of `me` in the channel (Odoo's `is_self` member), or null. */
export async function channelMemberOf(env: Env, channelId: Id, me: Persona): Promise<MemberRow | null> {
  if (me.partnerId === null && me.guestId === null) return null;
  const cond = me.partnerId !== null ? sql`m.partner_id = ${me.partnerId}` : sql`m.guest_id = ${me.guestId}`;
  const { rows } = await sql<MemberRow>`SELECT ${MEMBER_COLUMNS} FROM discuss_channel_member m WHERE m.channel_id = ${channelId} AND ${cond}`.execute(env.trx);
  return rows[0] ?? null;
}

/** The partner of a user (null for the public user or an unknown id). */
export async function userPartner(env: Env, uid: Id): Promise<Id | null> {
  const { rows } = await sql<{ partner_id: Id; public: boolean }>`
    SELECT u.partner_id, EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN ir_model_data d ON d.model = 'res.groups' AND d.res_id = r.gid
      AND d.module = 'base' AND d.name = 'group_public' WHERE r.uid = u.id) AS public
    FROM res_users u WHERE u.id = ${uid}`.execute(env.trx);
  return rows[0] && !rows[0].public ? rows[0].partner_id : null;
}

/** `tools.formataddr((name, email))`: the `email_from` of a partner's message. */
function formatAddress(name: string | null, email: string | null): string | null {
  if (!email) return null;
  if (!name) return email;
  return `"${name.replace(/([\\"])/g, '\\$1')}" <${email}>`;
}

/**
 * `discuss.channel.message_post()` for a partner or guest author: stores the message (body
 * sanitized), pins the conversation for every member and moves their `last_interest_dt` (so an
 * operator sees a live chat once it has a message), marks it seen for its author, and notifies
 * the channel as Odoo does: the author's `mail.record/insert {ChannelMember}` seen updates, then
 * `mail.record/insert {Thread: {is_pinned}}`, `discuss.channel/last_interest_dt_changed` and
 * `discuss.channel/new_message {id, message}`. Returns the formatted message.
 */
export async function postMessage(env: Env, channelId: Id, author: Persona, opts: PostOptions): Promise<Dict> {
  // the channel with the transaction's now (reading the clock starts the transaction: see deferred-begin)
  const memberCheck = opts.guestMustBeMember && author.guestId !== null
    ? sql`EXISTS (SELECT 1 FROM discuss_channel_member m WHERE m.channel_id = c.id AND m.guest_id = ${author.guestId})` : sql`true`;
  const { rows: heads } = await sql<ChannelHead & { now: string; member: boolean }>`SELECT c.id, c.name, c.channel_type, c.uuid, c.livechat_active,
    c.chatbot_current_step_id, ${NOW_STRING} AS now, ${memberCheck} AS member FROM discuss_channel c WHERE c.id = ${channelId}`.execute(env.trx);
  if (opts.guestMustBeMember && !heads[0]?.member) throw new NotFound();
  if (!heads[0]) throw new MissingError(`Record does not exist or has been deleted.\n(Record: discuss.channel(${channelId},), User: ${env.uid})`);
  const { now, member: _member, ...channel } = heads[0];
  const su = env.sudo();
  const subtypeId = await env.ref(opts.subtypeXmlid ?? 'mail.mt_comment');
  let parentId: Id | null = null;
  if (opts.parentId) {
    const { rows } = await sql<{ id: Id }>`SELECT id FROM mail_message WHERE id = ${opts.parentId} AND model = 'discuss.channel' AND res_id = ${channelId}`.execute(env.trx);
    parentId = rows[0]?.id ?? null;
  }
  let emailFrom: string | null = null;
  if (author.partnerId !== null) {
    const { rows } = await sql<{ name: string | null; email: string | null }>`SELECT name, email FROM res_partner WHERE id = ${author.partnerId}`.execute(env.trx);
    emailFrom = formatAddress(rows[0]?.name ?? null, rows[0]?.email ?? null);
  }
  const partnerIds = [...new Set((opts.partnerIds ?? []).filter((p) => Number.isInteger(p)))];
  const [messageId] = await su.model('mail.message').create([{
    model: 'discuss.channel',
    res_id: channelId,
    record_name: channel.name,
    body: htmlSanitize(opts.body),
    message_type: opts.messageType ?? 'comment',
    subtype_id: subtypeId,
    author_id: author.partnerId ?? false,
    author_guest_id: author.partnerId === null ? author.guestId ?? false : false,
    email_from: emailFrom ?? false,
    parent_id: parentId ?? false,
    date: now,
    ...(partnerIds.length ? { partner_ids: [[6, 0, partnerIds]] } : {}),
  }]);

  // im_livechat's _message_post_after_hook: while a chatbot runs, every message is tied to its current step
  if (channel.chatbot_current_step_id !== null) {
    await su.model('chatbot.message').create([{ mail_message_id: messageId, discuss_channel_id: channelId, script_step_id: channel.chatbot_current_step_id }]);
  }
  // One superuser write of the members: all pinned with the new last interest, and (mail's
  // _message_post_after_hook) the author's member has seen its own message; it returns that
  // member's new unread counter and the bus id that goes with it (_set_last_seen_message).
  const isAuthor = opts.markSeen === false ? sql`false`
    : author.partnerId !== null ? sql`m.partner_id = ${author.partnerId}`
      : author.guestId !== null ? sql`m.guest_id = ${author.guestId}` : sql`false`;
  const marks = sql`(${isAuthor}) AND (m.seen_message_id IS NULL OR m.seen_message_id < ${messageId})`;
  const { rows: members } = await sql<MemberRow & { marked: boolean; unread: number | null; bus_id: number | null }>`UPDATE discuss_channel_member m
    SET is_pinned = true, last_interest_dt = ${now}::timestamp,
      fetched_message_id = CASE WHEN ${marks} THEN GREATEST(COALESCE(m.fetched_message_id, 0), ${messageId}) ELSE m.fetched_message_id END,
      seen_message_id = CASE WHEN ${marks} THEN ${messageId} ELSE m.seen_message_id END,
      last_seen_dt = CASE WHEN ${marks} THEN ${now}::timestamp ELSE m.last_seen_dt END,
      write_uid = ${env.uid}, write_date = (now() AT TIME ZONE 'utc')
    WHERE m.channel_id = ${channelId}
    RETURNING ${MEMBER_COLUMNS}, (${isAuthor}) AND m.seen_message_id = ${messageId} AS marked,
      CASE WHEN ${isAuthor} THEN ${unreadCount('m')} END AS unread, (SELECT max(id) FROM bus_bus) AS bus_id`.execute(env.trx);
  const authorMember = members.find((m) => m.marked);
  if (authorMember) notifySeen(env, channel, authorMember, messageId!, Number(authorMember.unread ?? 0), Number(authorMember.bus_id ?? 0));

  const [message] = await messageFormat(env, [messageId!]);
  if (opts.temporaryId !== undefined && opts.temporaryId !== null) message!.temporary_id = opts.temporaryId;
  // _notify_thread. Odoo sends the first one on the channel's "members" subchannel; only members
  // hear a channel here, so the channel itself reaches the same sockets.
  send(env, channelTarget(channelId), 'mail.record/insert', { Thread: { id: channelId, is_pinned: true, model: 'discuss.channel' } });
  send(env, channelTarget(channelId), 'discuss.channel/last_interest_dt_changed', { id: channelId, last_interest_dt: now });
  send(env, channelTarget(channelId), 'discuss.channel/new_message', { id: channelId, message });
  return message!;
}

/** Channel types whose members see each other's seen marks (`_types_allowing_seen_infos`, + livechat). */
const SEEN_INFO_TYPES = new Set(['chat', 'group', 'livechat']);

/** `_set_last_seen_message` for one member: fetched/seen ids and last_seen_dt, then notifySeen. */
async function setLastSeen(env: Env, channel: ChannelHead, member: MemberRow, messageId: Id, allowOlder: boolean): Promise<boolean> {
  if (!allowOlder && member.seen_message_id !== null && member.seen_message_id >= messageId) return false;
  // a superuser write of the member, returning its new unread counter and the bus id that goes with it
  const { rows } = await sql<{ unread: number; bus_id: number | null }>`UPDATE discuss_channel_member m
    SET fetched_message_id = ${Math.max(member.fetched_message_id ?? 0, messageId)}, seen_message_id = ${messageId},
      last_seen_dt = date_trunc('second', now() AT TIME ZONE 'utc'), write_uid = ${env.uid}, write_date = (now() AT TIME ZONE 'utc')
    WHERE m.id = ${member.id} RETURNING ${unreadCount('m')} AS unread, (SELECT max(id) FROM bus_bus) AS bus_id`.execute(env.trx);
  if (!rows[0]) return false;
  notifySeen(env, channel, member, messageId, Number(rows[0].unread), Number(rows[0].bus_id ?? 0));
  return true;
}

/**
 * What `_set_last_seen_message` tells: `mail.record/insert {ChannelMember}` to the member itself
 * (with its thread's unread counter) and, for chats, groups and live chats, the short version to
 * the channel.
 */
function notifySeen(env: Env, channel: ChannelHead, member: MemberRow, messageId: Id, unread: number, busId: number): void {
  const basic = { id: member.id, persona: personaRef(member), lastSeenMessage: { id: messageId } };
  send(env, personaTarget(member), 'mail.record/insert', {
    ChannelMember: {
      ...basic,
      thread: { id: channel.id, message_unread_counter: unread, message_unread_counter_bus_id: busId, model: 'discuss.channel', seen_message_id: messageId },
    },
  });
  if (SEEN_INFO_TYPES.has(channel.channel_type)) send(env, channelTarget(channel.id), 'mail.record/insert', { ChannelMember: basic });
}

/**
 * `discuss.channel._channel_seen(last_message_id, allow_older)` for `me`: marks the channel's
 * newest message up to `lastMessageId` as seen. Returns that message's id, or null when the
 * channel has no such message.
 */
export async function channelSeen(env: Env, channelId: Id, me: Persona, lastMessageId: Id | null, allowOlder = false): Promise<Id | null> {
  const channel = await channelHead(env, channelId);
  const upTo = lastMessageId !== null && lastMessageId !== undefined ? sql` AND id <= ${Math.trunc(Number(lastMessageId))}` : sql``;
  const { rows } = await sql<{ id: Id }>`SELECT id FROM mail_message WHERE model = 'discuss.channel' AND res_id = ${channelId}${upTo} ORDER BY id DESC LIMIT 1`.execute(env.trx);
  const last = rows[0]?.id;
  if (last === undefined) return null;
  const member = await channelMemberOf(env, channelId, me);
  if (member) await setLastSeen(env, channel, member, last, allowOlder);
  return last;
}

/**
 * `discuss.channel.member._notify_typing(is_typing)`: the member dict with `isTyping`, on the
 * channel and on the channel's uuid (where Odoo 17 tells live chat visitors).
 */
export async function notifyTyping(env: Env, member: MemberRow, isTyping: boolean): Promise<void> {
  const [formatted] = await memberFormat(env, [member.id]);
  if (!formatted) return;
  const payload = { ...formatted, isTyping: Boolean(isTyping) };
  const { uuid } = await channelHead(env, member.channel_id);
  send(env, channelTarget(member.channel_id), 'discuss.channel.member/typing_status', payload);
  send(env, uuid, 'discuss.channel.member/typing_status', payload);
}

export interface AddMembersOptions {
  /** `is_pinned` of the new members (default true; live chat operators start unpinned). */
  pinned?: boolean;
  /** Post Odoo's "joined the channel" / "invited X to the channel" notifications (default false). */
  postJoinedMessage?: boolean;
  /** Sent to new partner members in `discuss.channel/joined`. */
  openChatWindow?: boolean;
  /** Who adds them (author of the joined messages); default the environment's user. */
  by?: Persona;
}

/**
 * `discuss.channel.add_members()`: creates the members that do not exist yet and notifies as
 * Odoo 17: `discuss.channel/joined {channel, invited_by_user_id, open_chat_window}` to each new
 * partner that has a user, `discuss.channel/joined {channel}` to each new guest, then
 * `mail.record/insert {Thread: {channelMembers: [["ADD", members]], id, memberCount, model}}` on
 * the channel. Returns the new members' ids.
 */
export async function addMembers(env: Env, channelId: Id, members: Persona[], opts: AddMembersOptions = {}): Promise<Id[]> {
  return (await addMembersAndView(env, channelId, members, opts)).ids;
}

/**
 * addMembers, also returning the channel as the new guests and `alsoFor` see it afterwards, from
 * the load that made the guests' joined infos (null when joined messages are posted, or when no
 * guest joined and `alsoFor` is empty).
 */
export async function addMembersAndView(env: Env, channelId: Id, members: Persona[], opts: AddMembersOptions = {}, alsoFor: Persona[] = []): Promise<{ ids: Id[]; view: ChannelView | null }> {
  const { rows: heads } = await sql<{ id: Id; existing: { partner_id: Id | null; guest_id: Id | null }[] | null }>`
    SELECT c.id, (SELECT json_agg(json_build_object('partner_id', m.partner_id, 'guest_id', m.guest_id))
      FROM discuss_channel_member m WHERE m.channel_id = c.id) AS existing
    FROM discuss_channel c WHERE c.id = ${channelId}`.execute(env.trx);
  if (!heads[0]) throw new MissingError(`Record does not exist or has been deleted.\n(Record: discuss.channel(${channelId},), User: ${env.uid})`);
  const channel = heads[0];
  const existing = channel.existing ?? [];
  const su = env.sudo();
  const partnerIds = [...new Set(members.map((m) => m.partnerId).filter((p): p is Id => p !== null && p !== undefined))];
  const guestIds = [...new Set(members.filter((m) => m.partnerId === null || m.partnerId === undefined).map((m) => m.guestId).filter((g): g is Id => g !== null && g !== undefined))];
  const haveP = new Set(existing.map((e) => e.partner_id));
  const haveG = new Set(existing.map((e) => e.guest_id));
  const pinned = opts.pinned ?? true;
  const created: { id: Id; partnerId: Id | null; guestId: Id | null }[] = [];
  for (const partnerId of partnerIds.filter((p) => !haveP.has(p))) {
    const [id] = await su.model('discuss.channel.member').create([{ channel_id: channelId, partner_id: partnerId, is_pinned: pinned }]);
    created.push({ id: id!, partnerId, guestId: null });
  }
  for (const guestId of guestIds.filter((g) => !haveG.has(g))) {
    const [id] = await su.model('discuss.channel.member').create([{ channel_id: channelId, guest_id: guestId, is_pinned: pinned }]);
    created.push({ id: id!, partnerId: null, guestId });
  }
  if (!created.length) return { ids: [], view: alsoFor.length && !opts.postJoinedMessage ? await ChannelView.load(env, [channelId], alsoFor) : null };

  const by: Persona | null = !opts.postJoinedMessage ? null : opts.by ?? { partnerId: await userPartner(env, env.uid), guestId: null };
  for (const m of created.filter((c) => c.partnerId !== null)) {
    const { rows: users } = await sql<{ id: Id }>`SELECT id FROM res_users WHERE partner_id = ${m.partnerId} AND active ORDER BY id LIMIT 1`.execute(env.trx);
    if (users[0]) {
      const [info] = await channelInfo(env.withUser(users[0].id), [channelId], { partnerId: m.partnerId, guestId: null });
      send(env, { model: 'res.partner', id: m.partnerId! }, 'discuss.channel/joined', {
        channel: info, invited_by_user_id: env.uid, open_chat_window: Boolean(opts.openChatWindow),
      });
    }
    if (by) {
      let body: string;
      if (by.partnerId !== null && by.partnerId === m.partnerId) body = '<div class="o_mail_notification">joined the channel</div>';
      else {
        const { rows } = await sql<{ name: string | null }>`SELECT name FROM res_partner WHERE id = ${m.partnerId}`.execute(env.trx);
        const link = `<a href="#" data-oe-model="res.partner" data-oe-id="${m.partnerId}">${htmlEscape(rows[0]?.name ?? '')}</a>`;
        body = `<div class="o_mail_notification">invited ${link} to the channel</div>`;
      }
      await postMessage(env, channelId, by, { body, messageType: 'notification', subtypeXmlid: 'mail.mt_comment' });
    }
  }
  const newGuests = created.filter((c) => c.guestId !== null);
  let view: ChannelView | null = null;
  if (opts.postJoinedMessage) {
    for (const m of newGuests) {
      await postMessage(env, channelId, { partnerId: null, guestId: m.guestId }, { body: '<div class="o_mail_notification">joined the channel</div>', messageType: 'notification', subtypeXmlid: 'mail.mt_comment' });
      const [info] = await channelInfo(env, [channelId], { partnerId: null, guestId: m.guestId });
      send(env, { model: 'mail.guest', id: m.guestId! }, 'discuss.channel/joined', { channel: info });
    }
  } else if (newGuests.length || alsoFor.length) {
    // the new guests' channel infos and the members' dicts come from one load (it holds every
    // member of a conversation, and the guests' own members of a `channel`)
    view = await ChannelView.load(env, [channelId], [...newGuests.map((m) => ({ partnerId: null, guestId: m.guestId })), ...alsoFor]);
    for (const m of newGuests) {
      const [info] = view.infos({ partnerId: null, guestId: m.guestId });
      send(env, { model: 'mail.guest', id: m.guestId! }, 'discuss.channel/joined', { channel: info });
    }
  }
  let added = view ? created.map((c) => view!.member(c.id)) : [];
  let memberCount = view?.memberCount(channelId);
  if (!view || added.some((d) => d === undefined) || memberCount === undefined) {
    added = await memberFormat(env, created.map((c) => c.id));
    const { rows: count } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM discuss_channel_member WHERE channel_id = ${channelId}`.execute(env.trx);
    memberCount = Number(count[0]!.n);
  }
  send(env, channelTarget(channelId), 'mail.record/insert', {
    Thread: { channelMembers: [['ADD', added]], id: channel.id, memberCount, model: 'discuss.channel' },
  });
  return { ids: created.map((c) => c.id), view };
}

/**
 * `_action_unfollow(partner)`: the member is removed and told (`discuss.channel/leave` with the
 * channel as it saw it, unpinned), "left the channel" is posted in its name, and the channel
 * hears the member go.
 */
export async function leaveChannel(env: Env, channelId: Id, partnerId: Id): Promise<void> {
  const me = { partnerId, guestId: null };
  const member = await channelMemberOf(env, channelId, me);
  if (!member) return;
  const [info] = await channelInfo(env, [channelId], me);
  await env.model('discuss.channel.member').sudo().unlink([member.id]);
  send(env, { model: 'res.partner', id: partnerId }, 'discuss.channel/leave', { ...info, is_pinned: false });
  await postMessage(env, channelId, me, { body: '<div class="o_mail_notification">left the channel</div>', messageType: 'notification', subtypeXmlid: 'mail.mt_comment' });
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM discuss_channel_member WHERE channel_id = ${channelId}`.execute(env.trx);
  send(env, channelTarget(channelId), 'mail.record/insert', {
    Thread: { channelMembers: [['DELETE', { id: member.id }]], id: channelId, memberCount: Number(rows[0]!.n), model: 'discuss.channel' },
  });
}

/**
 * `discuss.channel.channel_fold(state, state_count)` for `me`: without a state, toggles
 * open/folded; then `discuss.Thread/fold_state` to `me` (its other tabs follow).
 */
export async function channelFold(env: Env, channelId: Id, me: Persona, state: string | null, stateCount = 0): Promise<void> {
  const member = await channelMemberOf(env, channelId, me);
  if (!member) return;
  const newState = state || (member.fold_state === 'open' ? 'folded' : 'open');
  const isMinimized = newState !== 'closed';
  const vals: Dict = {};
  if (member.fold_state !== newState) vals.fold_state = newState;
  if (member.is_minimized !== isMinimized) vals.is_minimized = isMinimized;
  if (Object.keys(vals).length) await env.sudo().model('discuss.channel.member').write([member.id], vals);
  send(env, personaTarget(member), 'discuss.Thread/fold_state', { foldStateCount: stateCount, id: channelId, model: 'discuss.channel', fold_state: newState });
}

/**
 * `discuss.channel.channel_pin(pinned)` for `me`: unpinning sends `discuss.channel/unpin {id}`,
 * pinning sends the channel info as `mail.record/insert {Thread}`; both to `me`.
 */
export async function channelPin(env: Env, channelId: Id, me: Persona, pinned: boolean): Promise<void> {
  const member = await channelMemberOf(env, channelId, me);
  if (member && member.is_pinned !== pinned) await env.sudo().model('discuss.channel.member').write([member.id], { is_pinned: pinned });
  const target = me.partnerId !== null ? { model: 'res.partner', id: me.partnerId } : me.guestId !== null ? { model: 'mail.guest', id: me.guestId } : undefined;
  if (!target) return;
  if (!pinned) send(env, target, 'discuss.channel/unpin', { id: channelId });
  else send(env, target, 'mail.record/insert', { Thread: (await channelInfo(env, [channelId], me))[0] });
}

/** `discuss.channel.channel_set_custom_name(name)` for `me`, echoed to `me` as `mail.record/insert {Thread}`. */
export async function channelSetCustomName(env: Env, channelId: Id, me: Persona, name: string | false): Promise<void> {
  const member = await channelMemberOf(env, channelId, me);
  if (!member) return;
  await env.sudo().model('discuss.channel.member').write([member.id], { custom_channel_name: name || false });
  send(env, personaTarget(member), 'mail.record/insert', { Thread: { custom_channel_name: name, id: channelId, model: 'discuss.channel' } });
}

/** `discuss.channel.channel_rename(name)` (a write: access rights apply); members hear the new name. */
export async function channelRename(env: Env, channelId: Id, name: string): Promise<void> {
  const before = await channelHead(env, channelId);
  await env.model('discuss.channel').write([channelId], { name });
  const after = await channelHead(env, channelId);
  if (after.name !== before.name) send(env, channelTarget(channelId), 'mail.record/insert', { Thread: { id: channelId, model: 'discuss.channel', name: after.name } });
}
