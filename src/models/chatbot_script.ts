import { sql } from 'kysely';
import type { Env } from '../orm/env.js';
import { fields, countsById, type Id } from '../orm/fields.js';
import { defineModel, type AccessSpec } from '../orm/registry.js';
import { ensureOne } from '../mail/thread.js';
import { checkScript, simulateScript } from '../livechat/chatbot-checker.js';
import { firstStepWarning, loadScript, loadScripts } from '../livechat/chatbot-script.js';
import { createSourceFor, uniqueSourceName } from './utm_source.js';

/** im_livechat's ir.model.access.csv: chatbot records are for live chat users only. */
const LIVECHAT_USERS: AccessSpec[] = [{ group: 'im_livechat.im_livechat_group_user', perms: 'rwcu' }];

/** The 17.0 step types: im_livechat's, + crm_livechat's `create_lead`, + website_helpdesk_livechat's `create_ticket`. */
export const STEP_TYPES: [string, string][] = [
  ['text', 'Text'],
  ['question_selection', 'Question'],
  ['question_email', 'Email'],
  ['question_phone', 'Phone'],
  ['forward_operator', 'Forward to Operator'],
  ['free_input_single', 'Free Input'],
  ['free_input_multi', 'Free Input (Multi-Line)'],
  ['create_lead', 'Create Lead'],
  ['create_ticket', 'Create Ticket'],
];

/** chatbot.script (im_livechat 17.0). */
export const chatbotScript = defineModel({
  name: 'chatbot.script',
  table: 'chatbot_script',
  description: 'Chatbot Script',
  order: 'title, id',
  recName: 'title',
  copySuffixFields: ['title'],
  fields: {
    title: fields.char('Title', { required: true, translate: true, default: 'Chatbot' }),
    active: fields.boolean('Active', { default: true }),
    script_step_ids: fields.one2many('chatbot.script.step', 'chatbot_script_id', 'Script Steps', { copy: true }),
    operator_partner_id: fields.many2one('res.partner', 'Bot Operator', { required: true, ondelete: 'restrict', copy: false }),
    livechat_channel_count: fields.integer('Livechat Channel Count', {
      compute: async (env, ids) => {
        const { rows } = await sql<{ id: Id; n: number }>`SELECT chatbot_script_id AS id, count(DISTINCT channel_id)::int AS n FROM im_livechat_channel_rule
          WHERE chatbot_script_id IN (${sql.join(ids)}) GROUP BY chatbot_script_id`.execute(env.trx);
        return countsById(ids, rows);
      },
    }),
    first_step_warning: fields.selection('First Step Warning', [['first_step_operator', 'First Step Operator'], ['first_step_invalid', 'First Step Invalid']], {
      compute: async (env, ids) => {
        const scripts = await loadScripts(env, ids);
        return new Map(ids.map((id) => [id, firstStepWarning(scripts.get(id)?.steps ?? [])]));
      },
    }),
    // utm.source.mixin: the source the bot's leads and tickets come from
    source_id: fields.many2one('utm.source', 'Source', { required: true, ondelete: 'restrict', copy: false }),
    name: fields.char('Name', { related: 'source_id.name' }),
    lead_count: fields.integer('Generated Lead Count', {
      compute: async (env, ids) => {
        const { rows } = await sql<{ id: Id; n: number }>`SELECT s.id, count(l.id)::int AS n FROM chatbot_script s JOIN crm_lead l ON l.source_id = s.source_id
          WHERE s.id IN (${sql.join(ids)}) GROUP BY s.id`.execute(env.trx);
        return countsById(ids, rows);
      },
    }),
  },
  hooks: {
    /** A script without operator gets an archived partner named after it (its bot identity), and a utm source. */
    async beforeCreate(env, valsList) {
      const partners = env.model('res.partner').sudo();
      for (const vals of valsList) {
        const title = typeof vals.title === 'string' ? vals.title : 'Chatbot';
        if (!vals.operator_partner_id) [vals.operator_partner_id] = await partners.create([{ name: title, active: false }]);
        if (!vals.source_id) vals.source_id = await createSourceFor(env, typeof vals.name === 'string' && vals.name ? vals.name : title);
      }
    },
    /** Renaming the script renames its bot partner and its source (kept unique). */
    async afterWrite(env, ids, vals) {
      if (typeof vals.title !== 'string' || !ids.length) return;
      const { rows } = await sql<{ partner: Id; source: Id }>`SELECT operator_partner_id AS partner, source_id AS source FROM chatbot_script WHERE id IN (${sql.join(ids)})`.execute(env.trx);
      await env.model('res.partner').sudo().write([...new Set(rows.map((r) => r.partner))], { name: vals.title });
      for (const { source } of rows) {
        await env.model('utm.source').sudo().write([source], { name: await uniqueSourceName(env, vals.title, source) });
      }
    },
  },
  methods: {
    /**
     * `copy`: the title marked " (copy)", the steps and their answers copied, and each copied
     * step's "Only If" answers pointing at the copied answers.
     */
    copy: {
      api: 'records', params: [{ name: 'default', default: null }],
      fn: async (env, model, ids, args) => {
        const id = ensureOne(model.name, ids);
        const [original] = await model.read([id], ['title']);
        const defaults = (args.default ?? {}) as Record<string, unknown>;
        const [copyId] = await model.create([{ title: `${original!.title} (copy)`, ...defaults }]);
        const script = (await loadScript(env, id))!;
        const answerMap = new Map<Id, Id>();
        const stepMap = new Map<Id, Id>();
        const steps = env.model('chatbot.script.step');
        for (const step of script.steps) {
          const [newStep] = await steps.create([{
            chatbot_script_id: copyId, sequence: step.sequence, step_type: step.type, message: step.message ?? false,
            crm_team_id: step.crmTeamId ?? false, helpdesk_team_id: step.helpdeskTeamId ?? false,
          }]);
          stepMap.set(step.id, newStep!);
          for (const answer of step.answers) {
            const [newAnswer] = await env.model('chatbot.script.answer').create([{ script_step_id: newStep, name: answer.name, sequence: answer.sequence, redirect_link: answer.redirectLink }]);
            answerMap.set(answer.id, newAnswer!);
          }
        }
        for (const step of script.steps) {
          const triggers = [...step.triggersByQuestion.values()].flatMap((g) => [...g]).map((a) => answerMap.get(a)).filter((a): a is Id => a !== undefined);
          if (triggers.length) await steps.write([stepMap.get(step.id)!], { triggering_answer_ids: [[6, 0, triggers]] });
        }
        return copyId;
      },
    },
    /** website_livechat's Test button: the page where the script's author talks to the bot. */
    action_test_script: {
      api: 'records', params: [],
      fn: async (_env, model, ids) => ({ type: 'ir.actions.act_url', url: `/chatbot/${ensureOne(model.name, ids)}/test`, target: 'self' }),
    },
    /**
     * The script checker: every problem of the scripts, each with the step (and answer) it concerns,
     * a stable `code`, a severity and an explanation. An empty list means the scripts are sound.
     */
    check_script: {
      api: 'records', params: [],
      fn: async (env, model, ids) => {
        await model.checkAccessRights('read');
        await model.checkAccessRule(ids, 'read');
        const scripts = await loadScripts(env, ids);
        return ids.flatMap((id) => (scripts.has(id) ? checkScript(scripts.get(id)!) : []));
      },
    },
    /**
     * Plays the script on the visitor's inputs (answer labels or ids, emails, free text) without
     * writing anything, and returns the transcript it would produce.
     */
    simulate: {
      api: 'records', params: [{ name: 'answers', default: [] }, { name: 'operator_available', default: false }],
      fn: async (env, model, ids, args) => {
        const id = ensureOne(model.name, ids);
        await model.checkAccessRights('read');
        await model.checkAccessRule([id], 'read');
        const script = await loadScript(env, id);
        const inputs = Array.isArray(args.answers) ? args.answers : [];
        return simulateScript(script!, inputs, Boolean(args.operator_available));
      },
    },
  },
  access: LIVECHAT_USERS,
});

