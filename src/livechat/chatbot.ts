import { sql } from 'kysely';
import { ValidationError } from '../errors.js';
import { channelInfo, messageFormat } from '../mail/format.js';
import { htmlEscape, htmlSanitize, plaintext2html } from '../mail/sanitize.js';
import { addMembers, channelPin, channelRename, postMessage, type Persona } from '../mail/thread.js';
import { html2plaintext, livechatHistory } from '../mail/transcript.js';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';
import { getOperator, type RandomSource } from './assignment.js';
import {
  answersForFrontend, emailNormalize, fetchNextStep, isLastStep, loadScript, loadScriptOfStep, stepMessageHtml, welcomeSteps,
  type ChatbotScript, type ChatbotStep,
} from './chatbot-script.js';

/**
 * The chatbot engine as a visitor meets it (im_livechat 17.0: controllers/chatbot.py,
 * discuss.channel's `_chatbot_*` methods, chatbot.script.step's `_process_answer` /
 * `_process_step`, crm_livechat's and website_helpdesk_livechat's lead and ticket steps).
 * Every function runs in the caller's transaction and works on the data as superuser: the
 * channel's uuid is the visitor's proof of access.
 */

type Dict = Record<string, unknown>;

/** The session a chatbot route works on. */
export interface BotChannel {
  id: Id;
  uuid: string;
  name: string;
  chatbot_current_step_id: Id | null;
  livechat_operator_id: Id | null;
  livechat_channel_id: Id | null;
  anonymous_name: string | null;
  country_id: Id | null;
  livechat_visitor_id: Id | null;
}

/** Who is talking to the bot, and how to pick an operator for them. */
export interface BotVisitor {
  /** The logged-in user's partner, or null for the public user (with or without a guest). */
  partnerId: Id | null;
  guestId: Id | null;
  /** The visitor's language code (`frontend_lang`), for operator assignment. */
  lang: string | null;
  random: RandomSource;
}

/**
 * The live chat session with that uuid, or null. Odoo looks the uuid up among every channel; only
 * live chat sessions are served here, so a uuid of another kind of channel cannot make a bot speak.
 */
export async function botChannelByUuid(env: Env, uuid: unknown): Promise<BotChannel | null> {
  if (typeof uuid !== 'string' || !uuid) return null;
  const { rows } = await sql<BotChannel>`SELECT id, uuid, name, chatbot_current_step_id, livechat_operator_id, livechat_channel_id,
    anonymous_name, country_id, livechat_visitor_id FROM discuss_channel WHERE uuid = ${uuid} AND channel_type = 'livechat' LIMIT 1`.execute(env.trx);
  return rows[0] ?? null;
}

/**
 * The script named by a route's `chatbot_script_id`, when it is the one this session runs (its bot
 * is the session's operator); null otherwise. Odoo plays any script it is given; checking keeps a
 * visitor from making another bot speak in a conversation.
 */
export async function sessionScript(env: Env, channel: BotChannel, scriptId: unknown): Promise<ChatbotScript | null> {
  if (typeof scriptId !== 'number' || !Number.isInteger(scriptId) || scriptId <= 0) return null;
  const script = await loadScript(env, scriptId);
  return script && script.operatorPartnerId === channel.livechat_operator_id ? script : null;
}

/** The answers the visitor picked in this session (`chatbot_message_ids.user_script_answer_id`). */
async function selectedAnswers(env: Env, channelId: Id): Promise<Set<Id>> {
  const { rows } = await sql<{ id: Id }>`SELECT DISTINCT user_script_answer_id AS id FROM chatbot_message
    WHERE discuss_channel_id = ${channelId} AND user_script_answer_id IS NOT NULL`.execute(env.trx);
  return new Set(rows.map((r) => r.id));
}

async function setCurrentStep(env: Env, channel: BotChannel, stepId: Id | null): Promise<void> {
  await env.sudo().model('discuss.channel').write([channel.id], { chatbot_current_step_id: stepId ?? false });
  channel.chatbot_current_step_id = stepId;
}

