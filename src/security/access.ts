import { sql } from 'kysely';
import { AccessError } from '../errors.js';
import type { Env } from '../orm/env.js';
import { parseDomain, type DomainNode } from '../orm/domain.js';
import type { ModelDef } from '../orm/registry.js';

export type Operation = 'read' | 'write' | 'create' | 'unlink';
export const OPERATIONS: readonly Operation[] = ['read', 'write', 'create', 'unlink'];

const HEADER: Record<Operation, string> = {
  read: 'access', write: 'modify', create: 'create', unlink: 'delete',
};

/**
 * Tables the cached access data is read from; the ORM forgets a call's generation after writing
 * to one of them (migration 0013 moves access_signaling on every change to them).
 */
export const ACCESS_TABLES: ReadonlySet<string> = new Set(['ir_model_access', 'ir_rule', 'rule_group_rel', 'ir_model', 'res_groups_users_rel', 'res_users']);
/** Columns of other tables the cached data depends on (the commercial partner), moving the generation too (migration 0014). */
export const ACCESS_COLUMNS: Readonly<Record<string, readonly string[]>> = { res_partner: ['parent_id', 'is_company'] };

interface AclRow { model: string; group_id: number | null; perm_read: boolean; perm_write: boolean; perm_create: boolean; perm_unlink: boolean }
interface RuleRow { id: number; model: string; domain_force: string; group_ids: number[]; perm_read: boolean; perm_write: boolean; perm_create: boolean; perm_unlink: boolean }
interface UserAccess { gids: Set<number>; partnerId: number | null; commercialPartnerId: number | null; companyId: number | null; exists: boolean }

/** What access checks read, as of one generation of access_signaling. */
interface AccessSnapshot {
  generation: number;
  acl: Map<string, AclRow[]>;
  rules: Map<string, RuleRow[]>;
  users: Map<number, Promise<UserAccess>>;
  /** Parsed rule domains per `uid/model/operation` (undefined: no rule applies). */
  domains: Map<string, DomainNode | undefined>;
}

/**
 * Access rights, record rules and each user's groups, kept per registry (one per instance) and
 * valid for one generation of access_signaling: a call reads that one number (once, on its own
 * transaction) instead of the ACL, rule and membership rows for every check. Any instance
 * changing those tables moves the number in the same transaction, so every call sees the rights
 * committed before it started, as Odoo's signaling check at the start of each request does.
 */
const snapshots = new WeakMap<object, AccessSnapshot>();
const CALL_GENERATION = Symbol('access.generation');
interface CallGeneration { value: Promise<number> | undefined }

/** The access_signaling generation as this call sees it (read once per call, again after its own access changes). */
function callGeneration(env: Env): Promise<number> {
  const slot = env.service(CALL_GENERATION, (): CallGeneration => ({ value: undefined }));
  slot.value ??= sql<{ generation: number }>`SELECT generation FROM access_signaling WHERE id = 1`
    .execute(env.trx).then((r) => Number(r.rows[0]?.generation ?? 0));
  return slot.value;
}

/**
 * Starts a call at the generation read at the start of its request (with the session, see
 * plugins/session.ts), as Odoo checks its signaling once when a request starts.
 */
export function startAtGeneration(env: Env, generation: number | undefined): void {
  if (generation === undefined) return;
  env.service(CALL_GENERATION, (): CallGeneration => ({ value: undefined })).value ??= Promise.resolve(generation);
}

/** Forgets the call's generation after it changed access rights, rules or memberships. */
export function accessChanged(env: Env): void {
  env.service(CALL_GENERATION, (): CallGeneration => ({ value: undefined })).value = undefined;
}