interface TreeStep { id: Id; sequence: number; type: string; triggers: Set<Id>; answers: Set<Id> }

/** `_get_parent_step`: the closest earlier question / forward step this step follows from. */
function parentStep(step: TreeStep, parents: TreeStep[]): TreeStep | undefined {
  for (const p of parents) {
    if (p.sequence >= step.sequence) continue;
    if (step.triggers.size) {
      const follows = [...p.triggers].every((a) => step.triggers.has(a)) || [...p.answers].some((a) => step.triggers.has(a));
      if (!follows) continue;
    } else if (p.triggers.size) continue;
    return p;
  }
  return undefined;
}

/** `_compute_is_forward_operator_child`: the first "parent" up the chain is a forward to an operator. */
async function forwardOperatorChildren(env: Env, ids: Id[]): Promise<Map<Id, boolean>> {
  const { rows: own } = await sql<{ id: Id; chatbot_script_id: Id }>`SELECT id, chatbot_script_id FROM chatbot_script_step WHERE id IN (${sql.join(ids)})`.execute(env.trx);
  const scripts = await loadScripts(env, own.map((r) => r.chatbot_script_id));
  const out = new Map<Id, boolean>();
  for (const { id, chatbot_script_id: scriptId } of own) {
    const tree: TreeStep[] = scripts.get(scriptId)!.steps.map((s) => ({
      id: s.id, sequence: s.sequence, type: s.type,
      triggers: new Set([...s.triggersByQuestion.values()].flatMap((group) => [...group])),
      answers: new Set(s.answers.map((a) => a.id)),
    }));
    const step = tree.find((s) => s.id === id)!;
    const parents = tree
      .filter((s) => (s.type === 'forward_operator' || s.type === 'question_selection') && s.sequence < step.sequence)
      .sort((a, b) => b.sequence - a.sequence);
    let parent: TreeStep | undefined = step;
    for (;;) {
      parent = parentStep(parent, parents);
      if (!parent || parent.type === 'forward_operator') break;
    }
    out.set(id, parent?.type === 'forward_operator');
  }
  return out;
}

