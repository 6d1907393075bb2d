import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { NotFound } from '../errors.js';
import { touchCannedResponses } from '../livechat/canned.js';
import { guestFromRequest, guestFromToken } from '../mail/guest.js';
import { channelInfo } from '../mail/format.js';
import { channelMessages, initMessagingGuest, initMessagingUser } from '../mail/messaging.js';
import { channelFold, channelMemberOf, channelSeen, notifyTyping, postMessage, type Persona } from '../mail/thread.js';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';
import { runInTransaction } from '../orm/transaction.js';
import { jsonRoute, requireParams, type JsonCall } from '../rpc/json-route.js';

/** Who calls a mail route: a logged-in user (with its partner), a guest, or nobody (public). */
interface Actor { uid: number; partnerId: Id | null; guestId: Id | null; context: Record<string, unknown> }

const toInt = (v: unknown): Id | null => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return null;
};
const toId = (v: unknown): Id => {
  const id = toInt(v);
  if (id === null) throw new NotFound();
  return id;
};

/**
 * Odoo's mail and discuss JSON routes used by the live chat widget and by operators
 * (addons/mail/controllers/{thread,webclient,link_preview}.py, controllers/discuss/channel.py),
 * and their `/im_livechat/cors/*` twins that take the guest as a `guest_token` parameter
 * (addons/im_livechat/controllers/cors/*.py). A user acts on the channels its record rules let it
 * read; a guest only on the channels it is a member of; anything else is a 404 NotFound.
 */
