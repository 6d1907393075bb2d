import { sql, type RawBuilder } from 'kysely';
import { OdooError, typeError, valueError } from '../errors.js';
import { mentionsField, NEGATED_OPERATOR, NEGATIVE_OPERATORS, parseDomain, type DomainNode, type Operator } from './domain.js';
import type { Field } from './fields.js';
import { leafRepr, pyRepr } from './pyrepr.js';
import type { ModelDef, Registry } from './registry.js';

type Leaf = Extract<DomainNode, { kind: 'leaf' }>;
type Sql = RawBuilder<unknown>;

const TRUE_SQL: Sql = sql`TRUE`;
const FALSE_SQL: Sql = sql`FALSE`;
/** Python's `right is False or right is None`. */
const isFalsy = (v: unknown) => v === false || v === null || v === undefined;

/** Python truthiness of a JSON value (`if right:`). */
function truthy(v: unknown): boolean {
  if (v === false || v === null || v === undefined || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** Positive counterpart used for name searches of negative operators. */
const POSITIVE_OF: Partial<Record<Operator, Operator>> = { '!=': '=', 'not like': 'like', 'not ilike': 'ilike', 'not in': 'in' };
const LIKE_OPERATORS: ReadonlySet<Operator> = new Set(['like', 'ilike', 'not like', 'not ilike']);
const RELATIONAL = new Set(['many2one', 'one2many', 'many2many']);
const isRelational = (f: Field) => RELATIONAL.has(f.type);
const isX2many = (f: Field) => f.type === 'one2many' || f.type === 'many2many';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})$/;

interface SubSelectOptions {
  /** Odoo's active_test for this sub-search; the compiler's own by default. */
  activeTest?: boolean;
  column?: string;
  extra?: (alias: string) => Sql;
}

/**
 * Compiles parsed domains to SQL conditions against the model registry (odoo/osv/expression.py).
 * As Odoo does, dotted paths become `any` sub-searches and `'!'` is pushed down to the leaves, where
 * it inverts the operator (`!(f = x)` is `f != x`, which also matches NULL). Field paths are checked
 * against the registry before anything reaches SQL; identifiers come only from model declarations
 * and every value is a bound parameter.
 */
export class DomainCompiler {
  private aliasCount = 0;

  constructor(private readonly registry: Registry, private readonly activeTest: boolean) {}

  newAlias(): string {
    return `_t${++this.aliasCount}`;
  }

  compile(model: ModelDef, node: DomainNode, alias: string, negate = false): Sql {
    switch (node.kind) {
      case 'const': return node.value !== negate ? TRUE_SQL : FALSE_SQL;
      case 'not': return this.compile(model, node.child, alias, !negate);
      case 'and':
      case 'or': {
        // De Morgan: the negation goes down to the leaves
        const parts = node.children.map((c) => this.compile(model, c, alias, negate));
        return sql`(${sql.join(parts, (node.kind === 'and') !== negate ? sql` AND ` : sql` OR `)})`;
      }
      case 'leaf': return this.compileLeaf(model, node, alias, negate);
    }
  }

  /** The implicit `active = True` filter of models with an `active` field (Odoo's active_test). */
  activeCondition(model: ModelDef, alias: string): Sql | undefined {
    if (!this.activeTest || !model.fields.get('active')?.store) return undefined;
    return sql`${sql.ref(`${alias}.active`)} = TRUE`;
  }

  /**
   * `SELECT id FROM comodel WHERE <domain>` for sub-searches (Odoo's `comodel._search(domain)`): with
   * the comodel's active filter under active_test, unless the domain itself mentions `active`.
   */
  subSelect(comodel: ModelDef, domain: DomainNode, opts: SubSelectOptions = {}): Sql {
    const a = this.newAlias();
    const conds = [this.compile(comodel, domain, a)];
    const activeTest = opts.activeTest ?? this.activeTest;
    if (activeTest && comodel.fields.get('active')?.store && !mentionsField(domain, 'active')) {
      conds.push(sql`${sql.ref(`${a}.active`)} = TRUE`);
    }
    if (opts.extra) conds.push(opts.extra(a));
    return sql`SELECT ${sql.ref(`${a}.${opts.column ?? 'id'}`)} FROM ${sql.table(comodel.table)} AS ${sql.id(a)} WHERE ${sql.join(conds, sql` AND `)}`;
  }

