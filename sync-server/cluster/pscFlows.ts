/**
 * Pro Santé Connect flows in Redis (auth/pscFlows.ts): the login starts on one node, the
 * provider sends the browser back through the proxy to any node. One key per state, expiring with
 * the flow, taken with GETDEL so that a callback is good once whichever node it reaches.
 *
 * When Redis is away: flows are kept on the node that started them, and a callback reaching
 * another node says the login expired (the user starts again). Nothing else of the login needs
 * Redis: the account and the session are in PostgreSQL.
 */
import { MemoryPendingFlows, type PendingFlow, type PendingFlows } from '../auth/pscFlows.ts';
import type { RedisLink } from './redis.ts';

const KEY_PREFIX = 'relais:psc-flow:';

export class RedisPendingFlows implements PendingFlows {
  private readonly local = new MemoryPendingFlows();

  constructor(private readonly link: RedisLink) {}

  async put(state: string, flow: PendingFlow, now = Date.now()): Promise<boolean> {
    if (flow.expiresAt <= now) return false;
    if (this.link.ready) {
      try {
        await this.link.command((redis) => redis.set(KEY_PREFIX + state, JSON.stringify(flow), 'PXAT', flow.expiresAt));
        return true;
      } catch {
        // Kept here instead.
      }
    }
    return this.local.putSync(state, flow, now);
  }

  async take(state: string, now = Date.now()): Promise<PendingFlow | null> {
    const local = this.local.takeSync(state, now);
    if (local) return local;
    if (!this.link.ready) return null;
    let raw: string | null;
    try {
      raw = await this.link.command((redis) => redis.getdel(KEY_PREFIX + state));
    } catch {
      return null;
    }
    if (!raw) return null;
    try {
      const flow = JSON.parse(raw) as PendingFlow;
      const valid = typeof flow.verifier === 'string' && typeof flow.nonce === 'string' && typeof flow.redirectUri === 'string' && typeof flow.expiresAt === 'number';
      return valid && flow.expiresAt >= now ? flow : null;
    } catch {
      return null;
    }
  }
}
