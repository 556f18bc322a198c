/**
 * Failed logins per network address (loginGuard.ts: 20 in 15 minutes at most, whatever the
 * accounts tried). One node counts in memory; a cluster counts in Redis (cluster/addressFailures.ts),
 * so that spraying passwords over several nodes meets the same limit.
 */

export interface RecentFailures {
  /** Failures inside the window. */
  count: number;
  /** Epoch ms of the oldest of them (0 when none): the refusal lasts until it leaves the window. */
  oldest: number;
}

export interface AddressFailures {
  /** Failures from `address` in the `windowMs` before `now`. */
  recent(address: string, now: number, windowMs: number): Promise<RecentFailures>;
  /** Counts one failure from `address` at `now`, kept `windowMs`. */
  add(address: string, now: number, windowMs: number): Promise<void>;
}

/** This process's memory: a restart forgets it (the per-account lock, stored, does not). */
export class MemoryAddressFailures implements AddressFailures {
  private readonly byAddress = new Map<string, number[]>();

  recentSync(address: string, now: number, windowMs: number): RecentFailures {
    const recent = (this.byAddress.get(address) ?? []).filter((t) => now - t < windowMs);
    if (recent.length === 0) this.byAddress.delete(address);
    else this.byAddress.set(address, recent);
    return { count: recent.length, oldest: recent[0] ?? 0 };
  }

  recent(address: string, now: number, windowMs: number): Promise<RecentFailures> {
    return Promise.resolve(this.recentSync(address, now, windowMs));
  }

  add(address: string, now: number, windowMs: number): Promise<void> {
    this.recentSync(address, now, windowMs);
    const recent = this.byAddress.get(address) ?? [];
    recent.push(now);
    this.byAddress.set(address, recent);
    return Promise.resolve();
  }
}
