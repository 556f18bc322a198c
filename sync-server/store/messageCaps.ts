/**
 * Recent costly sends (SMS, e-mail), per account, recipient and establishment: the counters of
 * messaging/caps.ts. In LMDB, so that a restart does not hand a flooder a fresh allowance.
 * Recipients are keyed by a hash, never a number or address in clear.
 */
import type { SendCap } from '../config.ts';
import type { Databases } from './db.ts';
import type { MessageCaps } from './contract.ts';

export type CapScope = 'recipient' | 'account' | 'establishment';

export interface CapCount {
  scope: CapScope;
  id: string;
  /** Messages this request would send under this key. */
  count: number;
  cap: SendCap;
}

export type CapVerdict = { ok: true } | { ok: false; scope: CapScope; id: string; retryAt: number };

export class MessageCapStore implements MessageCaps {
  constructor(private readonly db: Pick<Databases, 'messageCaps'>) {}

  /**
   * Counts the sends under every key, all or nothing, in one synchronous transaction: requests at
   * the same moment cannot all read a count under the cap and all send. When a key is full, none
   * is counted and the verdict says which, and when its oldest send leaves the window.
   */
  async reserve(counts: CapCount[], now = Date.now()): Promise<CapVerdict> {
    return this.db.messageCaps.transactionSync((): CapVerdict => {
      const next: [string, number[]][] = [];
      for (const { scope, id, count, cap } of counts) {
        const key = `${scope}:${id}`;
        const recent = (this.db.messageCaps.get(key) ?? []).filter((at) => at > now - cap.windowMs);
        if (recent.length + count > cap.max) {
          const freeAt = recent[Math.max(0, recent.length + count - cap.max - 1)] ?? now;
          return { ok: false, scope, id, retryAt: freeAt + cap.windowMs };
        }
        next.push([key, [...recent, ...Array<number>(count).fill(now)]]);
      }
      for (const [key, stamps] of next) this.db.messageCaps.putSync(key, stamps);
      return { ok: true };
    });
  }
}
