import { plaintext2html } from '../mail/sanitize.js';
import type { Id } from '../orm/fields.js';
import {
  emailNormalize, fetchNextStep, firstStepWarning, stepMessageHtml, welcomeSteps, WAITING_TYPES,
  type ChatbotAnswer, type ChatbotScript, type ChatbotStep,
} from './chatbot-script.js';

/**
 * The script checker and simulator (`chatbot.script.check_script()` / `simulate()`): Odoo only warns
 * about the first step; here every path a visitor can take through a script is walked with the
 * engine's own rules (chatbot-script.ts), to report what would go wrong before a visitor meets it,
 * and to replay a conversation without touching the database.
 */

export type Severity = 'error' | 'warning';

export interface ScriptProblem {
  script_id: Id;
  /** The step the problem concerns (false for the script as a whole). */
  step_id: Id | false;
  /** The step's text, as the step's display name shows it. */
  step: string | false;
  /** The answer the problem concerns, when it is about one. */
  answer_id: Id | false;
  code: string;
  severity: Severity;
  message: string;
}

/** How many (step, answers) states the walk explores before giving up on a script. */
export const MAX_STATES = 20_000;

const label = (step: ChatbotStep): string => {
  const text = (step.message ?? '').trim().replace(/\s+/g, ' ');
  return text ? (text.length > 60 ? `${text.slice(0, 57)}...` : text) : `(${step.type})`;
};
const quote = (text: string) => `"${text}"`;

/**
 * Every problem of a script, in step order: dead ends, steps no visitor can reach (with why),
 * questions without answers, forwards with nothing after them, and a welcome sequence that ends on
 * a forward or on a step that does not wait for the visitor.
 */
export function checkScript(script: ChatbotScript): ScriptProblem[] {
  const problems: ScriptProblem[] = [];
  const add = (step: ChatbotStep | null, code: string, severity: Severity, message: string, answer: ChatbotAnswer | null = null) => {
    problems.push({
      script_id: script.id, step_id: step?.id ?? false, step: step ? label(step) : false, answer_id: answer?.id ?? false, code, severity, message,
    });
  };
  const steps = script.steps;
  if (!steps.length) {
    add(null, 'no_steps', 'error', 'The script has no steps: no channel rule can start it.');
    return problems;
  }

  // the welcome sequence (played before the visitor says anything)
  const welcome = welcomeSteps(steps);
  const lastWelcome = welcome[welcome.length - 1]!;
  const warning = firstStepWarning(steps);
  if (warning === 'first_step_operator') {
    add(lastWelcome, 'first_step_operator', 'error', 'The script forwards the visitor to an operator before asking anything: it behaves as a plain operator chat, and starts by a forward even when nobody is available.');
  } else if (warning === 'first_step_invalid') {
    add(lastWelcome, 'first_step_invalid', 'warning', `The welcome sequence ends on a "${lastWelcome.type}" step, which does not wait for the visitor: the widget shows the welcome steps and the conversation ends before the visitor can answer.`);
  }
  for (const step of welcome) {
    if (step.triggersByQuestion.size) {
      add(step, 'welcome_step_condition', 'warning', 'This step is part of the welcome sequence, which is always shown: its "Only If" answers are ignored.');
    }
  }

  // "Only If" answers that can never have been selected when the step comes
  const questionOf = new Map<Id, ChatbotStep>();
  for (const step of steps) for (const a of step.answers) questionOf.set(a.id, step);
  const badCondition = new Set<Id>();
  for (const step of steps) {
    for (const questionId of step.triggersByQuestion.keys()) {
      const question = steps.find((s) => s.id === questionId);
      if (!question) {
        badCondition.add(step.id);
        add(step, 'condition_other_script', 'error', 'An "Only If" answer belongs to another script: it is never selected here, so this step is never shown.');
      } else if (question.sequence >= step.sequence) {
        badCondition.add(step.id);
        add(step, 'condition_later_answer', 'error', `An "Only If" answer belongs to the question ${quote(label(question))}, which comes at or after this step: it cannot have been answered yet, so this step is never shown.`);
      }
    }
    if (step.type === 'question_selection' && !step.answers.length) {
      add(step, 'question_without_answers', 'error', 'This question has no answers: the visitor cannot reply (typing is disabled while a question waits), so the conversation is stuck here.');
    }
    if (step.type !== 'forward_operator' && !stepMessageHtml(step)) {
      add(step, 'empty_message', 'warning', 'This step has no message: the bot says nothing at it.');
    }
  }

  // walk every path: states are (step reached, answers selected so far)
  const reached = new Set<Id>(welcome.map((s) => s.id));
  const deadEnds = new Map<Id, { step: ChatbotStep; answer: ChatbotAnswer }>();
  const abruptForwards = new Set<Id>();
  const seen = new Set<string>();
  const queue: { step: ChatbotStep; selected: Set<Id> }[] = [{ step: lastWelcome, selected: new Set() }];
  let truncated = false;
  while (queue.length) {
    const { step, selected } = queue.shift()!;
    const key = `${step.id}|${[...selected].sort((a, b) => a - b).join(',')}`;
    if (seen.has(key)) continue;
    if (seen.size >= MAX_STATES) { truncated = true; break; }
    seen.add(key);
    reached.add(step.id);
    if (step.type === 'question_selection') {
      for (const answer of step.answers) {
        const chosen = new Set(selected).add(answer.id);
        const next = fetchNextStep(script, step, chosen);
        if (next) queue.push({ step: next, selected: chosen });
        else if (!answer.redirectLink) deadEnds.set(answer.id, { step, answer });
      }
      continue;
    }
    // after a forward, the script goes on only when nobody was available
    const next = fetchNextStep(script, step, selected);
    if (next) queue.push({ step: next, selected });
    else if (step.type === 'forward_operator') abruptForwards.add(step.id);
  }

  for (const { step, answer } of deadEnds.values()) {
    add(step, 'dead_end_answer', 'error', `No step follows the answer ${quote(answer.name)}: the conversation stops as soon as the visitor picks it.`, answer);
  }
  for (const step of steps) {
    if (abruptForwards.has(step.id)) {
      add(step, 'forward_without_fallback', 'warning', 'No step follows this forward: when no operator is available the conversation ends abruptly. Plan further steps (e.g. ask for an email) for that case.');
    }
    if (!truncated && !reached.has(step.id) && !badCondition.has(step.id)) {
      if (step.triggersByQuestion.size) {
        add(step, 'impossible_condition', 'error', 'This step is never shown: no path through the script selects its "Only If" answers together (answers of one question are alternatives; different questions must all be answered that way).');
      } else {
        add(step, 'unreachable_step', 'error', 'This step is never shown: every path through the script stops before it.');
      }
    }
  }
  if (truncated) add(null, 'analysis_truncated', 'warning', `The script has more than ${MAX_STATES} answer combinations: unreachable steps were not searched for.`);
  const order = new Map(steps.map((s, i) => [s.id, i]));
  return problems.sort((a, b) => (a.step_id === false ? -1 : order.get(a.step_id)!) - (b.step_id === false ? -1 : order.get(b.step_id)!));
}