async function snapshot(env: Env): Promise<AccessSnapshot> {
  const generation = await callGeneration(env);
  const cached = snapshots.get(env.registry);
  if (cached && cached.generation === generation) return cached;
  // one statement, so the rows and the generation they are filed under come from one snapshot
  const { rows } = await sql<{ generation: number; acl: AclRow[]; rules: RuleRow[] }>`
    SELECT (SELECT generation FROM access_signaling WHERE id = 1) AS generation,
      (SELECT coalesce(json_agg(json_build_object('model', m.model, 'group_id', a.group_id, 'perm_read', a.perm_read,
          'perm_write', a.perm_write, 'perm_create', a.perm_create, 'perm_unlink', a.perm_unlink)), '[]')
        FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id WHERE a.active) AS acl,
      (SELECT coalesce(json_agg(json_build_object('id', r.id, 'model', m.model, 'domain_force', r.domain_force,
          'group_ids', ARRAY(SELECT rg.group_id FROM rule_group_rel rg WHERE rg.rule_group_id = r.id),
          'perm_read', r.perm_read, 'perm_write', r.perm_write, 'perm_create', r.perm_create, 'perm_unlink', r.perm_unlink) ORDER BY r.id), '[]')
        FROM ir_rule r JOIN ir_model m ON m.id = r.model_id WHERE r.active) AS rules`.execute(env.trx);
  const row = rows[0]!;
  const fresh: AccessSnapshot = { generation: Number(row.generation), acl: groupBy(parseJson(row.acl)), rules: groupBy(parseJson(row.rules)), users: new Map(), domains: new Map() };
  snapshots.set(env.registry, fresh);
  return fresh;
}

/** json columns arrive parsed from pg, as text from some drivers. */
const parseJson = <T>(v: T[] | string): T[] => (typeof v === 'string' ? JSON.parse(v) as T[] : v);

function groupBy<T extends { model: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    let list = out.get(r.model);
    if (!list) out.set(r.model, (list = []));
    list.push(r);
  }
  return out;
}

/** A user's groups (stored with implied groups closed), partner and company. */
async function userAccess(env: Env, uid: number): Promise<UserAccess> {
  const snap = await snapshot(env);
  let entry = snap.users.get(uid);
  if (!entry) {
    // the commercial partner (res.partner._compute_commercial_partner): up the parents until a company or the top
    entry = sql<{ gids: number[] | null; partner_id: number | null; commercial_partner_id: number | null; company_id: number | null; found: boolean }>`
      SELECT ARRAY(SELECT gid FROM res_groups_users_rel WHERE uid = ${uid}) AS gids,
        (SELECT partner_id FROM res_users WHERE id = ${uid}) AS partner_id,
        (WITH RECURSIVE up(id, parent_id, is_company, depth) AS (
            SELECT p.id, p.parent_id, p.is_company, 0 FROM res_partner p JOIN res_users u ON u.partner_id = p.id WHERE u.id = ${uid}
            UNION ALL
            SELECT p.id, p.parent_id, p.is_company, up.depth + 1 FROM res_partner p JOIN up ON p.id = up.parent_id
            WHERE NOT coalesce(up.is_company, false) AND up.depth < 50)
          SELECT id FROM up ORDER BY depth DESC LIMIT 1) AS commercial_partner_id,
        (SELECT company_id FROM res_users WHERE id = ${uid}) AS company_id,
        EXISTS (SELECT 1 FROM res_users WHERE id = ${uid}) AS found`.execute(env.trx).then((r) => {
      const u = r.rows[0]!;
      return { gids: new Set((u.gids ?? []).map(Number)), partnerId: u.partner_id, commercialPartnerId: u.commercial_partner_id, companyId: u.company_id, exists: u.found };
    });
    snap.users.set(uid, entry);
    entry.catch(() => { if (snap.users.get(uid) === entry) snap.users.delete(uid); });
  }
  return entry;
}

/** The ids of the groups of `uid` (memberships are stored with implied groups closed). */
export async function groupIdsOf(env: Env, uid: number): Promise<Set<number>> {
  return (await userAccess(env, uid)).gids;
}

/** Whether the user's groups grant `operation` on the model (ir.model.access.check). */
export async function hasModelAccess(env: Env, model: string, operation: Operation): Promise<boolean> {
  if (env.su) return true;
  const groups = await env.groupIds();
  const acl = (await snapshot(env)).acl.get(model) ?? [];
  return acl.some((a) => a[`perm_${operation}`] && (a.group_id === null || groups.has(a.group_id)));
}

