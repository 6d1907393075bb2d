import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import { AccessError, MissingError, OdooError, UserError, ValidationError, valueError } from '../errors.js';
import { ACCESS_COLUMNS, ACCESS_TABLES, checkModelAccess, hasModelAccess, recordRuleError, ruleDomain, type Operation } from '../security/access.js';
import { DomainCompiler, nameDomain } from './domain-sql.js';
import { NEGATIVE_OPERATORS, parseDomain, singleTerm, type DomainNode, type Operator } from './domain.js';
import type { Env } from './env.js';
import { isBinary, isX2many, type Field, type Id, type Row } from './fields.js';
import type { ModelDef } from './registry.js';
import { exactKey, statementCache } from './statement-cache.js';
import { toColumnValue, toReadValue } from './values.js';

type Sql = RawBuilder<unknown>;
export type Vals = Record<string, unknown>;
export type Load = '_classic_read' | null;

export interface SearchOptions { offset?: number; limit?: number | null; order?: string | null }
/**
 * A search run as the read query itself (searchFetch): condition, order, limit and offset on alias
 * `t` (`remember` receives the compiled statement), or a statement compiled for the same search before.
 */
type FetchQuery = { where: Sql; order: Sql; limitOffset: Sql; remember?: (statement: CompiledQuery) => void } | { compiled: CompiledQuery };

const ORDER_RE = /^(\s*("?[a-z0-9_]+"?)(\.id)?(\s+(desc|asc))?(\s+nulls\s+(first|last))?\s*(,|$))+$/i;

/** A model bound to an environment: Odoo's empty recordset `env['res.partner']` and its ORM methods. */
export class Model {
  constructor(readonly env: Env, readonly def: ModelDef) {}

  get name(): string { return this.def.name; }

  field(name: string): Field {
    const f = this.def.fields.get(name);
    if (!f) throw valueError(`Invalid field ${pyQuote(name)} on model ${pyQuote(this.def.name)}`);
    return f;
  }

  /** The same model in another environment (sudo, other context). */
  with(env: Env): Model { return new Model(env, this.def); }
  sudo(): Model { return this.with(this.env.sudo()); }

  // ---------------------------------------------------------------- access

  async checkAccessRights(operation: Operation, raiseException = true): Promise<boolean> {
    if (raiseException) { await checkModelAccess(this.env, this.def, operation); return true; }
    return hasModelAccess(this.env, this.def.name, operation);
  }

  /** Fails unless every id passes the record rules of `operation` (Odoo's check_access_rule). */
  async checkAccessRule(ids: Id[], operation: Operation): Promise<void> {
    if (this.env.su || ids.length === 0) return;
    const rule = await ruleDomain(this.env, this.def.name, operation);
    if (!rule) return;
    const compiler = this.compiler();
    const cond = compiler.compile(this.def, rule, 't');
    const { rows } = await sql<{ id: Id }>`SELECT t.id FROM ${sql.table(this.def.table)} AS t WHERE t.id IN (${sql.join(ids)}) AND NOT (${cond})`.execute(this.env.trx);
    if (rows.length) throw await recordRuleError(this.env, this.def, operation);
  }

  /** Fields the user may see (fields with `groups` are hidden outside those groups). */
  async fieldVisible(field: Field): Promise<boolean> {
    if (!field.groups || this.env.su) return true;
    for (const xmlid of field.groups.split(',')) if (await this.env.hasGroup(xmlid.trim())) return true;
    return false;
  }

  /** Refuses fields restricted by `groups` the user is not in (BaseModel.check_field_access_rights). */
  async checkFieldAccess(fieldsToCheck: Iterable<Field>, operation: Operation): Promise<void> {
    const refused: string[] = [];
    for (const f of fieldsToCheck) if (!(await this.fieldVisible(f))) refused.push(f.name);
    if (!refused.length) return;
    throw new AccessError(
      `You do not have enough rights to access the fields "${refused.join(',')}" on ${this.def.description} (${this.def.name}). `
      + `Please contact your system administrator.\n\n(Operation: ${operation})`,
    );
  }

  private compiler(): DomainCompiler {
    return new DomainCompiler(this.env.registry, this.env.context.active_test !== false);
  }

  // ---------------------------------------------------------------- search

  /** WHERE clause for a search: the user domain, the active filter and the read record rules. */
  async searchCondition(domain: unknown, compiler = this.compiler(), alias = 't'): Promise<Sql> {
    const node = parseDomain(domain);
    const conds: Sql[] = [compiler.compile(this.def, node, alias)];
    if (!mentionsField(node, 'active')) {
      const active = compiler.activeCondition(this.def, alias);
      if (active) conds.push(active);
    }
    const rule = await ruleDomain(this.env, this.def.name, 'read');
    if (rule) conds.push(compiler.compile(this.def, rule, alias));
    return sql.join(conds, sql` AND `);
  }

  /** `search(domain, offset, limit, order)` -> ids (odoo/models.py `_search`). */
  async search(domain: unknown = [], opts: SearchOptions = {}): Promise<Id[]> {
    await this.checkAccessRights('read');
    const where = await this.searchCondition(domain);
    const order = this.orderBy(opts.order ?? null, 't');
    const { rows } = await sql<{ id: Id }>`SELECT t.id FROM ${sql.table(this.def.table)} AS t WHERE ${where} ORDER BY ${order}${limitOffset(opts)}`.execute(this.env.trx);
    return rows.map((r) => r.id);
  }

