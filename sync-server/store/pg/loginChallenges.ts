/** Pending one-time login codes in PostgreSQL (contract.ts LoginChallenges), stored hashed. */
import type { LoginChallenges } from '../contract.ts';
import type { LoginChallenge } from '../loginChallenges.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'login_challenges';

export class PgLoginChallenges implements LoginChallenges {
  constructor(private readonly db: PgDatabase) {}

  async get(id: string): Promise<LoginChallenge | undefined> {
    const row = (await this.db.query<{ payload: Buffer }>('SELECT payload FROM login_challenges WHERE id = $1', [id])).rows[0];
    return row && this.db.open<LoginChallenge>(TABLE, id, row.payload);
  }

  async put(id: string, challenge: LoginChallenge): Promise<void> {
    await this.db.query(
      `INSERT INTO login_challenges (id, user_id, expires_at, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, expires_at = EXCLUDED.expires_at, payload = EXCLUDED.payload`,
      [id, challenge.userId, challenge.expiresAt, this.db.seal(TABLE, id, challenge)],
    );
  }

  async remove(id: string): Promise<void> {
    await this.db.query('DELETE FROM login_challenges WHERE id = $1', [id]);
  }
}
