import { sql } from 'kysely';
import { isHtmlEmpty, plaintext2html } from '../mail/sanitize.js';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';

/**
 * A chatbot script read once, and the rules that walk it (im_livechat/models/chatbot_script.py and
 * chatbot_script_step.py, 17.0): welcome steps, the next step under "Only If" conditions, whether a
 * step ends the script, and the shapes the embed widget receives. Everything here is pure once the
 * script is loaded, so the live engine, the checker and the simulator share one definition.
 */

export interface ChatbotAnswer {
  id: Id;
  name: string;
  sequence: number;
  redirectLink: string | false;
  stepId: Id;
}

export interface ChatbotStep {
  id: Id;
  sequence: number;
  type: string;
  message: string | null;
  crmTeamId: Id | null;
  helpdeskTeamId: Id | null;
  /** The step's own answers (question_selection), in `sequence, id` order. */
  answers: ChatbotAnswer[];
  /** "Only If": the answers this step requires, grouped by the question step they belong to. */
  triggersByQuestion: Map<Id, Set<Id>>;
}

export interface ChatbotScript {
  id: Id;
  title: string;
  active: boolean;
  operatorPartnerId: Id;
  sourceId: Id | null;
  /** In `sequence, id` order (the step model's `_order`). */
  steps: ChatbotStep[];
}

/** Step types after which the bot waits for the visitor. */
export const WAITING_TYPES = new Set(['question_selection', 'question_email', 'question_phone', 'free_input_single', 'free_input_multi']);

/** `_get_welcome_steps`: the steps up to and including the first one that is not a text (all when all are texts). */
export function welcomeSteps<T extends { step_type?: string; type?: string }>(steps: T[]): T[] {
  const out: T[] = [];
  for (const step of steps) {
    out.push(step);
    if ((step.type ?? step.step_type) !== 'text') break;
  }
  return out;
}

/**
 * `_compute_first_step_warning`: the welcome sequence ends on a forward to an operator
 * (`first_step_operator`), or on a step that does not wait for the visitor (`first_step_invalid`).
 */
export function firstStepWarning(steps: ChatbotStep[]): 'first_step_operator' | 'first_step_invalid' | false {
  const last = welcomeSteps(steps).at(-1);
  if (last?.type === 'forward_operator') return 'first_step_operator';
  if (last && !WAITING_TYPES.has(last.type)) return 'first_step_invalid';
  return false;
}

/** Reads scripts with their steps, answers and "Only If" answers; scripts that do not exist are absent. */
export async function loadScripts(env: Env, scriptIds: Id[]): Promise<Map<Id, ChatbotScript>> {
  const ids = [...new Set(scriptIds)];
  const out = new Map<Id, ChatbotScript>();
  if (!ids.length) return out;
  const { rows: scripts } = await sql<{ id: Id; title: string; active: boolean; operator_partner_id: Id; source_id: Id | null }>`
    SELECT id, title, active, operator_partner_id, source_id FROM chatbot_script WHERE id IN (${sql.join(ids)})`.execute(env.trx);
  for (const s of scripts) out.set(s.id, { id: s.id, title: s.title, active: s.active, operatorPartnerId: s.operator_partner_id, sourceId: s.source_id, steps: [] });
  if (!out.size) return out;
  const { rows: steps } = await sql<{ id: Id; chatbot_script_id: Id; sequence: number | null; step_type: string; message: string | null; crm_team_id: Id | null; helpdesk_team_id: Id | null }>`
    SELECT id, chatbot_script_id, sequence, step_type, message, crm_team_id, helpdesk_team_id FROM chatbot_script_step
    WHERE chatbot_script_id IN (${sql.join([...out.keys()])}) ORDER BY sequence, id`.execute(env.trx);
  const byId = new Map<Id, ChatbotStep>();
  for (const s of steps) {
    const step: ChatbotStep = {
      id: s.id, sequence: s.sequence ?? 0, type: s.step_type, message: s.message, crmTeamId: s.crm_team_id, helpdeskTeamId: s.helpdesk_team_id,
      answers: [], triggersByQuestion: new Map(),
    };
    byId.set(s.id, step);
    out.get(s.chatbot_script_id)!.steps.push(step);
  }
  if (!byId.size) return out;
  const stepIds = sql.join([...byId.keys()]);
  const { rows: answers } = await sql<{ id: Id; name: string; sequence: number | null; redirect_link: string | null; script_step_id: Id }>`
    SELECT id, name, sequence, redirect_link, script_step_id FROM chatbot_script_answer WHERE script_step_id IN (${stepIds})
    ORDER BY script_step_id, sequence, id`.execute(env.trx);
  for (const a of answers) {
    byId.get(a.script_step_id)!.answers.push({ id: a.id, name: a.name, sequence: a.sequence ?? 0, redirectLink: a.redirect_link || false, stepId: a.script_step_id });
  }
  const { rows: triggers } = await sql<{ step_id: Id; answer_id: Id; question_id: Id }>`
    SELECT r.chatbot_script_step_id AS step_id, r.chatbot_script_answer_id AS answer_id, a.script_step_id AS question_id
    FROM chatbot_script_answer_chatbot_script_step_rel r JOIN chatbot_script_answer a ON a.id = r.chatbot_script_answer_id
    WHERE r.chatbot_script_step_id IN (${stepIds}) ORDER BY r.chatbot_script_answer_id`.execute(env.trx);
  for (const t of triggers) {
    const groups = byId.get(t.step_id)!.triggersByQuestion;
    if (!groups.has(t.question_id)) groups.set(t.question_id, new Set());
    groups.get(t.question_id)!.add(t.answer_id);
  }
  return out;
}

