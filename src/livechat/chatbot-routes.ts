import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { channelInfo } from '../mail/format.js';
import { htmlEscape } from '../mail/sanitize.js';
import { userPartner } from '../mail/thread.js';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';
import { runInTransaction } from '../orm/transaction.js';
import type { OdooSession } from '../plugins/session.js';
import { jsonRoute, requireParams } from '../rpc/json-route.js';
import { closeLivechatSession } from './actions.js';
import {
  botChannelByUuid, postWelcomeSteps, restartScript, saveAnswer, sessionScript, triggerNextStep, validateEmail,
  type BotChannel, type BotVisitor,
} from './chatbot.js';
import { loadScript, scriptForFrontend, welcomeSteps } from './chatbot-script.js';
import { callerOf, visitorLang, type Caller } from './visitor.js';

/**
 * The chatbot routes of Odoo 17 (im_livechat/controllers/chatbot.py: json, public, CORS `*`, the
 * session found by `channel_uuid`) and website_livechat's test page for a script's author.
 */
export default fp(async (app: FastifyInstance) => {
  const inSession = async <T>(request: FastifyRequest, session: OdooSession, params: Record<string, unknown>,
    fn: (env: Env, channel: BotChannel, visitor: BotVisitor) => Promise<T | null>): Promise<T | null> => {
    const caller: Caller = await callerOf(app.db, request, session, params, false);
    return runInTransaction(app.database, app.registry, caller.uid, { ...(session?.context ?? {}) }, async (env) => {
      const channel = await botChannelByUuid(env, params.channel_uuid);
      if (!channel) return null;
      const visitor: BotVisitor = {
        partnerId: caller.loggedIn ? caller.partnerId : null,
        guestId: caller.guest?.id ?? null,
        lang: await visitorLang(env, request),
        random: app.livechat.random,
      };
      return fn(env, channel, visitor);
    });
  };

  jsonRoute(app, '/chatbot/restart', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatChatbotScriptController.chatbot_restart', ['channel_uuid', 'chatbot_script_id']);
    return inSession(request, session, params, async (env, channel) => {
      const script = await sessionScript(env, channel, params.chatbot_script_id);
      return script ? restartScript(env, channel, script) : null;
    });
  });

  jsonRoute(app, '/chatbot/post_welcome_steps', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatChatbotScriptController.chatbot_post_welcome_steps', ['channel_uuid', 'chatbot_script_id']);
    return inSession(request, session, params, async (env, channel) => {
      const script = await sessionScript(env, channel, params.chatbot_script_id);
      return script ? postWelcomeSteps(env, channel, script) : null;
    });
  });

  jsonRoute(app, '/chatbot/answer/save', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatChatbotScriptController.chatbot_save_answer', ['channel_uuid', 'message_id', 'selected_answer_id']);
    await inSession(request, session, params, async (env, channel) => {
      await saveAnswer(env, channel, params.message_id, params.selected_answer_id);
      return null;
    });
    return null;
  });

  jsonRoute(app, '/chatbot/step/trigger', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatChatbotScriptController.chatbot_trigger_step', ['channel_uuid']);
    return inSession(request, session, params, (env, channel, visitor) => triggerNextStep(env, channel, params.chatbot_script_id ?? null, visitor));
  });

  jsonRoute(app, '/chatbot/step/validate_email', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatChatbotScriptController.chatbot_validate_email', ['channel_uuid']);
    return inSession(request, session, params, (env, channel) => validateEmail(env, channel));
  });

  /**
   * `/chatbot/<id>/test` (website_livechat, `auth='user'`): the author's earlier test sessions of
   * this script are closed, and a new session with the bot is opened for them, as a visitor's
   * would be (no live chat channel, so a forward never finds an operator). The page carries the
   * widget's test options (`isTestChatbot`, `testChatbotData`, `testChatbotChannelData`).
   */
  app.get<{ Params: { id: string } }>('/chatbot/:id(^\\d+$)/test', async (request, reply) => {
    const session = await app.sessions.load(request);
    if (!session || session.uid === null) {
      return reply.redirect(`/web/login?redirect=${encodeURIComponent(request.url)}`, 303);
    }
    const uid = session.uid;
    const page = await runInTransaction(app.database, app.registry, uid, { ...(session.context ?? {}) }, async (env) => {
      const scriptId = Number(request.params.id);
      // the script must be readable by the tester (live chat users)
      const model = env.model('chatbot.script');
      await model.checkAccessRights('read');
      const script = (await model.search([['id', '=', scriptId]])).length ? await loadScript(env, scriptId) : null;
      if (!script || !script.steps.length) return null;
      const partnerId = await userPartner(env, uid);
      if (partnerId === null) return null;
      const { rows: previous } = await sql<{ id: Id }>`SELECT c.id FROM discuss_channel c
        JOIN discuss_channel_member m ON m.channel_id = c.id AND m.partner_id = ${partnerId}
        JOIN chatbot_script_step st ON st.id = c.chatbot_current_step_id
        WHERE c.channel_type = 'livechat' AND c.livechat_active AND st.chatbot_script_id = ${script.id}`.execute(env.trx);
      for (const { id } of previous) await closeLivechatSession(env, id);
      const [channelId] = await env.model('discuss.channel').sudo().create([{
        channel_type: 'livechat',
        name: script.title,
        livechat_active: true,
        livechat_operator_id: script.operatorPartnerId,
        chatbot_current_step_id: welcomeSteps(script.steps).at(-1)!.id,
        anonymous_name: false,
        livechat_assignment_reason: `test of chatbot ${script.title}`,
        channel_member_ids: [[0, 0, { partner_id: script.operatorPartnerId, is_pinned: false }], [0, 0, { partner_id: partnerId }]],
      }]);
      const [channel] = await channelInfo(env, [channelId!], { partnerId, guestId: null });
      return testPage(script.id, script.title, {
        isTestChatbot: true,
        testChatbotData: scriptForFrontend(script),
        testChatbotChannelData: channel,
        current_partner_id: partnerId,
      });
    });
    if (page === null) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n');
    return reply.type('text/html; charset=utf-8').send(page);
  });
}, { name: 'odoo-chatbot', dependencies: ['odoo-db', 'odoo-session', 'odoo-livechat'] });

/** The test page: the banner of `im_livechat.chatbot_test_script_page` and the widget's options as JSON. */
function testPage(scriptId: Id, title: string, options: Record<string, unknown>): string {
  // `</` cannot end the script element early once escaped
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test: ${htmlEscape(title)}</title></head>
<body>
<div class="o_livechat_test_banner">You are currently testing <b>${htmlEscape(title)}</b> <a href="/web#id=${scriptId}&amp;model=chatbot.script&amp;view_type=form">&#8594; Back to edit mode</a></div>
<script type="application/json" id="livechat_test_options">${json}</script>
</body>
</html>
`;
}
