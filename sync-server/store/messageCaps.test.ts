import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { openDatabases, type Databases } from './db.ts';
import { MessageCapStore } from './messageCaps.ts';
import { tempDataDir } from '../testing/harness.ts';

const HOUR = 3_600_000;
let dir: string | null = null;
let dbs: Databases | null = null;
afterEach(async () => {
  await dbs?.root.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dbs = null;
  dir = null;
});

function open(): MessageCapStore {
  dir = tempDataDir();
  dbs = openDatabases(dir);
  return new MessageCapStore(dbs);
}

describe('#11 message caps count over a sliding window', () => {
  it('refuses past the cap until the oldest send leaves the window, then allows one more', async () => {
    const caps = open();
    const cap = { max: 3, windowMs: 24 * HOUR };
    const key = (count = 1) => [{ scope: 'recipient' as const, id: 'r1', count, cap }];
    const t0 = Date.parse('2026-01-01T08:00:00Z');
    expect((await caps.reserve(key(), t0)).ok).toBe(true);
    expect((await caps.reserve(key(), t0 + HOUR)).ok).toBe(true);
    expect((await caps.reserve(key(), t0 + 2 * HOUR)).ok).toBe(true);
    expect(await caps.reserve(key(), t0 + 3 * HOUR)).toEqual({ ok: false, scope: 'recipient', id: 'r1', retryAt: t0 + 24 * HOUR });
    expect((await caps.reserve(key(), t0 + 24 * HOUR + 1)).ok).toBe(true);
    expect((await caps.reserve(key(), t0 + 24 * HOUR + 2)).ok).toBe(false);
  });

  it('is all or nothing: a request refused on one key counts on none', async () => {
    const caps = open();
    const small = { max: 1, windowMs: HOUR };
    const large = { max: 10, windowMs: HOUR };
    const now = Date.now();
    expect((await caps.reserve([{ scope: 'recipient', id: 'r', count: 1, cap: small }], now)).ok).toBe(true);
    const refused = await caps.reserve([{ scope: 'account', id: 'a', count: 1, cap: large }, { scope: 'recipient', id: 'r', count: 1, cap: small }], now);
    expect(refused).toMatchObject({ ok: false, scope: 'recipient' });
    // The account's count did not move: ten more still fit.
    expect((await caps.reserve([{ scope: 'account', id: 'a', count: 10, cap: large }], now)).ok).toBe(true);
    expect((await caps.reserve([{ scope: 'account', id: 'a', count: 1, cap: large }], now)).ok).toBe(false);
  });
});
