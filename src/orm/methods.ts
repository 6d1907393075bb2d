import { sql } from 'kysely';
import { OdooError, typeError, valueError } from '../errors.js';
import type { Operation } from '../security/access.js';
import { OPERATIONS } from '../security/access.js';
import type { Id } from './fields.js';
import { fieldsGet } from './fields-get.js';
import type { Load, Model, Vals } from './model.js';
import { readGroup, webReadGroup } from './read-group.js';
import type { RpcMethod } from './registry.js';
import { webRead, webSave, webSearchRead } from './web.js';

const num = (v: unknown, name: string): number | null => {
  if (v === null || v === undefined || v === false) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw typeError(`'${name}' must be an integer, not ${typeof v === 'string' ? 'str' : Array.isArray(v) ? 'list' : typeof v}`);
};
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const list = (v: unknown): string[] | null => {
  if (v === null || v === undefined || v === false) return null;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v as string[];
  throw typeError('expected a list of field names');
};
const domainOf = (v: unknown): unknown[] => {
  if (v === null || v === undefined || v === false) return [];
  if (!Array.isArray(v)) throw valueError(`Invalid domain: ${JSON.stringify(v)}`);
  return v;
};
const loadOf = (v: unknown): Load => (v === '_classic_read' ? '_classic_read' : null);
const operation = (v: unknown): Operation => {
  if (typeof v === 'string' && (OPERATIONS as readonly string[]).includes(v)) return v as Operation;
  // `assert operation in ('read', 'write', 'create', 'unlink'), 'Invalid access mode'`
  throw new OdooError('builtins.AssertionError', 'Invalid access mode');
};
const groupbyOf = (v: unknown): string[] => {
  if (v === null || v === undefined || v === false) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((g) => typeof g === 'string')) return v as string[];
  throw valueError(`Invalid groupby specification ${JSON.stringify(v)}`);
};

const SEARCH_READ_PARAMS = new Set(['domain', 'fields', 'offset', 'limit', 'order', 'load']);

const model = (params: RpcMethod['params'], fn: RpcMethod['fn'], varKw = false): RpcMethod => ({ api: 'model', params, fn, varKw });
const records = (params: RpcMethod['params'], fn: RpcMethod['fn'], varKw = false): RpcMethod => ({ api: 'records', params, fn, varKw });

/**
 * The ORM methods every model answers over RPC, with Odoo 17's Python signatures
 * (odoo/models.py, addons/web/models/models.py): positional order and defaults matter to clients.
 */