  private model(name: string): ModelDef {
    const m = this.registry.get(name);
    if (!m) throw valueError(`Unknown model ${name}`);
    return m;
  }

  private compileLeaf(model: ModelDef, leaf: Leaf, alias: string, negate: boolean): Sql {
    const [head, ...rest] = leaf.path.split('.');
    const field = model.fields.get(head!);
    if (!field) throw valueError(`Invalid field ${model.name}.${head} in leaf ${leafRepr(leaf.source)}`);

    if (rest.length > 0) {
      if (!isRelational(field)) throw valueError(`Invalid field ${model.name}.${leaf.path} in leaf ${leafRepr(leaf.source)}`);
      // a path is an `any` on its first relation (expression.py `_anyfy_leaves`), negated as a whole
      const sub = [[rest.join('.'), leaf.source[1], leaf.value]];
      return this.compileLeaf(model, { ...leaf, path: head!, operator: 'any', value: sub }, alias, negate);
    }

    if (negate) {
      const opposite = NEGATED_OPERATOR[leaf.operator];
      if (!opposite) return sql`(NOT ${this.compileLeaf(model, leaf, alias, false)})`;
      leaf = { ...leaf, operator: opposite };
    }

    if (field.related) {
      // searched through its path, with the operator as it now stands (Odoo's related `_search`)
      const source = Object.freeze([field.related, leaf.operator, leaf.value]);
      return this.compileLeaf(model, { ...leaf, path: field.related, source }, alias, false);
    }
    if (!field.searchable || (field.compute && !field.sql)) {
      throw valueError(`Non-stored field ${model.name}.${field.name} cannot be searched.`);
    }

    let { operator, value } = leaf;
    if (operator === '=?') {
      // a short-circuit: TRUE without a value, '=' otherwise
      if (isFalsy(value)) return TRUE_SQL;
      operator = '=';
      if (Array.isArray(value)) operator = 'in';
    }
    if (field.type === 'datetime' && typeof value === 'string' && value.length === 10) {
      // a date against a datetime covers the whole day
      value = `${value} ${operator === '>' || operator === '<=' ? '23:59:59' : '00:00:00'}`;
    }
    leaf = { ...leaf, operator, value };

    if (operator === 'any' || operator === 'not any') {
      if (!isRelational(field)) throw valueError(`Invalid leaf ${leafRepr(leaf.source)}`);
      return this.compileAny(field, parseDomain(value), operator === 'not any', alias);
    }
    if (operator === 'child_of' || operator === 'parent_of') return this.compileHierarchy(model, field, leaf, alias);
    if (isX2many(field)) return this.compileX2many(field, leaf, alias);
    const column = field.sql ? field.sql(alias) : sql.ref(`${alias}.${field.name}`);
    if (field.type === 'many2one' && isNameValue(value)) return this.compileNameMatch(field, column, leaf);
    return this.compileScalar(field, column, leaf);
  }

