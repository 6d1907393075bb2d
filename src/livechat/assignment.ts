import { sql } from 'kysely';
import { availableOperatorRows } from '../models/im_livechat_channel.js';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';

/** A source of numbers in [0, 1), as Math.random; tests inject a fixed one. */
export type RandomSource = () => number;

/** An available operator: a user of the live chat channel whose presence is online. */
export interface Operator {
  userId: Id;
  partnerId: Id;
  /** res.partner lang (the operator's main language), e.g. `fr_BE`. */
  lang: string | null;
  /** Codes of the user's `livechat_lang_ids` (additional languages). */
  livechatLangs: string[];
  countryId: Id | null;
  countryCode: string | null;
  /** How sessions name the operator (session names, "<name> has joined"): its live chat username, else its name. */
  name: string;
  /** Its live chats counted by the load statistics (activeLivechat). */
  activeChats: number;
}

/** One row of the load statistics (§3.2): an operator with at least one active live chat. */
export interface OperatorStatus { partnerId: Id; count: number; inCall: boolean }

export interface AssignmentInput {
  /** Partner id of the visitor's previous operator (cookie `im_livechat_previous_operator_pid`). */
  previousOperatorId?: Id | null;
  /** The visitor's language code (`frontend_lang`), e.g. `fr_BE`. */
  lang?: string | null;
  /** The visitor's res.country id. */
  countryId?: Id | null;
}

export interface Assignment {
  operator: Operator;
  /** Why this operator was chosen, short and readable (stored as discuss.channel.livechat_assignment_reason). */
  reason: string;
}

/**
 * SQL: whether the discuss.channel row `c` counts in the load statistics (§3.2): a live chat
 * created in the last 24 hours that is still active or had a message in the last 30 minutes.
 */
const activeLivechat = (c: string) => {
  const col = (name: string) => sql.ref(`${c}.${name}`);
  return sql`${col('channel_type')} = 'livechat'
    AND ${col('create_date')} > (now() AT TIME ZONE 'utc') - interval '1 day'
    AND (${col('livechat_active')} OR EXISTS (SELECT 1 FROM mail_message m WHERE m.model = 'discuss.channel' AND m.res_id = ${col('id')}
      AND m.create_date > (now() AT TIME ZONE 'utc') - interval '30 minutes'))`;
};

/** The channel's operators whose presence is exactly `online` (`available_operator_ids`), in user id order. */
export async function availableOperatorDetails(env: Env, livechatChannelId: Id): Promise<Operator[]> {
  const { rows } = await sql<{ user_id: Id; partner_id: Id; lang: string | null; country_id: Id | null; country_code: string | null; langs: string[] | null; username: string | null; name: string | null; active_chats: number }>`
    SELECT u.id AS user_id, p.id AS partner_id, p.lang, p.country_id, c.code AS country_code,
      (SELECT array_agg(l.code ORDER BY l.id) FROM res_users_settings s
        JOIN res_users_settings_res_lang_rel r ON r.res_users_settings_id = s.id
        JOIN res_lang l ON l.id = r.res_lang_id WHERE s.user_id = u.id) AS langs,
      (SELECT s.livechat_username FROM res_users_settings s WHERE s.user_id = u.id LIMIT 1) AS username, p.name,
      (SELECT count(*)::int FROM discuss_channel c WHERE c.livechat_operator_id = p.id AND ${activeLivechat('c')}) AS active_chats
    FROM res_users u JOIN res_partner p ON p.id = u.partner_id LEFT JOIN res_country c ON c.id = p.country_id
    WHERE u.id IN (SELECT a.user_id FROM (${availableOperatorRows([livechatChannelId])}) a) ORDER BY u.id`.execute(env.trx);
  return rows.map((r) => ({
    userId: r.user_id, partnerId: r.partner_id, lang: r.lang, livechatLangs: r.langs ?? [],
    countryId: r.country_id, countryCode: r.country_code, name: r.username || r.name || '', activeChats: Number(r.active_chats),
  }));
}

/**
 * Load statistics (§3.2) of the operators read by availableOperatorDetails: those with at least one
 * active live chat (activeLivechat) and their count, ordered as Odoo orders them: `count < 2 or not
 * in a call` first, then fewest chats, then not in a call. This service has no calls (no RTC
 * sessions), so `inCall` is always false.
 */
