/**
 * The network address of a request's caller, captured by server.ts while uWS's response is alive
 * (it is gone after the handler's first await). Used by the login rate limit and the audit log.
 */
import type { Request } from './reply.ts';

const addresses = new WeakMap<Request, string>();

export function rememberAddress(req: Request, address: ArrayBuffer): void {
  addresses.set(req, Buffer.from(address).toString('utf8'));
}

export function remoteAddress(req: Request): string {
  return addresses.get(req) ?? 'unknown';
}
