import { randomUUID, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import { Env, SUPERUSER_ID } from '../orm/env.js';
import type { Registry } from '../orm/registry.js';
import { hashPassword } from '../security/password.js';
import { MIGRATION_LOCK_KEY, type Database, type Trx } from './database.js';
import { loadDemoData } from './demo.js';

/**
 * Start-up data that depends on code or settings rather than on migrations (what Odoo does when a
 * module is installed): ir.model / ir.model.fields from the registry, the models' access rights
 * and record rules, system parameters, the admin password, and demo data on request.
 */
export async function seed(database: Database, registry: Registry, config: Config): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    if (database.kind === 'pg') await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    await syncModels(trx, registry);
    await syncAccess(trx, registry);
    await ensureParameters(trx, config);
    const { rows } = await sql<{ password: string | null }>`SELECT password FROM res_users WHERE id = 2`.execute(trx);
    if (rows[0] && !rows[0].password) {
      const hash = await hashPassword(config.adminPassword, config.passwordHashRounds);
      await sql`UPDATE res_users SET password = ${hash} WHERE id = 2`.execute(trx);
    }
    if (config.demoData) await loadDemoData(new Env(registry, trx, SUPERUSER_ID, {}));
  });
}

/**
 * ir.model and ir.model.fields from the registry, in three statements whatever the number of models
 * (this runs at every start): field rows are rewritten only when something about them changed.
 */
async function syncModels(trx: Trx, registry: Registry): Promise<void> {
  const defs = [...registry.models.values()];
  const { rows } = await sql<{ id: number; model: string }>`
    INSERT INTO ir_model (model, name, state, transient)
    SELECT m, n, 'base', t FROM unnest(${sql.val(defs.map((d) => d.name))}::text[], ${sql.val(defs.map((d) => d.description))}::text[],
      ${sql.val(defs.map((d) => Boolean(d.transient)))}::boolean[]) AS x(m, n, t)
    ON CONFLICT (model) DO UPDATE SET name = EXCLUDED.name RETURNING id, model`.execute(trx);
  const modelIds = new Map(rows.map((r) => [r.model, r.id]));
  const fields = defs.flatMap((def) => [...def.fields.values()].map((f) => ({ def, f })));
  const col = <T>(get: (x: { def: (typeof defs)[number]; f: (typeof fields)[number]['f'] }) => T) => sql.val(fields.map(get));
  await sql`
    INSERT INTO ir_model_fields (model_id, model, name, field_description, help, ttype, relation, relation_field, required, readonly, store, state)
    SELECT model_id, model, name, field_description, help, ttype, relation, relation_field, required, readonly, store, 'base'
    FROM unnest(${col(({ def }) => modelIds.get(def.name)!)}::int[], ${col(({ def }) => def.name)}::text[], ${col(({ f }) => f.name)}::text[],
      ${col(({ f }) => f.string)}::text[], ${col(({ f }) => f.help ?? null)}::text[], ${col(({ f }) => f.type)}::text[],
      ${col(({ f }) => f.relation ?? null)}::text[], ${col(({ f }) => f.inverseName ?? null)}::text[], ${col(({ f }) => Boolean(f.required))}::boolean[],
      ${col(({ f }) => Boolean(f.readonly))}::boolean[], ${col(({ f }) => f.store)}::boolean[])
      AS x(model_id, model, name, field_description, help, ttype, relation, relation_field, required, readonly, store)
    ON CONFLICT (model, name) DO UPDATE SET field_description = EXCLUDED.field_description, help = EXCLUDED.help,
      ttype = EXCLUDED.ttype, relation = EXCLUDED.relation, relation_field = EXCLUDED.relation_field,
      required = EXCLUDED.required, readonly = EXCLUDED.readonly, store = EXCLUDED.store
    WHERE (ir_model_fields.field_description, ir_model_fields.help, ir_model_fields.ttype, ir_model_fields.relation, ir_model_fields.relation_field,
        ir_model_fields.required, ir_model_fields.readonly, ir_model_fields.store)
      IS DISTINCT FROM (EXCLUDED.field_description, EXCLUDED.help, EXCLUDED.ttype, EXCLUDED.relation, EXCLUDED.relation_field,
        EXCLUDED.required, EXCLUDED.readonly, EXCLUDED.store)`.execute(trx);
  await sql`
    INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
    SELECT 'base', n, 'ir.model', id, false FROM unnest(${sql.val(defs.map((d) => `model_${d.name.replace(/\./g, '_')}`))}::text[],
      ${sql.val(defs.map((d) => modelIds.get(d.name)!))}::int[]) AS x(n, id)
    ON CONFLICT (module, name) DO UPDATE SET res_id = EXCLUDED.res_id WHERE ir_model_data.res_id IS DISTINCT FROM EXCLUDED.res_id`.execute(trx);
}

