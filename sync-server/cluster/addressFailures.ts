/**
 * Failed logins per address, counted in Redis so that the 20-in-15-minutes limit holds across the
 * nodes (loginGuard.ts): one sorted set per address, scored by time, trimmed to the window and
 * expiring with it. The key holds a hash of the address, not the address.
 *
 * When Redis is away (or slow past the command timeout): neither open nor closed, each node counts
 * on its own meanwhile. Refusing every login while Redis is down would lock care staff out of
 * teleconsultations for an outage of a cache; letting every try through would lift the brake
 * altogether. Each node also keeps its own count at all times, and a check takes the larger of
 * the two: during an outage an address gets at most 20 failures per node, and what a node saw
 * during the outage still counts there once Redis is back. The per-account lock (5 failures) is in
 * the store and holds across nodes whatever Redis does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MemoryAddressFailures, type AddressFailures, type RecentFailures } from '../auth/addressFailures.ts';
import type { RedisLink } from './redis.ts';

const KEY_PREFIX = 'relais:login-failures:';

export class RedisAddressFailures implements AddressFailures {
  private readonly local = new MemoryAddressFailures();
  private degraded = false;

  constructor(
    private readonly link: RedisLink,
    /** Told once when counting falls back to this node alone, and once when it is shared again. */
    private readonly onShared: (shared: boolean) => void = () => undefined,
  ) {}

  async recent(address: string, now: number, windowMs: number): Promise<RecentFailures> {
    const local = this.local.recentSync(address, now, windowMs);
    const shared = await this.shared(address, async (key) => {
      const replies = await this.link.command((redis) =>
        redis
          .multi()
          .zremrangebyscore(key, '-inf', String(now - windowMs))
          .zcard(key)
          // The oldest member; it starts with its time (scores' reply shape differs between RESP2 and RESP3).
          .zrange(key, 0, '0')
          .exec(),
      );
      if (!replies || replies.some(([error]) => error)) throw new Error('login failures: Redis refused the transaction');
      const [, count] = replies[1] ?? [];
      const [, members] = replies[2] ?? [];
      const first = Array.isArray(members) && typeof members[0] === 'string' ? Number.parseInt(members[0], 10) : 0;
      return { count: Number(count ?? 0), oldest: Number.isFinite(first) ? first : 0 };
    });
    if (!shared || local.count > shared.count) return local;
    return shared;
  }

  async add(address: string, now: number, windowMs: number): Promise<void> {
    await this.local.add(address, now, windowMs);
    await this.shared(address, async (key) => {
      await this.link.command((redis) =>
        redis
          .multi()
          // A unique member: two failures in the same millisecond (two nodes) both count.
          .zadd(key, now, `${now}-${randomBytes(6).toString('hex')}`)
          .zremrangebyscore(key, '-inf', String(now - windowMs))
          .pexpire(key, windowMs)
          .exec(),
      );
      return true;
    });
  }

  /** `work` on this address's key, or null when Redis cannot answer now (this node's count stands). */
  private async shared<T>(address: string, work: (key: string) => Promise<T>): Promise<T | null> {
    // Not connected: do not queue a login behind a reconnection.
    if (!this.link.ready) return this.fellBack();
    try {
      const result = await work(KEY_PREFIX + createHash('sha256').update(address).digest('base64url'));
      if (this.degraded) {
        this.degraded = false;
        this.onShared(true);
      }
      return result;
    } catch {
      return this.fellBack();
    }
  }

  private fellBack(): null {
    if (!this.degraded) {
      this.degraded = true;
      this.onShared(false);
    }
    return null;
  }
}
