/** Establishments and consultations in PostgreSQL (contract.ts Establishments, Consultations). */
import type { Consultations, Establishments } from '../contract.ts';
import type { Consultation, Establishment } from '../consultations.ts';
import type { PgDatabase } from './db.ts';

type Row = { id: string; payload: Buffer };

export class PgEstablishments implements Establishments {
  constructor(private readonly db: PgDatabase) {}

  async get(id: string): Promise<Establishment | undefined> {
    const row = (await this.db.query<Row>('SELECT id, payload FROM establishments WHERE id = $1', [id])).rows[0];
    return row && this.db.open<Establishment>('establishments', row.id, row.payload);
  }

  async put(value: Establishment): Promise<void> {
    await this.db.query('INSERT INTO establishments (id, payload) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET payload = EXCLUDED.payload', [
      value.id,
      this.db.seal('establishments', value.id, value),
    ]);
  }

  async list(): Promise<Establishment[]> {
    const { rows } = await this.db.query<Row>('SELECT id, payload FROM establishments ORDER BY id');
    return rows.map((row) => this.db.open<Establishment>('establishments', row.id, row.payload));
  }
}

export class PgConsultations implements Consultations {
  constructor(private readonly db: PgDatabase) {}

  private read(rows: Row[]): Consultation[] {
    return rows.map((row) => this.db.open<Consultation>('consultations', row.id, row.payload));
  }

  async get(id: string): Promise<Consultation | undefined> {
    return this.read((await this.db.query<Row>('SELECT id, payload FROM consultations WHERE id = $1', [id])).rows)[0];
  }

  async put(value: Consultation): Promise<void> {
    await this.db.query(
      `INSERT INTO consultations (id, establishment_id, patient_id, participants, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET establishment_id = EXCLUDED.establishment_id, patient_id = EXCLUDED.patient_id,
         participants = EXCLUDED.participants, payload = EXCLUDED.payload`,
      [value.id, value.establishmentId, value.patientId, value.participants, this.db.seal('consultations', value.id, value)],
    );
  }

  async forParticipant(userId: string): Promise<Consultation[]> {
    const { rows } = await this.db.query<Row>('SELECT id, payload FROM consultations WHERE participants @> ARRAY[$1::text] ORDER BY id', [userId]);
    // Sorted here on the record's own `start`, as the LMDB store does (a stable sort over id order).
    return this.read(rows).sort((a, b) => a.start.localeCompare(b.start));
  }

  async list(): Promise<Consultation[]> {
    return this.read((await this.db.query<Row>('SELECT id, payload FROM consultations ORDER BY id')).rows);
  }
}