  /** A leaf on a column (expression.py `__leaf_to_sql`). */
  private compileScalar(field: Field, column: Sql, leaf: Leaf): Sql {
    const { operator, value } = leaf;
    if (operator === 'in' || operator === 'not in') {
      const negative = operator === 'not in';
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) throw valueError(`Invalid leaf ${leafRepr(leaf.source)}`);
      const list = Array.isArray(value) ? value : [value];
      let params: unknown[];
      let checkNull: boolean;
      if (field.type === 'boolean') {
        // Python's `True in right` / `False in right` (1 == True, 0 == False)
        const hasFalse = list.some((v) => v === false || v === 0);
        params = [...(list.some((v) => v === true || v === 1) ? [true] : []), ...(hasFalse ? [false] : [])];
        checkNull = hasFalse;
      } else {
        params = list.filter((v) => !isFalsy(v)).map((v) => convertValue(field, v, leaf));
        checkNull = params.length < list.length;
      }
      let cond = params.length
        ? sql`${column} ${sql.raw(negative ? 'NOT IN' : 'IN')} (${sql.join(params.map((v) => sql`${v}`))})`
        : negative ? TRUE_SQL : FALSE_SQL;
      if (negative !== checkNull) cond = sql`(${cond} OR ${column} IS NULL)`;
      else if (negative && checkNull) cond = sql`(${cond} AND ${column} IS NOT NULL)`;
      return cond;
    }
    if (field.type === 'boolean' && (operator === '=' || operator === '!=') && typeof value === 'boolean') {
      return value !== (operator === '!=') ? sql`${column} = TRUE` : sql`(${column} IS NULL OR ${column} = FALSE)`;
    }
    if (operator === '=' && isFalsy(value)) return sql`${column} IS NULL`;
    if (operator === '!=' && isFalsy(value)) return sql`${column} IS NOT NULL`;

