import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Env } from '../orm/env.js';
import { generateApiKey } from '../security/apikeys.js';
import { CommandError, EXIT, UsageError, integerOption, type Command, type CommandContext } from './command.js';

const PASSWORD_OPTIONS = {
  password: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

/**
 * The password of --password-stdin (first line of standard input), else --password, else a new
 * random one that the caller prints (`generated`).
 */
async function passwordOf(ctx: CommandContext): Promise<{ password: string; generated: boolean }> {
  if (ctx.options['password-stdin'] && ctx.options.password !== undefined) throw new UsageError('give --password or --password-stdin, not both');
  let password: string | undefined;
  if (ctx.options['password-stdin']) password = (await ctx.io.readStdin()).split(/\r?\n/, 1)[0];
  else if (typeof ctx.options.password === 'string') password = ctx.options.password;
  else return { password: randomBytes(12).toString('base64url'), generated: true };
  if (!password) throw new UsageError('the password is empty');
  return { password, generated: false };
}

async function userId(env: Env, login: string): Promise<number> {
  const { rows } = await sql<{ id: number }>`SELECT id FROM res_users WHERE login = ${login}`.execute(env.trx);
  if (!rows[0]) throw new CommandError(`no user with login '${login}'`);
  return rows[0].id;
}

/** `livechat-rpc create-user <login>`: an internal user (or portal), with groups, optionally a live chat operator. */
export const createUser: Command = {
  summary: 'create a user (internal unless --portal), with a password given or generated',
  usage: '<login> [--name NAME] [--email EMAIL] [--password PASSWORD | --password-stdin] [--portal] [--admin] '
    + '[--operator] [--livechat-channel ID] [--group MODULE.XMLID]...',
  positionals: [1, 1],
  options: {
    ...PASSWORD_OPTIONS,
    name: { type: 'string' },
    email: { type: 'string' },
    portal: { type: 'boolean' },
    admin: { type: 'boolean' },
    operator: { type: 'boolean' },
    'livechat-channel': { type: 'string' },
    group: { type: 'string', multiple: true },
  },
  async run(ctx) {
    const login = ctx.positionals[0]!.trim();
    if (!login) throw new UsageError('the login is empty');
    if (ctx.options.portal && (ctx.options.admin || ctx.options.operator)) throw new UsageError('a portal user cannot be --admin or --operator');
    const channelId = integerOption(ctx, 'livechat-channel', { min: 1 });
    const { password, generated } = await passwordOf(ctx);
    const groups = [
      ctx.options.portal ? 'base.group_portal' : 'base.group_user',
      ...(ctx.options.admin ? ['base.group_system'] : []),
      ...(ctx.options.operator || channelId !== undefined ? ['im_livechat.im_livechat_group_user'] : []),
      ...((ctx.options.group as string[] | undefined) ?? []),
    ];
    const id = await ctx.asSuperuser(async (env) => {
      const { rows } = await sql`SELECT 1 FROM res_users WHERE login = ${login}`.execute(env.trx);
      if (rows.length) throw new CommandError(`a user with login '${login}' already exists (set-password changes its password)`);
      const groupIds: number[] = [];
      for (const xmlid of groups) {
        const gid = /^[\w]+\.[\w]+$/.test(xmlid) ? await env.ref(xmlid, false) : false;
        if (!gid) throw new CommandError(`no group '${xmlid}' (give groups by external id, e.g. helpdesk.group_helpdesk_user)`);
        groupIds.push(gid as number);
      }
      const [uid] = await env.model('res.users').create([{
        login, name: typeof ctx.options.name === 'string' ? ctx.options.name : login, password,
        ...(typeof ctx.options.email === 'string' ? { email: ctx.options.email } : {}),
        groups_id: [[6, 0, groupIds]],
      }]);
      if (channelId !== undefined) {
        const { rows: channel } = await sql`SELECT 1 FROM im_livechat_channel WHERE id = ${channelId}`.execute(env.trx);
        if (!channel.length) throw new CommandError(`no live chat channel ${channelId}`);
        await env.model('im_livechat.channel').write([channelId], { user_ids: [[4, uid]] });
      }
      return uid!;
    });
    ctx.io.stdout(`created user ${login} (id ${id}) in ${groups.join(', ')}${channelId !== undefined ? `, operator of live chat channel ${channelId}` : ''}\n`);
    if (generated) ctx.io.stdout(`password: ${password}\n`);
    return EXIT.OK;
  },
};

/** `livechat-rpc set-password <login>`: a new password (which ends the user's sessions). */
export const setPassword: Command = {
  summary: 'set a user\'s password (given or generated); its open sessions end',
  usage: '<login> [--password PASSWORD | --password-stdin]',
  positionals: [1, 1],
  options: PASSWORD_OPTIONS,
  async run(ctx) {
    const login = ctx.positionals[0]!;
    const { password, generated } = await passwordOf(ctx);
    const id = await ctx.asSuperuser(async (env) => {
      const uid = await userId(env, login);
      await env.model('res.users').write([uid], { password });
      return uid;
    });
    ctx.io.stdout(`password of ${login} (id ${id}) changed\n`);
    if (generated) ctx.io.stdout(`password: ${password}\n`);
    return EXIT.OK;
  },
};

/**
 * `livechat-rpc create-api-key <login>`: a key for the External API (res.users.apikeys), printed
 * alone on standard output, this once; only its hash is stored.
 */
export const createApiKey: Command = {
  summary: 'create an API key for a user (printed once on stdout; only its hash is kept)',
  usage: '<login> [--name DESCRIPTION] [--days N] [--scope SCOPE]',
  positionals: [1, 1],
  options: { name: { type: 'string' }, days: { type: 'string' }, scope: { type: 'string' } },
  async run(ctx) {
    const login = ctx.positionals[0]!;
    const days = integerOption(ctx, 'days', { min: 1 });
    const name = typeof ctx.options.name === 'string' && ctx.options.name.trim() ? ctx.options.name.trim() : 'livechat-rpc CLI';
    const scope = typeof ctx.options.scope === 'string' && ctx.options.scope ? ctx.options.scope : null;
    const { key, uid, expires } = await ctx.asSuperuser(async (env) => {
      const uid = await userId(env, login);
      const { rows } = await sql<{ active: boolean; expires: string | null }>`SELECT active,
        ${days === undefined ? sql`NULL` : sql`to_char((now() AT TIME ZONE 'utc') + make_interval(days => ${days}), 'YYYY-MM-DD HH24:MI:SS')`} AS expires
        FROM res_users WHERE id = ${uid}`.execute(env.trx);
      if (!rows[0]!.active) throw new CommandError(`user '${login}' is archived`);
      return { key: await generateApiKey(env.trx, uid, scope, name, rows[0]!.expires), uid, expires: rows[0]!.expires };
    });
    ctx.io.stderr(`API key "${name}" for ${login} (id ${uid})${scope ? `, scope ${scope}` : ''}, ${expires ? `expires ${expires} UTC` : 'no expiry'}; it is not shown again:\n`);
    ctx.io.stdout(`${key}\n`);
    return EXIT.OK;
  },
};
