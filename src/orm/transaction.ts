import type { Database } from '../db/database.js';
import { isRetryableDbError } from '../db/database.js';
import { OdooError, ValidationError } from '../errors.js';
import { noteError } from './call-info.js';
import { Env, type Context } from './env.js';
import { mandatoryFieldMessage } from './model.js';
import type { Registry } from './registry.js';

const MAX_TRIES = 5;

interface PgError { code?: string; table?: string; column?: string; constraint?: string; detail?: string; message?: string }

/**
 * Runs one RPC call in one transaction (odoo/service/model.py `retrying`): serialization failures
 * and deadlocks are retried with a random back-off, integrity errors become ValidationError, and
 * after-commit hooks (bus announcements) run only once the transaction has committed.
 */
export async function runInTransaction<T>(
  database: Database, registry: Registry, uid: number, context: Context, fn: (env: Env) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let env: Env | undefined;
    try {
      const result = await database.db.transaction().execute(async (trx) => {
        env = new Env(registry, trx, uid, context);
        const result = await fn(env);
        // hooks may add hooks (a flush that writes more): run until none is left
        for (let i = 0; i < env.preCommitHooks.length; i++) await env.preCommitHooks[i]!();
        return result;
      });
      for (const hook of env!.postCommitHooks) {
        try { await hook(); } catch { /* an announcement failing must not fail a committed call */ }
      }
      return result;
    } catch (err) {
      if (isRetryableDbError(err) && attempt < MAX_TRIES) {
        await new Promise((r) => setTimeout(r, Math.random() * 2 ** attempt * 50));
        continue;
      }
      const error = asIntegrityError(err, registry);
      noteError(error);
      throw error;
    }
  }
}

/** Odoo's readable texts for database constraint violations (service/model.py `_as_validation_error`). */
export function asIntegrityError(err: unknown, registry: Registry): unknown {
  if (err instanceof OdooError || !err || typeof err !== 'object') return err;
  const e = err as PgError;
  const model = e.table ? registry.byTable(e.table) : undefined;
  const modelLine = model ? `Model: ${model.description} (${model.name})` : e.table ? `Table: ${e.table}` : '';
  switch (e.code) {
    case '23502': {
      const field = model && e.column ? model.fields.get(e.column) : undefined;
      if (model && field) return new ValidationError(mandatoryFieldMessage(model, field));
      return new ValidationError(`The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n${modelLine}\nField: ${e.column ?? ''}`);
    }
    case '23503':
      return new ValidationError(
        'The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\n'
        + `${modelLine}\n${e.constraint ? `Constraint: ${e.constraint}\n` : ''}`,
      );
    case '23001':
      return new ValidationError(`The operation cannot be completed: ${e.message ?? 'another record requires this one'}`);
    case '23505':
    case '23514':
    case '23P01': {
      const message = (e.constraint && model?.sqlConstraints?.[e.constraint]) ?? e.message ?? 'constraint violation';
      return new ValidationError(`The operation cannot be completed: ${message}`);
    }
    case '22001': case '22003': case '22007': case '22008': case '22P02': case '22021':
      return new ValidationError(`The operation cannot be completed: ${e.message ?? 'invalid value'}`);
    default:
      return err;
  }
}