    const wildcard = LIKE_OPERATORS.has(operator);
    let left: Sql = column;
    let right: Sql;
    let sqlOp: string;
    switch (operator) {
      case '=': case '!=': case '<': case '>': case '<=': case '>=':
        sqlOp = operator;
        right = sql`${convertValue(field, value, leaf)}`;
        break;
      case 'like': case 'ilike': case 'not like': case 'not ilike': case '=like': case '=ilike':
        sqlOp = { like: 'LIKE', ilike: 'ILIKE', 'not like': 'NOT LIKE', 'not ilike': 'NOT ILIKE', '=like': 'LIKE', '=ilike': 'ILIKE' }[operator];
        left = sql`CAST(${column} AS text)`;
        right = wildcard ? sql`${`%${toText(value, leaf)}%`}` : sql`CAST(${convertValue(field, value, leaf)} AS text)`;
        // an `=like` pattern is the caller's own: one ending in an unpaired backslash is refused by
        // Postgres, under Odoo as a psycopg2 error; raised here so the failure is named, not internal
        if (!wildcard && typeof value === 'string' && /(^|[^\\])(\\\\)*\\$/.test(value)) {
          throw new OdooError('psycopg2.errors.InvalidEscapeSequence', 'LIKE pattern must not end with escape character\n');
        }
        break;
      default:
        throw valueError(`Invalid leaf ${leafRepr(leaf.source)}`);
    }
    const cond = sql`${left} ${sql.raw(sqlOp)} ${right}`;
    // `like ''` matches NULL too; negative operators with a value also match NULL
    if ((wildcard && !truthy(value)) || (truthy(value) && NEGATIVE_OPERATORS.has(operator))) return sql`(${cond} OR ${column} IS NULL)`;
    return cond;
  }

  /**
   * many2one compared with names: a name_search on the comodel, archived records included
   * (expression.py resolves them with active_test=False); negative operators also match no target.
   */
  private compileNameMatch(field: Field, column: Sql, leaf: Leaf): Sql {
    let operator = leaf.operator;
    if (operator === '<' || operator === '>' || operator === '<=' || operator === '>=') operator = 'in';
    if (!Array.isArray(leaf.value) && (operator === 'in' || operator === 'not in')) operator = operator === 'in' ? '=' : '!=';
    const negative = NEGATIVE_OPERATORS.has(operator);
    const comodel = this.model(field.relation!);
    const sub = this.subSelect(comodel, parseDomain(nameDomain(comodel, POSITIVE_OF[operator] ?? operator, leaf.value)), { activeTest: false });
    return negative ? sql`(${column} IS NULL OR ${column} NOT IN (${sub}))` : sql`${column} IN (${sub})`;
  }

  /** Ids of this model linked through an x2many field to the comodel rows selected by `comodelIds`. */
  private linkedIds(field: Field, comodelIds: Sql): Sql {
    const a = this.newAlias();
    if (field.type === 'one2many') {
      const comodel = this.model(field.relation!);
      const inv = sql.ref(`${a}.${field.inverseName!}`);
      return sql`SELECT ${inv} FROM ${sql.table(comodel.table)} AS ${sql.id(a)} WHERE ${inv} IS NOT NULL AND ${sql.ref(`${a}.id`)} IN (${comodelIds})`;
    }
    return sql`SELECT ${sql.ref(`${a}.${field.column1!}`)} FROM ${sql.table(field.relationTable!)} AS ${sql.id(a)} WHERE ${sql.ref(`${a}.${field.column2!}`)} IN (${comodelIds})`;
  }

  /** Ids of this model with at least one line, archived lines included. */
  private withLines(field: Field): Sql {
    const a = this.newAlias();
    if (field.type === 'one2many') {
      const inv = sql.ref(`${a}.${field.inverseName!}`);
      return sql`SELECT ${inv} FROM ${sql.table(this.model(field.relation!).table)} AS ${sql.id(a)} WHERE ${inv} IS NOT NULL`;
    }
    return sql`SELECT ${sql.ref(`${a}.${field.column1!}`)} FROM ${sql.table(field.relationTable!)} AS ${sql.id(a)}`;
  }

  /**
   * one2many / many2many leaves: `False` means "has no line", a name is a name_search on the
   * comodel, anything else is ids ("has one of these lines"); negative operators invert.
   */
  private compileX2many(field: Field, leaf: Leaf, alias: string): Sql {
    const comodel = this.model(field.relation!);
    const idRef = sql.ref(`${alias}.id`);
    const { operator, value } = leaf;
    const negative = NEGATIVE_OPERATORS.has(operator);
    if (isFalsy(value)) return negative ? sql`${idRef} IN (${this.withLines(field)})` : sql`${idRef} NOT IN (${this.withLines(field)})`;
    let targets: Sql;
    if (typeof value === 'string' || isNameValue(value)) {
      const names = parseDomain(nameDomain(comodel, POSITIVE_OF[operator] ?? operator, value));
      const domain = Array.isArray(field.domain) && field.domain.length
        ? Object.freeze({ kind: 'and' as const, children: Object.freeze([names, parseDomain(field.domain)]) })
        : names;
      targets = this.subSelect(comodel, domain);
    } else {
      const ids = (Array.isArray(value) ? value : [value]).filter((v) => !isFalsy(v)).map((v) => toId(v, leaf));
      if (ids.length === 0) return negative ? TRUE_SQL : FALSE_SQL;
      targets = sql.join(ids.map((v) => sql`${v}`));
    }
    const linked = this.linkedIds(field, targets);
    return negative ? sql`${idRef} NOT IN (${linked})` : sql`${idRef} IN (${linked})`;
  }

  /**
   * `any` / `not any`: a sub-search on the comodel. For a many2one it ignores active_test and `not any`
   * also matches records without target; for x2many it follows the context's active_test.
   */
  private compileAny(field: Field, sub: DomainNode, negative: boolean, alias: string): Sql {
    const comodel = this.model(field.relation!);
    if (field.type === 'many2one') {
      const column = field.sql ? field.sql(alias) : sql.ref(`${alias}.${field.name}`);
      const selected = this.subSelect(comodel, sub, { activeTest: false });
      return negative ? sql`(${column} IS NULL OR ${column} NOT IN (${selected}))` : sql`${column} IN (${selected})`;
    }
    const linked = this.linkedIds(field, this.subSelect(comodel, sub));
    const idRef = sql.ref(`${alias}.id`);
    return negative ? sql`${idRef} NOT IN (${linked})` : sql`${idRef} IN (${linked})`;
  }

  /**
   * child_of / parent_of through the `_parent_name` hierarchy, walked without active filter. On `id`
   * or a relation to the model itself it selects the records of the tree; on a relation to another
   * model, the records pointing into that model's tree.
   */
  private compileHierarchy(model: ModelDef, field: Field, leaf: Leaf, alias: string): Sql {
    const onSelf = field.name === 'id' || (isRelational(field) && field.relation === model.name);
    if (!onSelf && !isRelational(field)) throw valueError(`Invalid leaf ${leafRepr(leaf.source)}`);
    const target = onSelf ? model : this.model(field.relation!);
    let roots: Sql;
    if (isNameValue(leaf.value)) {
      // each name resolved by name_search(name, [], 'ilike')
      const names = (Array.isArray(leaf.value) ? leaf.value : [leaf.value]) as string[];
      const domains = names.map((n) => nameDomain(target, 'ilike', n));
      roots = this.subSelect(target, parseDomain([...Array(domains.length - 1).fill('|'), ...domains.flatMap(singleTermOf)]));
    } else {
      const ids = (Array.isArray(leaf.value) ? leaf.value : [leaf.value]).filter((v) => truthy(v)).map((v) => toId(v, leaf));
      if (ids.length === 0) return FALSE_SQL;
      roots = sql.join(ids.map((v) => sql`${v}`));
    }
    let tree: Sql = roots;
    const parent = target.parentName ?? (onSelf && field.type === 'many2one' ? field.name : undefined);
    if (parent && target.fields.get(parent)?.store) {
      const a = this.newAlias();
      const cte = sql.id(`${a}_tree`);
      const t = sql.table(target.table);
      const step = leaf.operator === 'child_of'
        ? sql`SELECT ${sql.ref(`${a}.id`)} FROM ${t} AS ${sql.id(a)} JOIN ${cte} ON ${sql.ref(`${a}.${parent}`)} = ${cte}.id`
        : sql`SELECT ${sql.ref(`${a}.${parent}`)} FROM ${t} AS ${sql.id(a)} JOIN ${cte} ON ${sql.ref(`${a}.id`)} = ${cte}.id WHERE ${sql.ref(`${a}.${parent}`)} IS NOT NULL`;
      const r = this.newAlias();
      tree = sql`WITH RECURSIVE ${cte}(id) AS (SELECT ${sql.ref(`${r}.id`)} FROM ${t} AS ${sql.id(r)} WHERE ${sql.ref(`${r}.id`)} IN (${roots}) UNION ${step}) SELECT id FROM ${cte}`;
    }
    if (onSelf) return sql`${sql.ref(`${alias}.id`)} IN (${tree})`;
    if (isX2many(field)) return sql`${sql.ref(`${alias}.id`)} IN (${this.linkedIds(field, tree)})`;
    return sql`${sql.ref(`${alias}.${field.name}`)} IN (${tree})`;
  }
}

