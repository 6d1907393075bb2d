import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { MissingError, NotFound, UserError } from '../errors.js';
import { guestToken } from '../mail/guest.js';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';
import { availableOperatorRows } from '../models/im_livechat_channel.js';
import { getOperator, type RandomSource } from './assignment.js';
import { loadScript, welcomeSteps, type ChatbotScript } from './chatbot-script.js';
import { ChannelView } from '../mail/format.js';
import { addMembersAndView } from '../mail/thread.js';
import { timezoneOf, visitorCountry, visitorLang, websiteVisitorOf, type Caller } from './visitor.js';

/**
 * The live chat channel row, or Odoo's MissingError for an id that does not exist; with
 * `countOperators`, also how many operators are available (`available_operator_ids`), read in the
 * same statement.
 */
export async function livechatChannel(env: Env, channelId: unknown, opts: { countOperators?: boolean } = {}): Promise<{ id: Id; name: string; operators: number }> {
  const id = toId(channelId);
  const operators = opts.countOperators && id !== null ? sql`(SELECT count(*)::int FROM (${availableOperatorRows([id])}) a)` : sql`0`;
  const { rows } = id === null ? { rows: [] } : await sql<{ id: Id; name: string; operators: number }>`
    SELECT id, name, ${operators} AS operators FROM im_livechat_channel WHERE id = ${id}`.execute(env.trx);
  if (!rows[0]) {
    throw new MissingError(`Record does not exist or has been deleted.\n(Record: im_livechat.channel(${JSON.stringify(channelId)},), User: ${env.uid})`);
  }
  return { ...rows[0], operators: Number(rows[0].operators) };
}

/** An integer id from an int or a numeric string (cookies give strings), else null. */
export function toId(value: unknown): Id | null {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) {
    const n = Number(value.trim());
    return n > 0 && Number.isSafeInteger(n) ? n : null;
  }
  return null;
}

/** The name shown for an operator: its live chat username, else its partner's display name, commas removed. */
export async function operatorPid(env: Env, partnerId: Id): Promise<[Id, string]> {
  const { rows } = await sql<{ username: string | null; display_name: string }>`
    SELECT (SELECT s.livechat_username FROM res_users u JOIN res_users_settings s ON s.user_id = u.id
      WHERE u.partner_id = p.id ORDER BY u.id LIMIT 1) AS username,
      ${env.registry.get('res.partner')!.fields.get('display_name')!.sql!('p')} AS display_name
    FROM res_partner p WHERE p.id = ${partnerId}`.execute(env.trx);
  const name = rows[0]?.username || rows[0]?.display_name || '';
  return [partnerId, name.replaceAll(',', '')];
}

export interface GetSessionResult {
  /** The JSON-RPC result. */
  result: unknown;
  /** A guest created for this visitor: its `dgid` cookie must be set. */
  newGuestToken?: string;
}

/**
 * `/im_livechat/get_session` (im_livechat/controllers/main.py 17.0, with website_livechat's visitor):
 * picks an operator (§3), and either describes the session to come (`persisted: false`) or creates
 * it, adds the visitor (logged user's partner, known guest, or a new guest), tells the operator,
 * and returns the channel info with `guest_token`. `false` when no operator is available.
 */
