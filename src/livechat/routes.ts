import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFound } from '../errors.js';
import { GUEST_COOKIE } from '../mail/guest.js';
import { SUPERUSER_ID, type Env } from '../orm/env.js';
import { runInTransaction } from '../orm/transaction.js';
import type { OdooSession } from '../plugins/session.js';
import { jsonRoute, requireParams } from '../rpc/json-route.js';
import { emailTranscript, feedback, history, visitorLeaveSession } from './actions.js';
import type { RandomSource } from './assignment.js';
import { baseUrl, channelRow, livechatInfo, loaderScript, operatorAvatar, supportPage } from './pages.js';
import { loadScript, scriptForFrontend } from './chatbot-script.js';
import { countryIdOf, matchRule } from './rules.js';
import { getSession, livechatChannel } from './session.js';
import { callerOf, ONE_YEAR_MS, trackPage, VISITOR_COOKIE, type Caller } from './visitor.js';

export interface LivechatService {
  /** Tie-breaking between equally loaded operators (Math.random; tests set a fixed source). */
  random: RandomSource;
}

declare module 'fastify' {
  interface FastifyInstance { livechat: LivechatService }
}

const NOT_FOUND_PAGE = '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';

/** The guest cookie as Odoo sets it (`_set_auth_cookie`): raw `<id>|<token>`, HttpOnly, one year. */
function setGuestCookie(reply: FastifyReply, token: string): void {
  // SameSite=Lax: the cookie is not sent by other sites' requests (the embedded widget uses guest_token)
  reply.setCookie(GUEST_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', expires: new Date(Date.now() + ONE_YEAR_MS), encode: (v) => v });
}

/**
 * The visitor side of live chat (im_livechat/controllers/main.py and cors/*.py, website_livechat):
 * widget loader and support page, init (rules), get_session (operator assignment), feedback,
 * history, transcript, leaving, operator avatars, and page tracking for website visitors.
 */
export default fp(async (app: FastifyInstance, opts: { random?: RandomSource }) => {
  const service: LivechatService = { random: opts.random ?? Math.random };
  app.decorate('livechat', service);

  const run = <T>(caller: Caller, session: OdooSession | undefined, fn: (env: Env) => Promise<T>) =>
    runInTransaction(app.database, app.registry, caller.uid, { ...(session?.context ?? {}) }, fn);
  const readOnly = <T>(fn: (env: Env) => Promise<T>) => runInTransaction(app.database, app.registry, SUPERUSER_ID, {}, fn);

  // ---------------------------------------------------------------- init

  jsonRoute(app, '/im_livechat/init', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatController.livechat_init', ['channel_id']);
    const caller = await callerOf(app.db, request, session, params, false);
    return run(caller, session, async (env) => {
      const channel = await livechatChannel(env, params.channel_id, { countOperators: true });
      const operators = channel.operators;
      const countryId = await countryIdOf(env, request);
      const referer = request.headers.referer ?? '';
      const matched = await matchRule(env, channel.id, referer, countryId, operators > 0);
      const rule: Record<string, unknown> = matched
        ? { action: matched.action, auto_popup_timer: matched.auto_popup_timer, regex_url: matched.regex_url ?? false }
        : {};
      // the rule's chatbot (match_rule already passed over archived or empty scripts)
      const script = matched?.chatbot_script_id ? await loadScript(env, matched.chatbot_script_id) : null;
      if (script) rule.chatbot = scriptForFrontend(script);
      // Python: `rule.chatbot or operators_available and (not rule or rule['action'] != 'hide_button')`,
      // so the chatbot itself, else 0 when nobody is online
      const availableForMe = rule.chatbot ?? (operators ? (!('action' in rule) || rule.action !== 'hide_button') : 0);
      return { odoo_version: '17.0', available_for_me: availableForMe, rule };
    });
  });

  // ---------------------------------------------------------------- sessions

  const getSessionHandler = (cors: boolean) => async ({ params, session, request, reply }: { params: Record<string, unknown>; session: OdooSession; request: FastifyRequest; reply: FastifyReply }) => {
    requireParams(params, cors ? 'CorsLivechatController.cors_get_session' : 'LivechatController.get_session', ['channel_id', 'anonymous_name']);
    // on the CORS route an unknown guest_token is tolerated: the visitor gets a new guest
    // sessions created per client address are limited (a `persisted: false` call creates nothing)
    if (params.persisted === undefined || Boolean(params.persisted)) app.limits.sessions.take(request.ip);
    const caller = await callerOf(app.db, request, session, params, cors);
    const out = await run(caller, session, (env) => getSession(env, request, caller, params, service.random));
    if (out.newGuestToken) setGuestCookie(reply, out.newGuestToken);
    return out.result;
  };
  jsonRoute(app, '/im_livechat/get_session', { auth: 'public' }, getSessionHandler(false));
  jsonRoute(app, '/im_livechat/cors/get_session', { auth: 'public', cors: '*' }, getSessionHandler(true));

  jsonRoute(app, '/im_livechat/visitor_leave_session', { auth: 'public' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatController.visitor_leave_session', ['uuid']);
    const caller = await callerOf(app.db, request, session, params, false);
    await run(caller, session, (env) => visitorLeaveSession(env, params.uuid));
    return null;
  });
  jsonRoute(app, '/im_livechat/cors/visitor_leave_session', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'CorsLivechatController.cors_visitor_leave_session', ['guest_token', 'uuid']);
    const caller = await callerOf(app.db, request, session, params, true);
    if (!caller.guest) throw new NotFound();
    await run(caller, session, (env) => visitorLeaveSession(env, params.uuid));
    return null;
  });

  jsonRoute(app, '/im_livechat/feedback', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatController.feedback', ['uuid', 'rate']);
    const caller = await callerOf(app.db, request, session, params, false);
    return run(caller, session, (env) => feedback(env, caller, params));
  });

  jsonRoute(app, '/im_livechat/history', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatController.history_pages', ['pid', 'channel_uuid']);
    const caller = await callerOf(app.db, request, session, params, false);
    return run(caller, session, (env) => history(env, params));
  });

  jsonRoute(app, '/im_livechat/email_livechat_transcript', { auth: 'public', cors: '*' }, async ({ params, session, request }) => {
    requireParams(params, 'LivechatController.email_livechat_transcript', ['uuid', 'email']);
    const caller = await callerOf(app.db, request, session, params, false);
    await run(caller, session, async (env) => emailTranscript(env, caller, params, await baseUrl(env)));
    return null;
  });

  /**
   * Page views of a website visitor (what Odoo's website records itself on every page), kept in
   * website.track to feed `/im_livechat/history` and the operator's view of the visitor.
   * `{url, page_name?, visitor_token?}` -> `{visitor_id, visitor_token, tracked}`; the visitor is
   * the `visitor_uuid` cookie or, for cookie-less cross-origin calls, `visitor_token`; a new one is
   * created (and the cookie set) on a first page view.
   */
  jsonRoute(app, '/im_livechat/visitor/track', { auth: 'public', cors: '*' }, async ({ params, session, request, reply }) => {
    requireParams(params, 'LivechatController.visitor_track', ['url']);
    const caller = await callerOf(app.db, request, session, params, false);
    const out = await run(caller, session, (env) => trackPage(env, request, caller, params));
    if (out.created) reply.setCookie(VISITOR_COOKIE, out.visitor.access_token, { path: '/', httpOnly: true, expires: new Date(Date.now() + ONE_YEAR_MS) });
    return { visitor_id: out.visitor.id, visitor_token: out.visitor.access_token, tracked: out.tracked };
  });

  // ---------------------------------------------------------------- http pages

  app.get<{ Params: { channel_id: string }; Querystring: { username?: string } }>('/im_livechat/loader/:channel_id(^\\d+$)', async (request, reply) => {
    const session = await app.sessions.load(request);
    const caller = await callerOf(app.db, request, session, {}, false);
    const body = await readOnly(async (env) => {
      const channel = await channelRow(env, Number(request.params.channel_id));
      if (!channel) return null;
      const partnerId = caller.loggedIn ? caller.partnerId : null;
      const username = typeof request.query.username === 'string' && request.query.username ? request.query.username : 'Visitor';
      return loaderScript(await livechatInfo(env, channel, username, partnerId));
    });
    if (body === null) return reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE);
    return reply.type('application/javascript; charset=utf-8').send(body);
  });

  app.get<{ Params: { channel_id: string } }>('/im_livechat/support/:channel_id(^\\d+$)', async (request, reply) => {
    const page = await readOnly(async (env) => {
      const channel = await channelRow(env, Number(request.params.channel_id));
      return channel ? supportPage(channel, await baseUrl(env)) : null;
    });
    if (page === null) return reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE);
    return reply.type('text/html; charset=utf-8').send(page);
  });

  app.route<{ Params: { operator_id: string } }>({
    method: ['GET', 'OPTIONS'],
    url: '/im_livechat/operator/:operator_id(^\\d+$)/avatar',
    handler: async (request, reply) => {
      reply.header('Access-Control-Allow-Origin', '*').header('Access-Control-Allow-Methods', 'GET');
      if (request.method === 'OPTIONS') {
        return reply.code(204).header('Access-Control-Max-Age', '86400')
          .header('Access-Control-Allow-Headers', 'Origin, X-Requested-With, Content-Type, Accept, Authorization').send();
      }
      const avatar = await readOnly((env) => operatorAvatar(env, Number(request.params.operator_id)));
      return reply.type(avatar.type).header('Cache-Control', 'no-cache').send(avatar.body);
    },
  });

}, { name: 'odoo-livechat', dependencies: ['odoo-db', 'odoo-session', 'odoo-bus', 'odoo-rate-limit'] });