/** `_chatbot_post_message`: a comment by the bot's partner (never marked seen for anyone). Returns its id. */
async function postAsBot(env: Env, channel: BotChannel, script: ChatbotScript, body: string): Promise<Id> {
  const bot: Persona = { partnerId: script.operatorPartnerId, guestId: null };
  const message = await postMessage(env, channel.id, bot, { body, messageType: 'comment', subtypeXmlid: 'mail.mt_comment', markSeen: false });
  return message.id as Id;
}

const formatOne = async (env: Env, id: Id | null): Promise<Dict | null> => (id === null ? null : (await messageFormat(env, [id]))[0] ?? null);

/**
 * `chatbot.script._post_welcome_steps` (`/chatbot/post_welcome_steps`): the welcome steps the widget
 * played locally are stored once the visitor speaks, each becoming the current step in turn.
 * Returns the formatted messages posted.
 */
export async function postWelcomeSteps(env: Env, channel: BotChannel, script: ChatbotScript): Promise<Dict[]> {
  const posted: Id[] = [];
  for (const step of welcomeSteps(script.steps)) {
    await setCurrentStep(env, channel, step.id);
    const html = stepMessageHtml(step);
    if (html) posted.push(await postAsBot(env, channel, script, html));
  }
  return messageFormat(env, posted);
}

/** `_chatbot_restart`: no current step, the answers forgotten, and "Restarting conversation..." said. */
export async function restartScript(env: Env, channel: BotChannel, script: ChatbotScript): Promise<Dict | null> {
  await setCurrentStep(env, channel, null);
  await sql`DELETE FROM chatbot_message WHERE discuss_channel_id = ${channel.id}`.execute(env.trx);
  return formatOne(env, await postAsBot(env, channel, script, '<div class="o_mail_notification">Restarting conversation...</div>'));
}

/** The newest message of the session not written by the bot (the visitor's answer), or null. */
async function visitorAnswer(env: Env, channel: BotChannel, script: ChatbotScript): Promise<{ id: Id; body: string } | null> {
  const { rows } = await sql<{ id: Id; body: string | null }>`SELECT id, body FROM mail_message
    WHERE model = 'discuss.channel' AND res_id = ${channel.id} AND author_id IS DISTINCT FROM ${script.operatorPartnerId}
    ORDER BY id DESC LIMIT 1`.execute(env.trx);
  return rows[0] ? { id: rows[0].id, body: rows[0].body ?? '' } : null;
}

/**
 * `_process_answer`: an email answer must be a valid address (ValidationError otherwise, the step
 * is not left); email and phone answers are kept on the session's newest chatbot message of the
 * step (the visitor's). Returns the next step under the session's answers.
 */
async function processAnswer(env: Env, channel: BotChannel, script: ChatbotScript, step: ChatbotStep, body: string): Promise<ChatbotStep | null> {
  const text = html2plaintext(body);
  if (step.type === 'question_email' && !emailNormalize(text)) throw new ValidationError(`"${text}" is not a valid email.`);
  if (step.type === 'question_email' || step.type === 'question_phone') {
    await sql`UPDATE chatbot_message SET user_raw_answer = ${body}, write_date = now() AT TIME ZONE 'utc', write_uid = ${env.uid}
      WHERE id = (SELECT id FROM chatbot_message WHERE discuss_channel_id = ${channel.id} AND script_step_id = ${step.id}
        ORDER BY create_date DESC, id DESC LIMIT 1)`.execute(env.trx);
  }
  return fetchNextStep(script, step, await selectedAnswers(env, channel.id));
}

