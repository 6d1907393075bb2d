import { AccessError, PythonError, typeError } from '../errors.js';
import { currentCallInfo, noteCall } from './call-info.js';
import type { Context, Env } from './env.js';
import type { Id } from './fields.js';
import { baseMethods } from './methods.js';
import type { RpcMethod } from './registry.js';

const PRIVATE_METHOD = /^(_.*|init)$/;

/** Classes defining the base methods in Odoo 17 (Python's TypeError texts name them: `BaseModel.search()`). */
const WEB_METHODS = new Set(['web_search_read', 'web_read', 'web_save', 'web_read_group']);

/** The `__qualname__` Python prints in binding errors: `BaseModel.search`, `Base.web_read`, or a model method's own. */
function qualifiedName(name: string, method: RpcMethod): string {
  const own = (method as RpcMethod & { qualname?: string }).qualname;
  if (own) return own;
  if (baseMethods[name] !== method) return name;
  return `${WEB_METHODS.has(name) ? 'Base' : 'BaseModel'}.${name}`;
}

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'` (CPython's format_missing). */
function pyNameList(names: string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  if (quoted.length <= 1) return quoted.join('');
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -2).join(', ')}, ${quoted.at(-2)}, and ${quoted.at(-1)}`;
}

/**
 * Binds Python-style positional and keyword arguments to a method's parameters, raising the
 * TypeError CPython raises for a bad call (`self` counts as the first positional parameter).
 */
export function bindArguments(name: string, method: RpcMethod, args: unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  const params = method.params;
  const qualname = qualifiedName(name, method);
  if (args.length > params.length) {
    const max = params.length + 1;
    const min = params.filter((p) => p.required).length + 1;
    const given = args.length + 1;
    const takes = min === max ? `${max} positional argument${max === 1 ? '' : 's'}` : `from ${min} to ${max} positional arguments`;
    throw typeError(`${qualname}() takes ${takes} but ${given} ${given === 1 ? 'was' : 'were'} given`);
  }
  args.forEach((value, i) => { bound[params[i]!.name] = value; });
  for (const [key, value] of Object.entries(kwargs)) {
    if (key === 'context') continue;
    const known = params.some((p) => p.name === key);
    if (!known && !method.varKw) throw typeError(`${qualname}() got an unexpected keyword argument '${key}'`);
    if (known && key in bound) throw typeError(`${qualname}() got multiple values for argument '${key}'`);
    bound[key] = value;
  }
  const missing = params.filter((p) => p.required && !(p.name in bound)).map((p) => p.name);
  if (missing.length) {
    throw typeError(`${qualname}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${pyNameList(missing)}`);
  }
  for (const p of params) if (!(p.name in bound) && 'default' in p) bound[p.name] = p.default;
  return bound;
}

/**
 * `create` goes through the `decorator` library (api.model_create_multi), which binds arguments with
 * inspect.Signature.bind: its TypeError texts differ from a plain call's.
 */
function bindCreateArguments(method: RpcMethod, args: unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  const params = method.params;
  if (args.length > params.length) throw typeError('too many positional arguments');
  const bound: Record<string, unknown> = {};
  args.forEach((value, i) => { bound[params[i]!.name] = value; });
  for (const [key, value] of Object.entries(kwargs)) {
    if (key === 'context') continue;
    if (!params.some((p) => p.name === key)) throw typeError(`got an unexpected keyword argument '${key}'`);
    if (key in bound) throw typeError(`multiple values for argument '${key}'`);
    bound[key] = value;
  }
  const missing = params.find((p) => p.required && !(p.name in bound));
  if (missing) throw typeError(`missing a required argument: '${missing.name}'`);
  return bound;
}

function toIds(value: unknown): Id[] {
  if (typeof value === 'number' && Number.isInteger(value)) return [value];
  if (value === false || value === null) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v))) return value as Id[];
  throw typeError(`Invalid record ids: ${JSON.stringify(value)}`);
}

/**
 * The context of a call (odoo/api.py `split_context` + `with_context(context or {})`): `kwargs.context`
 * replaces the environment's context, and no context at all means an empty one; only
 * `allowed_company_ids` survives from the base context when the new one lacks it.
 */
export function callContext(base: Context, kwargs: Record<string, unknown>): Context {
  const given = kwargs.context;
  const ctx: Context = given && typeof given === 'object' && !Array.isArray(given) ? { ...(given as Context) } : {};
  if (!('allowed_company_ids' in ctx) && 'allowed_company_ids' in base) ctx.allowed_company_ids = base.allowed_company_ids;
  return ctx;
}

/**
 * `call_kw(model, method, args, kwargs)` (odoo/api.py, web dataset controller, service/model.py):
 * checks the method is public and exists, binds arguments, runs it with the call's context.
 */
export async function callKw(env: Env, modelName: string, methodName: string, args: unknown, kwargs: unknown): Promise<unknown> {
  // the request's log line and metrics name the call (runInTransaction adds how it ended)
  noteCall(String(modelName), String(methodName), env.uid);
  if (typeof methodName !== 'string') throw typeError('method name must be a string');
  if (PRIVATE_METHOD.test(methodName)) throw new AccessError(`Private methods (such as ${methodName}) cannot be called remotely.`);
  const model = env.model(modelName);
  const method = model.def.methods?.[methodName] ?? baseMethods[methodName];
  if (!method) throw new PythonError('AttributeError', `The method '${methodName}' does not exist on the model '${modelName}'`);
  const info = currentCallInfo();
  if (info) info.known = true;
  if (args !== undefined && args !== null && !Array.isArray(args)) throw typeError(`'args' must be a list`);
  if (kwargs !== undefined && kwargs !== null && (typeof kwargs !== 'object' || Array.isArray(kwargs))) throw typeError(`'kwargs' must be a dict`);
  const positional = (args ?? []) as unknown[];
  const keywords = (kwargs ?? {}) as Record<string, unknown>;
  const callEnv = env.withContext(callContext(env.context, keywords));
  const target = model.with(callEnv);
  if (method.api === 'records') {
    // `ids, args = args[0], args[1:]`
    if (positional.length === 0) throw new PythonError('IndexError', 'list index out of range');
    const ids = toIds(positional[0]);
    const bound = bindArguments(methodName, method, positional.slice(1), keywords);
    return method.fn(callEnv, target, ids, bound);
  }
  if (method.api === 'create') {
    const bound = bindCreateArguments(method, positional, keywords);
    const result = await method.fn(callEnv, target, [], bound);
    // Odoo inspects args[0] after the call to tell one record from many: values must be positional
    if (positional.length === 0) throw new PythonError('IndexError', 'list index out of range');
    return result;
  }
  const bound = bindArguments(methodName, method, positional, keywords);
  return method.fn(callEnv, target, [], bound);
}
