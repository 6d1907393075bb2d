import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, Trx } from '../db/database.js';
import type { Id } from '../orm/fields.js';

/**
 * Data retention for live chat (ours: Odoo has none). Each `im_livechat.channel` may keep its
 * conversations for `retention_days` after their last message, then either delete them or
 * anonymise their visitor:
 *
 * - **anonymize** keeps the conversation, its messages (so every count stays) and its ratings, and
 *   removes who the visitor was: the guest's name (`Visitor`), country, timezone and access token;
 *   the conversation's visitor name and country; the visitor's website record (country, timezone,
 *   contact, pages visited); contacts created for the visitor (no user account, not a lead's or
 *   ticket's customer): name, email, phones, address; the visitor's names, email addresses and
 *   phone numbers written in the messages, ratings' comments and chatbot answers; and the
 *   transcript emails. A visitor
 *   record still used by a conversation within its retention period is left alone.
 * - **delete** removes the conversation with its messages, ratings, chatbot answers and transcript
 *   emails, then the guests and website visitors nothing else refers to.
 *
 * The service stores no visitor IP address (the country comes from a proxy header), so there is
 * none to remove here; request logs carry client addresses and are kept by the log pipeline.
 */

export type RetentionAction = 'delete' | 'anonymize';

/** What a run did (or, dry, would do) for one live chat channel. */
export interface RetentionChannelReport {
  livechat_channel_id: Id;
  livechat_channel: string;
  action: RetentionAction;
  retention_days: number;
  conversations: number;
  conversation_ids: Id[];
  /** Deleted, or (anonymize) kept with their bodies scrubbed of contact details where they had some. */
  messages: number;
  messages_scrubbed: number;
  /** Deleted, or (anonymize) kept with the visitor's contact removed. */
  ratings: number;
  transcript_emails: number;
  /** Deleted, or anonymised when another (anonymised) conversation still has them. */
  guests: number;
  website_visitors: number;
  /** Visitor contacts anonymised (never deleted: other records may name them). */
  partners: number;
}

export interface RetentionReport {
  dry_run: boolean;
  /** Another instance was running retention: this run did nothing. */
  skipped: boolean;
  channels: RetentionChannelReport[];
}

export interface RetentionOptions {
  /** Compute everything in a transaction that is rolled back. */
  dryRun?: boolean;
  /** Only these live chat channels (default: every channel with a retention period). */
  livechatChannelIds?: Id[];
  /** Conversations per transaction (a real run commits batch by batch). */
  batchSize?: number;
  /** Checked before each batch: false stops the run there (the service shutting down). */
  shouldContinue?: () => boolean;
}

/** Fixed key of the advisory lock that keeps retention to one instance at a time. */
export const RETENTION_LOCK_KEY = 0x0d00_17_02;
const DEFAULT_BATCH = 200;

const EMAIL = /[\w.%+-]+@[\w-]+(?:\.[\w-]+)+/g;
/**
 * 7 to 15 digits, after an optional + or bracket, grouped by spaces, dots, slashes, dashes or
 * brackets; not inside a word, a URL path or an ISO date.
 */