export async function getSession(env: Env, request: FastifyRequest, caller: Caller, params: Record<string, unknown>, random: RandomSource): Promise<GetSessionResult> {
  const livechat = await livechatChannel(env, params.channel_id);
  const anonymousName = typeof params.anonymous_name === 'string' ? params.anonymous_name : String(params.anonymous_name ?? '');
  const persisted = params.persisted === undefined ? true : Boolean(params.persisted);
  const countryId = await visitorCountry(env, request, caller);
  // website_livechat: a known website visitor names the session "Visitor #<id>"
  const websiteVisitor = await websiteVisitorOf(env, request, params);
  const anonymous = caller.loggedIn ? null : websiteVisitor ? `Visitor #${websiteVisitor.id}` : anonymousName;

  // _get_livechat_discuss_channel_vals: a chatbot of one of the channel's rules, or a human operator
  let operatorPartnerId: Id;
  let name: string;
  let reason: string;
  let script: ChatbotScript | null = null;
  const wantsBot = params.chatbot_script_id !== undefined && params.chatbot_script_id !== null && params.chatbot_script_id !== false;
  if (wantsBot) {
    const scriptId = toId(params.chatbot_script_id);
    script = scriptId === null ? null : await loadScript(env, scriptId);
    const { rows: used } = script ? await sql`SELECT 1 FROM im_livechat_channel_rule WHERE channel_id = ${livechat.id} AND chatbot_script_id = ${script.id}`.execute(env.trx) : { rows: [] };
    // a script no rule of this channel plays is refused (Odoo), as is one without steps (Odoo fails on it)
    if (!script || !used.length || !script.steps.length) return { result: false };
    operatorPartnerId = script.operatorPartnerId;
    name = script.title;
    reason = `chatbot ${script.title}`;
  } else {
    const lang = await visitorLang(env, request);
    const assignment = await getOperator(env, livechat.id, { previousOperatorId: toId(params.previous_operator_id), lang, countryId }, random);
    if (!assignment) return { result: false };
    operatorPartnerId = assignment.operator.partnerId;
    reason = assignment.reason;
    let visitorName = anonymousName;
    if (caller.loggedIn && caller.partnerId !== null) {
      const { rows } = await sql<{ name: string | null }>`SELECT name FROM res_partner WHERE id = ${caller.partnerId}`.execute(env.trx);
      visitorName = rows[0]?.name ?? '';
    }
    if (anonymous !== null) visitorName = anonymous;
    name = `${visitorName} ${assignment.operator.name}`;
  }
  const currentStepId = script ? welcomeSteps(script.steps).at(-1)!.id : null;

  if (!persisted) {
    return {
      result: {
        name,
        chatbot_current_step_id: currentStepId ?? false,
        state: 'open',
        operator_pid: await operatorPid(env, operatorPartnerId),
        chatbot_script_id: script?.id ?? null,
      },
    };
  }

  const members: unknown[] = [[0, 0, { partner_id: operatorPartnerId, is_pinned: false }]];
  if (caller.loggedIn && caller.partnerId !== null && caller.partnerId !== operatorPartnerId) members.push([0, 0, { partner_id: caller.partnerId }]);
  const [channelId] = await env.model('discuss.channel').sudo().create([{
    channel_type: 'livechat',
    name,
    livechat_active: true,
    livechat_operator_id: operatorPartnerId,
    livechat_channel_id: livechat.id,
    livechat_assignment_reason: reason,
    chatbot_current_step_id: currentStepId ?? false,
    anonymous_name: anonymous ?? false,
    country_id: countryId ?? false,
    livechat_visitor_id: websiteVisitor?.id ?? false,
    channel_member_ids: members,
  }]);

  let guestId: Id | null = null;
  let token: string | undefined;
  let newGuestToken: string | undefined;
  let accessToken: string | undefined;
  const operator = { partnerId: operatorPartnerId, guestId: null };
  // the channel as the visitor and the operator see it, when adding the visitor loaded it
  let view: ChannelView | null = null;
  try {
    if (!caller.loggedIn) {
      if (caller.guest) {
        guestId = caller.guest.id;
      } else {
        // the request's language when it is an installed one (Odoo's get_lang), else en_US
        const lang = await visitorLang(env, request);
        const { rows: installed } = lang ? await sql<{ code: string }>`SELECT code FROM res_lang WHERE code = ${lang} AND active`.execute(env.trx) : { rows: [] };
        accessToken = randomUUID();
        const [id] = await env.model('mail.guest').sudo().create([{
          access_token: accessToken,
          name: websiteVisitor ? `Visitor #${websiteVisitor.id}` : 'Visitor',
          country_id: countryId ?? false,
          lang: installed[0]?.code ?? 'en_US',
          timezone: timezoneOf(request) ?? false,
        }]);
        guestId = id!;
      }
      if (accessToken === undefined) {
        const { rows } = await sql<{ access_token: string }>`SELECT access_token FROM mail_guest WHERE id = ${guestId}`.execute(env.trx);
        accessToken = rows[0]!.access_token;
      }
      token = guestToken(guestId!, accessToken);
      if (!caller.guest) newGuestToken = token;
      ({ view } = await addMembersAndView(env, channelId!, [{ partnerId: null, guestId }], { pinned: true }, script ? [] : [operator]));
    }
  } catch (err) {
    if (err instanceof UserError) throw new NotFound();
    throw err;
  }

  // a human operator hears about the new conversation on its own channel (a bot has nobody to
  // tell); both infos come from one load
  const me = caller.loggedIn ? { partnerId: caller.partnerId, guestId: null } : { partnerId: null, guestId };
  view ??= await ChannelView.load(env, [channelId!], script ? [me] : [operator, me]);
  if (!script) env.registry.bus?.send(env, { model: 'res.partner', id: operatorPartnerId }, 'mail.record/insert', { Thread: view.infos(operator)[0] });
  const [info] = view.infos(me);
  return { result: token ? { ...info, guest_token: token } : info, newGuestToken };
}