  async searchCount(domain: unknown = [], limit?: number | null): Promise<number> {
    await this.checkAccessRights('read');
    const where = await this.searchCondition(domain);
    if (limit) {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${sql.table(this.def.table)} AS t WHERE ${where}${limitOffsetSql(limit, null)}) sub`.execute(this.env.trx);
      return Number(rows[0]!.n);
    }
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(this.def.table)} AS t WHERE ${where}`.execute(this.env.trx);
    return Number(rows[0]!.n);
  }

  /**
   * `search_fetch(domain, fields, offset, limit, order)` (Odoo 17, what search_read runs): the
   * search and the read of the found records' columns in one query, with the checks of `search`
   * then `read`; computed and x2many fields are read by `reader` (the same model, possibly in
   * another context) after it. The search condition holds the read rules, so the records found
   * need no second rule check.
   */
  async searchFetch(domain: unknown, fieldNames: string[] | null, opts: SearchOptions = {}, load: Load = '_classic_read', reader: Model = this): Promise<Row[]> {
    await this.checkAccessRights('read');
    // A search asked before with the same domain, fields, order, limit, offset and active_test (and
    // the same record rule) runs the statement compiled then: parsing, validating and compiling them
    // again would give the same SQL (statement-cache.ts). A statement is only filed once all of it
    // compiled, so a hit skips no error; the access checks below still run on every call, in order.
    // Fields must be listed: the default ones depend on the user's groups.
    const names = fieldNames && fieldNames.length ? [...new Set(fieldNames)] : undefined;
    const key = names && exactKey(['search_fetch', this.def.name, reader.def.name, this.env.context.active_test !== false,
      domain, names, opts.order ?? null, opts.limit ?? null, opts.offset ?? null, load]);
    const cache = statementCache(this.env.registry);
    if (key !== undefined) {
      const rule = await ruleDomain(this.env, this.def.name, 'read');
      const compiled = cache.get(key, rule);
      if (compiled) {
        await reader.checkAccessRights('read');
        const fieldsToRead = names!.map((n) => reader.field(n));
        await reader.checkFieldAccess(fieldsToRead, 'read');
        const values = await reader.readValues([], fieldsToRead, load, { search: { compiled } });
        return [...values.values()];
      }
    }
    const where = await this.searchCondition(domain);
    const order = this.orderBy(opts.order ?? null, 't');
    // the rule the condition was compiled with (searchCondition read it just now)
    const rule = key !== undefined ? await ruleDomain(this.env, this.def.name, 'read') : undefined;
    await reader.checkAccessRights('read');
    const fieldsToRead = (names ?? await reader.defaultReadFields()).map((n) => reader.field(n));
    await reader.checkFieldAccess(fieldsToRead, 'read');
    const remember = key !== undefined ? (statement: CompiledQuery) => cache.set(key, rule, statement) : undefined;
    const values = await reader.readValues([], fieldsToRead, load, { search: { where, order, limitOffset: limitOffset(opts), remember } });
    return [...values.values()];
  }

  async searchRead(domain: unknown, fieldNames: string[] | null, opts: SearchOptions = {}, load: Load = '_classic_read'): Promise<Row[]> {
    const ids = await this.search(domain, opts);
    if (!ids.length) return [];
    return this.read(ids, fieldNames, load);
  }