export interface SimulatedLine {
  author: 'bot' | 'visitor';
  /** The step the line was said at. */
  step_id: Id;
  /** HTML, as the message would be stored. */
  body: string;
}

export interface SimulatedRecord { model: 'crm.lead' | 'helpdesk.ticket'; step_id: Id; team_id: Id | false; email: string | false; phone: string | false }

export interface Simulation {
  transcript: SimulatedLine[];
  /** The script reached its end (or handed the visitor to an operator). */
  ended: boolean;
  operator_found: boolean;
  /** The step waiting for the visitor when the inputs ran out, else false. */
  waiting_step_id: Id | false;
  /** Leads and tickets the script would create. */
  records: SimulatedRecord[];
  /** Inputs left over once the script ended. */
  unused_inputs: string[];
  /** Why the simulation stopped early (an input that fits no answer), else false. */
  error: string | false;
}

/**
 * Plays a script as the widget and the engine would, on `inputs` typed or clicked by the visitor
 * (an answer's label or id for a question), without writing anything: welcome steps, "Only If"
 * branching, email validation with the bot's retry message, forwards (an operator is found only
 * when `operatorAvailable`), and the leads and tickets it would create.
 */
export function simulateScript(script: ChatbotScript, inputs: unknown[], operatorAvailable = false): Simulation {
  const result: Simulation = { transcript: [], ended: false, operator_found: false, waiting_step_id: false, records: [], unused_inputs: [], error: false };
  const say = (step: ChatbotStep, html: string | false) => { if (html) result.transcript.push({ author: 'bot', step_id: step.id, body: html }); };
  const hear = (step: ChatbotStep, text: string) => result.transcript.push({ author: 'visitor', step_id: step.id, body: plaintext2html(text) });
  if (!script.steps.length) { result.ended = true; return result; }
  const queue = inputs.map((i) => (typeof i === 'number' ? i : String(i ?? '')));
  const selected = new Set<Id>();
  let email: string | false = false;
  let phone: string | false = false;

  const welcome = welcomeSteps(script.steps);
  for (const step of welcome) say(step, stepMessageHtml(step));
  let step: ChatbotStep | null = welcome[welcome.length - 1]!;
  // the welcome steps were shown; from the last one on, each step is answered (if it waits) then left
  let justArrived = false;
  while (step) {
    if (justArrived) {
      if (step.type === 'forward_operator') {
        if (operatorAvailable) {
          say(step, stepMessageHtml(step));
          say(step, '<div class="o_mail_notification">(operator) has joined</div>');
          result.operator_found = true;
          result.ended = true;
          break;
        }
      } else {
        say(step, stepMessageHtml(step));
        if (step.type === 'create_lead') result.records.push({ model: 'crm.lead', step_id: step.id, team_id: step.crmTeamId ?? false, email, phone });
        if (step.type === 'create_ticket') result.records.push({ model: 'helpdesk.ticket', step_id: step.id, team_id: step.helpdeskTeamId ?? false, email, phone });
      }
    }
    if (WAITING_TYPES.has(step.type)) {
      if (!queue.length) { result.waiting_step_id = step.id; break; }
      const input = queue.shift()!;
      if (step.type === 'question_selection') {
        const text = String(input).trim().toLowerCase();
        const answer = step.answers.find((a) => a.id === input || a.name.trim().toLowerCase() === text);
        if (!answer) {
          result.error = `${quote(String(input))} is not an answer of ${quote(label(step))} (answers: ${step.answers.map((a) => quote(a.name)).join(', ') || 'none'}).`;
          result.unused_inputs = [String(input), ...queue.map(String)];
          result.waiting_step_id = step.id;
          return result;
        }
        hear(step, answer.name);
        selected.add(answer.id);
      } else {
        const text = String(input);
        hear(step, text);
        if (step.type === 'question_email') {
          if (!emailNormalize(text)) {
            say(step, plaintext2html(`'${text}' does not look like a valid email. Can you please try again?`));
            justArrived = false;
            continue;
          }
          email = text.trim();
        }
        if (step.type === 'question_phone') phone = text.trim();
      }
    }
    step = fetchNextStep(script, step, selected);
    justArrived = true;
  }
  if (!step) result.ended = true;
  result.unused_inputs = queue.map(String);
  return result;
}
