import { sql } from 'kysely';
import { valueError } from '../errors.js';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';
import { ratingImageValue } from '../models/rating_rating.js';
import { transcriptEntries } from '../mail/transcript.js';
import { postMessage } from '../mail/thread.js';
import { trackedPages, type Caller } from './visitor.js';

/** HTML escaping as markupsafe's `escape`. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

interface SessionRow {
  id: Id; name: string; channel_type: string; livechat_active: boolean; livechat_channel_id: Id | null;
  livechat_operator_id: Id | null; livechat_visitor_id: Id | null; create_date: string;
}

/** A discuss.channel by its uuid (any type, as Odoo's `search([('uuid', '=', uuid)])`), or null. */
export async function channelByUuid(env: Env, uuid: unknown): Promise<SessionRow | null> {
  if (typeof uuid !== 'string' || !uuid) return null;
  const { rows } = await sql<SessionRow>`SELECT id, name, channel_type, livechat_active, livechat_channel_id, livechat_operator_id,
    livechat_visitor_id, create_date FROM discuss_channel WHERE uuid = ${uuid} LIMIT 1`.execute(env.trx);
  return rows[0] ?? null;
}

const PUBLIC_PARTNER = 'base.public_partner';
const ODOOBOT = 'base.partner_root';

/**
 * The rating notification's body, as Odoo's template renders it (whitespace included): the
 * rating face and, when given, the reason with its newlines as `<br>`.
 */
export function ratingBody(rating: number, reason: string | null): string {
  const src = `/rating/static/src/img/rating_${ratingImageValue(rating)}.png`;
  const text = reason ? `<br>${escapeHtml(reason).replace(/\r?\n/g, '<br>')}` : '';
  return `<div class="o_mail_notification o_hide_author">\n                Rating: <img class="o_livechat_emoji_rating" src="${src}" alt="rating">${text}\n            </div>\n        `;
}

/**
 * `/im_livechat/feedback {uuid, rate, reason}`: one rating per session, created on the first
 * call (rated partner = the channel's first partner, normally the operator) and updated after;
 * then a "Rating: ..." notification is posted in the session. Returns the rating id, or false for
 * an unknown uuid.
 */
export async function feedback(env: Env, caller: Caller, params: Record<string, unknown>): Promise<Id | false> {
  const channel = await channelByUuid(env, params.uuid);
  if (!channel) return false;
  const rate = typeof params.rate === 'number' ? params.rate : Number(params.rate);
  if (!Number.isFinite(rate)) throw valueError(`could not convert string to float: ${JSON.stringify(params.rate)}`);
  const reason = typeof params.reason === 'string' && params.reason ? params.reason : null;
  const values = { rating: rate, consumed: true, feedback: reason ?? false, is_internal: false };
  const ratings = env.model('rating.rating').sudo();
  const { rows: existing } = await sql<{ id: Id }>`SELECT id FROM rating_rating WHERE res_model = 'discuss.channel' AND res_id = ${channel.id} ORDER BY id LIMIT 1`.execute(env.trx);
  let ratingId: Id;
  if (existing[0]) {
    ratingId = existing[0].id;
    await ratings.write([ratingId], values);
  } else {
    const { rows: partners } = await sql<{ partner_id: Id }>`SELECT partner_id FROM discuss_channel_member WHERE channel_id = ${channel.id} AND partner_id IS NOT NULL ORDER BY id LIMIT 1`.execute(env.trx);
    const { rows: parent } = channel.livechat_channel_id
      ? await sql<{ name: string }>`SELECT name FROM im_livechat_channel WHERE id = ${channel.livechat_channel_id}`.execute(env.trx)
      : { rows: [] };
    [ratingId] = await ratings.create([{
      ...values,
      res_model: 'discuss.channel',
      res_id: channel.id,
      res_name: parent[0] ? `${parent[0].name} / ${channel.id}` : channel.name,
      parent_res_model: channel.livechat_channel_id ? 'im_livechat.channel' : false,
      parent_res_id: channel.livechat_channel_id ?? 0,
      rated_partner_id: partners[0]?.partner_id ?? false,
      partner_id: caller.loggedIn ? caller.partnerId : false,
    }]) as [Id];
  }
  const author = caller.loggedIn ? caller.partnerId : await env.ref(PUBLIC_PARTNER) as Id;
  await postMessage(env, channel.id, { partnerId: author, guestId: null }, {
    body: ratingBody(rate, reason), messageType: 'notification', subtypeXmlid: 'mail.mt_comment',
  });
  return ratingId;
}