  /** ORDER BY from an Odoo order spec, validated against the model's fields. */
  orderBy(order: string | null, alias: string): Sql {
    const spec = order && order.trim() ? order : this.def.order;
    if (!ORDER_RE.test(spec)) {
      throw new UserError(`Invalid "order" specified (${spec}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`);
    }
    const parts: Sql[] = [];
    for (const term of spec.split(',')) {
      const m = /^"?([a-z0-9_]+(?:\.id)?)"?(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?$/i.exec(term.trim());
      if (!m) throw new UserError(`Invalid "order" specified (${spec}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`);
      let name = m[1]!;
      const direction = (m[2] ?? 'asc').toLowerCase() === 'desc' ? 'DESC' : 'ASC';
      const nulls = m[3] ? ` NULLS ${m[3].toUpperCase()}` : '';
      let raw = false;
      if (name.endsWith('.id')) { name = name.slice(0, -3); raw = true; }
      const field = this.def.fields.get(name);
      if (!field) throw valueError(`Invalid field ${pyQuote(name)} on model ${pyQuote(this.def.name)}`);
      parts.push(sql`${this.orderExpression(field, alias, raw)} ${sql.raw(direction + nulls)}`);
    }
    if (!/\bid\b/.test(spec)) parts.push(sql`${sql.ref(`${alias}.id`)} ${sql.raw(/\bdesc\b/i.test(spec.split(',')[0]!) ? 'DESC' : 'ASC')}`);
    return sql.join(parts, sql`, `);
  }

  private orderExpression(field: Field, alias: string, raw: boolean): Sql {
    if (field.sql) return field.sql(alias);
    if (field.related && field.related.split('.').length === 2) {
      // a related field sorts by its target column (res.users `name` is partner_id.name)
      const [link, target] = field.related.split('.') as [string, string];
      const comodel = this.env.registry.get(this.field(link).relation!)!;
      const targetField = comodel.fields.get(target)!;
      const expr = targetField.sql ? targetField.sql('_r') : sql.ref(`_r.${target}`);
      return sql`(SELECT ${expr} FROM ${sql.table(comodel.table)} AS _r WHERE _r.id = ${sql.ref(`${alias}.${link}`)})`;
    }
    if (!field.store) throw valueError(`Cannot convert ${this.def.name}.${field.name} to SQL because it is not stored`);
    const column = sql.ref(`${alias}.${field.name}`);
    if (field.type !== 'many2one' || raw) return column;
    // many2one sorts by the comodel's display name (Odoo joins and uses the comodel's _order)
    const comodel = this.env.registry.get(field.relation!)!;
    const display = comodel.fields.get('display_name')!.sql!('_o');
    return sql`(SELECT ${display} FROM ${sql.table(comodel.table)} AS _o WHERE _o.id = ${column})`;
  }

  // ---------------------------------------------------------------- read

  /** Ids among `ids` that exist (`exists()`), in the given order. */
  async exists(ids: Id[]): Promise<Id[]> {
    if (!ids.length) return [];
    const { rows } = await sql<{ id: Id }>`SELECT id FROM ${sql.table(this.def.table)} WHERE id IN (${sql.join(ids)})`.execute(this.env.trx);
    const found = new Set(rows.map((r) => r.id));
    return ids.filter((id) => found.has(id));
  }

  /** The field names `read()` returns when none are asked: every field the user may see. */
  async defaultReadFields(): Promise<string[]> {
    const names: string[] = [];
    for (const f of this.def.fields.values()) if (await this.fieldVisible(f)) names.push(f.name);
    return names;
  }

  /**
   * `read(fields, load)` (odoo/models.py): ids that no longer exist are left out; records hidden by
   * record rules raise AccessError; results come in the order of `ids`.
   */
  async read(ids: Id[], fieldNames: string[] | null = null, load: Load = '_classic_read'): Promise<Row[]> {
    await this.checkAccessRights('read');
    const names = fieldNames && fieldNames.length ? [...new Set(fieldNames)] : await this.defaultReadFields();
    const fieldsToRead = names.map((n) => this.field(n));
    await this.checkFieldAccess(fieldsToRead, 'read');
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    const values = await this.readValues(unique, fieldsToRead, load, { checked: true });
    // one dict per id of the recordset (duplicates included), deleted records left out
    return ids.filter((id) => values.has(id)).map((id) => ({ ...values.get(id)! }));
  }

  /**
   * Reads `fields` of `ids`. Without `checked`, no access check and every id gets a row (callers
   * check). With `checked`, as `read()` needs it: ids that no longer exist are left out and any
   * existing record the read rules hide raises AccessError, both found by the query that reads the
   * columns (with the many2one names), as Odoo's `_fetch_query` does in one SELECT.
   */
  async readValues(ids: Id[], fieldsToRead: Field[], load: Load = '_classic_read', opts: { checked?: boolean; search?: FetchQuery } = {}): Promise<Map<Id, Row>> {
    let out = new Map<Id, Row>(ids.map((id) => [id, { id }]));
    if (!ids.length && !opts.search) return out;
    const binSize = Boolean(this.env.context.bin_size);
    const columns = fieldsToRead.filter((f) => f.name !== 'id' && (f.store || f.sql));
    const rule = opts.checked && !this.env.su ? await ruleDomain(this.env, this.def.name, 'read') : undefined;
    // many2one names read with the values, as superuser (what displayNames does in a query of its own)
    const named = load === '_classic_read' ? columns.filter((f) => f.type === 'many2one') : [];
    const nameKey = (f: Field) => `__name_${f.name}`;
    if (columns.length || opts.checked || opts.search) {
      const select: Sql[] = [sql.ref('t.id'), ...columns.map((f) => (f.sql ? sql`${f.sql('t')} AS ${sql.id(f.name)}` : sql.ref(`t.${f.name}`)))];
      for (const f of named) {
        const comodel = this.env.registry.get(f.relation!)!;
        const value = f.sql ? f.sql('t') : sql.ref(`t.${f.name}`);
        select.push(sql`(SELECT coalesce(${comodel.fields.get('display_name')!.sql!('_dn')}, '') FROM ${sql.table(comodel.table)} AS _dn WHERE _dn.id = ${value}) AS ${sql.id(nameKey(f))}`);
      }
      // the rule as a value: a record fails it when the condition is false (NULL passes, as `NOT (cond)` does)
      if (rule) select.push(sql`(${this.compiler().compile(this.def, rule, 't')}) AS __allowed`);
      let statement: CompiledQuery;
      if (opts.search && 'compiled' in opts.search) {
        statement = opts.search.compiled;
      } else {
        const source = opts.search
          ? sql`${opts.search.where} ORDER BY ${opts.search.order}${opts.search.limitOffset}`
          : sql`t.id IN (${sql.join(ids)})`;
        statement = sql`SELECT ${sql.join(select)} FROM ${sql.table(this.def.table)} AS t WHERE ${source}`.compile(this.env.trx);
        opts.search?.remember?.(statement);
      }
      const { rows } = await this.env.trx.executeQuery<Record<string, unknown>>(statement);
      if (rule && rows.some((r) => r.__allowed === false)) throw await recordRuleError(this.env, this.def, 'read');
      if (opts.search) {
        // the records found, in the search's order
        ids = [];
        out = new Map();
        for (const row of rows) {
          ids.push(row.id as Id);
          out.set(row.id as Id, { id: row.id as Id });
        }
      } else if (opts.checked) {
        const found = new Set(rows.map((r) => r.id as Id));
        for (const id of ids) if (!found.has(id)) out.delete(id);
        ids = ids.filter((id) => found.has(id));
      }
      // how each column's value is read from a row (convert_to_read), decided once per call rather
      // than per row and field: the formatting loop was the ORM's largest cost for a list of records
      const readers = columns.map((f): [string, (row: Record<string, unknown>) => unknown] => {
        if (f.type !== 'many2one') {
          const bin = binSize || Boolean(this.env.context[`bin_size_${f.name}`]);
          return [f.name, (row) => toReadValue(f, row[f.name], bin)];
        }
        if (!named.includes(f)) return [f.name, (row) => row[f.name] ?? false];
        const key = nameKey(f);
        return [f.name, (row) => {
          const v = row[f.name];
          const name = row[key];
          return typeof v === 'number' && typeof name === 'string' ? [v, name] : false;
        }];
      });
      for (const row of rows) {
        const rec = out.get(row.id as Id)!;
        for (const [name, readValue] of readers) rec[name] = readValue(row);
      }
      if (!ids.length) return out;
    }
    for (const f of fieldsToRead) {
      if (f.name === 'id' || f.store || f.sql) continue;
      let byId: Map<Id, unknown>;
      if (isX2many(f) && !f.compute && !f.related) byId = await this.x2manyIds(f, ids);
      else if (f.related) byId = await this.relatedValues(f, ids);
      else byId = await f.compute!(this.env, ids);
      for (const id of ids) {
        const v = byId.get(id);
        out.get(id)![f.name] = f.type === 'many2one' || isX2many(f) ? v ?? (isX2many(f) ? [] : false) : toComputedRead(f, v);
      }
    }
    // other many2one values as [id, display_name] in one query per comodel (names read as superuser)
    for (const f of fieldsToRead) {
      if (f.type !== 'many2one' || named.includes(f)) continue;
      const targets = [...new Set([...out.values()].map((r) => r[f.name]).filter((v): v is number => typeof v === 'number'))];
      if (load !== '_classic_read') continue;
      const names = await displayNames(this.env, f.relation!, targets);
      for (const rec of out.values()) {
        const v = rec[f.name];
        rec[f.name] = typeof v === 'number' ? (names.has(v) ? [v, names.get(v)] : false) : false;
      }
    }
    // keys in the order the fields were asked for, as Odoo's read() builds its dicts (already so when
    // every field is a column: the records were filled in that order after `id`)
    if (columns.length === fieldsToRead.filter((f) => f.name !== 'id').length) return out;
    for (const [id, rec] of out) {
      const ordered: Row = { id };
      for (const f of fieldsToRead) if (f.name in rec) ordered[f.name] = rec[f.name];
      out.set(id, ordered);
    }
    return out;
  }

  /** one2many / many2many ids per record, in the comodel's order, active ones only by default. */
  async x2manyIds(f: Field, ids: Id[]): Promise<Map<Id, Id[]>> {
    const comodel = this.env.registry.get(f.relation!)!;
    const co = this.env.model(comodel.name).sudo();
    const order = co.orderBy(null, 'c');
    const active = this.env.context.active_test !== false && comodel.fields.get('active')?.store ? sql` AND c.active = TRUE` : sql``;
    const result = new Map<Id, Id[]>(ids.map((id) => [id, []]));
    let rows: { owner: Id; id: Id }[];
    if (f.type === 'one2many') {
      const inv = sql.ref(`c.${f.inverseName!}`);
      rows = (await sql<{ owner: Id; id: Id }>`SELECT ${inv} AS owner, c.id FROM ${sql.table(comodel.table)} AS c WHERE ${inv} IN (${sql.join(ids)})${active} ORDER BY ${order}`.execute(this.env.trx)).rows;
    } else {
      rows = (await sql<{ owner: Id; id: Id }>`SELECT r.${sql.id(f.column1!)} AS owner, c.id FROM ${sql.table(f.relationTable!)} AS r JOIN ${sql.table(comodel.table)} AS c ON c.id = r.${sql.id(f.column2!)} WHERE r.${sql.id(f.column1!)} IN (${sql.join(ids)})${active} ORDER BY ${order}`.execute(this.env.trx)).rows;
    }
    for (const r of rows) result.get(r.owner)?.push(r.id);
    return result;
  }

  /** Values of a related field (`partner_id.name`), read through the relation as superuser. */
  private async relatedValues(f: Field, ids: Id[]): Promise<Map<Id, unknown>> {
    const [head, ...rest] = f.related!.split('.');
    const link = this.field(head!);
    const own = await this.sudo().readValues(ids, [link], null);
    const result = new Map<Id, unknown>();
    if (!rest.length) { for (const [id, row] of own) result.set(id, row[head!]); return result; }
    const comodel = this.env.model(link.relation!).sudo();
    const targetField = comodel.field(rest.join('.').split('.')[0]!);
    const targetIds = new Set<Id>();
    for (const row of own.values()) {
      const v = row[head!];
      if (Array.isArray(v)) v.forEach((x) => targetIds.add(x as Id)); else if (typeof v === 'number') targetIds.add(v);
    }
    const nested = rest.length === 1 ? await comodel.readValues([...targetIds], [targetField], null)
      : await comodel.relatedValuesByPath(rest.join('.'), [...targetIds]);
    for (const [id, row] of own) {
      const v = row[head!];
      const first = Array.isArray(v) ? v[0] : v;
      const got = typeof first === 'number' ? nested.get(first) : undefined;
      result.set(id, got === undefined ? undefined : rest.length === 1 ? (got as Row)[targetField.name] : got);
    }
    return result;
  }

  private async relatedValuesByPath(path: string, ids: Id[]): Promise<Map<Id, unknown>> {
    return this.relatedValues({ ...this.field(path.split('.')[0]!), related: path, name: '__path' } as Field, ids);
  }

  // ---------------------------------------------------------------- write side

  /** Values for fields not given: context `default_<field>`, then the field default (default_get). */
  async defaultGet(fieldNames: string[]): Promise<Vals> {
    const out: Vals = {};
    for (const name of fieldNames) {
      const f = this.def.fields.get(name);
      if (!f || f.magic) continue;
      const ctxKey = `default_${name}`;
      let value: unknown;
      if (ctxKey in this.env.context) value = this.env.context[ctxKey];
      else if (f.default !== undefined) value = typeof f.default === 'function' ? await (f.default as (env: Env) => unknown)(this.env) : f.default;
      else continue;
      if (isX2many(f) && Array.isArray(value) && value.every((v) => typeof v === 'number')) value = [[6, 0, value]];
      out[name] = value;
    }
    return out;
  }

  /** `create(vals_list)` -> ids (odoo/models.py `create`, `_create`). */
  async create(valsList: Vals[]): Promise<Id[]> {
    await this.checkAccessRights('create');
    const prepared: Vals[] = [];
    for (const vals of valsList) {
      if (!vals || typeof vals !== 'object' || Array.isArray(vals)) throw valueError(`dictionary update sequence element #0 has length 1; 2 is required`);
      await this.checkFieldAccess(Object.keys(vals).map((key) => this.field(key)), 'create');
      const missing = [...this.def.fields.keys()].filter((n) => !(n in vals));
      prepared.push({ ...(await this.defaultGet(missing)), ...vals });
    }
    await this.def.hooks?.beforeCreate?.(this.env, prepared);
    const ids: Id[] = [];
    for (const vals of prepared) {
      const { columns, later } = this.splitVals(vals, true);
      this.checkRequired(columns, true);
      if (this.def.logAccess) {
        columns.set('create_uid', this.env.uid);
        columns.set('write_uid', this.env.uid);
      }
      const names = [...columns.keys()];
      const query = names.length
        ? sql<{ id: Id }>`INSERT INTO ${sql.table(this.def.table)} (${sql.join(names.map((n) => sql.id(n)))}) VALUES (${sql.join(names.map((n) => sql`${columns.get(n)}`))}) RETURNING id`
        : sql<{ id: Id }>`INSERT INTO ${sql.table(this.def.table)} DEFAULT VALUES RETURNING id`;
      const id = (await query.execute(this.env.trx)).rows[0]!.id;
      ids.push(id);
      await this.writeLater(id, later, true);
    }
    if (touchesAccess(this.def, prepared.flatMap((v) => Object.keys(v)), 'create')) this.env.invalidateGroups();
    await this.checkAccessRule(ids, 'create');
    await this.def.hooks?.afterCreate?.(this.env, ids, prepared);
    return ids;
  }

  /** `write(vals)` on ids (odoo/models.py `write`). */
  async write(ids: Id[], vals: Vals): Promise<true> {
    await this.checkAccessRights('write');
    if (!vals || typeof vals !== 'object' || Array.isArray(vals)) throw valueError('dictionary update sequence element #0 has length 1; 2 is required');
    await this.checkFieldAccess(Object.keys(vals).map((key) => this.field(key)), 'write');
    const unique = [...new Set(ids)];
    if (!unique.length) return true;
    const values = { ...vals };
    // Nothing runs between the existence check and the UPDATE when no write rule applies and the
    // model has no beforeWrite hook: the UPDATE itself then checks that every record exists (and
    // changes nothing otherwise), one round trip less per write.
    const checkInUpdate = !this.def.hooks?.beforeWrite && (this.env.su || !(await ruleDomain(this.env, this.def.name, 'write')));
    let split: { columns: Map<string, unknown>; later: [Field, unknown][] };
    if (checkInUpdate) {
      try {
        split = this.splitVals(values, false);
        this.checkRequired(split.columns, false);
      } catch (err) {
        // a missing record is reported before a bad value, as when existence is checked first
        await this.ensureExist(unique, 'write');
        throw err;
      }
    } else {
      await this.ensureExist(unique, 'write');
      await this.checkAccessRule(unique, 'write');
      await this.def.hooks?.beforeWrite?.(this.env, unique, values);
      split = this.splitVals(values, false);
      this.checkRequired(split.columns, false);
    }
    const { columns, later } = split;
    if (this.def.logAccess) {
      columns.set('write_uid', this.env.uid);
      columns.set('write_date', sql`(now() AT TIME ZONE 'utc')`);
    }
    if (columns.size) {
      const sets = [...columns].map(([n, v]) => sql`${sql.id(n)} = ${isRaw(v) ? v : sql`${v}`}`);
      const table = sql.table(this.def.table);
      if (checkInUpdate) {
        const { rows } = await sql<{ id: Id }>`UPDATE ${table} SET ${sql.join(sets)} WHERE id IN (${sql.join(unique)})
          AND (SELECT count(*) FROM ${table} AS _e WHERE _e.id IN (${sql.join(unique)})) = ${unique.length} RETURNING id`.execute(this.env.trx);
        if (rows.length < unique.length) await this.ensureExist(unique, 'write');
      } else {
        await sql`UPDATE ${table} SET ${sql.join(sets)} WHERE id IN (${sql.join(unique)})`.execute(this.env.trx);
      }
    } else if (checkInUpdate) {
      await this.ensureExist(unique, 'write');
    }
    for (const id of unique) await this.writeLater(id, later, false);
    if (touchesAccess(this.def, Object.keys(values), 'write')) this.env.invalidateGroups();
    await this.def.hooks?.afterWrite?.(this.env, unique, values);
    return true;
  }

  /** `unlink()` (odoo/models.py): deletes the records and their xml ids. */
  async unlink(ids: Id[]): Promise<true> {
    await this.checkAccessRights('unlink');
    const unique = [...new Set(ids)];
    if (!unique.length) return true;
    const existing = await this.exists(unique);
    if (!existing.length) return true;
    await this.checkAccessRule(existing, 'unlink');
    await this.def.hooks?.beforeUnlink?.(this.env, existing);
    await sql`DELETE FROM ${sql.table(this.def.table)} WHERE id IN (${sql.join(existing)})`.execute(this.env.trx);
    await sql`DELETE FROM ir_model_data WHERE model = ${this.def.name} AND res_id IN (${sql.join(existing)})`.execute(this.env.trx);
    if (touchesAccess(this.def, [], 'unlink')) this.env.invalidateGroups();
    return true;
  }

  /** MissingError for ids that are gone (Odoo's `_check_access` on write of deleted records). */
  async ensureExist(ids: Id[], operation: Operation): Promise<void> {
    const existing = new Set(await this.exists(ids));
    const missing = ids.filter((id) => !existing.has(id));
    if (missing.length) {
      throw new MissingError(
        'Record does not exist or has been deleted.\n'
        + `(Record: ${this.def.name}(${missing.join(', ')}${missing.length === 1 ? ',' : ''}), User: ${this.env.uid})`,
      );
    }
    void operation;
  }

  private splitVals(vals: Vals, creating: boolean): { columns: Map<string, unknown>; later: [Field, unknown][] } {
    const columns = new Map<string, unknown>();
    const later: [Field, unknown][] = [];
    for (const [name, value] of Object.entries(vals)) {
      const f = this.field(name);
      if (f.magic || name === 'display_name') continue;
      if (f.store) columns.set(name, toColumnValue(f, value));
      else if (isX2many(f) || f.inverse || (f.related && !f.readonly)) later.push([f, value]);
      else if (!creating && !f.compute && !f.sql) continue;
    }
    return { columns, later };
  }

  private checkRequired(columns: Map<string, unknown>, creating: boolean): void {
    for (const f of this.def.fields.values()) {
      if (!f.required || !f.store || f.type === 'boolean') continue;
      const given = columns.has(f.name);
      if ((creating && (!given || columns.get(f.name) === null)) || (!creating && given && columns.get(f.name) === null)) {
        throw new ValidationError(mandatoryFieldMessage(this.def, f));
      }
    }
  }

  /** x2many commands, related write-through and inverses, once the row exists. */
  private async writeLater(id: Id, later: [Field, unknown][], creating: boolean): Promise<void> {
    for (const [f, value] of later) {
      if (isX2many(f) && !f.inverse) await applyX2manyCommands(this, f, id, value, creating);
      else if (f.inverse) await f.inverse(this.env, [id], value);
      else if (f.related) await this.writeRelated(f, id, value);
    }
  }

  private async writeRelated(f: Field, id: Id, value: unknown): Promise<void> {
    const path = f.related!.split('.');
    const last = path.pop()!;
    let model: Model = this.sudo();
    let ids = [id];
    for (const step of path) {
      const link = model.field(step);
      const rows = await model.readValues(ids, [link], null);
      ids = [...rows.values()].map((r) => r[step]).filter((v): v is number => typeof v === 'number');
      model = this.env.model(link.relation!).sudo();
    }
    if (ids.length) await model.write(ids, { [last]: value });
  }

  /** `copy(default)`: a new record with the copyable stored values (one2many are not copied). */
  async copy(id: Id, defaults: Vals = {}): Promise<Id> {
    const [row] = await this.read([id], null, null);
    if (!row) throw new MissingError(`Record does not exist or has been deleted.\n(Record: ${this.def.name}(${id},), User: ${this.env.uid})`);
    const vals: Vals = {};
    for (const f of this.def.fields.values()) {
      if (f.magic || f.name === 'display_name' || f.copy === false || f.type === 'one2many' || f.readonly && !f.store) continue;
      if (!f.store && f.type !== 'many2many') continue;
      const v = row[f.name];
      vals[f.name] = f.type === 'many2many' ? [[6, 0, v]] : v;
    }
    // some models mark copies in their name or login (res.partner.copy, res.users.copy)
    for (const name of this.def.copySuffixFields ?? []) {
      if (typeof vals[name] === 'string' && !(name in defaults)) vals[name] = `${vals[name]} (copy)`;
    }
    const [newId] = await this.create([{ ...vals, ...defaults }]);
    return newId!;
  }

  // ---------------------------------------------------------------- names

  /** `name_search(name, domain, operator, limit)` -> [[id, display_name], ...] (odoo/models.py). */
  async nameSearch(name: string, domain: unknown[] = [], operator: Operator = 'ilike', limit: number | null = 100): Promise<[Id, string][]> {
    let full: unknown[] = domain ?? [];
    if (!(name === '' && (operator === 'ilike' || operator === 'like'))) {
      // positive operators match any of the name fields, negative ones must hold for all (_name_search)
      const nd = nameDomain(this.def, operator, name).map((t) => (t === '|' && NEGATIVE_OPERATORS.has(operator) ? '&' : t));
      full = full.length ? ['&', ...singleTerm(full), ...singleTerm(nd)] : nd;
    }
    const ids = await this.search(full, { limit });
    const names = await displayNames(this.env, this.def.name, ids);
    return ids.map((id) => [id, names.get(id) ?? '']);
  }

  /** `name_create(name)` -> [id, display_name], or false without a rec name field. */
  async nameCreate(name: string): Promise<[Id, string] | false> {
    if (!this.def.recName) return false;
    const [id] = await this.create([{ [this.def.recName]: name }]);
    const names = await displayNames(this.env, this.def.name, [id!]);
    return [id!, names.get(id!) ?? name];
  }
}

/** display_name of records, read as superuser (what many2one values show). */
export async function displayNames(env: Env, modelName: string, ids: Id[]): Promise<Map<Id, string>> {
  const out = new Map<Id, string>();
  if (!ids.length) return out;
  const def = env.registry.get(modelName)!;
  const expr = def.fields.get('display_name')!.sql!('t');
  const { rows } = await sql<{ id: Id; name: string | null }>`SELECT t.id, ${expr} AS name FROM ${sql.table(def.table)} AS t WHERE t.id IN (${sql.join(ids)})`.execute(env.trx);
  for (const r of rows) out.set(r.id, r.name ?? '');
  return out;
}

/** Applies Odoo's x2many command list ([0, 0, vals], [4, id], [6, 0, ids]...) for one record. */
async function applyX2manyCommands(owner: Model, f: Field, id: Id, value: unknown, creating: boolean): Promise<void> {
  if (value === false || value === null) value = [[5, 0, 0]];
  if (!Array.isArray(value)) throw valueError(`Wrong value for ${owner.name}.${f.name}: ${JSON.stringify(value)}`);
  // a bare list of ids replaces the set, as for defaults
  const commands = value.every((v) => typeof v === 'number') ? [[6, 0, value]] : value;
  const comodel = owner.env.model(f.relation!);
  const trx = owner.env.trx;
  const o2m = f.type === 'one2many';
  const rel = sql.table(f.relationTable ?? '_');
  const c1 = sql.id(f.column1 ?? '_');
  const c2 = sql.id(f.column2 ?? '_');
  const link = async (targets: Id[]) => {
    if (!targets.length) return;
    if (o2m) await comodel.write(targets, { [f.inverseName!]: id });
    else {
      for (const t of targets) await sql`INSERT INTO ${rel} (${c1}, ${c2}) VALUES (${id}, ${t}) ON CONFLICT DO NOTHING`.execute(trx);
    }
  };
  const unlinkTargets = async (targets: Id[] | 'all') => {
    if (o2m) {
      const current = targets === 'all' ? (await owner.x2manyIds(f, [id])).get(id)! : targets;
      if (!current.length) return;
      const inverse = comodel.def.fields.get(f.inverseName!);
      // a required inverse or cascade means the line cannot live alone: delete it (Odoo does the same)
      if (inverse?.required || inverse?.ondelete === 'cascade') await comodel.unlink(current);
      else await comodel.write(current, { [f.inverseName!]: false });
    } else if (targets === 'all') {
      await sql`DELETE FROM ${rel} WHERE ${c1} = ${id}`.execute(trx);
    } else if (targets.length) {
      await sql`DELETE FROM ${rel} WHERE ${c1} = ${id} AND ${c2} IN (${sql.join(targets)})`.execute(trx);
    }
  };
  for (const cmd of commands) {
    if (!Array.isArray(cmd) || typeof cmd[0] !== 'number') throw valueError(`Wrong value for ${owner.name}.${f.name}: ${JSON.stringify(cmd)}`);
    const [code, ref, arg] = cmd as [number, unknown, unknown];
    switch (code) {
      case 0: {
        const vals = { ...(arg as Vals) };
        if (o2m) vals[f.inverseName!] = id;
        const [newId] = await comodel.create([vals]);
        if (!o2m) await link([newId!]);
        break;
      }
      case 1: await comodel.write([toId(ref)], (arg ?? {}) as Vals); break;
      case 2: await comodel.unlink([toId(ref)]); break;
      case 3: await unlinkTargets([toId(ref)]); break;
      case 4: await link([toId(ref)]); break;
      case 5: if (!creating) await unlinkTargets('all'); break;
      case 6: {
        const wanted = (Array.isArray(arg) ? arg : []).map(toId);
        if (!creating) {
          const current = (await owner.x2manyIds(f, [id])).get(id)!;
          await unlinkTargets(current.filter((x) => !wanted.includes(x)));
        }
        await link(wanted);
        break;
      }
      default:
        throw valueError(`Wrong value for ${owner.name}.${f.name}: ${JSON.stringify(cmd)}`);
    }
  }
}

function toId(v: unknown): Id {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw valueError(`Invalid id ${JSON.stringify(v)}`);
}

function toComputedRead(f: Field, v: unknown): unknown {
  if (v === undefined || v === null) return f.type === 'integer' || f.type === 'float' || f.type === 'monetary' ? 0 : false;
  if (isBinary(f) && (Buffer.isBuffer(v) || v instanceof Uint8Array)) return Buffer.from(v).toString('base64');
  return v;
}

function isRaw(v: unknown): v is Sql {
  return typeof v === 'object' && v !== null && 'toOperationNode' in v;
}

/**
 * LIMIT and OFFSET clauses. Odoo hands the values to Postgres as they are, so a negative or
 * non-numeric one fails there: the same psycopg2 errors are raised here before the query runs.
 */
export function limitOffsetSql(limitValue: unknown, offsetValue: unknown): Sql {
  const clause = (keyword: 'LIMIT' | 'OFFSET', value: unknown): Sql => {
    if (!value) return sql``;
    const n = Number(value);
    if (!Number.isFinite(n) || (typeof value !== 'number' && typeof value !== 'boolean' && !/^\s*-?\d+\s*$/.test(String(value)))) {
      throw new OdooError('psycopg2.errors.InvalidTextRepresentation', `invalid input syntax for type bigint: "${String(value)}"\n`);
    }
    if (n < 0) {
      throw new OdooError(keyword === 'LIMIT' ? 'psycopg2.errors.InvalidRowCountInLimitClause' : 'psycopg2.errors.InvalidRowCountInResultOffsetClause',
        `${keyword} must not be negative\n`);
    }
    return keyword === 'LIMIT' ? sql` LIMIT ${Math.floor(n)}` : sql` OFFSET ${Math.floor(n)}`;
  };
  return sql`${clause('LIMIT', limitValue)}${clause('OFFSET', offsetValue)}`;
}

function limitOffset(opts: SearchOptions): Sql {
  return limitOffsetSql(opts.limit, opts.offset);
}

function mentionsField(node: DomainNode, name: string): boolean {
  switch (node.kind) {
    case 'leaf': return node.path === name || node.path.startsWith(`${name}.`);
    case 'not': return mentionsField(node.child, name);
    case 'and': case 'or': return node.children.some((c) => mentionsField(c, name));
    default: return false;
  }
}

const pyQuote = (s: string) => `'${s}'`;

/**
 * Whether writing `fieldNames` of the model (or deleting its records) changes what access checks
 * read (ACCESS_TABLES and ACCESS_COLUMNS, or res_groups whose deletion cascades to memberships and
 * rule groups): the call then reads the access generation again, so its next checks see its own change.
 */
function touchesAccess(def: ModelDef, fieldNames: Iterable<string>, operation: 'create' | 'write' | 'unlink'): boolean {
  if (ACCESS_TABLES.has(def.table) || def.table === 'res_groups') return true;
  // a new record is in nobody's chain yet: only changing or deleting existing ones matters
  const columns = operation === 'create' ? undefined : ACCESS_COLUMNS[def.table];
  if (columns && operation === 'unlink') return true;
  for (const name of fieldNames) {
    if (columns?.includes(name)) return true;
    const table = def.fields.get(name)?.relationTable;
    if (table && ACCESS_TABLES.has(table)) return true;
  }
  return false;
}

/** Odoo's text for a NOT NULL violation (odoo/service/model.py `_as_validation_error`). */
export function mandatoryFieldMessage(def: ModelDef, f: Field): string {
  return 'The operation cannot be completed:\n'
    + '- Create/update: a mandatory field is not set.\n'
    + '- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n'
    + `Model: ${def.description} (${def.name})\nField: ${f.string} (${f.name})\n`;
}