async function xmlidTarget(trx: Trx, module: string, name: string): Promise<number | undefined> {
  const { rows } = await sql<{ res_id: number }>`SELECT res_id FROM ir_model_data WHERE module = ${module} AND name = ${name}`.execute(trx);
  return rows[0]?.res_id;
}

async function ensureXmlid(trx: Trx, module: string, name: string, model: string, resId: number): Promise<void> {
  await sql`INSERT INTO ir_model_data (module, name, model, res_id, noupdate) VALUES (${module}, ${name}, ${model}, ${resId}, false)
    ON CONFLICT (module, name) DO UPDATE SET res_id = EXCLUDED.res_id`.execute(trx);
}

async function groupId(trx: Trx, xmlid: string): Promise<number> {
  const [module, name] = xmlid.split('.') as [string, string];
  const id = await xmlidTarget(trx, module, name);
  if (id === undefined) throw new Error(`access rights name an unknown group ${xmlid}`);
  return id;
}

/** Creates the declared ACLs and rules once; later edits by administrators are kept (Odoo's noupdate). */
async function syncAccess(trx: Trx, registry: Registry): Promise<void> {
  // what exists already, in two queries (this runs at every start; usually nothing is missing)
  const { rows: models } = await sql<{ id: number; model: string }>`SELECT id, model FROM ir_model`.execute(trx);
  const modelIds = new Map(models.map((m) => [m.model, m.id]));
  const { rows: known } = await sql<{ module: string; name: string }>`SELECT module, name FROM ir_model_data WHERE model IN ('ir.model.access', 'ir.rule')`.execute(trx);
  const existing = new Set(known.map((k) => `${k.module}.${k.name}`));
  for (const def of registry.models.values()) {
    const slug = def.name.replace(/\./g, '_');
    const modelId = modelIds.get(def.name)!;
    for (const acl of def.access ?? []) {
      const name = `access_${slug}_${acl.group ? acl.group.replace('.', '_') : 'all'}`;
      if (existing.has(`base.${name}`) || (await xmlidTarget(trx, 'base', name)) !== undefined) continue;
      const gid = acl.group ? await groupId(trx, acl.group) : null;
      const { rows: created } = await sql<{ id: number }>`
        INSERT INTO ir_model_access (name, model_id, group_id, perm_read, perm_write, perm_create, perm_unlink)
        VALUES (${name}, ${modelId}, ${gid}, ${acl.perms.includes('r')}, ${acl.perms.includes('w')}, ${acl.perms.includes('c')}, ${acl.perms.includes('u')})
        RETURNING id`.execute(trx);
      await ensureXmlid(trx, 'base', name, 'ir.model.access', created[0]!.id);
    }
    for (const rule of def.rules ?? []) {
      const [module, name] = rule.xmlid.split('.') as [string, string];
      if (existing.has(rule.xmlid) || (await xmlidTarget(trx, module, name)) !== undefined) continue;
      const perms = rule.perms ?? 'rwcu';
      const { rows: created } = await sql<{ id: number }>`
        INSERT INTO ir_rule (name, model_id, domain_force, perm_read, perm_write, perm_create, perm_unlink)
        VALUES (${rule.name}, ${modelId}, ${JSON.stringify(rule.domain)}, ${perms.includes('r')}, ${perms.includes('w')}, ${perms.includes('c')}, ${perms.includes('u')})
        RETURNING id`.execute(trx);
      for (const g of rule.groups) {
        await sql`INSERT INTO rule_group_rel (rule_group_id, group_id) VALUES (${created[0]!.id}, ${await groupId(trx, g)})`.execute(trx);
      }
      await ensureXmlid(trx, module, name, 'ir.rule', created[0]!.id);
    }
  }
}

async function ensureParameters(trx: Trx, config: Config): Promise<void> {
  const defaults: Record<string, string> = {
    'database.secret': randomBytes(32).toString('hex'),
    'database.uuid': randomUUID(),
    'web.base.url': config.webBaseUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`,
  };
  for (const [key, value] of Object.entries(defaults)) {
    await sql`INSERT INTO ir_config_parameter (key, value) VALUES (${key}, ${value}) ON CONFLICT (key) DO NOTHING`.execute(trx);
  }
  if (config.webBaseUrl) await sql`UPDATE ir_config_parameter SET value = ${config.webBaseUrl} WHERE key = 'web.base.url'`.execute(trx);
}