/** The widget's description of a step just played (`chatbot_step` of `/chatbot/step/trigger`). */
async function stepState(env: Env, channel: BotChannel, script: ChatbotScript, step: ChatbotStep): Promise<Dict> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM discuss_channel_member WHERE channel_id = ${channel.id}`.execute(env.trx);
  return {
    operatorFound: step.type === 'forward_operator' && Number(rows[0]!.n) > 2,
    id: step.id,
    answers: answersForFrontend(step),
    isLast: isLastStep(script, step, await selectedAnswers(env, channel.id)),
    message: stepMessageHtml(step),
    type: step.type,
  };
}

/**
 * `/chatbot/step/trigger`: with a current step, the visitor's last message answers it and the next
 * step is played; without one (after a restart) the script starts from its first step. Null at the
 * end of the script.
 */
export async function triggerNextStep(env: Env, channel: BotChannel, scriptParam: unknown, visitor: BotVisitor): Promise<Dict | null> {
  let script: ChatbotScript | null = null;
  let next: ChatbotStep | null = null;
  if (channel.chatbot_current_step_id !== null) {
    script = await loadScriptOfStep(env, channel.chatbot_current_step_id);
    const current = script?.steps.find((s) => s.id === channel.chatbot_current_step_id);
    if (!script || !current) return null;
    const answer = await visitorAnswer(env, channel, script);
    next = await processAnswer(env, channel, script, current, answer?.body ?? '');
  } else {
    script = await sessionScript(env, channel, scriptParam);
    next = script?.steps[0] ?? null;
  }
  if (!script || !next) return null;
  const posted = await processStep(env, channel, script, next, visitor);
  return { chatbot_posted_message: await formatOne(env, posted), chatbot_step: await stepState(env, channel, script, next) };
}

/**
 * `/chatbot/step/validate_email`: the visitor's last message must be an email address; when it is
 * not, the bot says so and the step keeps waiting. Null without a current step or an answer.
 */
export async function validateEmail(env: Env, channel: BotChannel): Promise<Dict | null> {
  if (channel.chatbot_current_step_id === null) return null;
  const script = await loadScriptOfStep(env, channel.chatbot_current_step_id);
  if (!script) return null;
  const answer = await visitorAnswer(env, channel, script);
  // Odoo fails here (an unbound local) when the visitor said nothing yet; there is nothing to validate
  if (!answer) return null;
  const text = html2plaintext(answer.body);
  if (emailNormalize(text)) return { success: true, posted_message: false, error_message: false };
  const error = `'${text}' does not look like a valid email. Can you please try again?`;
  const posted = await postAsBot(env, channel, script, plaintext2html(error));
  return { success: false, posted_message: await formatOne(env, posted), error_message: error };
}

/**
 * `/chatbot/answer/save`: the visitor clicked an answer of the step a bot message asked; stored when
 * the answer belongs to that step.
 */
export async function saveAnswer(env: Env, channel: BotChannel, messageId: unknown, answerId: unknown): Promise<void> {
  if (!Number.isInteger(messageId) || !Number.isInteger(answerId)) return;
  await sql`UPDATE chatbot_message cm SET user_script_answer_id = ${answerId as number}, write_date = now() AT TIME ZONE 'utc'
    WHERE cm.mail_message_id = ${messageId as number} AND cm.discuss_channel_id = ${channel.id}
      AND EXISTS (SELECT 1 FROM chatbot_script_answer a WHERE a.id = ${answerId as number} AND a.script_step_id = cm.script_step_id)`.execute(env.trx);
}

/**
 * `_process_step`: the step becomes current and the bot says its message; a forward looks for an
 * operator, lead and ticket steps create their record. Returns the id of the message the step
 * posted (null when it posted none).
 */
async function processStep(env: Env, channel: BotChannel, script: ChatbotScript, step: ChatbotStep, visitor: BotVisitor): Promise<Id | null> {
  await setCurrentStep(env, channel, step.id);
  if (step.type === 'forward_operator') return forwardToOperator(env, channel, script, step, visitor);
  // a step without text says nothing (Odoo would post an empty paragraph)
  const html = stepMessageHtml(step);
  const posted = html ? await postAsBot(env, channel, script, html) : null;
  if (step.type === 'create_lead') await createLead(env, channel, script, step, visitor);
  if (step.type === 'create_ticket') await createTicket(env, channel, script, step, visitor);
  return posted;
}

/**
 * `_process_step_forward_operator`: an available operator of the live chat channel joins (chat
 * window opened for them, no "joined" message), the session is renamed after visitor and operator,
 * the step's message and "<operator> has joined" are said, and the operator receives the session.
 * Nobody available (or only the visitor themselves): nothing is said and the script goes on.
 */
async function forwardToOperator(env: Env, channel: BotChannel, script: ChatbotScript, step: ChatbotStep, visitor: BotVisitor): Promise<Id | null> {
  if (channel.livechat_channel_id === null) return null;
  const assignment = await getOperator(env, channel.livechat_channel_id, { lang: visitor.lang, countryId: channel.country_id }, visitor.random);
  if (!assignment || assignment.operator.userId === env.uid) return null;
  const { operator } = assignment;
  await addMembers(env, channel.id, [{ partnerId: operator.partnerId, guestId: null }], { openChatWindow: true, postJoinedMessage: false });

  const operatorName = operator.name;
  let visitorName = channel.anonymous_name ?? '';
  if (visitor.partnerId !== null) {
    const { rows: me } = await sql<{ name: string | null }>`SELECT name FROM res_partner WHERE id = ${visitor.partnerId}`.execute(env.trx);
    visitorName = me[0]?.name ?? '';
  }
  await channelRename(env.sudo(), channel.id, `${visitorName} ${operatorName}`);
  await env.sudo().model('discuss.channel').write([channel.id], { livechat_assignment_reason: `forwarded by ${script.title}; ${assignment.reason}` });

  const html = stepMessageHtml(step);
  const posted = html ? await postAsBot(env, channel, script, html) : null;
  await postAsBot(env, channel, script, `<div class="o_mail_notification">${htmlEscape(operatorName)} has joined</div>`);

  const [forOperator] = await channelInfo(env, [channel.id], { partnerId: operator.partnerId, guestId: null });
  env.registry.bus?.send(env, { model: 'res.partner', id: operator.partnerId }, 'mail.record/insert', { Thread: forOperator });
  if (visitor.partnerId !== null) await channelPin(env, channel.id, { partnerId: visitor.partnerId, guestId: null }, true);
  return posted;
}

interface CustomerValues { partnerId: Id | null; email: string | false; phone: string | false; description: string }

/**
 * `_chatbot_prepare_customer_values`: the newest email and phone the visitor gave the bot; the
 * customer is the logged-in visitor's partner (missing email/phone filled in when `updatePartner`),
 * or for a public visitor a new partner named after the email when `createPartner`; and the
 * "Please contact me on / call me on" lines that open the record's description.
 */
async function customerValues(env: Env, channel: BotChannel, visitor: BotVisitor, createPartner: boolean, updatePartner: boolean): Promise<CustomerValues> {
  const { rows } = await sql<{ step_type: string; raw: string | null }>`SELECT st.step_type, cm.user_raw_answer AS raw FROM chatbot_message cm
    JOIN chatbot_script_step st ON st.id = cm.script_step_id
    WHERE cm.discuss_channel_id = ${channel.id} AND st.step_type IN ('question_email', 'question_phone')
    ORDER BY cm.create_date DESC, cm.id DESC`.execute(env.trx);
  const found: Record<string, string> = {};
  for (const r of rows) found[r.step_type] ||= html2plaintext(r.raw ?? '');
  const email = found.question_email || false;
  const phone = found.question_phone || false;
  const partners = env.model('res.partner').sudo();
  let partnerId: Id | null = null;
  if (visitor.partnerId === null) {
    // Odoo makes an empty contact when the visitor gave neither; there is nobody to contact then
    if (createPartner && (email || phone)) [partnerId] = await partners.create([{ name: email || phone, email, phone }]) as [Id];
  } else {
    partnerId = visitor.partnerId;
    if (updatePartner) {
      const [p] = await partners.read([partnerId], ['email', 'phone'], null);
      const update: Dict = {};
      if (email && !p?.email) update.email = email;
      if (phone && !p?.phone) update.phone = phone;
      if (Object.keys(update).length) await partners.write([partnerId], update);
    }
  }
  let description = '';
  if (email) description += `Please contact me on: <strong>${htmlEscape(email)}</strong><br>`;
  if (phone) description += `Please call me on: <strong>${htmlEscape(phone)}</strong><br>`;
  if (description) description += '<br>';
  return { partnerId, email, phone, description };
}

/** The website visitor's display name, when the session has one (website_livechat). */
async function websiteVisitorName(env: Env, channel: BotChannel): Promise<string | null> {
  if (channel.livechat_visitor_id === null) return null;
  const [row] = await env.model('website.visitor').sudo().read([channel.livechat_visitor_id], ['display_name'], null);
  return row ? String(row.display_name) : null;
}

/**
 * crm_livechat's `_process_step_create_lead`: a lead in the step's sales team (a lead or an
 * opportunity as the team works), unassigned, sourced from the script, with the contact lines and
 * the transcript as notes; the public visitor's email and phone, or the logged-in visitor as
 * customer. website_crm_livechat names it after the website visitor and links them.
 */
async function createLead(env: Env, channel: BotChannel, script: ChatbotScript, step: ChatbotStep, visitor: BotVisitor): Promise<Id> {
  const customer = await customerValues(env, channel, visitor, false, true);
  const visitorName = await websiteVisitorName(env, channel);
  const vals: Dict = {
    name: `${visitorName ?? script.title}'s New Lead`,
    description: htmlSanitize(customer.description + await livechatHistory(env, channel.id)),
    source_id: script.sourceId ?? false,
    team_id: step.crmTeamId ?? false,
    user_id: false,
  };
  if (step.crmTeamId !== null) {
    const { rows } = await sql<{ use_leads: boolean | null }>`SELECT use_leads FROM crm_team WHERE id = ${step.crmTeamId}`.execute(env.trx);
    vals.type = rows[0]?.use_leads ? 'lead' : 'opportunity';
  }
  if (visitor.partnerId === null) Object.assign(vals, { email_from: customer.email, phone: customer.phone });
  else {
    const { rows } = await sql<{ company_id: Id | null }>`SELECT company_id FROM res_partner WHERE id = ${visitor.partnerId}`.execute(env.trx);
    vals.partner_id = visitor.partnerId;
    if (rows[0]?.company_id) vals.company_id = rows[0].company_id;
  }
  if (channel.livechat_visitor_id !== null) vals.visitor_ids = [[4, channel.livechat_visitor_id]];
  const [id] = await env.model('crm.lead').sudo().create([vals]);
  return id!;
}

/**
 * website_helpdesk_livechat's ticket step: a ticket in the step's helpdesk team for the customer
 * (a new partner for a public visitor who gave an email), sourced from the script, with the
 * contact lines and the transcript as description.
 */
async function createTicket(env: Env, channel: BotChannel, script: ChatbotScript, step: ChatbotStep, visitor: BotVisitor): Promise<Id> {
  const customer = await customerValues(env, channel, visitor, true, true);
  let name = await websiteVisitorName(env, channel);
  if (visitor.partnerId !== null) {
    const { rows } = await sql<{ name: string | null }>`SELECT name FROM res_partner WHERE id = ${visitor.partnerId}`.execute(env.trx);
    name = rows[0]?.name ?? name;
  }
  const [id] = await env.model('helpdesk.ticket').sudo().create([{
    name: `${name ?? script.title}'s Ticket`,
    partner_id: customer.partnerId ?? false,
    partner_email: customer.email,
    partner_phone: customer.phone,
    description: htmlSanitize(customer.description + await livechatHistory(env, channel.id)),
    source_id: script.sourceId ?? false,
    team_id: step.helpdeskTeamId ?? false,
  }]);
  return id!;
}
