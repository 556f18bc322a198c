/**
 * Patient identities in PostgreSQL (contract.ts Patients). Names and birth dates are health data:
 * they live in the sealed payload only, never in a clear column nor an index. A search therefore
 * opens every identity of the establishments asked and filters in Node, as the LMDB store scans
 * its records: a cost in proportion to an establishment's patients (thousands, not millions).
 */
import type { Patients } from '../contract.ts';
import { completePatient, matchesPatientQuery, sortPatients, type Patient, type PatientQuery, type PatientWrite } from '../patients.ts';
import { duplicateKey, type PatientIdentity } from '../../../schema/identity.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'patients';
type Row = { id: string; payload: Buffer };

export class PgPatients implements Patients {
  constructor(private readonly db: PgDatabase) {}

  private read(rows: Row[]): Patient[] {
    return rows.map((row) => completePatient(this.db.open<PatientWrite>(TABLE, row.id, row.payload)));
  }

  async get(id: string): Promise<Patient | undefined> {
    return this.read((await this.db.query<Row>('SELECT id, payload FROM patients WHERE id = $1', [id])).rows)[0];
  }

  async put(value: PatientWrite): Promise<void> {
    await this.db.query('INSERT INTO patients (id, establishment_id, payload) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET establishment_id = EXCLUDED.establishment_id, payload = EXCLUDED.payload', [
      value.id,
      value.establishmentId,
      this.db.seal(TABLE, value.id, completePatient(value)),
    ]);
  }

  async search(establishmentIds: string[], query: PatientQuery): Promise<Patient[]> {
    if (establishmentIds.length === 0) return [];
    const { rows } = await this.db.query<Row>('SELECT id, payload FROM patients WHERE establishment_id = ANY($1::text[]) ORDER BY id', [establishmentIds]);
    return sortPatients(this.read(rows).filter((p) => !p.instant && matchesPatientQuery(p, query))).slice(0, query.limit ?? 50);
  }

  async duplicatesOf(establishmentId: string, identity: Pick<PatientIdentity, 'birthName' | 'firstNames' | 'birthDate'>, exceptId?: string): Promise<Patient[]> {
    const key = duplicateKey(identity);
    const { rows } = await this.db.query<Row>('SELECT id, payload FROM patients WHERE establishment_id = $1 AND id IS DISTINCT FROM $2 ORDER BY id', [establishmentId, exceptId ?? null]);
    return this.read(rows).filter((p) => !p.instant && duplicateKey(p) === key);
  }
}