/**
 * `_close_livechat_session` (`/im_livechat/visitor_leave_session`): an active session becomes
 * inactive and, when it has messages, OdooBot posts "Visitor left the conversation." (with a
 * website visitor: "Visitor #<id> left the conversation.").
 */
export async function visitorLeaveSession(env: Env, uuid: unknown): Promise<void> {
  const channel = await channelByUuid(env, uuid);
  if (channel) await closeLivechatSession(env, channel.id);
}

/** `discuss.channel._close_livechat_session()` of one session (see visitorLeaveSession). */
export async function closeLivechatSession(env: Env, channelId: Id): Promise<void> {
  const { rows: found } = await sql<{ id: Id; livechat_active: boolean; livechat_visitor_id: Id | null }>`SELECT id, livechat_active, livechat_visitor_id
    FROM discuss_channel WHERE id = ${channelId}`.execute(env.trx);
  const channel = found[0];
  if (!channel || !channel.livechat_active) return;
  await env.model('discuss.channel').sudo().write([channel.id], { livechat_active: false });
  const { rows } = await sql<{ id: Id }>`SELECT id FROM mail_message WHERE model = 'discuss.channel' AND res_id = ${channel.id} LIMIT 1`.execute(env.trx);
  if (!rows.length) return;
  const who = channel.livechat_visitor_id ? `Visitor #${channel.livechat_visitor_id}` : 'Visitor';
  await postMessage(env, channel.id, { partnerId: await env.ref(ODOOBOT) as Id, guestId: null }, {
    body: `<div class="o_mail_notification o_hide_author">${who} left the conversation.</div>`,
    messageType: 'notification', subtypeXmlid: 'mail.mt_comment',
  });
}

/** `discuss.channel._send_transient_message`: a note only `partnerId` sees, not stored. */
export function sendTransientMessage(env: Env, partnerId: Id, channelId: Id, content: string): void {
  env.registry.bus?.send(env, { model: 'res.partner', id: partnerId }, 'discuss.channel/transient_message', {
    body: `<span class='o_mail_notification'>${content}</span>`, model: 'discuss.channel', res_id: channelId,
  });
}

/**
 * `/im_livechat/history {pid, channel_uuid, page_history}`: sends the operator `pid` (a partner of
 * the session) the pages the visitor viewed, as a transient message. The pages come from the
 * widget's `im_livechat_history` cookie (`page_history`); when it sends none, from the pages
 * tracked for the session's website visitor. Returns true.
 */
export async function history(env: Env, params: Record<string, unknown>): Promise<true> {
  const pid = typeof params.pid === 'number' ? params.pid : Number(params.pid);
  const channel = await channelByUuid(env, params.channel_uuid);
  if (!channel || !Number.isInteger(pid)) return true;
  const { rows } = await sql<{ partner_id: Id }>`SELECT partner_id FROM discuss_channel_member WHERE channel_id = ${channel.id} AND partner_id IS NOT NULL`.execute(env.trx);
  const partners = new Set(rows.map((r) => r.partner_id));
  // as Odoo: the channel must have `pid` (or the caller) among its partners; we also require the
  // recipient to be one of them, so the route cannot message arbitrary partners
  if (!partners.has(pid)) return true;
  let pages = Array.isArray(params.page_history) ? params.page_history.filter((p): p is string => typeof p === 'string').slice(-15) : [];
  if (!pages.length && channel.livechat_visitor_id) pages = await trackedPages(env, channel.livechat_visitor_id);
  sendTransientMessage(env, pid, channel.id, historyBody(pages));
  return true;
}

/**
 * The transient message listing a visitor's pages (`_send_history_message`). The pages come from
 * the visitor: only http(s) addresses and paths become links (Odoo links any text, so a
 * `javascript:` "page" would be a script link in the operator's client); others are listed as text.
 */
export function historyBody(pages: string[]): string {
  const item = (p: string) => (/^(https?:\/\/|\/)/i.test(p)
    ? `<li><a href="${escapeHtml(p)}" target="_blank">${escapeHtml(p)}</a></li>`
    : `<li>${escapeHtml(p)}</li>`);
  return pages.length ? `<ul>${pages.map(item).join('')}</ul>` : 'No history found';
}

