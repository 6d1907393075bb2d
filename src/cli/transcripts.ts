import { sql } from 'kysely';
import type { Id } from '../orm/fields.js';
import { html2plaintext, transcriptEntries } from '../mail/transcript.js';
import { EXIT, UsageError, dateOption, integerOption, type Command } from './command.js';

const PAGE = 100;

interface ConversationRow {
  id: Id; uuid: string; name: string; create_date: string; livechat_active: boolean; anonymous_name: string | null;
  livechat_channel_id: Id | null; livechat_channel: string | null; operator_id: Id | null; operator: string | null;
  country: string | null; anonymized_at: string | null;
}

/**
 * `livechat-rpc export-transcripts --since DATE`: live chat conversations started from that date
 * (UTC; before --until if given), as JSON lines on standard output, oldest first: the conversation,
 * its visitor, operator and ratings, and its messages as plain text (mail/transcript.ts).
 */
const exportTranscripts: Command = {
  summary: 'write live chat conversations started since a date as JSON lines (one conversation per line)',
  usage: '--since YYYY-MM-DD [--until YYYY-MM-DD] [--livechat-channel ID]',
  options: { since: { type: 'string' }, until: { type: 'string' }, 'livechat-channel': { type: 'string' } },
  async run(ctx) {
    const since = dateOption(ctx, 'since');
    if (since === undefined) throw new UsageError('--since is required');
    const until = dateOption(ctx, 'until');
    const channel = integerOption(ctx, 'livechat-channel', { min: 1 });
    let after = 0;
    let count = 0;
    for (;;) {
      // one read-only transaction per page: an export of months does not hold one open for its whole length
      const lines = await ctx.asSuperuser(async (env) => {
        const { rows } = await sql<ConversationRow>`
          SELECT c.id, c.uuid, c.name, c.create_date, c.livechat_active, c.anonymous_name, c.livechat_channel_id,
            l.name AS livechat_channel, c.livechat_operator_id AS operator_id, p.name AS operator, co.code AS country,
            c.livechat_anonymized_at AS anonymized_at
          FROM discuss_channel c LEFT JOIN im_livechat_channel l ON l.id = c.livechat_channel_id
          LEFT JOIN res_partner p ON p.id = c.livechat_operator_id LEFT JOIN res_country co ON co.id = c.country_id
          WHERE c.channel_type = 'livechat' AND c.create_date >= ${since} AND c.id > ${after}
            ${until ? sql`AND c.create_date < ${until}` : sql``} ${channel ? sql`AND c.livechat_channel_id = ${channel}` : sql``}
          ORDER BY c.id LIMIT ${PAGE}`.execute(env.trx);
        const out: string[] = [];
        for (const c of rows) {
          const { rows: visitors } = await sql<{ guest_id: Id | null; partner_id: Id | null; name: string | null }>`
            SELECT m.guest_id, m.partner_id, coalesce(g.name, p.name) AS name FROM discuss_channel_member m
            LEFT JOIN mail_guest g ON g.id = m.guest_id LEFT JOIN res_partner p ON p.id = m.partner_id
            WHERE m.channel_id = ${c.id} AND m.partner_id IS DISTINCT FROM ${c.operator_id} ORDER BY m.id`.execute(env.trx);
          const { rows: ratings } = await sql<{ rating: number; feedback: string | null; date: string }>`
            SELECT rating, feedback, write_date AS date FROM rating_rating
            WHERE res_model = 'discuss.channel' AND res_id = ${c.id} AND consumed ORDER BY id`.execute(env.trx);
          const messages = (await transcriptEntries(env, c.id)).map((m) => ({
            id: m.id, date: m.date, message_type: m.messageType,
            author: m.authorId !== null ? (m.authorUsername || m.authorName) : m.authorGuestName,
            author_type: m.authorId !== null ? 'partner' : m.authorGuestName !== null ? 'guest' : null,
            body: html2plaintext(m.body),
          }));
          out.push(JSON.stringify({
            id: c.id, uuid: c.uuid, name: c.name, create_date: c.create_date, active: c.livechat_active,
            livechat_channel: c.livechat_channel_id === null ? null : { id: c.livechat_channel_id, name: c.livechat_channel },
            operator: c.operator_id === null ? null : { partner_id: c.operator_id, name: c.operator },
            visitor: { name: c.anonymous_name ?? visitors[0]?.name ?? null, country: c.country, guest_id: visitors[0]?.guest_id ?? null, partner_id: visitors[0]?.partner_id ?? null },
            anonymized_at: c.anonymized_at,
            ratings: ratings.map((r) => ({ rating: r.rating, feedback: r.feedback || null, date: r.date })),
            messages,
          }));
        }
        return { out, last: rows.at(-1)?.id };
      });
      for (const line of lines.out) ctx.io.stdout(`${line}\n`);
      count += lines.out.length;
      if (lines.last === undefined || lines.out.length < PAGE) break;
      after = lines.last;
    }
    ctx.io.stderr(`${count} conversation${count === 1 ? '' : 's'} exported\n`);
    return EXIT.OK;
  },
};
export default exportTranscripts;