/** A leaf value that names records rather than giving ids: a string, or a non-empty list of strings. */
function isNameValue(value: unknown): boolean {
  return typeof value === 'string' || (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string'));
}

/** A domain as one prefix term, so that several can be combined. */
function singleTermOf(domain: unknown[]): unknown[] {
  return domain.length > 1 && !(typeof domain[0] === 'string') ? [...Array(domain.length - 1).fill('&'), ...domain] : domain;
}

/**
 * Domain matching records by name: the `_rec_names_search` fields (else display_name), ORed for
 * positive operators and ANDed for negative ones, as Odoo's `_name_search` does.
 */
export function nameDomain(model: ModelDef, operator: Operator, value: unknown): unknown[] {
  const names = model.recNamesSearch ?? ['display_name'];
  const leaves = names.map((n) => [n, operator, value]);
  const glue = NEGATIVE_OPERATORS.has(operator) ? '&' : '|';
  return [...Array(Math.max(0, leaves.length - 1)).fill(glue), ...leaves];
}

function toId(value: unknown, leaf: Leaf): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
  throw valueError(`Invalid leaf ${leafRepr(leaf.source)}`);
}

/** Python's name of a JSON value's type, for TypeError texts. */
function pyType(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'object') return 'dict';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  return Number.isInteger(value) ? 'int' : 'float';
}