export const baseMethods: Record<string, RpcMethod> = {
  search: model(
    [{ name: 'domain', required: true }, { name: 'offset', default: 0 }, { name: 'limit', default: null }, { name: 'order', default: null }],
    (_env, m, _ids, a) => m.search(domainOf(a.domain), { offset: num(a.offset, 'offset') ?? 0, limit: num(a.limit, 'limit'), order: str(a.order) }),
  ),
  search_count: model(
    [{ name: 'domain', required: true }, { name: 'limit', default: null }],
    (_env, m, _ids, a) => m.searchCount(domainOf(a.domain), num(a.limit, 'limit')),
  ),
  search_read: model(
    [{ name: 'domain', default: null }, { name: 'fields', default: null }, { name: 'offset', default: 0 }, { name: 'limit', default: null }, { name: 'order', default: null }],
    async (env, m, _ids, a) => {
      // the extra keyword arguments go to `_read_format(fnames, load='_classic_read')`
      for (const key of Object.keys(a)) {
        if (!SEARCH_READ_PARAMS.has(key)) throw typeError(`BaseModel._read_format() got an unexpected keyword argument '${key}'`);
      }
      const fields = list(a.fields);
      const load = 'load' in a ? loadOf(a.load) : '_classic_read';
      // active_test only applies to the search, not to the x2many values read afterwards
      let reader = m;
      if ('active_test' in env.context) {
        const { active_test: _dropped, ...context } = env.context;
        reader = m.with(env.withContext(context));
      }
      // search and read in one query (search_fetch)
      return m.searchFetch(domainOf(a.domain), fields, { offset: num(a.offset, 'offset') ?? 0, limit: num(a.limit, 'limit'), order: str(a.order) }, load, reader);
    },
    true,
  ),
  read: records(
    [{ name: 'fields', default: null }, { name: 'load', default: '_classic_read' }],
    (_env, m, ids, a) => m.read(ids, list(a.fields), loadOf(a.load)),
  ),
  create: {
    api: 'create',
    params: [{ name: 'vals_list', required: true }],
    fn: async (_env, m, _ids, a) => {
      const single = !Array.isArray(a.vals_list);
      const ids = await m.create((single ? [a.vals_list] : a.vals_list) as Vals[]);
      return single ? ids[0] : ids;
    },
  },
  write: records([{ name: 'vals', required: true }], (_env, m, ids, a) => m.write(ids, a.vals as Vals)),
  unlink: records([], (_env, m, ids) => m.unlink(ids)),
  exists: records([], (_env, m, ids) => m.exists(ids)),
  copy: records([{ name: 'default', default: null }], async (_env, m, ids, a) => {
    if (ids.length !== 1) throw valueError(`Expected singleton: ${m.name}(${ids.join(', ')})`);
    return m.copy(ids[0]!, (a.default ?? {}) as Vals);
  }),
  name_search: model(
    [{ name: 'name', default: '' }, { name: 'args', default: null }, { name: 'operator', default: 'ilike' }, { name: 'limit', default: 100 }],
    (_env, m, _ids, a) => m.nameSearch(String(a.name ?? ''), domainOf(a.args), (a.operator ?? 'ilike') as never, num(a.limit, 'limit')),
  ),
  name_create: model([{ name: 'name', required: true }], (_env, m, _ids, a) => m.nameCreate(String(a.name))),
  name_get: records([], async (_env, m, ids) => (await m.read(ids, ['display_name'])).map((r) => [r.id, r.display_name])),
  fields_get: model(
    [{ name: 'allfields', default: null }, { name: 'attributes', default: null }],
    (_env, m, _ids, a) => fieldsGet(m, list(a.allfields), list(a.attributes)),
  ),
  default_get: model([{ name: 'fields_list', required: true }], async (env, m, _ids, a) => {
    // unknown names are no error: only a context `default_<name>` gives them a value (odoo/models.py default_get)
    const names = list(a.fields_list) ?? [];
    const defaults = await m.defaultGet(names);
    const out: Vals = {};
    for (const name of names) {
      if (name in defaults) out[name] = defaults[name];
      else if (!m.def.fields.has(name) && `default_${name}` in env.context) out[name] = env.context[`default_${name}`];
    }
    return out;
  }),
  check_access_rights: model(
    [{ name: 'operation', required: true }, { name: 'raise_exception', default: true }],
    (_env, m, _ids, a) => m.checkAccessRights(operation(a.operation), a.raise_exception !== false),
  ),
  check_access_rule: records([{ name: 'operation', required: true }], async (_env, m, ids, a) => {
    await m.checkAccessRule(ids, operation(a.operation));
    return null;
  }),
  read_group: model(
    [{ name: 'domain', required: true }, { name: 'fields', required: true }, { name: 'groupby', required: true }, { name: 'offset', default: 0 }, { name: 'limit', default: null }, { name: 'orderby', default: false }, { name: 'lazy', default: true }],
    (_env, m, _ids, a) => readGroup(m, { domain: domainOf(a.domain), fields: list(a.fields) ?? [], groupby: groupbyOf(a.groupby), offset: num(a.offset, 'offset') ?? 0, limit: num(a.limit, 'limit'), orderby: str(a.orderby), lazy: a.lazy !== false }),
  ),
  web_read_group: model(
    [{ name: 'domain', required: true }, { name: 'fields', required: true }, { name: 'groupby', required: true }, { name: 'limit', default: null }, { name: 'offset', default: 0 }, { name: 'orderby', default: false }, { name: 'lazy', default: true }],
    (_env, m, _ids, a) => webReadGroup(m, { domain: domainOf(a.domain), fields: list(a.fields) ?? [], groupby: groupbyOf(a.groupby), offset: num(a.offset, 'offset') ?? 0, limit: num(a.limit, 'limit'), orderby: str(a.orderby), lazy: a.lazy !== false }),
    true,
  ),
  web_search_read: model(
    [{ name: 'domain', required: true }, { name: 'specification', required: true }, { name: 'offset', default: 0 }, { name: 'limit', default: null }, { name: 'order', default: null }, { name: 'count_limit', default: null }],
    (_env, m, _ids, a) => webSearchRead(m, { domain: domainOf(a.domain), specification: a.specification, offset: num(a.offset, 'offset') ?? 0, limit: num(a.limit, 'limit'), order: str(a.order), count_limit: num(a.count_limit, 'count_limit') }),
  ),
  web_read: records([{ name: 'specification', required: true }], (_env, m, ids, a) => webRead(m, ids, a.specification)),
  web_save: records(
    [{ name: 'vals', required: true }, { name: 'specification', required: true }, { name: 'next_id', default: null }],
    (_env, m, ids, a) => webSave(m, ids, (a.vals ?? {}) as Vals, a.specification, num(a.next_id, 'next_id') as Id | null),
  ),
  action_archive: records([], async (_env, m, ids) => { await m.write(ids, { active: false }); return null; }),
  action_unarchive: records([], async (_env, m, ids) => { await m.write(ids, { active: true }); return null; }),
  toggle_active: records([], async (_env, m, ids) => {
    const rows = await m.read(ids, ['active']);
    for (const r of rows) await m.write([r.id], { active: !r.active });
    return null;
  }),
  get_metadata: records([], async (env, m, ids) => {
    const rows = await m.read(ids, m.def.logAccess ? ['id', 'create_uid', 'create_date', 'write_uid', 'write_date'] : ['id']);
    const out = [];
    for (const r of rows) {
      const { rows: x } = await sql<{ module: string; name: string; noupdate: boolean }>`SELECT module, name, noupdate FROM ir_model_data WHERE model = ${m.name} AND res_id = ${r.id} ORDER BY id`.execute(env.trx);
      const xmlids = x.map((d) => ({ xmlid: `${d.module}.${d.name}`, noupdate: d.noupdate }));
      out.push({ ...r, xmlid: xmlids[0]?.xmlid ?? '', xmlids, noupdate: xmlids[0]?.noupdate ?? false });
    }
    return out;
  }),
};
