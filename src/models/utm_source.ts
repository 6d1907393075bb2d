import { sql } from 'kysely';
import type { Env } from '../orm/env.js';
import { fields, type Id } from '../orm/fields.js';
import { defineModel } from '../orm/registry.js';

/** utm.source (addons/utm): where a lead or ticket came from, e.g. crm_livechat's "Livechat". */
export default defineModel({
  name: 'utm.source',
  table: 'utm_source',
  description: 'UTM Source',
  order: 'name',
  sqlConstraints: { utm_source_unique_name: 'The name must be unique' },
  fields: {
    name: fields.char('Source Name', { required: true }),
  },
  access: [
    { group: 'base.group_user', perms: 'rwc' },
    { group: 'base.group_system', perms: 'rwcu' },
  ],
});

/**
 * utm's `_get_unique_names`: `name` when no other source has it, else `name [2]`, `name [3]`...
 * (the source `exceptId` itself does not count, so renaming a record to its own name keeps it).
 */
export async function uniqueSourceName(env: Env, name: string, exceptId: Id | null = null): Promise<string> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM utm_source WHERE (name = ${name} OR name LIKE ${`${name.replace(/[\\%_]/g, '\\$&')} [%]`})
    AND id IS DISTINCT FROM ${exceptId}`.execute(env.trx);
  const taken = new Set(rows.map((r) => r.name));
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) if (!taken.has(`${name} [${n}]`)) return `${name} [${n}]`;
}

/**
 * utm.source.mixin's create: a record without a source gets a new one named after `name`
 * (made unique). Returns the source id.
 */
export async function createSourceFor(env: Env, name: string): Promise<Id> {
  const [id] = await env.model('utm.source').sudo().create([{ name: await uniqueSourceName(env, name) }]);
  return id!;
}
