/**
 * Odoo's exceptions (odoo/exceptions.py, odoo/http.py) and how each transport renders them.
 * Domain code throws these; routes never build error bodies themselves.
 */

export class OdooError extends Error {
  /** Fully qualified Python class name clients key on (`error.data.name`). */
  readonly odooName: string;
  /** The exception's `args`, sent as `error.data.arguments`. */
  readonly args: unknown[];
  readonly context: Record<string, unknown>;

  constructor(odooName: string, message: string, args: unknown[] = [message], context: Record<string, unknown> = {}) {
    super(message);
    this.name = odooName.slice(odooName.lastIndexOf('.') + 1);
    this.odooName = odooName;
    this.args = args;
    this.context = context;
  }
}

export class UserError extends OdooError {
  constructor(message: string, odooName = 'odoo.exceptions.UserError') {
    super(odooName, message);
  }
}
export class ValidationError extends UserError {
  constructor(message: string) { super(message, 'odoo.exceptions.ValidationError'); }
}
export class MissingError extends UserError {
  constructor(message: string) { super(message, 'odoo.exceptions.MissingError'); }
}
export class AccessError extends UserError {
  constructor(message: string) { super(message, 'odoo.exceptions.AccessError'); }
}
export class AccessDenied extends UserError {
  constructor(message = 'Access Denied') { super(message, 'odoo.exceptions.AccessDenied'); }
}
export class RedirectWarning extends OdooError {
  constructor(message: string, actionId: unknown, buttonText: string, additionalContext: Record<string, unknown> = {}) {
    super('odoo.exceptions.RedirectWarning', message, [message, actionId, buttonText, additionalContext]);
  }
}
/** odoo.http.SessionExpiredException: JSON-RPC code 100. */
export class SessionExpired extends OdooError {
  constructor(message = 'Session expired') { super('odoo.http.SessionExpiredException', message); }
}
/** werkzeug NotFound raised inside a json route: JSON-RPC code 404. */
export class NotFound extends OdooError {
  constructor(message = '404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.') {
    super('werkzeug.exceptions.NotFound', message);
  }
}

/**
 * werkzeug TooManyRequests (HTTP 429) raised inside a route: a public route called too often by one
 * visitor or address. JSON routes answer it in the JSON-RPC error shape, with status 429 and a
 * `Retry-After` header so proxies and scripts can back off.
 */
export class TooManyRequests extends OdooError {
  constructor(readonly retryAfterSeconds: number, message = '429 Too Many Requests: The user has sent too many requests in a given amount of time.') {
    super('werkzeug.exceptions.TooManyRequests', message);
  }
}

/** Python built-in exceptions that Odoo lets through (KeyError, TypeError, ValueError...). */
export class PythonError extends OdooError {
  constructor(kind: 'KeyError' | 'TypeError' | 'ValueError' | 'AttributeError' | 'NameError' | 'IndexError' | 'OverflowError' | 'Exception', message: string, args: unknown[] = [message]) {
    super(`builtins.${kind}`, message, args);
  }
}
/** The Python type name of a JSON value, for messages such as `'NoneType' object is not iterable`. */
export const pyTypeName = (v: unknown): string =>
  v === null || v === undefined ? 'NoneType' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float')
    : typeof v === 'string' ? 'str' : Array.isArray(v) ? 'list' : 'dict';

export const keyError = (key: string) => new PythonError('KeyError', key, [key]);
export const typeError = (message: string) => new PythonError('TypeError', message);
export const valueError = (message: string) => new PythonError('ValueError', message);

/** A plain HTTP answer that bypasses the JSON-RPC envelope (Odoo's werkzeug 400/404/405 pages). */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly contentType = 'text/html; charset=utf-8') {
    super(message);
  }
}

/** Node and PostgreSQL codes of a database that cannot be reached (connection refused, server shutting down...). */
const DB_UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/** Whether `err` says the database cannot be reached right now (rather than that a query is wrong). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return (typeof e.code === 'string' && DB_UNAVAILABLE_CODES.has(e.code))
    || (typeof e.message === 'string' && /^Connection terminated|Client has encountered a connection error/.test(e.message));
}

/**
 * Anything that is not an OdooError is an internal failure: hide its details from clients. A
 * database that cannot be reached is psycopg2's OperationalError, as Odoo answers then.
 */
export function asOdooError(err: unknown): OdooError {
  if (err instanceof OdooError) return err;
  if (isDatabaseUnavailable(err)) return new OdooError('psycopg2.OperationalError', 'The database is not available at the moment; please try again shortly.\n');
  return new PythonError('Exception', 'Internal server error');
}

