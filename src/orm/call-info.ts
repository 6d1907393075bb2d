import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one request did, for its log line and its metrics: the user it ran as and the model method
 * it called through the dispatcher. Every transport (call_kw, /jsonrpc, XML-RPC, JSON-2) reaches
 * models through `callKw`, which fills this in, so none of them has to report it itself.
 */
export interface CallInfo {
  /** The user the request ran as (its session's, or the one an External API call authenticated). */
  uid?: number | null;
  /** Model and method as the client named them (the log line), and whether they exist (metric labels). */
  model?: string;
  method?: string;
  known?: boolean;
  /** The exception the call raised (`AccessError`, `TypeError`...), unset when it returned. */
  error?: string;
}

const storage = new AsyncLocalStorage<CallInfo>();

/** Runs `fn` (a request's whole handling) with `info` as the record the code below it fills in. */
export function runWithCallInfo<T>(info: CallInfo, fn: () => T): T {
  return storage.run(info, fn);
}

/** The current request's record, if the code runs inside one. */
export function currentCallInfo(): CallInfo | undefined {
  return storage.getStore();
}

/** Records the user the current request runs as. */
export function noteUser(uid: number | null): void {
  const info = storage.getStore();
  if (info) info.uid = uid;
}

/** Records the exception the current request's transaction ended with. */
export function noteError(err: unknown): void {
  const info = storage.getStore();
  if (info) info.error = err instanceof Error ? err.name : 'Error';
}

/** Records the model method the current request calls (a retried transaction records it again). */
export function noteCall(model: string, method: string, uid: number): void {
  const info = storage.getStore();
  if (!info) return;
  Object.assign(info, { model, method, uid, known: false, error: undefined });
}
