import { sql, type RawBuilder } from 'kysely';
import { valueError } from '../errors.js';
import { singleTerm } from './domain.js';
import type { Field, Id } from './fields.js';
import { displayNames, limitOffsetSql, type Model } from './model.js';
import { toReadValue } from './values.js';

type Sql = RawBuilder<unknown>;
const GRANULARITIES = ['hour', 'day', 'week', 'month', 'quarter', 'year'] as const;
type Granularity = (typeof GRANULARITIES)[number];
/** odoo/models.py READ_GROUP_AGGREGATE (without 'recordset', which only makes sense in Python). */
const AGGREGATES = new Set(['sum', 'avg', 'max', 'min', 'bool_and', 'bool_or', 'array_agg', 'count', 'count_distinct']);
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** `regex_field_agg` (matched at the start of the spec only, as Python's re.match). */
const FIELD_AGG_RE = /^(\w+)(?::(\w+)(?:\((\w+)\))?)?/;
/** `regex_order` terms of `_read_group_orderby`. */
const ORDER_TERM_RE = /^\s*((?:[a-z0-9_]+|"[a-z0-9_]+")(?:\.[a-z0-9_]+)?(?::[a-z_]+)?)(?:\s+(desc|asc))?(?:\s+(nulls first|nulls last))?\s*$/i;

/** One groupby of the request: `key` is the spec as given (the result key), `spec` the explicit one. */
interface GroupBy { key: string; spec: string; field: Field; granularity?: Granularity; index: number }
/** One aggregate: `alias` is the result key, `spec` is `field:func` or `__count`. */
interface Aggregate { alias: string; spec: string; field?: Field; func: string }

export interface ReadGroupArgs {
  domain: unknown[]; fields: string[]; groupby: string | string[];
  offset?: number; limit?: number | null; orderby?: string | false | null; lazy?: boolean;
}

const pyq = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const isStoredColumn = (f: Field) => Boolean(f.store || f.sql);

/** `_read_group_get_annoted_groupby` + `_read_group_groupby` checks (odoo/models.py 17.0). */
function parseGroupBy(model: Model, key: string, index: number): GroupBy {
  const m = /^(\w+)(?::(\w+))?$/.exec(key);
  if (!m) throw valueError(`Invalid aggregate/groupby specification ${pyq(key)}.`);
  const [, name, gran] = m as unknown as [string, string, string | undefined];
  const field = model.def.fields.get(name);
  if (!field) throw valueError(`Invalid field ${pyq(name)} on model ${pyq(model.name)}`);
  const temporal = field.type === 'date' || field.type === 'datetime';
  if (gran && !temporal) throw valueError(`Granularity set on a no-datetime field or property: ${pyq(key)}`);
  if (field.type !== 'many2many' && !isStoredColumn(field)) throw valueError(`Cannot convert field ${model.name}.${name} to SQL`);
  if (field.type === 'one2many' || field.type === 'binary' || field.type === 'image') {
    throw valueError(`Field ${model.name}.${name} cannot be used for grouping`);
  }
  if (temporal) {
    const granularity = (gran ?? 'month') as Granularity;
    if (!GRANULARITIES.includes(granularity)) throw valueError(`Granularity specification isn't correct: ${pyq(granularity)}`);
    return { key, spec: `${name}:${granularity}`, field, granularity, index };
  }
  return { key, spec: name, field, index };
}

/** The `fields` argument of read_group as aggregates (read_group's compatibility layer, then `_read_group_select`). */
function parseAggregates(model: Model, specs: string[], groupKeys: Set<string>, countKey: string): Aggregate[] {
  const out = new Map<string, Aggregate>([[countKey, { alias: countKey, spec: '__count', func: 'count' }]]);
  for (const raw of specs) {
    if (raw === '__count') continue;
    const m = FIELD_AGG_RE.exec(String(raw));
    if (!m) throw valueError(`Invalid field specification ${pyq(String(raw))}.`);
    const [, name, func, fname] = m as unknown as [string, string, string | undefined, string | undefined];
    if (fname || func) {
      out.set(name, checkAggregate(model, name, `${fname ?? name}:${func}`));
      continue;
    }
    const field = model.def.fields.get(name);
    if (!field) throw valueError(`Invalid field ${pyq(name)} on model ${pyq(model.name)}`);
    const operator = defaultAggregator(field);
    if (field.store && operator && !groupKeys.has(raw)) out.set(name, checkAggregate(model, name, `${name}:${operator}`));
  }
  return [...out.values()];
}

/** A field's `group_operator` (numbers sum by default; the `id` field has none). */
export function defaultAggregator(field: Field): string | undefined {
  if (field.groupOperator) return field.groupOperator;
  if (field.name === 'id' && field.magic) return undefined;
  return field.type === 'integer' || field.type === 'float' || field.type === 'monetary' ? 'sum' : undefined;
}

/** `_read_group_select` checks of one `field:func` spec. */
function checkAggregate(model: Model, alias: string, spec: string): Aggregate {
  if (spec === '__count') return { alias, spec, func: 'count' };
  const [fname, func] = spec.split(':') as [string, string];
  const field = model.def.fields.get(fname);
  if (!field) throw valueError(`Invalid field ${pyq(fname)} on model ${pyq(model.name)} for ${pyq(spec)}.`);
  if (!AGGREGATES.has(func)) throw valueError(`Invalid aggregate method ${pyq(func)} for ${pyq(spec)}.`);
  if (!isStoredColumn(field) || field.type === 'one2many' || field.type === 'many2many') throw valueError(`Cannot convert field ${model.name}.${fname} to SQL`);
  return { alias, spec, field, func };
}

function columnOf(f: Field, alias = 't'): Sql {
  return f.sql ? f.sql(alias) : sql.ref(`${alias}.${f.name}`);
}

/** `_read_group_groupby`: the SQL expression of a groupby (local time, truncated, weeks by the language's first day). */
function groupExpression(g: GroupBy, tz: string | undefined, weekStart: number): Sql {
  if (g.field.type === 'many2many') return sql.ref(`_m2m${g.index}.${g.field.column2!}`);
  let expr = columnOf(g.field);
  if (g.field.type === 'datetime' && tz) expr = sql`timezone(${sql.lit(tz)}, timezone('UTC', ${expr}))`; // a literal: GROUP BY and ORDER BY repeat the expression
  if (g.granularity) {
    if (g.granularity === 'week') {
      const firstWeekDay = weekStart - 1; // 0 = Monday ... 6 = Sunday
      const offset = `-${firstWeekDay && 7 - firstWeekDay} DAY`;
      expr = sql`(date_trunc('week', ${expr}::timestamp - INTERVAL ${sql.lit(offset)}) + INTERVAL ${sql.lit(offset)})`;
    } else {
      expr = sql`date_trunc(${sql.lit(g.granularity)}, ${expr}::timestamp)`;
    }
    if (g.field.type === 'date') expr = sql`${expr}::date`;
  } else if (g.field.type === 'boolean') {
    expr = sql`COALESCE(${expr}, FALSE)`;
  }
  return expr;
}

function aggregateExpression(a: Aggregate): Sql {
  if (a.spec === '__count') return sql`count(*)`;
  const column = columnOf(a.field!);
  switch (a.func) {
    case 'count': return sql`count(${column})`;
    case 'count_distinct': return sql`count(DISTINCT ${column})`;
    case 'array_agg': return sql`array_agg(${column} ORDER BY t.id)`;
    default: return sql`${sql.raw(a.func)}(${column})`;
  }
}

/** Odoo's `reverse_order` (odoo/tools/misc.py). */
function reverseOrder(order: string): string {
  return order.split(',').map((item) => {
    const words = item.toLowerCase().trim().split(/\s+/);
    return `${words[0]} ${words.length === 2 && words[1] === 'desc' ? 'asc' : 'desc'}`;
  }).join(', ');
}

interface OrderPlan { order: Sql; joins: Sql[]; extraGroupBy: Sql[] }

/**
 * `read_group`'s orderby translation (result keys -> specs) and `_read_group_orderby`: groupby
 * terms sort by their value, many2one ones by the comodel's `_order` (joined), other terms must be
 * aggregates (`field:func` or `__count`).
 */
function orderPlan(model: Model, groups: GroupBy[], aggregates: Aggregate[], orderby: string | null, expressions: Map<string, Sql>): OrderPlan {
  let order: string;
  if (orderby) {
    order = orderby.split(',').map((part) => {
      const term = part.trim();
      const candidates: [string, string][] = [...[...groups].reverse().map((g): [string, string] => [g.key, g.spec]), ...aggregates.map((a): [string, string] => [a.alias, a.spec])];
      for (const [key, spec] of candidates) {
        const keyName = key.split(':')[0]!;
        if (term.startsWith(`${keyName} `) || term === keyName) return term.split(keyName).join(spec);
      }
      return term;
    }).join(',');
  } else {
    order = groups.map((g) => g.spec).join(',');
  }
  const plan: OrderPlan = { order: sql``, joins: [], extraGroupBy: [] };
  if (!order) return plan;
  const parts: Sql[] = [];
  for (const part of order.split(',')) {
    const m = ORDER_TERM_RE.exec(part);
    if (!m) throw valueError(`Invalid order ${pyq(order)} for _read_group()`);
    const term = m[1]!.replace(/"/g, '');
    const direction = (m[2] ?? 'ASC').toUpperCase();
    const nulls = m[3] ? ` ${m[3].toUpperCase()}` : '';
    const group = groups.find((g) => g.spec === term);
    if (!group) {
      let agg: Aggregate;
      try {
        agg = term === '__count' ? { alias: '__count', spec: '__count', func: 'count' } : checkAggregate(model, term, term.includes(':') ? term : `${term}:`);
      } catch {
        throw valueError(`Order term ${pyq(part)} is not a valid aggregate nor valid groupby`);
      }
      parts.push(sql`${aggregateExpression(agg)} ${sql.raw(direction + nulls)}`);
      continue;
    }
    const comodel = group.field.type === 'many2one' ? model.env.registry.get(group.field.relation!) : undefined;
    if (comodel && comodel.order !== 'id') {
      const alias = `_go${group.index}`;
      plan.joins.push(sql` LEFT JOIN ${sql.table(comodel.table)} AS ${sql.id(alias)} ON ${sql.ref(`${alias}.id`)} = ${expressions.get(group.spec)!}`);
      plan.extraGroupBy.push(sql.ref(`${alias}.id`));
      const coorder = direction === 'DESC' ? reverseOrder(comodel.order) : comodel.order;
      parts.push(model.env.model(comodel.name).sudo().orderBy(coorder, alias));
    } else {
      parts.push(sql`${expressions.get(group.spec)!} ${sql.raw(direction + nulls)}`);
    }
  }
  plan.order = sql` ORDER BY ${sql.join(parts)}`;
  return plan;
}

// ------------------------------------------------------------------ labels and ranges

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Week-year and week number of a date (odoo/tools/date_utils.py `weeknumber`): ISO for Monday-first languages, else the week holding January 1st is week 1. */
function weekNumber(d: Date, weekStart: number): { year: number; week: number } {
  if (weekStart === 1) {
    const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    const day = t.getUTCDay() || 7;
    t.setUTCDate(t.getUTCDate() + 4 - day);
    const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
    return { year: t.getUTCFullYear(), week: Math.ceil(((t.getTime() - yearStart) / 86400000 + 1) / 7) };
  }
  const firstDay = weekStart % 7; // JS getUTCDay() numbering: 0 = Sunday
  const startOfWeek = (y: number, m: number, day: number) => {
    const x = new Date(Date.UTC(y, m, day));
    x.setUTCDate(x.getUTCDate() - ((x.getUTCDay() - firstDay + 7) % 7));
    return x;
  };
  const date = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const nextYearFirstWeek = startOfWeek(d.getUTCFullYear() + 1, 0, 1).getTime();
  if (date >= nextYearFirstWeek) return { year: d.getUTCFullYear() + 1, week: 1 };
  const firstWeek = startOfWeek(d.getUTCFullYear(), 0, 1).getTime();
  return { year: d.getUTCFullYear(), week: Math.floor((date - firstWeek) / 86400000 / 7) + 1 };
}

/** The label of a date group, as babel formats READ_GROUP_DISPLAY_FORMAT in en_US. */
function dateLabel(start: Date, g: Granularity, weekStart: number): string {
  const y = start.getUTCFullYear();
  const month = MONTHS[start.getUTCMonth()]!;
  switch (g) {
    case 'hour': return `${pad(start.getUTCHours() % 12 || 12)}:00 ${pad(start.getUTCDate())} ${month.slice(0, 3)}`;
    case 'day': return `${pad(start.getUTCDate())} ${month.slice(0, 3)} ${y}`;
    case 'week': {
      const { year, week } = weekNumber(start, weekStart);
      return `W${week} ${pad(year, 4)}`;
    }
    case 'month': return `${month} ${y}`;
    case 'quarter': return `Q${Math.floor(start.getUTCMonth() / 3) + 1} ${y}`;
    case 'year': return String(y);
  }
}

function addPeriod(d: Date, g: Granularity): Date {
  const n = new Date(d.getTime());
  switch (g) {
    case 'hour': n.setUTCHours(n.getUTCHours() + 1); break;
    case 'day': n.setUTCDate(n.getUTCDate() + 1); break;
    case 'week': n.setUTCDate(n.getUTCDate() + 7); break;
    case 'month': n.setUTCMonth(n.getUTCMonth() + 1); break;
    case 'quarter': n.setUTCMonth(n.getUTCMonth() + 3); break;
    case 'year': n.setUTCFullYear(n.getUTCFullYear() + 1); break;
  }
  return n;
}

const fmtDate = (d: Date) => d.toISOString().slice(0, 10);
const fmtDatetime = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');

/** Offset (ms) of `tz` from UTC at the instant `utc`. */
function tzOffset(utc: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(utc);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(utc.getTime() / 1000) * 1000;
}

/** A wall-clock time in `tz` as UTC (pytz `localize(...).astimezone(utc)`). */
function localToUtc(local: Date, tz: string | undefined): Date {
  if (!tz) return local;
  let utc = new Date(local.getTime() - tzOffset(local, tz));
  utc = new Date(local.getTime() - tzOffset(utc, tz));
  return utc;
}

/** Context timezones Odoo honours are the IANA names (pytz.all_timezones). */
function validTimezone(tz: unknown): string | undefined {
  if (typeof tz !== 'string' || !tz) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}

/** First day of the week of the context language (res.lang week_start: 1 = Monday ... 7 = Sunday). */
async function weekStartOf(model: Model): Promise<number> {
  const lang = typeof model.env.context.lang === 'string' ? model.env.context.lang : 'en_US';
  const { rows } = await sql<{ code: string; week_start: string }>`SELECT code, week_start FROM res_lang WHERE active AND code IN (${lang}, 'en_US')`.execute(model.env.trx);
  const row = rows.find((r) => r.code === lang) ?? rows.find((r) => r.code === 'en_US');
  const n = Number(row?.week_start ?? 7);
  return n >= 1 && n <= 7 ? n : 7;
}

/** expression.AND of domains (normalised, empty ones dropped). */
function andDomains(domains: unknown[][]): unknown[] {
  const parts = domains.filter((d) => d.length > 0).map((d) => singleTerm(d));
  if (!parts.length) return [];
  return [...Array(parts.length - 1).fill('&'), ...parts.flat(1)];
}

interface GroupQuery { groups: GroupBy[]; all: GroupBy[]; lazy: boolean; aggregates: Aggregate[]; tz: string | undefined; weekStart: number }

async function prepare(model: Model, args: ReadGroupArgs): Promise<GroupQuery> {
  await model.checkAccessRights('read');
  const specs = Array.isArray(args.groupby) ? args.groupby : args.groupby ? [args.groupby] : [];
  const lazy = args.lazy !== false;
  const lazySpecs = lazy ? specs.slice(0, 1) : specs;
  const groups = lazySpecs.map((s, i) => parseGroupBy(model, s, i));
  const all = specs.map((s, i) => (i < groups.length ? groups[i]! : { key: s } as GroupBy));
  const countKey = lazy && groups.length === 1 ? `${groups[0]!.key.split(':')[0]}_count` : '__count';
  const aggregates = parseAggregates(model, args.fields ?? [], new Set(groups.map((g) => g.key)), countKey);
  // grouping or aggregating a field restricted by `groups` would show its values
  await model.checkFieldAccess([...groups.map((g) => g.field), ...aggregates.flatMap((a) => (a.field ? [a.field] : []))], 'read');
  const tz = validTimezone(model.env.context.tz);
  const weekStart = groups.some((g) => g.granularity === 'week') ? await weekStartOf(model) : 7;
  return { groups, all, lazy, aggregates, tz, weekStart };
}

/** The grouped SQL query (`_read_group`), rows keyed `g<i>` and `a<i>`. */
async function runQuery(model: Model, q: GroupQuery, args: ReadGroupArgs, opts: { limit?: number | null; offset?: number; countOnly?: boolean }): Promise<Record<string, unknown>[]> {
  const where = await model.searchCondition(args.domain ?? []);
  const joins: Sql[] = [];
  for (const g of q.groups) {
    if (g.field.type !== 'many2many') continue;
    const alias = `_m2m${g.index}`;
    joins.push(sql` LEFT JOIN ${sql.table(g.field.relationTable!)} AS ${sql.id(alias)} ON ${sql.ref(`${alias}.${g.field.column1!}`)} = t.id`);
  }
  const expressions = new Map(q.groups.map((g) => [g.spec, groupExpression(g, q.tz, q.weekStart)]));
  const selects: Sql[] = [];
  q.groups.forEach((g, i) => selects.push(sql`${expressions.get(g.spec)!} AS ${sql.id(`g${i}`)}`));
  if (!opts.countOnly) q.aggregates.forEach((a, i) => selects.push(sql`${aggregateExpression(a)} AS ${sql.id(`a${i}`)}`));
  if (!selects.length) selects.push(sql`count(*) AS __count`);
  const plan = opts.countOnly ? { order: sql``, joins: [], extraGroupBy: [] } : orderPlan(model, q.groups, q.aggregates, args.orderby || null, expressions);
  const groupTerms = [...q.groups.map((g) => expressions.get(g.spec)!), ...plan.extraGroupBy];
  const groupBy = q.groups.length ? sql` GROUP BY ${sql.join(groupTerms)}` : sql``;
  const limitOffset = limitOffsetSql(opts.limit, opts.offset);
  const from = sql`${sql.table(model.def.table)} AS t${sql.join([...joins, ...plan.joins], sql``)}`;
  const query = sql<Record<string, unknown>>`SELECT ${sql.join(selects)} FROM ${from} WHERE ${where}${groupBy}${plan.order}${limitOffset}`;
  if (opts.countOnly) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (${query}) AS _groups`.execute(model.env.trx);
    return [{ n: Number(rows[0]!.n) }];
  }
  return (await query.execute(model.env.trx)).rows;
}

function aggregateValue(a: Aggregate, v: unknown): unknown {
  if (v === null || v === undefined) return a.func === 'count' || a.func === 'count_distinct' ? 0 : a.func === 'array_agg' ? [] : false;
  if (a.func === 'count' || a.func === 'count_distinct') return Number(v);
  if (a.func === 'array_agg') return Array.isArray(v) ? v.map((x) => (x === null ? null : a.field && (a.field.type === 'date' || a.field.type === 'datetime') ? toReadValue(a.field, x, false) : x)) : v;
  if (a.func === 'bool_and' || a.func === 'bool_or') return Boolean(v);
  const f = a.field!;
  if ((a.func === 'max' || a.func === 'min') && f.type !== 'integer' && f.type !== 'float' && f.type !== 'monetary') {
    return f.type === 'many2one' ? Number(v) : toReadValue(f, v, false);
  }
  return typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

/**
 * `read_group(domain, fields, groupby, offset, limit, orderby, lazy)` (odoo/models.py 17.0):
 * one dict per group with the group values (keyed as requested), the count (`<groupby>_count`
 * when lazy with one groupby, else `__count`), the aggregates, `__domain` (the domain ANDed with
 * the group's condition), `__context` (remaining groupbys when lazy) and `__range` for dates.
 */
export async function readGroup(model: Model, args: ReadGroupArgs): Promise<Record<string, unknown>[]> {
  const q = await prepare(model, args);
  const rows = await runQuery(model, q, args, { limit: args.limit, offset: args.offset });
  const names = new Map<number, Map<Id, string>>();
  for (const [i, g] of q.groups.entries()) {
    if (g.field.type !== 'many2one' && g.field.type !== 'many2many') continue;
    const ids = [...new Set(rows.map((r) => r[`g${i}`]).filter((v): v is number => typeof v === 'number'))];
    names.set(i, await displayNames(model.env, g.field.relation!, ids));
  }
  const domain = Array.isArray(args.domain) ? args.domain : [];
  const remaining = q.all.slice(q.groups.length).map((g) => g.key);
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    const conditions: unknown[][] = [];
    let ranges: Record<string, { from: string; to: string } | false> | undefined;
    q.groups.forEach((g, i) => {
      const raw = row[`g${i}`];
      const name = g.field.name;
      if (g.granularity) {
        ranges ??= {};
        if (raw === null || raw === undefined) {
          out[g.key] = false;
          ranges[g.key] = false;
          conditions.push([[name, '=', false]]);
          return;
        }
        const start = new Date(`${String(raw).slice(0, 19).replace(' ', 'T')}${String(raw).length > 10 ? '' : 'T00:00:00'}Z`);
        const end = addPeriod(start, g.granularity);
        out[g.key] = dateLabel(start, g.granularity, q.weekStart);
        const isDt = g.field.type === 'datetime';
        const from = isDt ? fmtDatetime(localToUtc(start, q.tz)) : fmtDate(start);
        const to = isDt ? fmtDatetime(localToUtc(end, q.tz)) : fmtDate(end);
        ranges[g.key] = { from, to };
        conditions.push(['&', [name, '>=', from], [name, '<', to]]);
      } else if (g.field.type === 'many2one' || g.field.type === 'many2many') {
        if (raw === null || raw === undefined) {
          out[g.key] = false;
          if (g.field.type === 'many2many') {
            const others = [...new Set(rows.map((r) => r[`g${i}`]).filter((v) => typeof v === 'number'))];
            conditions.push([[name, 'not in', others]]);
          } else {
            conditions.push([[name, '=', false]]);
          }
        } else {
          const id = Number(raw);
          out[g.key] = [id, names.get(i)?.get(id) ?? ''];
          conditions.push([[name, '=', id]]);
        }
      } else {
        const value = raw === null || raw === undefined ? false : toReadValue(g.field, raw, false);
        out[g.key] = value;
        conditions.push([[name, '=', value]]);
      }
    });
    q.aggregates.forEach((a, i) => {
      out[a.alias] = a.spec === '__count' ? Number(row[`a${i}`] ?? 0) : aggregateValue(a, row[`a${i}`]);
    });
    out.__domain = andDomains([domain, ...conditions]);
    if (remaining.length) out.__context = { group_by: remaining };
    if (ranges) out.__range = ranges;
    return out;
  });
}

/**
 * `web_read_group` (web/models/models.py): read_group plus the number of groups; when the page is
 * full, the groups after it are counted too.
 */
export async function webReadGroup(model: Model, args: ReadGroupArgs): Promise<{ groups: Record<string, unknown>[]; length: number }> {
  const groups = await readGroup(model, args);
  let length: number;
  if (!groups.length) length = 0;
  else if (args.limit && groups.length === args.limit) {
    const q = await prepare(model, args);
    const [count] = await runQuery(model, q, args, { countOnly: true });
    length = Math.max(Number(count!.n), args.limit);
  } else length = groups.length + (args.offset ?? 0);
  return { groups, length };
}
