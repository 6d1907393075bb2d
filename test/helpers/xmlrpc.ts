import { Deserializer, serializeMethodCall, type XmlRpcValue } from '@foxglove/xmlrpc';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface XmlRpcAnswer {
  res: LightMyRequestResponse;
  result?: any;
  fault?: { faultCode: number | string; faultString: string };
}

/**
 * Decodes a methodResponse: a result, or a fault whose code may be a string (legacy paths), which
 * @foxglove/xmlrpc's client would drop, so the fault struct is read as a plain value.
 */
export async function decodeResponse(xml: string): Promise<Pick<XmlRpcAnswer, 'result' | 'fault'>> {
  const fault = /<fault>([\s\S]*)<\/fault>/.exec(xml);
  if (fault) {
    const asParams = `<?xml version="1.0"?><methodResponse><params><param>${fault[1]}</param></params></methodResponse>`;
    return { fault: await new Deserializer().deserializeMethodResponse(asParams) as XmlRpcAnswer['fault'] };
  }
  return { result: await new Deserializer().deserializeMethodResponse(xml) };
}

/** POSTs raw XML to an XML-RPC path. */
export async function xmlPost(app: FastifyInstance, url: string, body: string): Promise<XmlRpcAnswer> {
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'text/xml' }, payload: body });
  return { res, ...(await decodeResponse(res.body)) };
}

/** One XML-RPC call (`/xmlrpc/2/object`, `execute_kw`, [...]) as xmlrpc.client sends it. */
export function xmlCall(app: FastifyInstance, url: string, method: string, params: XmlRpcValue[]): Promise<XmlRpcAnswer> {
  return xmlPost(app, url, serializeMethodCall(method, params));
}
