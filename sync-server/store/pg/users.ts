/**
 * Professionals' accounts in PostgreSQL (contract.ts Users). The identifier and the RPPS number are
 * found through HMAC columns; the account itself is sealed. Roles are settled on every read, as
 * the LMDB store does (users.ts withRoles).
 */
import type { Users } from '../contract.ts';
import { withRoles, type User } from '../users.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'users';

/** Another account already has this identifier (the unique index said so, whichever node wrote it). */
export class IdentifierTakenError extends Error {
  constructor() {
    super('identifier already taken by another account');
    this.name = 'IdentifierTakenError';
  }
}

type Row = { id: string; payload: Buffer };

export class PgUsers implements Users {
  constructor(private readonly db: PgDatabase) {}

  private read(row: Row | undefined): User | undefined {
    return row && withRoles(this.db.open<User>(TABLE, row.id, row.payload));
  }

  async get(id: string): Promise<User | undefined> {
    return this.read((await this.db.query<Row>('SELECT id, payload FROM users WHERE id = $1', [id])).rows[0]);
  }

  async byIdentifier(identifier: string): Promise<User | undefined> {
    const lookup = this.db.lookup('identifier', identifier.toLowerCase());
    return this.read((await this.db.query<Row>('SELECT id, payload FROM users WHERE identifier_lookup = $1', [lookup])).rows[0]);
  }

  async byRpps(rpps: string): Promise<User | undefined> {
    const lookup = this.db.lookup('rpps', rpps);
    return this.read((await this.db.query<Row>('SELECT id, payload FROM users WHERE rpps_lookup = $1 ORDER BY id LIMIT 1', [lookup])).rows[0]);
  }

  /**
   * One statement: the account and its lookups change together. An identifier changed here stops
   * finding the account under the old one; an identifier another account holds is refused.
   */
  async put(stored: User): Promise<void> {
    const user = withRoles(stored);
    try {
      await this.db.query(
        `INSERT INTO users (id, identifier_lookup, rpps_lookup, payload) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET identifier_lookup = EXCLUDED.identifier_lookup, rpps_lookup = EXCLUDED.rpps_lookup, payload = EXCLUDED.payload`,
        [user.id, this.db.lookup('identifier', user.identifier.toLowerCase()), user.rpps ? this.db.lookup('rpps', user.rpps) : null, this.db.seal(TABLE, user.id, user)],
      );
    } catch (error) {
      if ((error as { code?: string; constraint?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'users_identifier_lookup_key') throw new IdentifierTakenError();
      throw error;
    }
  }

  async list(): Promise<User[]> {
    const { rows } = await this.db.query<Row>('SELECT id, payload FROM users ORDER BY id');
    return rows.map((row) => this.read(row)!);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM users');
    return Number(rows[0]!.n);
  }
}