/** The text a like pattern is built from (pycompat.to_text: False and None are ''). */
function toText(value: unknown, leaf: Leaf): string {
  if (isFalsy(value)) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyRepr(value);
  throw valueError(`Invalid leaf ${leafRepr(leaf.source)}`);
}

function validDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/** Odoo's Date.to_date: the first 10 characters as `%Y-%m-%d`. */
function toDate(value: string): string | undefined {
  const day = value.slice(0, 10);
  const m = DATE_RE.exec(day);
  return m && validDate(m[1]!, m[2]!, m[3]!) ? day : undefined;
}

/** Odoo's Datetime.to_datetime: the first 19 characters as `%Y-%m-%d %H:%M:%S` (a date alone is midnight). */
function toDatetime(value: string): string | undefined {
  let v = value.slice(0, 19);
  if (v.length === 10) v += ' 00:00:00';
  if (v.length !== 19 || (v[10] !== ' ' && v[10] !== 'T')) return undefined;
  const day = toDate(v);
  const t = TIME_RE.exec(v.slice(11));
  if (!day || !t || Number(t[1]) > 23 || Number(t[2]) > 59 || Number(t[3]) > 59) return undefined;
  return `${day} ${v.slice(11)}`;
}

/**
 * Converts a domain value to the field's column type, as Odoo's `convert_to_column` does (so that
 * `int('abc')` is a ValueError, `int(1.5)` is 1, False on a number is 0), never leaving it to SQL.
 */
function convertValue(field: Field, value: unknown, leaf: Leaf): unknown {
  switch (field.type) {
    case 'integer': {
      // int(value or 0)
      if (!truthy(value)) return 0;
      if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
      if (value === true) return 1;
      if (typeof value === 'string') {
        if (/^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
        throw valueError(`invalid literal for int() with base 10: ${pyRepr(value)}`);
      }
      throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${pyType(value)}'`);
    }
    case 'many2one': {
      // value or None, compared as given
      if (!truthy(value)) return null;
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'number' && Number.isFinite(value)) return sql`CAST(${String(value)} AS numeric)`;
      if (value === true) return 1;
      if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
      throw valueError(`Invalid leaf ${leafRepr(leaf.source)}`);
    }
    case 'float':
    case 'monetary': {
      // float(value or 0.0)
      if (!truthy(value)) return 0;
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (value === true) return 1;
      if (typeof value === 'string') {
        if (/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
        throw valueError(`could not convert string to float: ${pyRepr(value)}`);
      }
      throw typeError(`float() argument must be a string or a real number, not '${pyType(value)}'`);
    }
    case 'boolean':
      return truthy(value);
    case 'date': {
      if (!truthy(value)) return null;
      const day = typeof value === 'string' ? toDate(value) : undefined;
      if (!day) throw valueError(`time data ${pyRepr(typeof value === 'string' ? value.slice(0, 10) : value)} does not match format '%Y-%m-%d'`);
      return day;
    }
    case 'datetime': {
      if (!truthy(value)) return null;
      const stamp = typeof value === 'string' ? toDatetime(value) : undefined;
      if (!stamp) throw valueError(`time data ${pyRepr(value)} does not match format '%Y-%m-%d %H:%M:%S'`);
      return stamp;
    }
    case 'json':
      return isFalsy(value) ? null : JSON.stringify(value);
    default:
      // char, text, html, selection: str(value), None for False
      if (isFalsy(value)) return null;
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return toText(value, leaf);
      throw valueError(`Invalid leaf ${leafRepr(leaf.source)}`);
  }
}
