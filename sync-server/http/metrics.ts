/**
 * GET /metrics (Prometheus text format, ../metrics.ts) and the counting of every HTTP request.
 *
 * Who may read the metrics: a caller on this machine (loopback, or the address the server listens
 * on) whose request came straight, not through a reverse proxy; or anyone presenting
 * `Authorization: Bearer <METRICS_TOKEN>`. A request through a proxy carries X-Forwarded-For (or
 * Forwarded, X-Real-IP) and arrives from the proxy's own address, often loopback: such a request
 * needs the token, whatever TRUST_PROXY says. Anyone else gets what an unknown path gets (the
 * page or the 404), so that the route's existence is not told.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError, type Reply, type Request } from './reply.ts';
import type { Context } from './context.ts';
import { remoteAddress } from './remoteAddress.ts';
import { httpRequests, httpSeconds, registry, vaultFailures } from '../metrics.ts';

export const METRICS_PATH = '/metrics';

const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function bearerMatches(req: Request, token: string | null): boolean {
  if (!token) return false;
  const header = req.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

/** An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, or uWS's `0000:…:ffff:7f00:0001`) as its IPv4 form; lower case. */
function plainAddress(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice('::ffff:'.length);
  const mapped = /^(?:0{1,4}:){5}ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mapped) {
    const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return lower;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || /^(?:0{1,4}:){7}0{0,3}1$/.test(address);
}

export function metricsAllowed(req: Request, ctx: Pick<Context, 'config'>): boolean {
  if (bearerMatches(req, ctx.config.metricsToken)) return true;
  if (PROXY_HEADERS.some((h) => req.headers.has(h))) return false;
  const address = plainAddress(remoteAddress(req));
  const listen = plainAddress(ctx.config.host);
  return isLoopback(address) || (listen !== '0.0.0.0' && listen !== '::' && address === listen);
}

/** Answers the scrape; false when the caller may not see it (the request then goes on as for an unknown path). */
export async function serveMetrics(req: Request, reply: Reply, ctx: Context): Promise<boolean> {
  if (req.method !== 'GET' || !metricsAllowed(req, ctx)) return false;
  notePattern(req, METRICS_PATH);
  // The readiness gauges (relais_ready) are as fresh as the scrape.
  await ctx.readiness.check();
  const text = await registry.metrics();
  reply.send(200, text, [
    ['Content-Type', registry.contentType],
    ['Cache-Control', 'no-store'],
  ]);
  return true;
}

/** The route pattern a request matched (set by routes.ts), or what answered it instead. */
const patterns = new WeakMap<Request, string>();

export function notePattern(req: Request, pattern: string): void {
  patterns.set(req, pattern);
}

/** A refused request on the patients' vault (/api/vault/…) counts as a vault failure, by its code. */
export function noteFailure(req: Request, error: unknown): void {
  if (patterns.get(req)?.startsWith('/api/vault/')) vaultFailures.inc({ code: error instanceof HttpError ? error.code : 'internal' });
}

/** Counts an answered request by route pattern, method and status (`started`: performance.now() at arrival). */
export function countRequest(req: Request, reply: Reply, started: number): void {
  const route = patterns.get(req) ?? (req.path.startsWith('/api/') ? 'unmatched' : 'static');
  const method = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'].includes(req.method) ? req.method : 'other';
  httpRequests.inc({ route, method, status: reply.aborted ? 'aborted' : String(reply.status) });
  httpSeconds.observe({ route, method }, (performance.now() - started) / 1000);
}