export function operatorStatuses(operators: Operator[]): OperatorStatus[] {
  const statuses = operators.filter((o) => o.activeChats > 0).map((o) => ({ partnerId: o.partnerId, count: o.activeChats, inCall: false }));
  const rank = (s: OperatorStatus) => (s.count < 2 || !s.inCall ? 0 : 1);
  return statuses.sort((a, b) => rank(a) - rank(b) || a.count - b.count || Number(a.inCall) - Number(b.inCall) || a.partnerId - b.partnerId);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A uniformly random element (Odoo's `random.choice`). */
function choice<T>(items: T[], random: RandomSource): T {
  const i = Math.min(items.length - 1, Math.max(0, Math.floor(random() * items.length)));
  return items[i]!;
}

/**
 * `_get_less_active_operator(statuses, operators)`: an operator without active chat if any (random
 * among them), else one of those sharing the best status (random among them). Returns the
 * operator and a description of the load part of the decision.
 */
export function lessActiveOperator(statuses: OperatorStatus[], operators: Operator[], random: RandomSource): { operator: Operator; load: string } | null {
  if (!operators.length) return null;
  const partners = new Set(operators.map((o) => o.partnerId));
  const relevant = statuses.filter((s) => partners.has(s.partnerId));
  const busy = new Set(relevant.map((s) => s.partnerId));
  const idle = operators.filter((o) => !busy.has(o.partnerId));
  if (idle.length) {
    const operator = choice(idle, random);
    return { operator, load: idle.length > 1 ? `no active chat, picked at random among ${idle.length}` : 'no active chat' };
  }
  const best = relevant[0]!;
  const tied = relevant.filter((s) => s.count === best.count && s.inCall === best.inCall).map((s) => s.partnerId);
  const candidates = operators.filter((o) => tied.includes(o.partnerId));
  const operator = choice(candidates, random);
  const load = `least active (${plural(best.count, 'active chat')}${best.inCall ? ', in a call' : ''})`;
  return { operator, load: candidates.length > 1 ? `${load}, picked at random among ${candidates.length}` : load };
}

/**
 * `im_livechat.channel._get_operator(previous_operator_id, lang, country_id)` (early-2025 17.0):
 * among online operators, the previous operator unless overloaded (>= 2 active chats and in a
 * call); else the least active operator speaking the visitor's language (main language, then
 * additional live chat languages); else the least active one from the visitor's country; else the
 * least active of all. Null when nobody is online. The reason says which rule decided.
 */
export async function getOperator(env: Env, livechatChannelId: Id, input: AssignmentInput = {}, random: RandomSource = Math.random): Promise<Assignment | null> {
  const operators = await availableOperatorDetails(env, livechatChannelId);
  if (!operators.length) return null;
  const statuses = operatorStatuses(operators);

  const previousId = input.previousOperatorId ?? null;
  if (previousId !== null) {
    const previous = operators.find((o) => o.partnerId === previousId);
    if (previous) {
      const status = statuses.find((s) => s.partnerId === previousId);
      if (!status || status.count < 2 || !status.inCall) {
        return { operator: previous, reason: `previous operator of the visitor (${plural(status?.count ?? 0, 'active chat')})` };
      }
    }
  }

  const { lang, countryId } = input;
  if (lang) {
    const sameLang = lessActiveOperator(statuses, operators.filter((o) => o.lang === lang), random);
    if (sameLang) return { operator: sameLang.operator, reason: `main language ${lang}; ${sameLang.load}` };
    const extraLang = lessActiveOperator(statuses, operators.filter((o) => o.livechatLangs.includes(lang)), random);
    if (extraLang) return { operator: extraLang.operator, reason: `additional language ${lang}; ${extraLang.load}` };
  }
  if (countryId) {
    const sameCountry = operators.filter((o) => o.countryId === countryId);
    const found = lessActiveOperator(statuses, sameCountry, random);
    if (found) return { operator: found.operator, reason: `country ${sameCountry[0]!.countryCode ?? countryId}; ${found.load}` };
  }
  const any = lessActiveOperator(statuses, operators, random)!;
  const unmatched = [lang ? `language ${lang}` : '', countryId ? 'country' : ''].filter(Boolean);
  const prefix = unmatched.length ? `no operator matched the visitor's ${unmatched.join(' or ')}` : 'any available operator';
  return { operator: any.operator, reason: `${prefix}; ${any.load}` };
}
