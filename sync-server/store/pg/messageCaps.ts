/**
 * Recent costly sends in PostgreSQL (contract.ts MessageCaps, store/messageCaps.ts for the rule).
 * `reserve` is all or nothing and atomic across nodes: in one transaction, every key's row is
 * created if missing, then all are locked (SELECT …) before any is read. Keys are
 * taken in one order (sorted) so that two requests sharing keys wait for each other instead of
 * deadlocking.
 */
import type { MessageCaps } from '../contract.ts';
import type { CapCount, CapVerdict } from '../messageCaps.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'message_caps';

export class PgMessageCaps implements MessageCaps {
  constructor(private readonly db: PgDatabase) {}

  async reserve(counts: CapCount[], now = Date.now()): Promise<CapVerdict> {
    if (counts.length === 0) return { ok: true };
    const keys = [...new Set(counts.map(({ scope, id }) => `${scope}:${id}`))].sort();
    return this.db.tx(async (client): Promise<CapVerdict> => {
      // Few round trips while the rows are locked: one statement to create, one to lock, one to write.
      await client.query('INSERT INTO message_caps (key, payload) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (key) DO NOTHING', [
        keys,
        keys.map((key) => this.db.seal(TABLE, key, [])),
      ]);
      const { rows } = await client.query<{ key: string; payload: Buffer }>('SELECT key, payload FROM message_caps WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE', [keys]);
      const stored = new Map(rows.map((row) => [row.key, this.db.open<number[]>(TABLE, row.key, row.payload)]));
      // From here on, the same steps as the LMDB store's synchronous transaction.
      const next: [string, number[]][] = [];
      for (const { scope, id, count, cap } of counts) {
        const key = `${scope}:${id}`;
        const recent = (stored.get(key) ?? []).filter((at) => at > now - cap.windowMs);
        if (recent.length + count > cap.max) {
          const freeAt = recent[Math.max(0, recent.length + count - cap.max - 1)] ?? now;
          return { ok: false, scope, id, retryAt: freeAt + cap.windowMs };
        }
        next.push([key, [...recent, ...Array<number>(count).fill(now)]]);
      }
      // A key given twice: its last count wins, as successive puts would in LMDB.
      const writes = new Map(next);
      await client.query('UPDATE message_caps AS m SET payload = v.payload FROM unnest($1::text[], $2::bytea[]) AS v (key, payload) WHERE m.key = v.key', [
        [...writes.keys()],
        [...writes].map(([key, stamps]) => this.db.seal(TABLE, key, stamps)),
      ]);
      return { ok: true };
    });
  }
}
