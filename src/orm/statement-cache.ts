import type { CompiledQuery } from 'kysely';
import type { DomainNode } from './domain.js';

/** Keys longer than this are not cached (a domain listing thousands of ids is rarely asked twice). */
const MAX_KEY_LENGTH = 4096;
/** Statements kept per registry; the least recently used one goes first. */
const MAX_ENTRIES = 500;

/**
 * A string that stands for exactly these values, or undefined when one of them is not plain JSON
 * (a string, a finite number other than -0, a boolean, null, an array or a plain object of those):
 * two calls with the same key were asked exactly the same thing. Anything JSON.stringify would
 * blur (undefined, NaN, -0, a Date...) is refused rather than risk two different inputs sharing a key.
 */
export function exactKey(values: readonly unknown[]): string | undefined {
  if (!values.every(plainJson)) return undefined;
  const key = JSON.stringify(values);
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}

function plainJson(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) return value.every((v) => plainJson(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => plainJson(v, depth + 1));
}

interface Slot {
  /** Compiled for callers without record rule (superuser, or no rule on the model). */
  noRule?: CompiledQuery;
  /**
   * Compiled per record-rule domain, by identity: the access cache (security/access.ts) hands out
   * one frozen node per user, model and operation for as long as its generation lasts, so a rule
   * that changes is a new node and never meets a statement compiled for the old one.
   */
  byRule: WeakMap<DomainNode, CompiledQuery>;
}

/**
 * Compiled SQL of searches that were asked before, so that the same question does not parse,
 * validate and compile its domain, order and columns again: the statement only depends on the
 * registry's declarations and the key (what the caller asked, see exactKey) and the rule, all of
 * which the entry is filed under. Access checks are not cached here: callers run them every time.
 */
export class StatementCache {
  private readonly entries = new Map<string, Slot>();

  get(key: string, rule: DomainNode | undefined): CompiledQuery | undefined {
    const slot = this.entries.get(key);
    if (!slot) return undefined;
    const query = rule === undefined ? slot.noRule : slot.byRule.get(rule);
    if (query) {
      // most recently used last
      this.entries.delete(key);
      this.entries.set(key, slot);
    }
    return query;
  }

  set(key: string, rule: DomainNode | undefined, query: CompiledQuery): void {
    let slot = this.entries.get(key);
    if (!slot) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      slot = { byRule: new WeakMap() };
      this.entries.set(key, slot);
    }
    if (rule === undefined) slot.noRule = query;
    else slot.byRule.set(rule, query);
  }
}

const caches = new WeakMap<object, StatementCache>();

/** The statement cache of a registry (statements depend on its model declarations). */
export function statementCache(registry: object): StatementCache {
  let cache = caches.get(registry);
  if (!cache) caches.set(registry, (cache = new StatementCache()));
  return cache;
}
