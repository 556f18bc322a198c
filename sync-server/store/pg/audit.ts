/**
 * The audit log in PostgreSQL (contract.ts Audit): append-only (a trigger refuses UPDATE and
 * DELETE, migrations/002_records.sql). Events are ordered by (at, id), newest first; the actor
 * and patient ids are clear columns so that the filters and the limit run in SQL.
 */
import type { Audit } from '../contract.ts';
import type { AuditEvent, AuditFilter } from '../audit.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'audit';
type Row = { id: string; payload: Buffer };

function instant(iso: string): Date {
  const at = new Date(Date.parse(iso));
  if (Number.isNaN(at.getTime())) throw new RangeError('audit filter: not an ISO date or time');
  return at;
}

export class PgAudit implements Audit {
  constructor(private readonly db: PgDatabase) {}

  async append(event: Omit<AuditEvent, 'at'>, now = Date.now()): Promise<AuditEvent> {
    const full: AuditEvent = { at: new Date(now).toISOString(), ...event };
    // The id first: the payload is sealed for its row.
    const id = (await this.db.query<{ id: string }>("SELECT nextval(pg_get_serial_sequence('audit', 'id'))::text AS id")).rows[0]!.id;
    await this.db.query('INSERT INTO audit (id, at, actor_id, patient_id, payload) VALUES ($1, $2, $3, $4, $5)', [
      id,
      new Date(now),
      full.actorId,
      full.patientId ?? null,
      this.db.seal(TABLE, id, full),
    ]);
    return full;
  }

  async query(filter: AuditFilter = {}): Promise<AuditEvent[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      values.push(value);
      where.push(clause.replace('?', `$${values.length}`));
    };
    if (filter.actorId) add('actor_id = ?', filter.actorId);
    if (filter.patientId) add('patient_id = ?', filter.patientId);
    if (filter.from) add('at >= ?', instant(filter.from));
    if (filter.to) add('at < ?', instant(filter.to));
    values.push(filter.limit ?? 500);
    const { rows } = await this.db.query<Row>(
      `SELECT id::text AS id, payload FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map((row) => this.db.open<AuditEvent>(TABLE, row.id, row.payload));
  }
}