const PHONE = /(?<![\w/#@.-])(?!\d{4}-\d\d-\d\d\b)(?:\+|\()?\d(?:[\s./()-]{0,2}\d){6,14}(?![\w@])/g;

/** `text` without email addresses and phone numbers (anything with 7 to 15 digits in a row). */
export function scrubContactDetails(text: string): string {
  return text.replace(EMAIL, '[email removed]').replace(PHONE, '[phone removed]');
}

/** Names that say nothing about a visitor: the ones the widget and get_session give. */
const GENERIC_NAME = /^(visitor( #\d+)?|)$/i;

/**
 * `text` without contact details nor the visitor's `names` (each full name, then each of its words
 * of three letters or more, as whole words, any case), which become "Visitor".
 */
export function scrubVisitorDetails(text: string, names: string[]): string {
  const words = new Set<string>();
  for (const name of names) {
    const trimmed = name.trim();
    if (GENERIC_NAME.test(trimmed)) continue;
    words.add(trimmed);
    for (const word of trimmed.split(/[\s,.]+/)) {
      if (word.length >= 3) words.add(word);
      for (const part of word.split(/['-]/)) if (part.length >= 3) words.add(part);
    }
  }
  let out = scrubContactDetails(text);
  for (const word of [...words].sort((a, b) => b.length - a.length)) {
    const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'giu'), 'Visitor');
  }
  return out;
}

class DryRun extends Error {
  constructor(readonly report: Partial<RetentionChannelReport>) { super('dry run'); }
}

let runningHere = false;

/**
 * Runs retention once for every live chat channel with a retention period (or the ones given).
 * On PostgreSQL a session advisory lock keeps it to one instance at a time: when another holds
 * it, nothing is done and the report says `skipped`.
 */
export async function runRetention(database: Database, opts: RetentionOptions = {}): Promise<RetentionReport> {
  const dryRun = Boolean(opts.dryRun);
  const skipped: RetentionReport = { dry_run: dryRun, skipped: true, channels: [] };
  const run = async (db: Kysely<any>): Promise<RetentionReport> => {
    const { rows: policies } = await sql<{ id: Id; name: string; retention_days: number; retention_action: RetentionAction }>`
      SELECT id, name, retention_days, retention_action FROM im_livechat_channel
      WHERE retention_days > 0 ${opts.livechatChannelIds ? sql`AND id IN (${sql.join(opts.livechatChannelIds.length ? opts.livechatChannelIds : [0])})` : sql``}
      ORDER BY id`.execute(db);
    const channels: RetentionChannelReport[] = [];
    for (const policy of policies) channels.push(await applyPolicy(db, policy, dryRun, opts.batchSize ?? DEFAULT_BATCH, opts.shouldContinue ?? (() => true)));
    return { dry_run: dryRun, skipped: false, channels };
  };
  if (database.kind === 'pglite') {
    // one process owns a PGlite database: a flag is the lock
    if (runningHere) return skipped;
    runningHere = true;
    try { return await run(database.db); } finally { runningHere = false; }
  }
  return database.db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${RETENTION_LOCK_KEY}) AS locked`.execute(conn);
    if (!rows[0]?.locked) return skipped;
    try {
      return await run(conn);
    } finally {
      await sql`SELECT pg_advisory_unlock(${RETENTION_LOCK_KEY})`.execute(conn);
    }
  });
}

async function applyPolicy(
  db: Kysely<any>, policy: { id: Id; name: string; retention_days: number; retention_action: RetentionAction },
  dryRun: boolean, batchSize: number, shouldContinue: () => boolean,
): Promise<RetentionChannelReport> {
  const report: RetentionChannelReport = {
    livechat_channel_id: policy.id, livechat_channel: policy.name, action: policy.retention_action, retention_days: policy.retention_days,
    conversations: 0, conversation_ids: [], messages: 0, messages_scrubbed: 0, ratings: 0, transcript_emails: 0, guests: 0, website_visitors: 0, partners: 0,
  };
  const add = (part: Partial<RetentionChannelReport>) => {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'conversation_ids') report.conversation_ids.push(...(value as Id[]));
      else (report as unknown as Record<string, number>)[key]! += value as number;
    }
  };
  while (shouldContinue()) {
    // a dry run takes every expired conversation at once: nothing it does stays to move the next batch on
    const limit = dryRun ? null : batchSize;
    let part: Partial<RetentionChannelReport>;
    try {
      part = await db.transaction().execute(async (trx) => {
        const ids = await expiredConversations(trx, policy, limit);
        const done = ids.length ? await (policy.retention_action === 'delete' ? deleteConversations(trx, ids) : anonymizeConversations(trx, ids)) : {};
        const result = { conversations: ids.length, conversation_ids: ids, ...done };
        if (dryRun) throw new DryRun(result);
        return result;
      });
    } catch (err) {
      if (!(err instanceof DryRun)) throw err;
      part = err.report;
    }
    add(part);
    if (dryRun || !limit || (part.conversations ?? 0) < limit) break;
  }
  return report;
}

/** Conversations of the channel with no message (and no creation) in the retention period. */
async function expiredConversations(trx: Trx, policy: { id: Id; retention_days: number; retention_action: RetentionAction }, limit: number | null): Promise<Id[]> {
  const cutoff = sql`(now() AT TIME ZONE 'utc') - make_interval(days => ${policy.retention_days})`;
  const { rows } = await sql<{ id: Id }>`
    SELECT c.id FROM discuss_channel c
    WHERE c.channel_type = 'livechat' AND c.livechat_channel_id = ${policy.id} AND c.create_date < ${cutoff}
      ${policy.retention_action === 'anonymize' ? sql`AND c.livechat_anonymized_at IS NULL` : sql``}
      AND NOT EXISTS (SELECT 1 FROM mail_message m WHERE m.model = 'discuss.channel' AND m.res_id = c.id AND m.date >= ${cutoff})
    ORDER BY c.id ${limit ? sql`LIMIT ${limit}` : sql``}
    FOR UPDATE OF c SKIP LOCKED`.execute(trx);
  return rows.map((r) => r.id);
}

/** The visitors of conversations `ids`: their guests, website visitors, and contacts made for them. */
async function visitorsOf(trx: Trx, ids: Id[]) {
  const { rows: guests } = await sql<{ id: Id }>`SELECT DISTINCT guest_id AS id FROM discuss_channel_member WHERE channel_id IN (${sql.join(ids)}) AND guest_id IS NOT NULL`.execute(trx);
  const { rows: visitors } = await sql<{ id: Id }>`SELECT DISTINCT livechat_visitor_id AS id FROM discuss_channel WHERE id IN (${sql.join(ids)}) AND livechat_visitor_id IS NOT NULL`.execute(trx);
  // a contact made for a visitor: a member who is neither the operator nor anybody's user account,
  // and no lead's or ticket's customer (those records have a life of their own)
  const { rows: partners } = await sql<{ id: Id }>`
    SELECT DISTINCT m.partner_id AS id FROM discuss_channel_member m JOIN discuss_channel c ON c.id = m.channel_id
    WHERE m.channel_id IN (${sql.join(ids)}) AND m.partner_id IS NOT NULL AND m.partner_id IS DISTINCT FROM c.livechat_operator_id
      AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = m.partner_id)
      AND NOT EXISTS (SELECT 1 FROM crm_lead l WHERE l.partner_id = m.partner_id)
      AND NOT EXISTS (SELECT 1 FROM helpdesk_ticket t WHERE t.partner_id = m.partner_id)`.execute(trx);
  return { guests: guests.map((r) => r.id), visitors: visitors.map((r) => r.id), partners: partners.map((r) => r.id) };
}

/** Of `ids` (guests or partners), those still members of a conversation outside `conversations`, anonymised ones excepted. */
async function stillInUse(trx: Trx, column: 'guest_id' | 'partner_id', ids: Id[], conversations: Id[]): Promise<Set<Id>> {
  if (!ids.length) return new Set();
  const { rows } = await sql<{ id: Id }>`
    SELECT DISTINCT m.${sql.ref(column)} AS id FROM discuss_channel_member m JOIN discuss_channel c ON c.id = m.channel_id
    WHERE m.${sql.ref(column)} IN (${sql.join(ids)}) AND m.channel_id NOT IN (${sql.join(conversations)}) AND c.livechat_anonymized_at IS NULL`.execute(trx);
  return new Set(rows.map((r) => r.id));
}

async function anonymizeGuests(trx: Trx, ids: Id[]): Promise<void> {
  for (const id of ids) {
    // a new token: the visitor's old cookie no longer opens anything
    await sql`UPDATE mail_guest SET name = 'Visitor', country_id = NULL, timezone = NULL, access_token = ${randomBytes(32).toString('hex')},
      write_date = (now() AT TIME ZONE 'utc') WHERE id = ${id}`.execute(trx);
  }
}

async function anonymizePartners(trx: Trx, ids: Id[]): Promise<void> {
  if (!ids.length) return;
  await sql`UPDATE res_partner SET name = 'Visitor', email = NULL, phone = NULL, mobile = NULL, website = NULL, street = NULL,
    street2 = NULL, zip = NULL, city = NULL, country_id = NULL, tz = NULL, vat = NULL, ref = NULL, comment = NULL, function = NULL,
    image_1920 = NULL, write_date = (now() AT TIME ZONE 'utc') WHERE id IN (${sql.join(ids)})`.execute(trx);
}

async function anonymizeWebsiteVisitors(trx: Trx, ids: Id[]): Promise<void> {
  if (!ids.length) return;
  await sql`DELETE FROM website_track WHERE visitor_id IN (${sql.join(ids)})`.execute(trx);
  await sql`UPDATE website_visitor SET partner_id = NULL, country_id = NULL, timezone = NULL, access_token = ${randomBytes(16).toString('hex')} || '-' || id,
    write_date = (now() AT TIME ZONE 'utc') WHERE id IN (${sql.join(ids)})`.execute(trx);
}

/** Website visitors of `ids` still linked to a conversation outside `conversations` that is not anonymised. */
async function visitorsInUse(trx: Trx, ids: Id[], conversations: Id[]): Promise<Set<Id>> {
  if (!ids.length) return new Set();
  const { rows } = await sql<{ id: Id }>`SELECT DISTINCT livechat_visitor_id AS id FROM discuss_channel
    WHERE livechat_visitor_id IN (${sql.join(ids)}) AND id NOT IN (${sql.join(conversations)}) AND livechat_anonymized_at IS NULL`.execute(trx);
  return new Set(rows.map((r) => r.id));
}

async function count(trx: Trx, query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  return (await query.execute(trx)).rows[0]!.n;
}

async function deleteConversations(trx: Trx, ids: Id[]): Promise<Partial<RetentionChannelReport>> {
  const who = await visitorsOf(trx, ids);
  const inUseGuests = await stillInUse(trx, 'guest_id', who.guests, ids);
  const inUsePartners = await stillInUse(trx, 'partner_id', who.partners, ids);
  const inUseVisitors = await visitorsInUse(trx, who.visitors, ids);
  const list = sql.join(ids);
  const transcripts = await count(trx, sql`WITH d AS (DELETE FROM mail_mail WHERE model = 'discuss.channel' AND res_id IN (${list}) RETURNING 1) SELECT count(*)::int AS n FROM d`);
  const ratings = await count(trx, sql`WITH d AS (DELETE FROM rating_rating WHERE res_model = 'discuss.channel' AND res_id IN (${list}) RETURNING 1) SELECT count(*)::int AS n FROM d`);
  const messages = await count(trx, sql`WITH d AS (DELETE FROM mail_message WHERE model = 'discuss.channel' AND res_id IN (${list}) RETURNING 1) SELECT count(*)::int AS n FROM d`);
  await sql`DELETE FROM discuss_channel WHERE id IN (${list})`.execute(trx);

  // guests and website visitors nothing refers to any more go; those an anonymised conversation
  // still has are anonymised (already, normally); those a live conversation has stay as they are
  const freeGuests = who.guests.filter((id) => !inUseGuests.has(id));
  const { rows: referenced } = freeGuests.length ? await sql<{ id: Id }>`SELECT DISTINCT guest_id AS id FROM discuss_channel_member WHERE guest_id IN (${sql.join(freeGuests)})`.execute(trx) : { rows: [] };
  const keep = new Set(referenced.map((r) => r.id));
  const gone = freeGuests.filter((id) => !keep.has(id));
  if (gone.length) {
    await sql`DELETE FROM bus_presence WHERE guest_id IN (${sql.join(gone)})`.execute(trx);
    await sql`DELETE FROM mail_guest WHERE id IN (${sql.join(gone)})`.execute(trx);
  }
  await anonymizeGuests(trx, freeGuests.filter((id) => keep.has(id)));

  const freeVisitors = who.visitors.filter((id) => !inUseVisitors.has(id));
  const { rows: linked } = freeVisitors.length ? await sql<{ id: Id }>`
    SELECT livechat_visitor_id AS id FROM discuss_channel WHERE livechat_visitor_id IN (${sql.join(freeVisitors)})
    UNION SELECT website_visitor_id FROM crm_lead_website_visitor_rel WHERE website_visitor_id IN (${sql.join(freeVisitors)})`.execute(trx) : { rows: [] };
  const linkedSet = new Set(linked.map((r) => r.id));
  const unlinked = freeVisitors.filter((id) => !linkedSet.has(id));
  if (unlinked.length) await sql`DELETE FROM website_visitor WHERE id IN (${sql.join(unlinked)})`.execute(trx);
  await anonymizeWebsiteVisitors(trx, freeVisitors.filter((id) => linkedSet.has(id)));

  const partners = who.partners.filter((id) => !inUsePartners.has(id));
  await anonymizePartners(trx, partners);
  return { messages, ratings, transcript_emails: transcripts, guests: freeGuests.length, website_visitors: freeVisitors.length, partners: partners.length };
}

/** The names each conversation knows its visitor by: the name given to the widget, its guest's, its contacts'. */
async function visitorNames(trx: Trx, ids: Id[], partners: Id[]): Promise<Map<Id, string[]>> {
  const { rows } = await sql<{ channel_id: Id; name: string | null }>`
    SELECT id AS channel_id, anonymous_name AS name FROM discuss_channel WHERE id IN (${sql.join(ids)})
    UNION SELECT m.channel_id, g.name FROM discuss_channel_member m JOIN mail_guest g ON g.id = m.guest_id WHERE m.channel_id IN (${sql.join(ids)})
    UNION SELECT m.channel_id, p.name FROM discuss_channel_member m JOIN res_partner p ON p.id = m.partner_id
      WHERE m.channel_id IN (${sql.join(ids)}) AND m.partner_id IN (${sql.join(partners.length ? partners : [0])})`.execute(trx);
  const names = new Map<Id, string[]>(ids.map((id) => [id, []]));
  for (const r of rows) if (r.name) names.get(r.channel_id)!.push(r.name);
  return names;
}

async function anonymizeConversations(trx: Trx, ids: Id[]): Promise<Partial<RetentionChannelReport>> {
  const who = await visitorsOf(trx, ids);
  // read before the names are replaced below
  const names = await visitorNames(trx, ids, who.partners);
  const list = sql.join(ids);
  // the conversation's own copies of the visitor's name and country; its name keeps the operator's
  await sql`UPDATE discuss_channel c SET
      anonymous_name = CASE WHEN c.anonymous_name IS NULL THEN NULL ELSE 'Visitor' END,
      name = rtrim('Visitor ' || coalesce((SELECT coalesce(nullif(s.livechat_username, ''), p.name) FROM res_partner p
        LEFT JOIN res_users u ON u.partner_id = p.id LEFT JOIN res_users_settings s ON s.user_id = u.id
        WHERE p.id = c.livechat_operator_id ORDER BY u.id LIMIT 1), '')),
      country_id = NULL, livechat_anonymized_at = (now() AT TIME ZONE 'utc'), write_date = (now() AT TIME ZONE 'utc')
    WHERE c.id IN (${list})`.execute(trx);
  await sql`UPDATE mail_message m SET record_name = c.name FROM discuss_channel c
    WHERE m.model = 'discuss.channel' AND m.res_id = c.id AND c.id IN (${list})`.execute(trx);
  const authors = [sql`m.author_guest_id IS NOT NULL`, ...(who.partners.length ? [sql`m.author_id IN (${sql.join(who.partners)})`] : [])];
  await sql`UPDATE mail_message m SET email_from = NULL WHERE m.model = 'discuss.channel' AND m.res_id IN (${list}) AND (${sql.join(authors, sql` OR `)})`.execute(trx);

  let scrubbed = 0;
  const { rows: messages } = await sql<{ id: Id; res_id: Id; body: string | null }>`SELECT id, res_id, body FROM mail_message WHERE model = 'discuss.channel' AND res_id IN (${list})`.execute(trx);
  for (const m of messages) {
    const body = m.body ? scrubVisitorDetails(m.body, names.get(m.res_id)!) : m.body;
    if (body === m.body) continue;
    scrubbed++;
    await sql`UPDATE mail_message SET body = ${body} WHERE id = ${m.id}`.execute(trx);
  }
  const { rows: ratings } = await sql<{ id: Id; res_id: Id; feedback: string | null }>`SELECT id, res_id, feedback FROM rating_rating WHERE res_model = 'discuss.channel' AND res_id IN (${list})`.execute(trx);
  for (const r of ratings) {
    await sql`UPDATE rating_rating SET feedback = ${r.feedback ? scrubVisitorDetails(r.feedback, names.get(r.res_id)!) : r.feedback},
      res_name = (SELECT name FROM discuss_channel WHERE id = rating_rating.res_id),
      partner_id = CASE WHEN partner_id IN (${sql.join(who.partners.length ? who.partners : [0])}) THEN NULL ELSE partner_id END
      WHERE id = ${r.id}`.execute(trx);
  }
  const { rows: answers } = await sql<{ id: Id; discuss_channel_id: Id; user_raw_answer: string }>`SELECT id, discuss_channel_id, user_raw_answer FROM chatbot_message
    WHERE discuss_channel_id IN (${list}) AND user_raw_answer IS NOT NULL`.execute(trx);
  for (const a of answers) {
    const clean = scrubVisitorDetails(a.user_raw_answer, names.get(a.discuss_channel_id)!);
    if (clean !== a.user_raw_answer) await sql`UPDATE chatbot_message SET user_raw_answer = ${clean} WHERE id = ${a.id}`.execute(trx);
  }
  const transcripts = await count(trx, sql`WITH d AS (DELETE FROM mail_mail WHERE model = 'discuss.channel' AND res_id IN (${list}) RETURNING 1) SELECT count(*)::int AS n FROM d`);

  const inUseGuests = await stillInUse(trx, 'guest_id', who.guests, ids);
  const guests = who.guests.filter((id) => !inUseGuests.has(id));
  await anonymizeGuests(trx, guests);
  const inUseVisitors = await visitorsInUse(trx, who.visitors, ids);
  const visitors = who.visitors.filter((id) => !inUseVisitors.has(id));
  await anonymizeWebsiteVisitors(trx, visitors);
  const inUsePartners = await stillInUse(trx, 'partner_id', who.partners, ids);
  const partners = who.partners.filter((id) => !inUsePartners.has(id));
  await anonymizePartners(trx, partners);
  return { messages: messages.length, messages_scrubbed: scrubbed, ratings: ratings.length, transcript_emails: transcripts, guests: guests.length, website_visitors: visitors.length, partners: partners.length };
}

/** One line per channel, for the CLI and the service log. */
export function describeRetention(report: RetentionReport): string[] {
  if (report.skipped) return ['retention: another instance is running it; nothing done'];
  if (!report.channels.length) return ['retention: no live chat channel has a retention period'];
  return report.channels.map((c) => {
    const verb = report.dry_run ? (c.action === 'delete' ? 'would delete' : 'would anonymize') : (c.action === 'delete' ? 'deleted' : 'anonymized');
    const detail = c.action === 'delete'
      ? `${c.messages} messages, ${c.ratings} ratings, ${c.transcript_emails} transcript emails, ${c.guests} guests, ${c.website_visitors} website visitors removed; ${c.partners} contacts anonymized`
      : `${c.messages} messages kept (${c.messages_scrubbed} scrubbed), ${c.ratings} ratings kept, ${c.transcript_emails} transcript emails removed, ${c.guests} guests, ${c.website_visitors} website visitors, ${c.partners} contacts anonymized`;
    return `${c.livechat_channel} (#${c.livechat_channel_id}, ${c.retention_days} days): ${verb} ${c.conversations} conversations; ${detail}`;
  });
}
