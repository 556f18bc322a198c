/** Establishments and consultations (the records that are not co-edited). */
import type { Databases } from './db.ts';
import type { Consultations, Establishments } from './contract.ts';

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

export class EstablishmentStore implements Establishments {
  constructor(private readonly db: Pick<Databases, 'establishments'>) {}
  async get(id: string): Promise<Establishment | undefined> {
    return this.db.establishments.get(id) as Establishment | undefined;
  }
  async put(value: Establishment): Promise<void> {
    await this.db.establishments.put(value.id, value);
  }
  async list(): Promise<Establishment[]> {
    return [...this.db.establishments.getRange()].map(({ value }) => value as Establishment);
  }
}

export class ConsultationStore implements Consultations {
  constructor(private readonly db: Pick<Databases, 'consultations'>) {}
  async get(id: string): Promise<Consultation | undefined> {
    return this.db.consultations.get(id) as Consultation | undefined;
  }
  async put(value: Consultation): Promise<void> {
    await this.db.consultations.put(value.id, value);
  }
  /** Consultations a user takes part in, soonest first. */
  async forParticipant(userId: string): Promise<Consultation[]> {
    const out: Consultation[] = [];
    for (const { value } of this.db.consultations.getRange()) {
      const c = value as Consultation;
      if (c.participants.includes(userId)) out.push(c);
    }
    return out.sort((a, b) => a.start.localeCompare(b.start));
  }
  /** Every consultation, in id order (the retention purge's daily pass). */
  async list(): Promise<Consultation[]> {
    return [...this.db.consultations.getRange()].map(({ value }) => value as Consultation);
  }
}
