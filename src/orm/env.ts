import type { Trx } from '../db/database.js';
import { keyError, valueError } from '../errors.js';
import { accessChanged, groupIdsOf } from '../security/access.js';
import type { Registry } from './registry.js';
import { Model } from './model.js';

export type Context = Record<string, unknown>;

/** Odoo's SUPERUSER_ID: the `__system__` user, which bypasses access rights. */
export const SUPERUSER_ID = 1;

/** State shared by every Env derived from one call (sudo, with_context...): one transaction, one cache. */
interface CallState {
  readonly preCommit: (() => Promise<void>)[];
  readonly postCommit: (() => void | Promise<void>)[];
  /** Per-call state of services (the bus queue), keyed by the service. */
  readonly services: Map<symbol, unknown>;
  readonly groupsByUid: Map<number, Promise<Set<number>>>;
}

/**
 * One RPC call's environment, as Odoo's `api.Environment`: who calls (uid), with which context,
 * inside which transaction. Model code only ever queries through `env.trx`.
 */
export class Env {
  private readonly state: CallState;

  constructor(
    readonly registry: Registry,
    readonly trx: Trx,
    readonly uid: number,
    readonly context: Context = {},
    /** Superuser mode (`sudo()`): access rights and record rules are not checked. */
    readonly su = uid === SUPERUSER_ID,
    state?: CallState,
  ) {
    this.state = state ?? { preCommit: [], postCommit: [], services: new Map(), groupsByUid: new Map() };
  }

  /** `env['res.partner']`: unknown models raise KeyError as Odoo's registry does. */
  model(name: string): Model {
    const def = this.registry.models.get(name);
    if (!def) throw keyError(name);
    return new Model(this, def);
  }

  sudo(flag = true): Env {
    return new Env(this.registry, this.trx, this.uid, this.context, flag, this.state);
  }

  withContext(context: Context): Env {
    return new Env(this.registry, this.trx, this.uid, context, this.su, this.state);
  }

  withUser(uid: number): Env {
    return new Env(this.registry, this.trx, uid, this.context, uid === SUPERUSER_ID, this.state);
  }

  /** Runs inside the transaction, just before it commits (Odoo's precommit hooks). */
  beforeCommit(fn: () => Promise<void>): void {
    this.state.preCommit.push(fn);
  }

  get preCommitHooks(): readonly (() => Promise<void>)[] {
    return this.state.preCommit;
  }

  /** State a service keeps for the duration of this call, created on first use. */
  service<T>(key: symbol, create: () => T): T {
    let value = this.state.services.get(key) as T | undefined;
    if (value === undefined) {
      value = create();
      this.state.services.set(key, value);
    }
    return value;
  }

  /** Runs after the transaction commits (bus announcements); dropped on rollback. */
  afterCommit(fn: () => void | Promise<void>): void {
    this.state.postCommit.push(fn);
  }

  get postCommitHooks(): readonly (() => void | Promise<void>)[] {
    return this.state.postCommit;
  }

  /** The ids of the groups the user belongs to (memberships are stored with implied groups closed). */
  groupIds(uid = this.uid): Promise<Set<number>> {
    let cached = this.state.groupsByUid.get(uid);
    if (!cached) {
      cached = groupIdsOf(this, uid);
      this.state.groupsByUid.set(uid, cached);
    }
    return cached;
  }

  /** `user.has_group('base.group_user')`. */
  async hasGroup(xmlid: string, uid = this.uid): Promise<boolean> {
    const gid = await this.ref(xmlid, false);
    return gid !== false && (await this.groupIds(uid)).has(gid);
  }

  /** `env.ref('module.name')`: the record id behind an xml id. */
  async ref(xmlid: string, raiseIfMissing = true): Promise<number | false> {
    const id = await this.registry.resolveXmlid(this.trx, xmlid);
    if (id === undefined) {
      if (raiseIfMissing) throw valueError(`External ID not found in the system: ${xmlid}`);
      return false;
    }
    return id;
  }

  /** Forgets cached memberships (and the access generation) after res.users / res.groups writes in this call. */
  invalidateGroups(): void {
    this.state.groupsByUid.clear();
    accessChanged(this);
  }
}