export async function loadScript(env: Env, scriptId: Id): Promise<ChatbotScript | null> {
  return (await loadScripts(env, [scriptId])).get(scriptId) ?? null;
}

/** The script a step belongs to, loaded, or null. */
export async function loadScriptOfStep(env: Env, stepId: Id): Promise<ChatbotScript | null> {
  const { rows } = await sql<{ id: Id }>`SELECT chatbot_script_id AS id FROM chatbot_script_step WHERE id = ${stepId}`.execute(env.trx);
  return rows[0] ? loadScript(env, rows[0].id) : null;
}

/**
 * "Only If" (`_fetch_next_step`): a step with required answers is shown when, for every question
 * those answers belong to, at least one of them was selected: answers of one question are OR'd,
 * different questions AND'd.
 */
export function conditionsMet(step: ChatbotStep, selected: ReadonlySet<Id>): boolean {
  for (const group of step.triggersByQuestion.values()) {
    if (![...group].some((a) => selected.has(a))) return false;
  }
  return true;
}

/** `_fetch_next_step(selected_answers)`: the first later step (by sequence) whose conditions hold, or null at the end. */
export function fetchNextStep(script: ChatbotScript, current: ChatbotStep, selected: ReadonlySet<Id>): ChatbotStep | null {
  return script.steps.find((s) => s.sequence > current.sequence && conditionsMet(s, selected)) ?? null;
}

/** `_is_last_step`: not a question, and nothing follows with these answers. */
export function isLastStep(script: ChatbotScript, step: ChatbotStep, selected: ReadonlySet<Id>): boolean {
  return step.type !== 'question_selection' && !fetchNextStep(script, step, selected);
}

/** The step's message as the bot posts it: plain text to HTML, or false when empty. */
export function stepMessageHtml(step: ChatbotStep): string | false {
  return step.message && !isHtmlEmpty(step.message) ? plaintext2html(step.message) : false;
}

/** `{id, label, redirectLink}` of a step's answers, as the widget renders them. */
export const answersForFrontend = (step: ChatbotStep) => step.answers.map((a) => ({ id: a.id, label: a.name, redirectLink: a.redirectLink }));

/** `chatbot.script.step._format_for_frontend()`; `isLast` with the given answers (none before the visitor spoke). */
export function stepForFrontend(script: ChatbotScript, step: ChatbotStep, selected: ReadonlySet<Id> = new Set()): Record<string, unknown> {
  return { id: step.id, answers: answersForFrontend(step), message: stepMessageHtml(step), isLast: isLastStep(script, step, selected), type: step.type };
}

/** `chatbot.script._format_for_frontend()`: what `/im_livechat/init` ships in `rule.chatbot`. */
export function scriptForFrontend(script: ChatbotScript): Record<string, unknown> {
  return {
    scriptId: script.id,
    name: script.title,
    partnerId: script.operatorPartnerId,
    welcomeSteps: welcomeSteps(script.steps).map((s) => stepForFrontend(script, s)),
  };
}

/**
 * Odoo's `email_normalize` (odoo/tools/mail.py): exactly one address, either bare or as
 * `Name <address>`, lower-cased when its local part is ASCII (else only the domain). False when
 * the text holds no address or several. A little stricter than Odoo, which takes anything with an
 * `@`: both sides must be non-empty and free of spaces and address punctuation.
 */
export function emailNormalize(text: string): string | false {
  const t = text.trim();
  const angle = /^(?:"[^"]*"|[^<>@",;]*)\s*<([^<>]+)>$/.exec(t);
  const address = (angle ? angle[1]! : t).trim();
  const m = /^([^\s@<>,;:()[\]"]+)@([^\s@<>,;:()[\]"]+)$/.exec(address);
  if (!m) return false;
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(m[1]!) ? address.toLowerCase() : `${m[1]}@${m[2]!.toLowerCase()}`;
}
