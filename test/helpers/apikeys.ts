import type { FastifyInstance } from 'fastify';
import { generateApiKey } from '../../src/security/apikeys.js';
import { asRoot } from './livechat.js';

/** An API key for `uid` made directly, as `make_key` makes it (scope null: every scope). */
export function makeApiKey(app: FastifyInstance, uid: number, opts: { scope?: string | null; name?: string; expirationDate?: string | null } = {}): Promise<string> {
  return asRoot(app, (env) => generateApiKey(env.trx, uid, opts.scope ?? null, opts.name ?? 'test key', opts.expirationDate ?? null));
}

/** A user in the given groups (xml ids), password = login. */
export function makeUser(app: FastifyInstance, login: string, groups: string[]): Promise<number> {
  return asRoot(app, async (env) => {
    const gids = await Promise.all(groups.map(async (g) => await env.ref(g) as number));
    const [uid] = await env.model('res.users').create([{ login, name: login, password: login, groups_id: [[6, 0, gids]] }]);
    return uid!;
  });
}
