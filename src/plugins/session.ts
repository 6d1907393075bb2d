import { randomBytes } from 'node:crypto';
import '@fastify/cookie';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { noteUser } from '../orm/call-info.js';
import type { Context } from '../orm/env.js';
import { sessionToken } from '../security/auth.js';

const SID_RE = /^[a-f0-9]{40}$/;
const COOKIE = 'session_id';

/** An Odoo HTTP session (odoo/http.py Session), stored in http_session so any instance can serve it. */
export interface OdooSession {
  sid: string;
  uid: number | null;
  login: string | null;
  db: string | null;
  context: Context;
  /** Came from the X-Openerp-Session-Id header or `?session_id=`: used for this request only, never sent back as a cookie. */
  explicit: boolean;
  isNew: boolean;
  /** The cookie must be (re)sent. */
  dirty: boolean;
  data: Record<string, unknown>;
  /**
   * The access rights generation when the session was read (security/access.ts): read with the
   * session so a call needs no query of its own to know its cached rights are current. Not stored.
   */
  accessGeneration?: number;
}

export interface SessionStore {
  load(request: FastifyRequest): Promise<OdooSession>;
  /** Persists the session and sets the cookie when needed. */
  save(reply: FastifyReply, session: OdooSession): Promise<void>;
  /** Logs in: new session id (rotation), user and context set. */
  login(session: OdooSession, uid: number, login: string, db: string, context: Context): Promise<void>;
  /** Logs out and rotates the id (Odoo keeps the db unless `keepDb` is false). */
  logout(session: OdooSession, keepDb?: boolean): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance { sessions: SessionStore }
}

const newSid = () => randomBytes(20).toString('hex');

function defaultContext(request: FastifyRequest): Context {
  const accept = String(request.headers['accept-language'] ?? '');
  const first = accept.split(',')[0]?.trim().split(';')[0]?.replace('-', '_') ?? '';
  return { lang: /^[a-z]{2}_[A-Z]{2}$/.test(first) ? first : 'en_US' };
}

interface SessionRow {
  sid: string; uid: number | null; login: string | null; db: string | null; context: Context;
  session_token: string | null; data: Record<string, unknown>;
  u_login: string | null; u_password: string | null; u_active: boolean | null;
  /** last_seen is more than a minute old. */
  stale: boolean;
  access_generation: number | null;
}

