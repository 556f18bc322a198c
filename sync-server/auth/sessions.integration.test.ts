/** SPEC §1 sessions on the real LMDB store: idle and absolute timeouts, hashed storage. */
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type LmdbStore } from '../store/index.ts';
import { tempDataDir, waitFor } from '../testing/harness.ts';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, SessionManager } from './sessions.ts';

let store: LmdbStore | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
});

describe('§1 sessions', () => {
  it('§1 a session unused for 12 hours ends', async () => {
    store = openStore(tempDataDir());
    const sessions = new SessionManager(store.sessions);
    const t0 = Date.now();
    const token = await sessions.create('u1', t0);
    expect((await sessions.resolve(token, t0 + SESSION_IDLE_MS - 1000))).toBe('u1');
    expect((await sessions.resolve(token, t0 + 2 * SESSION_IDLE_MS))).toBeNull();
  });

  it('§1 a session used all the time still ends 7 days after login', async () => {
    store = openStore(tempDataDir());
    const sessions = new SessionManager(store.sessions);
    const t0 = Date.now();
    const token = await sessions.create('u1', t0);
    const stored = store.sessions;
    for (let t = t0; t < t0 + SESSION_ABSOLUTE_MS; t += SESSION_IDLE_MS / 2) {
      expect((await sessions.resolve(token, t))).toBe('u1');
      // The lastSeenAt write is asynchronous: wait until it has landed (a fixed 5 ms was not
      // always enough on a loaded machine), so that the next use reads it.
      await waitFor(async () => ((await stored.get(sessions.keyOf(token)))?.lastSeenAt ?? 0) >= t, 5_000, 'lastSeenAt written');
    }
    expect((await sessions.resolve(token, t0 + SESSION_ABSOLUTE_MS + 1))).toBeNull();
  });

  it('§1 the store holds a hash, never the cookie value', async () => {
    store = openStore(tempDataDir());
    const sessions = new SessionManager(store.sessions);
    const token = await sessions.create('u1');
    expect((await store.sessions.get(token))).toBeUndefined();
    expect([...store.dbs.sessions.getKeys()].includes(token)).toBe(false);
  });
});
