/**
 * Brakes on password guessing (SPEC §1): an account locks for 15 minutes after 5 failures within
 * 15 minutes, and one network address may fail at most 20 times in 15 minutes, whatever the
 * accounts it tries (spraying one password over many identifiers).
 */
import type { AuthStates } from '../store/contract.ts';
import { MemoryAddressFailures, type AddressFailures } from './addressFailures.ts';

export const LOCK_AFTER_FAILURES = 5;
export const LOCK_WINDOW_MS = 15 * 60_000;
export const LOCK_DURATION_MS = 15 * 60_000;
export const ADDRESS_FAILURE_LIMIT = 20;
export const ADDRESS_WINDOW_MS = 15 * 60_000;

export type GuardVerdict = { ok: true } | { ok: false; reason: 'rate_limited' | 'account_locked'; retryAfterSeconds: number };

export class LoginGuard {
  /**
   * `addresses`: one node's memory (a restart forgets it, the per-account lock, stored, does not),
   * or Redis in a cluster so the limit holds across nodes (cluster/addressFailures.ts).
   */
  constructor(
    private readonly states: AuthStates,
    private readonly addresses: AddressFailures = new MemoryAddressFailures(),
  ) {}

  async check(address: string, userId: string | null, now = Date.now()): Promise<GuardVerdict> {
    const recent = await this.addresses.recent(address, now, ADDRESS_WINDOW_MS);
    if (recent.count >= ADDRESS_FAILURE_LIMIT) {
      return { ok: false, reason: 'rate_limited', retryAfterSeconds: Math.ceil((recent.oldest + ADDRESS_WINDOW_MS - now) / 1000) };
    }
    if (userId) {
      const { lockedUntil } = await this.states.get(userId);
      if (lockedUntil > now) return { ok: false, reason: 'account_locked', retryAfterSeconds: Math.ceil((lockedUntil - now) / 1000) };
    }
    return { ok: true };
  }

  /** Counts a failure; true when it has just locked the account. */
  async fail(address: string, userId: string | null, now = Date.now()): Promise<boolean> {
    await this.addresses.add(address, now, ADDRESS_WINDOW_MS);
    if (!userId) return false;
    // One atomic read-modify-write: failures at the same moment all count.
    let locks = false;
    await this.states.update(userId, (state) => {
      const failures = [...state.failures.filter((t) => now - t < LOCK_WINDOW_MS), now];
      locks = failures.length >= LOCK_AFTER_FAILURES;
      return { ...state, failures: locks ? [] : failures, lockedUntil: locks ? now + LOCK_DURATION_MS : state.lockedUntil };
    });
    return locks;
  }

  async succeed(userId: string): Promise<void> {
    await this.states.update(userId, (state) => (state.failures.length === 0 && state.lockedUntil === 0 ? null : { ...state, failures: [], lockedUntil: 0 }));
  }
}
