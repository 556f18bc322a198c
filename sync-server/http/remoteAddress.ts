/**
 * The network address of a request's caller, captured by server.ts while uWS's response is alive
 * (it is gone after the handler's first await). Used by the login rate limit and the audit log.
 * Behind a reverse proxy (TRUST_PROXY=1) every request comes from the proxy: the caller is then
 * the last address the proxy appended to X-Forwarded-For, the one hop we trust.
 */
import type { Request } from './reply.ts';

const addresses = new WeakMap<Request, string>();

export function rememberAddress(req: Request, address: ArrayBuffer): void {
  addresses.set(req, Buffer.from(address).toString('utf8'));
}

export function remoteAddress(req: Request): string {
  return addresses.get(req) ?? 'unknown';
}

export function callerAddress(req: Request, ctx: { config: { trustProxy: boolean } }): string {
  if (ctx.config.trustProxy) {
    const forwarded = req.headers.get('x-forwarded-for')?.split(',').pop()?.trim();
    if (forwarded && forwarded.length <= 64) return forwarded;
  }
  return remoteAddress(req);
}