/** The AccessError of a missing ACL, listing the groups that would allow it (ir.model.access._make_access_error). */
export async function modelAccessError(env: Env, def: ModelDef, operation: Operation): Promise<AccessError> {
  const perm = sql.ref(`a.perm_${operation}`);
  const { rows } = await sql<{ name: string; category_name: string | null }>`
    SELECT DISTINCT g.name, g.category_name FROM ir_model_access a
    JOIN ir_model m ON m.id = a.model_id JOIN res_groups g ON g.id = a.group_id
    WHERE m.model = ${def.name} AND a.active AND ${perm}`.execute(env.trx);
  const names = rows
    .map((g) => (g.category_name ? `${g.category_name} / ${g.name}` : g.name))
    .sort((a, b) => a.localeCompare(b));
  const header = `You are not allowed to ${HEADER[operation]} '${def.description}' (${def.name}) records.`;
  const groups = names.length
    ? `This operation is allowed for the following groups:\n${names.map((n) => `\t- ${n}`).join('\n')}`
    : 'No group currently allows this operation.';
  return new AccessError(`${header}\n\n${groups}\n\nContact your administrator to request access if necessary.`);
}

export async function checkModelAccess(env: Env, def: ModelDef, operation: Operation): Promise<void> {
  if (!(await hasModelAccess(env, def.name, operation))) throw await modelAccessError(env, def, operation);
}

/**
 * The record-rule condition for the user (ir.rule._compute_domain): global rules ANDed together,
 * with the OR of the group rules of the user's groups. Undefined when no rule applies.
 */
export async function ruleDomain(env: Env, model: string, operation: Operation): Promise<DomainNode | undefined> {
  if (env.su) return undefined;
  const snap = await snapshot(env);
  const key = `${env.uid}/${model}/${operation}`;
  if (snap.domains.has(key)) return snap.domains.get(key);
  const groups = await env.groupIds();
  const globals: DomainNode[] = [];
  const groupRules: DomainNode[] = [];
  for (const rule of snap.rules.get(model) ?? []) {
    if (!rule[`perm_${operation}`]) continue;
    const global = rule.group_ids.length === 0;
    if (!global && !rule.group_ids.some((g) => groups.has(g))) continue;
    const domain = await evalRuleDomain(env, JSON.parse(rule.domain_force));
    (global ? globals : groupRules).push(parseDomain(domain));
  }
  if (groupRules.length) globals.push(groupRules.length === 1 ? groupRules[0]! : Object.freeze({ kind: 'or', children: groupRules }));
  const result = globals.length === 0 ? undefined : globals.length === 1 ? globals[0]! : Object.freeze({ kind: 'and', children: globals }) as DomainNode;
  // filed under the snapshot only if it still is the call's generation (no access change meanwhile)
  if ((await callGeneration(env)) === snap.generation) snap.domains.set(key, result);
  return result;
}

/**
 * Rule domains are JSON; a value `{"user": "<field>"}` stands for that field of the current user
 * (Odoo evaluates `user.id`, `user.partner_id.id`, `company_ids` in Python instead).
 */
async function evalRuleDomain(env: Env, domain: unknown): Promise<unknown> {
  const user = await currentUser(env);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && 'user' in v) {
      const key = (v as { user: string }).user;
      return user[key] ?? false;
    }
    return v;
  };
  return walk(domain);
}

async function currentUser(env: Env): Promise<Record<string, unknown>> {
  const u = await userAccess(env, env.uid);
  if (!u.exists) return { id: env.uid };
  const companyIds = u.companyId ? [u.companyId] : [];
  return { id: env.uid, partner_id: u.partnerId, commercial_partner_id: u.commercialPartnerId ?? false, company_id: u.companyId ?? false, company_ids: companyIds, groups_id: [...(await env.groupIds())] };
}

/** The AccessError of records hidden by record rules (ir.rule._make_access_error, non-debug form). */
export async function recordRuleError(env: Env, def: ModelDef, operation: Operation): Promise<AccessError> {
  const { rows } = await sql<{ name: string | null }>`
    SELECT p.name FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.id = ${env.uid}`.execute(env.trx);
  const user = `${rows[0]?.name ?? ''} (id=${env.uid})`;
  return new AccessError(
    'Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n'
    + `Sorry, ${user} doesn't have '${operation}' access to:\n- ${def.description} (${def.name})\n\n`
    + 'If you really, really need access, perhaps you can win over your friendly administrator with a batch of freshly baked cookies.',
  );
}
