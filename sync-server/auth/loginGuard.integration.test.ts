/** SPEC §1 the account lock on the real LMDB store: failures arriving at once all count. */
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type LmdbStore } from '../store/index.ts';
import { tempDataDir } from '../testing/harness.ts';
import { LOCK_AFTER_FAILURES, LoginGuard } from './loginGuard.ts';

let store: LmdbStore | null = null;

afterEach(async () => {
  await store?.close();
  store = null;
});

describe('§1 concurrent failed logins', () => {
  it('counts every failure sent at the same moment, and locks the account once', async () => {
    store = openStore(tempDataDir());
    const guard = new LoginGuard(store.authState);
    const now = Date.now();
    // Each from its own address, so that only the account's count can lock.
    const locked = await Promise.all(Array.from({ length: LOCK_AFTER_FAILURES }, (_, i) => guard.fail(`198.51.100.${i + 1}`, 'u1', now)));
    expect(locked.filter(Boolean)).toHaveLength(1);
    expect(await guard.check('198.51.100.99', 'u1', now + 1)).toMatchObject({ ok: false, reason: 'account_locked' });
    await guard.succeed('u1');
    expect(await guard.check('198.51.100.99', 'u1', now + 2)).toEqual({ ok: true });
  });

  it('a concurrent read-modify-write loses nothing: AuthStates.update sees each change', async () => {
    store = openStore(tempDataDir());
    const states = store.authState;
    await Promise.all(Array.from({ length: 20 }, (_, i) => states.update('u2', (s) => ({ ...s, failures: [...s.failures, i] }))));
    expect((await states.get('u2')).failures).toHaveLength(20);
    // null leaves the stored state as it is.
    expect((await states.update('u2', () => null)).failures).toHaveLength(20);
  });
});
