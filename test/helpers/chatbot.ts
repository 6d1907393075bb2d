import type { FastifyInstance } from 'fastify';
import type { RpcBody } from './app.js';
import { asRoot, rpc, setCookies } from './livechat.js';

/** One step of a purpose-built script: `answers` for questions, `onlyIf` names answers of earlier questions. */
export interface StepSpec {
  key: string;
  type: string;
  message?: string | false;
  answers?: (string | { name: string; redirect_link?: string })[];
  onlyIf?: string[];
  crmTeamId?: number;
  helpdeskTeamId?: number;
}

export interface BuiltScript {
  id: number;
  partnerId: number;
  sourceId: number;
  steps: Record<string, number>;
  answers: Record<string, number>;
}

/**
 * Creates a script through the ORM (as the form would), with steps in the given order and answers
 * keyed by their label, and optionally a rule playing it on live chat channel `channelId`.
 */
export async function buildScript(app: FastifyInstance, title: string, steps: StepSpec[], rule?: { channelId: number; regexUrl?: string; onlyIfNoOperator?: boolean; sequence?: number }): Promise<BuiltScript> {
  return asRoot(app, async (env) => {
    const [id] = await env.model('chatbot.script').create([{ title }]);
    const out: BuiltScript = { id: id!, partnerId: 0, sourceId: 0, steps: {}, answers: {} };
    for (const spec of steps) {
      const triggers = (spec.onlyIf ?? []).map((a) => {
        if (!(a in out.answers)) throw new Error(`unknown answer ${a}`);
        return out.answers[a]!;
      });
      const [stepId] = await env.model('chatbot.script.step').create([{
        chatbot_script_id: id, step_type: spec.type, message: spec.message === undefined ? `${spec.key} says hi` : spec.message,
        triggering_answer_ids: [[6, 0, triggers]], crm_team_id: spec.crmTeamId ?? false, helpdesk_team_id: spec.helpdeskTeamId ?? false,
      }]);
      out.steps[spec.key] = stepId!;
      for (const [i, a] of (spec.answers ?? []).entries()) {
        const vals = typeof a === 'string' ? { name: a } : a;
        const [answerId] = await env.model('chatbot.script.answer').create([{ script_step_id: stepId, sequence: i + 1, ...vals }]);
        out.answers[vals.name] = answerId!;
      }
    }
    const [row] = await env.model('chatbot.script').read([id!], ['operator_partner_id', 'source_id']);
    out.partnerId = (row!.operator_partner_id as [number, string])[0];
    out.sourceId = (row!.source_id as [number, string])[0];
    if (rule) {
      await env.model('im_livechat.channel.rule').create([{
        channel_id: rule.channelId, regex_url: rule.regexUrl ?? false, chatbot_script_id: id, action: 'auto_popup',
        chatbot_only_if_no_operator: rule.onlyIfNoOperator ?? false, sequence: rule.sequence ?? 10,
      }]);
    }
    return out;
  });
}

/** A visitor talking to a bot over the widget's routes: the session's uuid and the visitor's cookies. */
export class BotVisitorClient {
  constructor(readonly app: FastifyInstance, readonly scriptId: number, readonly channelId: number, readonly uuid: string, readonly cookie: string, readonly guestToken: string | null) {}

  /** `/im_livechat/get_session` for the script on live chat channel `livechatChannelId` (persisted). */
  static async start(app: FastifyInstance, livechatChannelId: number, scriptId: number, cookie = ''): Promise<BotVisitorClient> {
    const { res, body } = await rpc(app, '/im_livechat/get_session', {
      channel_id: livechatChannelId, anonymous_name: 'Visitor', chatbot_script_id: scriptId, previous_operator_id: null, persisted: true,
    }, cookie ? { cookie } : {});
    if (!body.result) throw new Error(`no session: ${JSON.stringify(body)}`);
    const guest = setCookies(res).dgid;
    const cookies = [cookie, guest ? `dgid=${guest}` : ''].filter(Boolean).join('; ');
    return new BotVisitorClient(app, scriptId, body.result.id, body.result.uuid, cookies, body.result.guest_token ?? null);
  }

  private call(url: string, params: Record<string, unknown>): Promise<RpcBody> {
    return rpc(this.app, url, { channel_uuid: this.uuid, ...params }, this.cookie ? { cookie: this.cookie } : {}).then((r) => r.body);
  }

  postWelcomeSteps(): Promise<RpcBody> { return this.call('/chatbot/post_welcome_steps', { chatbot_script_id: this.scriptId }); }
  trigger(): Promise<RpcBody> { return this.call('/chatbot/step/trigger', { chatbot_script_id: this.scriptId }); }
  saveAnswer(messageId: number, answerId: number): Promise<RpcBody> { return this.call('/chatbot/answer/save', { message_id: messageId, selected_answer_id: answerId }); }
  validateEmail(): Promise<RpcBody> { return this.call('/chatbot/step/validate_email', {}); }
  restart(): Promise<RpcBody> { return this.call('/chatbot/restart', { chatbot_script_id: this.scriptId }); }

  /** The visitor's message, as the composer posts it. */
  async say(text: string): Promise<RpcBody> {
    const { body } = await rpc(this.app, '/mail/message/post', {
      thread_model: 'discuss.channel', thread_id: this.channelId,
      post_data: { body: text, attachment_ids: [], message_type: 'comment', partner_ids: [], subtype_xmlid: 'mail.mt_comment' },
    }, this.cookie ? { cookie: this.cookie } : {});
    if (body.error) throw new Error(`post failed: ${JSON.stringify(body.error)}`);
    return body;
  }

  /**
   * What the widget does when the visitor clicks an answer of the question `questionMessageId`
   * asked: posts the label, saves the answer, then asks for the next step.
   */
  async choose(questionMessageId: number, answerId: number, label: string): Promise<RpcBody> {
    await this.say(label);
    await this.saveAnswer(questionMessageId, answerId);
    return this.trigger();
  }
}