/** Database-backed sessions with the session_id cookie (and the early-17.0 X-Openerp-Session-Id header / ?session_id=). */
export default fp(async (app, opts: { secret: () => string; maxInactivitySeconds: number }) => {
  const db = app.db;
  const tokenFor = (sid: string, uid: number, row: { u_login: string | null; u_password: string | null; u_active: boolean | null }) =>
    sessionToken(opts.secret(), sid, { id: uid, login: row.u_login ?? '', password: row.u_password, active: Boolean(row.u_active) });

  const store: SessionStore = {
    async load(request) {
      // early 17.0 also takes an explicit id from the X-Openerp-Session-Id header or ?session_id=
      const header = request.headers['x-openerp-session-id'];
      const query = (request.query as Record<string, unknown> | undefined)?.session_id;
      const explicitSid = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;
      const fromHeader = explicitSid && SID_RE.test(explicitSid) ? explicitSid : undefined;
      const cookie = request.cookies?.[COOKIE];
      const sid = fromHeader ?? (cookie && SID_RE.test(cookie) ? cookie : undefined);
      if (sid) {
        const { rows } = await sql<SessionRow>`
          SELECT s.sid, s.uid, s.login, s.db, s.context, s.session_token, s.data,
                 u.login AS u_login, u.password AS u_password, u.active AS u_active,
                 s.last_seen < (now() AT TIME ZONE 'utc') - interval '60 seconds' AS stale,
                 (SELECT generation FROM access_signaling WHERE id = 1) AS access_generation
          FROM http_session s LEFT JOIN res_users u ON u.id = s.uid
          WHERE s.sid = ${sid} AND s.last_seen > (now() AT TIME ZONE 'utc') - make_interval(secs => ${opts.maxInactivitySeconds})`.execute(db);
        const row = rows[0];
        if (row) {
          const session: OdooSession = {
            sid: row.sid, uid: row.uid, login: row.login, db: row.db, context: row.context ?? {}, data: row.data ?? {},
            explicit: Boolean(fromHeader), isNew: false, dirty: false,
            accessGeneration: row.access_generation === null ? undefined : Number(row.access_generation),
          };
          // a password change or archived user invalidates the session (session_token check): Odoo
          // logs it out keeping the db, which rotates the id (the old one is gone for good)
          if (row.uid !== null && (!row.u_active || row.session_token !== tokenFor(row.sid, row.uid, row))) {
            await sql`DELETE FROM http_session WHERE sid = ${row.sid}`.execute(db);
            return {
              ...session, sid: newSid(), uid: null, login: null, context: defaultContext(request), data: {},
              isNew: true, dirty: true,
            };
          }
          // last_seen moves at most once a minute; a fresh session costs no write (one query per request)
          if (row.stale) {
            await sql`UPDATE http_session SET last_seen = (now() AT TIME ZONE 'utc')
              WHERE sid = ${sid} AND last_seen < (now() AT TIME ZONE 'utc') - interval '60 seconds'`.execute(db);
          }
          noteUser(session.uid);
          return session;
        }
      }
      return { sid: newSid(), uid: null, login: null, db: null, context: defaultContext(request), data: {}, explicit: false, isNew: true, dirty: false };
    },

    async save(reply, session) {
      if (!session.dirty) return;
      let token: string | null = null;
      if (session.uid !== null) {
        const { rows } = await sql<{ u_login: string; u_password: string | null; u_active: boolean }>`
          SELECT login AS u_login, password AS u_password, active AS u_active FROM res_users WHERE id = ${session.uid}`.execute(db);
        if (rows[0]) token = tokenFor(session.sid, session.uid, rows[0]);
      }
      await sql`INSERT INTO http_session (sid, uid, login, db, context, session_token, data)
        VALUES (${session.sid}, ${session.uid}, ${session.login}, ${session.db}, ${JSON.stringify(session.context)}, ${token}, ${JSON.stringify(session.data)})
        ON CONFLICT (sid) DO UPDATE SET uid = EXCLUDED.uid, login = EXCLUDED.login, db = EXCLUDED.db, context = EXCLUDED.context,
          session_token = EXCLUDED.session_token, data = EXCLUDED.data, last_seen = (now() AT TIME ZONE 'utc')`.execute(db);
      if (!session.explicit) {
        reply.setCookie(COOKIE, session.sid, {
          // HttpOnly: scripts cannot read it; SameSite=Lax: other sites' requests (CSRF) do not carry it
          path: '/', httpOnly: true, maxAge: opts.maxInactivitySeconds, sameSite: 'lax',
          expires: new Date(Date.now() + 365 * 24 * 3600 * 1000),
        });
      }
    },

    async login(session, uid, login, dbName, context) {
      if (!session.isNew) await sql`DELETE FROM http_session WHERE sid = ${session.sid}`.execute(db);
      Object.assign(session, { sid: newSid(), uid, login, db: dbName, context, isNew: true, dirty: true, explicit: false });
      noteUser(uid);
      // sessions unused for longer than the inactivity limit are collected at login (Odoo's session GC)
      await sql`DELETE FROM http_session WHERE last_seen < (now() AT TIME ZONE 'utc') - make_interval(secs => ${opts.maxInactivitySeconds})`.execute(db);
    },

    async logout(session, keepDb = true) {
      if (!session.isNew) await sql`DELETE FROM http_session WHERE sid = ${session.sid}`.execute(db);
      Object.assign(session, { sid: newSid(), uid: null, login: null, db: keepDb ? session.db : null, isNew: true, dirty: true, explicit: false });
    },
  };
  app.decorate('sessions', store);
}, { name: 'odoo-session', dependencies: ['odoo-db'] });
