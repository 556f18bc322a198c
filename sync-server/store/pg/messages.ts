/** Outgoing messages in PostgreSQL (contract.ts Messages). */
import type { Messages } from '../contract.ts';
import type { StoredMessage } from '../messages.ts';
import type { MessageRecord } from '../../messaging/types.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'messages';
type Row = { id: string; payload: Buffer };

export class PgMessages implements Messages {
  constructor(private readonly db: PgDatabase) {}

  private read(rows: Row[]): StoredMessage[] {
    return rows.map((row) => this.db.open<StoredMessage>(TABLE, row.id, row.payload));
  }

  async get(id: string): Promise<StoredMessage | undefined> {
    return this.read((await this.db.query<Row>('SELECT id, payload FROM messages WHERE id = $1', [id])).rows)[0];
  }

  async put(message: StoredMessage): Promise<void> {
    const id = message.record.id;
    await this.db.query(
      `INSERT INTO messages (id, created_at, next_attempt_at, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, next_attempt_at = EXCLUDED.next_attempt_at, payload = EXCLUDED.payload`,
      [id, message.record.createdAt, message.nextAttemptAt, this.db.seal(TABLE, id, message)],
    );
  }

  async pending(): Promise<StoredMessage[]> {
    return this.read((await this.db.query<Row>('SELECT id, payload FROM messages WHERE next_attempt_at IS NOT NULL ORDER BY id')).rows);
  }

  async records(limit = 200): Promise<MessageRecord[]> {
    const { rows } = await this.db.query<Row>('SELECT id, payload FROM messages ORDER BY created_at DESC, id LIMIT $1', [Math.max(0, limit)]);
    return this.read(rows).map((m) => m.record);
  }
}