export default fp(async (app) => {
  let publicUid: number | undefined;
  async function publicUser(): Promise<number> {
    if (publicUid === undefined) {
      const { rows } = await sql<{ res_id: number }>`SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'public_user'`.execute(app.db);
      publicUid = rows[0]?.res_id ?? 3;
    }
    return publicUid;
  }

  /** `add_guest_to_context` (cookie) or, on CORS routes, `force_guest_env(guest_token)`. */
  async function actorOf(call: JsonCall, cors: boolean): Promise<Actor> {
    if (cors) {
      const guest = await guestFromToken(app.db, call.params.guest_token);
      if (!guest) throw new NotFound();
      return { uid: await publicUser(), partnerId: null, guestId: guest.id, context: { lang: guest.lang ?? 'en_US' } };
    }
    const { session } = call;
    if (session?.uid !== null && session?.uid !== undefined) {
      const { rows } = await sql<{ partner_id: number; active: boolean }>`SELECT partner_id, active FROM res_users WHERE id = ${session.uid}`.execute(app.db);
      const partnerId = rows[0]?.active ? rows[0].partner_id : null;
      if (partnerId !== null) return { uid: session.uid, partnerId, guestId: null, context: session.context };
    }
    const guest = await guestFromRequest(app.db, call.request);
    return { uid: await publicUser(), partnerId: null, guestId: guest?.id ?? null, context: { lang: guest?.lang ?? session?.context?.lang ?? 'en_US' } };
  }

  const persona = (a: Actor): Persona => ({ partnerId: a.partnerId, guestId: a.guestId });
  const run = <T>(actor: Actor, fn: (env: Env) => Promise<T>) => runInTransaction(app.database, app.registry, actor.uid, actor.context, fn);

  /**
   * `request.env["discuss.channel"].search([("id", "=", channel_id)])`: a user finds the channels
   * its record rules show; a guest the ones it is a member of. Not found is a NotFound.
   */
  async function accessibleChannel(env: Env, actor: Actor, channelId: unknown, includeArchived = false): Promise<Id> {
    const id = toId(channelId);
    if (actor.partnerId !== null) {
      const model = env.model('discuss.channel');
      const found = await model.with(env.withContext({ ...env.context, active_test: !includeArchived })).search([['id', '=', id]]);
      if (found.length) return id;
    } else if (actor.guestId !== null) {
      const { rows } = await sql<{ id: Id }>`SELECT c.id FROM discuss_channel c JOIN discuss_channel_member m ON m.channel_id = c.id
        WHERE c.id = ${id} AND m.guest_id = ${actor.guestId}${includeArchived ? sql`` : sql` AND c.active`}`.execute(env.trx);
      if (rows.length) return id;
    }
    throw new NotFound();
  }

  /** Registers a route and, when `corsPath` is given, its `/im_livechat/cors/*` twin. */
  function route(path: string, corsPath: string | null, handler: (call: JsonCall, actor: Actor) => Promise<unknown>, required: { qualname: string; corsQualname?: string; names: string[] }): void {
    jsonRoute(app, path, { auth: 'public' }, async (call) => {
      requireParams(call.params, required.qualname, required.names);
      return handler(call, await actorOf(call, false));
    });
    if (corsPath) {
      jsonRoute(app, corsPath, { auth: 'public', cors: '*' }, async (call) => {
        requireParams(call.params, required.corsQualname ?? required.qualname, ['guest_token', ...required.names]);
        return handler(call, await actorOf(call, true));
      });
    }
  }

  route('/mail/init_messaging', '/im_livechat/cors/init_messaging', async (_call, actor) => {
    if (actor.partnerId !== null) return run(actor, (env) => initMessagingUser(env, actor.uid, actor.partnerId!));
    if (actor.guestId !== null) return run(actor, (env) => initMessagingGuest(env, actor.guestId!));
    throw new NotFound();
  }, { qualname: 'WebclientController.mail_init_messaging', corsQualname: 'LivechatWebclientController.livechat_init_messaging', names: [] });

  route('/mail/message/post', '/im_livechat/cors/message/post', async ({ params }, actor) => {
    const postData = params.post_data && typeof params.post_data === 'object' && !Array.isArray(params.post_data) ? params.post_data as Record<string, unknown> : {};
    // abuse limits: body size for everyone, message rate for visitors (guests)
    app.limits.checkMessageBody(postData.body);
    if (actor.partnerId === null && actor.guestId !== null) app.limits.messages.take(`guest:${actor.guestId}`);
    const context = params.context && typeof params.context === 'object' ? params.context as Record<string, unknown> : {};
    return run(actor, async (env) => {
      // an unknown model fails as `request.env[thread_model]` does; discuss channels are the only threads served
      env.model(String(params.thread_model));
      if (params.thread_model !== 'discuss.channel') throw new NotFound();
      // a guest's membership is checked with the channel read of postMessage (one round trip less)
      const guestAuthor = actor.partnerId === null && actor.guestId !== null;
      const channelId = guestAuthor ? toId(params.thread_id) : await accessibleChannel(env, actor, params.thread_id, true);
      const partnerIds = Array.isArray(postData.partner_ids) ? postData.partner_ids.filter((p): p is number => Number.isInteger(p)) : [];
      const temporaryId = typeof context.temporary_id === 'number' ? context.temporary_id : undefined;
      const message = await postMessage(env, channelId, persona(actor), {
        // the composer sends HTML (escaped text, <br/>, mention links): stored sanitized as Odoo's Html body
        body: typeof postData.body === 'string' ? postData.body : '',
        messageType: postData.message_type === 'notification' ? 'notification' : 'comment',
        subtypeXmlid: postData.subtype_xmlid === 'mail.mt_note' ? 'mail.mt_note' : 'mail.mt_comment',
        partnerIds,
        parentId: toInt(postData.parent_id),
        temporaryId,
        guestMustBeMember: guestAuthor,
      });
      await touchCannedResponses(env, postData.canned_response_ids);
      return message;
    });
  }, { qualname: 'ThreadController.mail_message_post', corsQualname: 'LivechatThreadController.livechat_message_post', names: ['thread_model', 'thread_id', 'post_data'] });

  route('/discuss/channel/messages', '/im_livechat/cors/channel/messages', async ({ params }, actor) => run(actor, async (env) => {
    const channelId = await accessibleChannel(env, actor, params.channel_id);
    return channelMessages(env, channelId, {
      searchTerm: typeof params.search_term === 'string' ? params.search_term : null,
      before: toInt(params.before), after: toInt(params.after), around: toInt(params.around),
      limit: 'limit' in params ? toInt(params.limit) ?? 30 : 30,
    });
  }), { qualname: 'ChannelController.discuss_channel_messages', corsQualname: 'LivechatChannelController.livechat_channel_messages', names: ['channel_id'] });

  route('/discuss/channel/set_last_seen_message', '/im_livechat/cors/channel/set_last_seen_message', async ({ params }, actor) => run(actor, async (env) => {
    const channelId = await accessibleChannel(env, actor, params.channel_id);
    return channelSeen(env, channelId, persona(actor), toInt(params.last_message_id), Boolean(params.allow_older));
  }), { qualname: 'ChannelController.discuss_channel_mark_as_seen', corsQualname: 'LivechatChannelController.livechat_channel_mark_as_seen', names: ['channel_id', 'last_message_id'] });

  route('/discuss/channel/notify_typing', null, async ({ params }, actor) => run(actor, async (env) => {
    const id = toInt(params.channel_id);
    const member = id === null ? null : await channelMemberOf(env, id, persona(actor));
    if (!member) throw new NotFound();
    await notifyTyping(env, member, Boolean(params.is_typing));
    return null;
  }), { qualname: 'ChannelController.discuss_channel_notify_typing', names: ['channel_id', 'is_typing'] });

  // the fold state of the caller's own chat window (the web client also uses channel_fold over call_kw)
  route('/discuss/channel/fold', null, async ({ params }, actor) => run(actor, async (env) => {
    const channelId = await accessibleChannel(env, actor, params.channel_id);
    await channelFold(env, channelId, persona(actor), typeof params.state === 'string' ? params.state : null, toInt(params.state_count) ?? 0);
    return null;
  }), { qualname: 'ChannelController.discuss_channel_fold', names: ['channel_id'] });

  // the header of one channel, or nothing when it is not (or no longer) accessible
  route('/discuss/channel/info', null, async ({ params }, actor) => run(actor, async (env) => {
    const channelId = await accessibleChannel(env, actor, params.channel_id).catch((err) => { if (err instanceof NotFound) return null; throw err; });
    return channelId === null ? null : (await channelInfo(env, [channelId], persona(actor)))[0] ?? null;
  }), { qualname: 'ChannelController.discuss_channel_info', names: ['channel_id'] });

  // link previews are not generated: the widget asks after each post (hasLinkPreviewFeature) and gets nothing
  route('/mail/link_preview', '/im_livechat/cors/link_preview', async (_call, actor) => {
    if (actor.partnerId === null && actor.guestId === null) throw new NotFound();
    return null;
  }, { qualname: 'LinkPreviewController.mail_link_preview', corsQualname: 'LivechatLinkPreviewController.livechat_link_preview', names: ['message_id'] });
  route('/mail/link_preview/delete', '/im_livechat/cors/link_preview/delete', async (_call, actor) => {
    if (actor.partnerId === null && actor.guestId === null) throw new NotFound();
    return null;
  }, { qualname: 'LinkPreviewController.mail_link_preview_delete', corsQualname: 'LivechatLinkPreviewController.livechat_link_preview_delete', names: ['link_preview_ids'] });

}, { name: 'odoo-mail-routes', dependencies: ['odoo-db', 'odoo-session', 'odoo-rate-limit'] });
