import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Env } from '../orm/env.js';
import type { Id } from '../orm/fields.js';

export interface LivechatRule {
  id: Id;
  regex_url: string | null;
  action: string;
  auto_popup_timer: number;
  chatbot_script_id: Id | null;
  chatbot_only_if_no_operator: boolean;
  sequence: number;
}

/**
 * Python's `re.search(regex, url)` with JavaScript's engine. A leading inline-flag group such as
 * `(?i)` (valid in Python, not in JavaScript) becomes the equivalent flags; a pattern that still
 * does not compile never matches.
 */
export function regexSearch(pattern: string, text: string): boolean {
  let flags = '';
  let source = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    if (inline[1]!.includes('i')) flags += 'i';
    if (inline[1]!.includes('m')) flags += 'm';
    if (inline[1]!.includes('s')) flags += 's';
  }
  try {
    return new RegExp(source, flags).test(text);
  } catch {
    return false;
  }
}

/**
 * `im_livechat.channel.rule.match_rule(channel_id, url, country_id)` (17.0, early-2025 revision):
 * with a known country, the rules of that channel listing the country come first (sequence order),
 * then the rules without countries; the first whose regex (empty = always) is found in the URL
 * wins, passing over rules whose chatbot is archived or has no steps, and rules "enabled only if no
 * operator" while `operatorsAvailable`. Null when none.
 */
export async function matchRule(env: Env, channelId: Id, url: string | null | undefined, countryId: Id | null = null, operatorsAvailable = false): Promise<LivechatRule | null> {
  const { rows } = await sql<LivechatRule & { countries: Id[] | null; playable: boolean | null }>`
    SELECT r.id, r.regex_url, r.action, COALESCE(r.auto_popup_timer, 0) AS auto_popup_timer, r.chatbot_script_id,
      COALESCE(r.chatbot_only_if_no_operator, false) AS chatbot_only_if_no_operator, COALESCE(r.sequence, 0) AS sequence,
      (SELECT array_agg(c.country_id) FROM im_livechat_channel_country_rel c WHERE c.channel_id = r.id) AS countries,
      (SELECT s.active AND EXISTS (SELECT 1 FROM chatbot_script_step st WHERE st.chatbot_script_id = s.id)
        FROM chatbot_script s WHERE s.id = r.chatbot_script_id) AS playable
    FROM im_livechat_channel_rule r WHERE r.channel_id = ${channelId}
    ORDER BY r.sequence ASC NULLS FIRST, r.id ASC`.execute(env.trx);
  const target = url ?? '';
  const first = (candidates: typeof rows) => candidates.find((r) => (!r.regex_url || regexSearch(r.regex_url, target))
    && (r.chatbot_script_id === null || r.playable === true)
    && !(r.chatbot_only_if_no_operator && operatorsAvailable));
  let found: (typeof rows)[number] | undefined;
  if (countryId) found = first(rows.filter((r) => r.countries?.includes(countryId)));
  found ??= first(rows.filter((r) => !r.countries?.length));
  if (!found) return null;
  const { countries: _countries, playable: _playable, ...rule } = found;
  return rule;
}

/** Request headers that carry the visitor's country as an ISO 3166-1 alpha-2 code. */
export const COUNTRY_HEADERS = ['x-country-code', 'cf-ipcountry'] as const;

/**
 * The visitor's country code, standing in for Odoo's GeoIP lookup (this service ships no GeoIP
 * database): a reverse proxy or CDN sets `X-Country-Code`, or CloudFlare's `CF-IPCountry`.
 * CloudFlare's `XX` (unknown) and `T1` (Tor) give no country.
 */
export function countryCodeOf(request: FastifyRequest): string | null {
  for (const name of COUNTRY_HEADERS) {
    const value = request.headers[name];
    const code = (Array.isArray(value) ? value[0] : value)?.trim().toUpperCase();
    if (code && /^[A-Z]{2}$/.test(code) && code !== 'XX' && code !== 'T1') return code;
  }
  return null;
}

/** The res.country id of the visitor's country header, or null. */
export async function countryIdOf(env: Env, request: FastifyRequest): Promise<Id | null> {
  const code = countryCodeOf(request);
  if (!code) return null;
  const { rows } = await sql<{ id: Id }>`SELECT id FROM res_country WHERE code = ${code}`.execute(env.trx);
  return rows[0]?.id ?? null;
}
