/** Invitations in PostgreSQL (contract.ts Invitations). */
import type { Invitations } from '../contract.ts';
import type { Invitation } from '../invitations.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'invitations';
type Row = { id: string; payload: Buffer };

export class PgInvitations implements Invitations {
  constructor(private readonly db: PgDatabase) {}

  async get(id: string): Promise<Invitation | undefined> {
    const row = (await this.db.query<Row>('SELECT id, payload FROM invitations WHERE id = $1', [id])).rows[0];
    return row && this.db.open<Invitation>(TABLE, row.id, row.payload);
  }

  async put(value: Invitation): Promise<void> {
    await this.db.query(
      'INSERT INTO invitations (id, consultation_id, payload) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET consultation_id = EXCLUDED.consultation_id, payload = EXCLUDED.payload',
      [value.id, value.consultationId, this.db.seal(TABLE, value.id, value)],
    );
  }

  async forConsultation(consultationId: string): Promise<Invitation[]> {
    const { rows } = await this.db.query<Row>('SELECT id, payload FROM invitations WHERE consultation_id = $1 ORDER BY id', [consultationId]);
    // The order rests on sealed fields (createdAt, recipient): sorted here, stable over id order as in LMDB.
    return rows
      .map((row) => this.db.open<Invitation>(TABLE, row.id, row.payload))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.recipient.localeCompare(b.recipient));
  }
}
