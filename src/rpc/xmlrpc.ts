import { Deserializer, type XmlRpcValue } from '@foxglove/xmlrpc';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { OdooError, PythonError, asOdooError, toLegacyXmlRpcFault, toXmlRpcFault } from '../errors.js';
import { rpcServices } from './services.js';

/**
 * Odoo's XML-RPC transport (odoo/addons/base/controllers/rpc.py): `/xmlrpc/2/<service>` answers
 * faults with integer codes, the historical `/xmlrpc/<service>` with string codes. Both decode the
 * `methodCall`, hand method and params to the same services as `/jsonrpc`, and marshal the result
 * as Odoo's OdooMarshaller does (no `None`, dates already strings, control characters stripped).
 */

/** XML 1.0 forbids the control characters 0-31 other than TAB, LF and CR; Odoo strips them (CONTROL_CHARACTERS). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\x00-\x08\x0b\x0c\x0e-\x1f]/g;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** xmlrpc.client.escape */
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Python's `repr(float)`, as the marshaller writes `<double>`. */
function pyFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  return String(n);
}

/**
 * A service result marshalled as Python's xmlrpc.client with Odoo's OdooMarshaller and
 * `allow_none=False`: `None` anywhere fails, strings lose their control characters, dates are
 * already strings. @foxglove/xmlrpc decodes the calls; its serializer is not used for answers
 * because it writes strings holding `<` or `&` as CDATA (and throws on `]]>` in them) and cannot
 * write a JavaScript number too large for `<int>` as the `<double>` it is in Python (ids and counts
 * never are that large; amounts may be).
 */
function marshal(value: unknown, out: string[]): void {
  if (value === null || value === undefined) throw new PythonError('TypeError', 'cannot marshal None unless allow_none is enabled');
  if (typeof value === 'boolean') { out.push(`<value><boolean>${value ? 1 : 0}</boolean></value>\n`); return; }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) out.push(`<value><int>${value}</int></value>\n`);
    else out.push(`<value><double>${pyFloat(value)}</double></value>\n`);
    return;
  }
  if (typeof value === 'bigint') throw new PythonError('OverflowError', 'int exceeds XML-RPC limits');
  if (typeof value === 'string') { out.push(`<value><string>${escape(value.replace(CONTROL_CHARACTERS, ''))}</string></value>\n`); return; }
  // OdooMarshaller.dump_bytes: binary values travel as (base64) strings
  if (Buffer.isBuffer(value)) { marshal(value.toString('utf8'), out); return; }
  if (value instanceof Date) { marshal(odooDatetime(value), out); return; }
  if (Array.isArray(value)) {
    out.push('<value><array><data>\n');
    for (const v of value) marshal(v, out);
    out.push('</data></array></value>\n');
    return;
  }
  if (typeof value === 'object') {
    out.push('<value><struct>\n');
    for (const [k, v] of Object.entries(value)) {
      out.push(`<member>\n<name>${escape(k)}</name>\n`);
      marshal(v, out);
      out.push('</member>\n');
    }
    out.push('</struct></value>\n');
    return;
  }
  throw new PythonError('TypeError', `cannot marshal ${typeof value} objects`);
}

/** `xmlrpc.client.dumps((result,), methodresponse=1)`. */
function responseXml(result: unknown): string {
  const out: string[] = [];
  marshal(result, out);
  return `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n${out.join('')}</param>\n</params>\n</methodResponse>\n`;
}

/** `xmlrpc.client.dumps(Fault(code, string))`: an int code on /xmlrpc/2, a string one on the legacy paths. */
function faultXml(fault: { faultCode: number | string; faultString: string }): string {
  const out: string[] = [];
  marshal({ faultCode: fault.faultCode, faultString: fault.faultString }, out);
  return `<?xml version='1.0'?>\n<methodResponse>\n<fault>\n${out.join('')}</fault>\n</methodResponse>\n`;
}

/** `fields.Datetime.to_string`: UTC, `YYYY-MM-DD HH:MM:SS`. */
function odooDatetime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Decoded params as the services expect JSON values: `<nil/>` is None (null), `dateTime.iso8601`
 * becomes Odoo's datetime string and `base64` a base64 string, the shapes Odoo's fields accept
 * (Odoo itself hands xmlrpc.client's DateTime/Binary objects to the ORM, which rejects them).
 */
function fromXmlValue(value: XmlRpcValue): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return odooDatetime(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(fromXmlValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromXmlValue(v);
    return out;
  }
  return value;
}

/** Python's `xml.parsers.expat.ExpatError` as `xmlrpc.client.loads` raises it for a body that is no methodCall. */
function parseError(err: unknown): OdooError {
  const text = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  return new OdooError('xml.parsers.expat.ExpatError', text || 'no element found: line 1, column 0');
}

/** `xmlrpc.client.loads(data)` -> (method, params). */
async function decodeCall(body: string): Promise<[string, unknown[]]> {
  if (!body.trim()) throw parseError('no element found: line 1, column 0');
  const deserializer = new Deserializer();
  // @foxglove/xmlrpc keeps `<i8>` values as strings; Python's unmarshaller gives an int
  const patched = deserializer as unknown as { _endI8?: (data: string) => void; _push?: (v: XmlRpcValue) => void; _value?: boolean };
  if (typeof patched._endI8 === 'function' && typeof patched._push === 'function') {
    patched._endI8 = (data: string) => {
      if (!/^\s*[+-]?\d+\s*$/.test(data)) throw new Error(`invalid literal for int() with base 10: '${data}'`);
      patched._push!(Number(data));
      patched._value = false;
    };
  }
  try {
    const [method, params] = await deserializer.deserializeMethodCall(body);
    return [method, params.map(fromXmlValue)];
  } catch (err) {
    throw parseError(err);
  }
}

export default async function xmlrpcRoutes(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const services = rpcServices(app, opts.config);

  for (const legacy of [false, true]) {
    const url = legacy ? '/xmlrpc/:service' : '/xmlrpc/2/:service';
    app.route({
      method: 'POST',
      url,
      handler: async (request, reply) => {
        const { service } = request.params as { service: string };
        const raw = typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
        let xml: string;
        try {
          const [method, params] = await decodeCall(raw);
          // wrong passwords are throttled per address as on /jsonrpc (common.login/authenticate, object calls)
          const result = await services(service, method, params, app.limits.loginSource(request));
          // marshalled after the call committed, as Odoo does: a None result is fault 1 all the same
          xml = responseXml(result);
        } catch (err) {
          if (!(err instanceof OdooError)) request.log.error({ err }, 'unexpected error in XML-RPC route');
          const e = asOdooError(err);
          xml = faultXml(legacy ? toLegacyXmlRpcFault(e) : toXmlRpcFault(e));
        }
        return reply.code(200).type('text/xml; charset=utf-8').send(xml);
      },
    });
    // the routes take POST only (methods=['POST']): werkzeug answers any other method with 405
    app.route({
      method: ['GET', 'PUT', 'DELETE', 'PATCH'],
      url,
      handler: async (_request, reply) => reply.code(405).header('Allow', 'OPTIONS, POST').type('text/html; charset=utf-8')
        .send('<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n'),
    });
  }
}