const formatDate = (ts: string) => { const [y, m, d] = ts.slice(0, 10).split('-'); return `${m}/${d}/${y}`; };
const formatDateTime = (ts: string) => `${formatDate(ts)} ${ts.slice(11, 16)}`;

/**
 * `/im_livechat/email_livechat_transcript {uuid, email}`: an outgoing mail.mail to `email` with the
 * conversation (im_livechat.livechat_email_template). Delivery needs an SMTP server; the record is
 * left `outgoing` for a mail sender to pick up.
 */
export async function emailTranscript(env: Env, caller: Caller, params: Record<string, unknown>, baseUrl: string): Promise<Id | null> {
  const channel = await channelByUuid(env, params.uuid);
  const email = typeof params.email === 'string' ? params.email.trim() : '';
  if (!channel || channel.channel_type !== 'livechat' || !email) return null;
  const { rows: companies } = await sql<{ name: string; email: string | null; phone: string | null; website: string | null }>`
    SELECT c.name, p.email, p.phone, p.website FROM res_company c JOIN res_partner p ON p.id = c.partner_id ORDER BY c.sequence, c.id LIMIT 1`.execute(env.trx);
  const company = companies[0] ?? { name: '', email: null, phone: null, website: null };
  const { rows: ops } = channel.livechat_operator_id ? await sql<{ username: string | null; name: string | null }>`
    SELECT (SELECT s.livechat_username FROM res_users u JOIN res_users_settings s ON s.user_id = u.id WHERE u.partner_id = p.id ORDER BY u.id LIMIT 1) AS username, p.name
    FROM res_partner p WHERE p.id = ${channel.livechat_operator_id}`.execute(env.trx) : { rows: [] };
  const operatorName = ops[0]?.username || ops[0]?.name || '';
  const rows = (await transcriptEntries(env, channel.id, 'date')).map((m) => {
    const author = m.authorId ? (m.authorUsername || m.authorName || '') : 'You';
    const avatar = m.authorId ? `${baseUrl}/web/image/res.partner/${m.authorId}/avatar_128` : `${baseUrl}/mail/static/src/img/smiley/avatar.jpg`;
    return `<tr><td style="vertical-align: top; padding: 8px 8px 8px 0;"><img src="${escapeHtml(avatar)}" width="32" height="32" style="border-radius: 50%;" alt=""/></td>`
      + `<td style="padding: 8px 0;"><strong>${escapeHtml(author)}</strong> <span style="color: #8f8f8f; font-size: 12px;">${formatDateTime(String(m.date))}</span>`
      + `<div>${m.body}</div></td></tr>`;
  }).join('\n');
  const footer = [company.phone, company.email, company.website].filter(Boolean).map((v) => escapeHtml(v!)).join(' | ');
  const bodyHtml = `<div style="font-family: Verdana, Arial, sans-serif; font-size: 14px; color: #454748;">
<table style="width: 100%; max-width: 600px; margin: 0 auto;"><tr><td>
<div style="font-size: 20px; padding-bottom: 8px;">Livechat Conversation</div>
<div style="font-weight: bold; padding-bottom: 16px;">${escapeHtml(company.name)}</div>
<p>Hello,</p>
<p>Here's a copy of your conversation with ${escapeHtml(operatorName)}, on the ${formatDate(String(channel.create_date))}</p>
<table style="width: 100%;">
${rows}
</table>
<p>Best regards,<br/>${escapeHtml(company.name)}</p>
<div style="color: #8f8f8f; font-size: 12px; border-top: 1px solid #e7e9ed; padding-top: 8px;">${footer}</div>
<div style="color: #8f8f8f; font-size: 12px; padding-top: 8px;">Powered by Odoo</div>
</td></tr></table>
</div>`;
  const from = company.email ? `"${company.name.replace(/["\\]/g, '')}" <${company.email}>` : false;
  const authorId = caller.loggedIn ? caller.partnerId : await env.ref(PUBLIC_PARTNER);
  const [id] = await env.model('mail.mail').sudo().create([{
    subject: `Conversation with ${operatorName}`,
    body_html: bodyHtml,
    email_from: from,
    email_to: email,
    author_id: authorId || false,
    model: 'discuss.channel',
    res_id: channel.id,
    state: 'outgoing',
  }]);
  return id ?? null;
}
