/** Establishments and consultations (the records that are not co-edited). */
import type { Databases } from './db.ts';

export interface Establishment {
  id: string;
  name: string;
  kind: 'ehpad' | 'cabinet' | 'hopital';
  /** Days a télédossier is kept after its consultation (SPEC §7.3). */
  retentionDays: number;
  /** Strong authentication only: «Identifiant / mot de passe» alone is refused (SPEC §1). */
  passwordLoginForbidden?: boolean;
}

export interface Consultation {
  id: string;
  establishmentId: string;
  patientId: string;
  createdBy: string;
  /** User ids of the professionals who may read and write its télédossier. */
  participants: string[];
  start: string;
  durationMinutes: number;
  reason: string;
  createdAt: string;
}

export class EstablishmentStore {
  constructor(private readonly db: Pick<Databases, 'establishments'>) {}
  get(id: string): Establishment | undefined {
    return this.db.establishments.get(id) as Establishment | undefined;
  }
  async put(value: Establishment): Promise<void> {
    await this.db.establishments.put(value.id, value);
  }
  list(): Establishment[] {
    return [...this.db.establishments.getRange()].map(({ value }) => value as Establishment);
  }
}

export class ConsultationStore {
  constructor(private readonly db: Pick<Databases, 'consultations'>) {}
  get(id: string): Consultation | undefined {
    return this.db.consultations.get(id) as Consultation | undefined;
  }
  async put(value: Consultation): Promise<void> {
    await this.db.consultations.put(value.id, value);
  }
  /** Consultations a user takes part in, soonest first. */
  forParticipant(userId: string): Consultation[] {
    const out: Consultation[] = [];
    for (const { value } of this.db.consultations.getRange()) {
      const c = value as Consultation;
      if (c.participants.includes(userId)) out.push(c);
    }
    return out.sort((a, b) => a.start.localeCompare(b.start));
  }
}
