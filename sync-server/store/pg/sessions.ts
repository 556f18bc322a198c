/** Login sessions in PostgreSQL (contract.ts Sessions), keyed by the sha-256 of their token. */
import type { Sessions } from '../contract.ts';
import type { Session } from '../sessions.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'sessions';

export class PgSessions implements Sessions {
  constructor(private readonly db: PgDatabase) {}

  async get(tokenHash: string): Promise<Session | undefined> {
    const row = (await this.db.query<{ payload: Buffer }>('SELECT payload FROM sessions WHERE token_hash = $1', [tokenHash])).rows[0];
    return row && this.db.open<Session>(TABLE, tokenHash, row.payload);
  }

  async put(tokenHash: string, session: Session): Promise<void> {
    await this.db.query(
      'INSERT INTO sessions (token_hash, user_id, payload) VALUES ($1, $2, $3) ON CONFLICT (token_hash) DO UPDATE SET user_id = EXCLUDED.user_id, payload = EXCLUDED.payload',
      [tokenHash, session.userId, this.db.seal(TABLE, tokenHash, session)],
    );
  }

  async remove(tokenHash: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  async removeForUser(userId: string): Promise<number> {
    return (await this.removeOthers(userId, null)).length;
  }

  async removeOthers(userId: string, keep: string | null): Promise<string[]> {
    const { rows } = await this.db.query<{ token_hash: string }>(
      'DELETE FROM sessions WHERE user_id = $1 AND ($2::text IS NULL OR token_hash <> $2) RETURNING token_hash',
      [userId, keep],
    );
    // In key order, as the LMDB store gives them.
    return rows.map((r) => r.token_hash).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