/** chatbot.script.step (im_livechat 17.0, crm_livechat, website_helpdesk_livechat). */
export const chatbotScriptStep = defineModel({
  name: 'chatbot.script.step',
  table: 'chatbot_script_step',
  description: 'Chatbot Script Step',
  order: 'sequence, id',
  recName: 'message',
  fields: {
    message: fields.text('Message', { translate: true }),
    sequence: fields.integer('Sequence'),
    chatbot_script_id: fields.many2one('chatbot.script', 'Chatbot', { required: true, ondelete: 'cascade' }),
    step_type: fields.selection('Step Type', STEP_TYPES, { required: true, default: 'text' }),
    answer_ids: fields.one2many('chatbot.script.answer', 'script_step_id', 'Answers', { copy: true }),
    triggering_answer_ids: fields.many2many('chatbot.script.answer', 'chatbot_script_answer_chatbot_script_step_rel', 'chatbot_script_step_id', 'chatbot_script_answer_id', 'Only If', {
      copy: false, help: 'Show this step only if all of these answers have been selected.',
    }),
    is_forward_operator_child: fields.boolean('Is Forward Operator Child', { compute: forwardOperatorChildren }),
    crm_team_id: fields.many2one('crm.team', 'Sales Team', { ondelete: 'set null' }),
    helpdesk_team_id: fields.many2one('helpdesk.team', 'Helpdesk Team', { ondelete: 'set null' }),
  },
  hooks: {
    /** Steps without a sequence continue the script's numbering (from 0 for a new script). */
    async beforeCreate(env, valsList) {
      const next = new Map<Id, number>();
      for (const vals of valsList) {
        const script = Number(vals.chatbot_script_id) || 0;
        if (!script) continue;
        if (!next.has(script)) {
          const { rows } = await sql<{ max: number | null }>`SELECT max(sequence) AS max FROM chatbot_script_step WHERE chatbot_script_id = ${script}`.execute(env.trx);
          next.set(script, (rows[0]?.max ?? -1) + 1);
        }
        if (typeof vals.sequence === 'number') next.set(script, vals.sequence + 1);
        else { vals.sequence = next.get(script)!; next.set(script, vals.sequence as number + 1); }
      }
    },
  },
  access: LIVECHAT_USERS,
});

/** chatbot.script.answer (im_livechat 17.0). */
export const chatbotScriptAnswer = defineModel({
  name: 'chatbot.script.answer',
  table: 'chatbot_script_answer',
  description: 'Chatbot Script Answer',
  order: 'script_step_id, sequence, id',
  fields: {
    name: fields.char('Answer', { required: true, translate: true }),
    sequence: fields.integer('Sequence', { default: 1 }),
    redirect_link: fields.char('Redirect Link', { help: 'The visitor will be redirected to this link upon clicking the option (note that the script will end if the link is external to the livechat website).' }),
    script_step_id: fields.many2one('chatbot.script.step', 'Script Step', { required: true, ondelete: 'cascade' }),
    chatbot_script_id: fields.many2one('chatbot.script', 'Chatbot', { related: 'script_step_id.chatbot_script_id', readonly: true }),
  },
  access: LIVECHAT_USERS,
});

/** chatbot.message (im_livechat 17.0): the step each message of a bot session was posted at, and the visitor's answers. */
export const chatbotMessage = defineModel({
  name: 'chatbot.message',
  table: 'chatbot_message',
  description: 'Chatbot Message',
  order: 'create_date desc, id desc',
  fields: {
    mail_message_id: fields.many2one('mail.message', 'Related Mail Message', { required: true, ondelete: 'cascade' }),
    discuss_channel_id: fields.many2one('discuss.channel', 'Discussion Channel', { required: true, ondelete: 'cascade' }),
    script_step_id: fields.many2one('chatbot.script.step', 'Chatbot Step', { required: true, ondelete: 'cascade' }),
    user_script_answer_id: fields.many2one('chatbot.script.answer', 'User\'s answer', { ondelete: 'set null' }),
    user_raw_answer: fields.html('User\'s raw answer'),
  },
  sqlConstraints: { chatbot_message_unique_mail_message_id: 'A mail.message can only be linked to a single chatbot message' },
  access: LIVECHAT_USERS,
});
