/**
 * Per-account login failures, lock and authenticator in PostgreSQL (contract.ts AuthStates).
 * `update` is atomic across nodes: the row is created if missing, then locked (SELECT … FOR
 * UPDATE) for the read-modify-write, so two failed logins on two nodes both count.
 */
import type { AuthStates } from '../contract.ts';
import { EMPTY_AUTH_STATE, type AuthState } from '../authState.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'auth_states';

export class PgAuthStates implements AuthStates {
  constructor(private readonly db: PgDatabase) {}

  private read(userId: string, payload: Buffer | undefined): AuthState {
    return { ...EMPTY_AUTH_STATE, ...(payload ? this.db.open<Partial<AuthState>>(TABLE, userId, payload) : undefined) };
  }

  async get(userId: string): Promise<AuthState> {
    const row = (await this.db.query<{ payload: Buffer }>('SELECT payload FROM auth_states WHERE user_id = $1', [userId])).rows[0];
    return this.read(userId, row?.payload);
  }

  async put(userId: string, state: AuthState): Promise<void> {
    await this.db.query('INSERT INTO auth_states (user_id, payload) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET payload = EXCLUDED.payload', [
      userId,
      this.db.seal(TABLE, userId, state),
    ]);
  }

  async update(userId: string, change: (state: AuthState) => AuthState | null): Promise<AuthState> {
    return this.db.tx(async (client) => {
      // A row to lock even for an account with no state yet: FOR UPDATE cannot lock a missing row.
      await client.query('INSERT INTO auth_states (user_id, payload) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING', [userId, this.db.seal(TABLE, userId, EMPTY_AUTH_STATE)]);
      const row = (await client.query<{ payload: Buffer }>('SELECT payload FROM auth_states WHERE user_id = $1 FOR UPDATE', [userId])).rows[0];
      const current = this.read(userId, row?.payload);
      const next = change(current);
      if (next === null) return current;
      await client.query('UPDATE auth_states SET payload = $2 WHERE user_id = $1', [userId, this.db.seal(TABLE, userId, next)]);
      return next;
    });
  }
}
