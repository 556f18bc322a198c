/**
 * Patient identities (SPEC §3), one record per identity, readable by the establishment it belongs
 * to. Records written before the INS fields existed are read with their defaults (status PROV).
 */
import type { Databases } from './db.ts';
import type { Patients } from './contract.ts';
import { duplicateKey, firstOf, type PatientIdentity } from '../../schema/identity.ts';
import { searchForm } from '../../schema/directory.ts';

/** A stored identity; `instant` marks the provisional identity of an «Invitation téléphonique». */
export type Patient = PatientIdentity & { instant?: boolean };

/** What older writers (demo data) put: the core traits and contacts. */
export type PatientWrite = Pick<
  PatientIdentity,
  'id' | 'establishmentId' | 'birthName' | 'firstNames' | 'usedName' | 'birthDate' | 'sex' | 'email' | 'mobile'
> &
  Partial<Patient>;

/** A record with the fields older writers lacked, at their defaults (status PROV). Both backends read through it. */
export function completePatient(p: PatientWrite): Patient {
  return {
    firstName: firstOf(p.firstNames),
    birthPlace: null,
    usedFirstName: null,
    insMatricule: null,
    status: 'PROV',
    identityDocument: null,
    createdAt: '1970-01-01T00:00:00.000Z',
    createdBy: '',
    ...p,
  };
}

export interface PatientQuery {
  /** Words matched against birth name, names in use and first names. */
  text?: string;
  /** yyyy-mm-dd. */
  birthDate?: string;
  limit?: number;
}

/** Every word of the query in a name (birth, used, first names), and the birth date when asked. */
export function matchesPatientQuery(p: Patient, query: PatientQuery): boolean {
  if (query.birthDate && p.birthDate !== query.birthDate) return false;
  const words = searchForm(query.text ?? '').split(/\s+/).filter(Boolean);
  const haystack = searchForm([p.birthName, p.usedName ?? '', p.firstNames, p.usedFirstName ?? ''].join(' '));
  return words.every((w) => haystack.includes(w));
}

/** By birth name, then first names. */
export function sortPatients(patients: Patient[]): Patient[] {
  return patients.sort((a, b) => a.birthName.localeCompare(b.birthName) || a.firstNames.localeCompare(b.firstNames));
}

export class PatientStore implements Patients {
  constructor(private readonly db: Pick<Databases, 'patients'>) {}

  async get(id: string): Promise<Patient | undefined> {
    const value = this.db.patients.get(id) as PatientWrite | undefined;
    return value ? completePatient(value) : undefined;
  }

  async put(value: PatientWrite): Promise<void> {
    await this.db.patients.put(value.id, completePatient(value));
  }

  /** Identities of these establishments matching the query, by birth name. */
  async search(establishmentIds: string[], query: PatientQuery): Promise<Patient[]> {
    const out: Patient[] = [];
    for (const { value } of this.db.patients.getRange()) {
      const p = completePatient(value as PatientWrite);
      if (establishmentIds.includes(p.establishmentId) && !p.instant && matchesPatientQuery(p, query)) out.push(p);
    }
    return sortPatients(out).slice(0, query.limit ?? 50);
  }


  /** Likely duplicates in one establishment: same birth name, first name and birth date (SPEC §3). */
  async duplicatesOf(establishmentId: string, identity: Pick<PatientIdentity, 'birthName' | 'firstNames' | 'birthDate'>, exceptId?: string): Promise<Patient[]> {
    const key = duplicateKey(identity);
    const out: Patient[] = [];
    for (const { value } of this.db.patients.getRange()) {
      const p = completePatient(value as PatientWrite);
      if (p.establishmentId === establishmentId && p.id !== exceptId && !p.instant && duplicateKey(p) === key) out.push(p);
    }
    return out;
  }
}