/** `str(exception)` as Python's traceback prints it: a KeyError shows the repr of its key. */
function pythonStr(err: OdooError): string {
  if (err instanceof HttpException) return err.toString();
  if (err.odooName === 'builtins.KeyError' && err.args.length === 1 && typeof err.args[0] === 'string') {
    return `'${err.args[0].replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  }
  return err.message;
}

function pythonTraceback(err: OdooError): string {
  // Odoo always sends a traceback in `debug`; ours names the exception without leaking internals.
  // Its last line is Python's: built-in exceptions without their module, `KeyError: 'key'`.
  const type = err.odooName.startsWith('builtins.') ? err.odooName.slice('builtins.'.length) : err.odooName;
  const text = pythonStr(err);
  return `Traceback (most recent call last):\n  File "livechat-rpc", in dispatch\n${text ? `${type}: ${text}` : type}\n`;
}

export interface JsonRpcErrorBody {
  code: number;
  message: string;
  data: { name: string; debug: string; message: string; arguments: unknown[]; context: Record<string, unknown> };
}

/** The `error` member of a JSON-RPC response (odoo/http.py JsonRPCDispatcher.handle_error). */
export function toJsonRpcError(err: unknown): JsonRpcErrorBody {
  const e = asOdooError(err);
  let code = 200;
  let message = 'Odoo Server Error';
  if (e instanceof SessionExpired) { code = 100; message = 'Odoo Session Expired'; }
  else if (e instanceof NotFound) { code = 404; message = '404: Not Found'; }
  return {
    code,
    message,
    data: { name: e.odooName, debug: pythonTraceback(e), message: e.message, arguments: e.args, context: e.context },
  };
}

/** XML-RPC fault of /xmlrpc/2 (odoo/service/wsgi_server.py xmlrpc_handle_exception_int). */
export function toXmlRpcFault(err: unknown): { faultCode: number; faultString: string } {
  const e = asOdooError(err);
  if (e.odooName === 'odoo.exceptions.AccessError') return { faultCode: 4, faultString: e.message };
  if (e.odooName === 'odoo.exceptions.AccessDenied') return { faultCode: 3, faultString: e.message };
  if (e instanceof UserError || e instanceof RedirectWarning) return { faultCode: 2, faultString: e.message };
  return { faultCode: 1, faultString: pythonTraceback(e) };
}

/**
 * XML-RPC fault of the legacy `/xmlrpc/<service>` paths (xmlrpc_handle_exception_string): string
 * codes naming the warning, an empty faultString; other errors carry their text as the code and
 * the traceback as the faultString.
 */
export function toLegacyXmlRpcFault(err: unknown): { faultCode: string; faultString: string } {
  const e = asOdooError(err);
  if (e instanceof RedirectWarning) return { faultCode: `warning -- Warning\n\n${e.message}`, faultString: '' };
  if (e.odooName === 'odoo.exceptions.MissingError') return { faultCode: `warning -- MissingError\n\n${e.message}`, faultString: '' };
  if (e.odooName === 'odoo.exceptions.AccessError') return { faultCode: `warning -- AccessError\n\n${e.message}`, faultString: '' };
  if (e.odooName === 'odoo.exceptions.AccessDenied') return { faultCode: 'AccessDenied', faultString: e.message };
  if (e instanceof UserError) return { faultCode: `warning -- UserError\n\n${e.message}`, faultString: '' };
  return { faultCode: pythonStr(e), faultString: pythonTraceback(e) };
}

/** The werkzeug HTTP exceptions JSON-2 raises itself (NotFound, Unauthorized, UnprocessableEntity...). */
const HTTP_EXCEPTION_NAMES: Record<number, [string, string]> = {
  400: ['BadRequest', 'Bad Request'], 401: ['Unauthorized', 'Unauthorized'], 403: ['Forbidden', 'Forbidden'],
  404: ['NotFound', 'Not Found'], 405: ['MethodNotAllowed', 'Method Not Allowed'], 422: ['UnprocessableEntity', 'Unprocessable Entity'],
};
export class HttpException extends OdooError {
  constructor(readonly code: keyof typeof HTTP_EXCEPTION_NAMES, readonly description: string) {
    const [name] = HTTP_EXCEPTION_NAMES[code]!;
    super(`werkzeug.exceptions.${name}`, description, [description, code]);
  }
  /** `str(exc)`: `401 Unauthorized: Invalid apikey`. */
  override toString(): string { return `${this.code} ${HTTP_EXCEPTION_NAMES[this.code]![1]}: ${this.description}`; }
}

/**
 * The answer of Odoo 19's JSON-2 endpoint to an exception (Json2RpcDispatcher.handle_error): Odoo
 * exceptions use their `http_status` (UserError 422, AccessError/AccessDenied 403, MissingError
 * 404), werkzeug ones their code, anything else 500; the body is serialize_exception's object.
 */
export function toJson2Error(err: unknown): { status: number; body: { name: string; message: string; arguments: unknown[]; context: Record<string, unknown>; debug: string } } {
  const e = asOdooError(err);
  let status = 500;
  if (e instanceof HttpException) status = e.code;
  else if (e instanceof SessionExpired) status = 403;
  else if (e.odooName === 'odoo.exceptions.MissingError') status = 404;
  else if (e.odooName === 'odoo.exceptions.AccessError' || e.odooName === 'odoo.exceptions.AccessDenied') status = 403;
  else if (e instanceof UserError) status = 422;
  return { status, body: { name: e.odooName, message: e.message, arguments: e.args, context: e.context, debug: pythonTraceback(e) } };
}

/** HTTP status of an Odoo exception raised in a plain http route (and in JSON-2). */
export function httpStatusOf(err: unknown): number {
  const e = asOdooError(err);
  if (e instanceof SessionExpired) return 401;
  if (e instanceof NotFound || e instanceof MissingError) return 404;
  if (e instanceof TooManyRequests) return 429;
  if (e instanceof AccessError || e instanceof AccessDenied) return 403;
  if (e instanceof UserError) return 422;
  if (e.odooName === 'builtins.KeyError' || e.odooName === 'builtins.TypeError' || e.odooName === 'builtins.ValueError') return 400;
  return 500;
}
