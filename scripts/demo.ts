/**
 * Demo data for an empty data dir (issue «Foundation» §6): one EHPAD, a doctor and a nurse, three
 * patients, two consultations with their télédossiers created on the server.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../sync-server/store/index.ts';
import type { User } from '../sync-server/store/users.ts';
import type { Consultation } from '../sync-server/store/consultations.ts';
import type { PatientWrite } from '../sync-server/store/patients.ts';
import { createAccount } from '../sync-server/accounts/accounts.ts';
import * as Y from 'yjs';
import { dossierDocName, newDossierUpdate } from '../schema/dossier.ts';
import { roomDocName } from '../schema/room.ts';
import { displayName } from '../schema/identity.ts';
import { ActivityFeed, offlineDocWriter } from '../sync-server/consultations/ActivityFeed.ts';
import { DEMO_DIRECTORY, importDirectoryFile } from './directory-import.ts';

export const DEMO_PASSWORD = 'relais-demo';
export const DEMO_ESTABLISHMENT_NAME = 'EHPAD Les Tilleuls (démo)';

export const newId = (): string => randomBytes(12).toString('base64url');

/** The demo patients (ids and establishment added when seeded). The log check looks for them: they must never reach a log. */
export const DEMO_PATIENTS = [
  { birthName: 'DUPONT', firstNames: 'JEANNE MARIE', usedName: null, birthDate: '1938-04-12', sex: 'F' as const, email: 'famille.dupont@example.org', mobile: '+33612345678' },
  { birthName: 'LEROY', firstNames: 'ANDRE', usedName: null, birthDate: '1941-11-02', sex: 'M' as const, email: null, mobile: '+33698765432' },
  { birthName: 'MOREAU', firstNames: 'SIMONE', usedName: 'PETIT', birthDate: '1935-07-23', sex: 'F' as const, email: 'simone.petit@example.org', mobile: null },
] satisfies Omit<PatientWrite, 'id' | 'establishmentId'>[];

/** The demo professionals' names and contacts, as seeded below: no more welcome in a log than a patient's. */
export const DEMO_PROFESSIONALS = {
  doctor: { displayName: 'Dr Claire Martin', email: 'claire.martin@example.org', mobile: '+33611223344' },
  nurse: { displayName: 'Sophie Bernard (IDE)', email: 'sophie.bernard@example.org', mobile: '+33655667788' },
  admin: { displayName: 'Marc Lefèvre (administrateur)', email: 'marc.lefevre@example.org', mobile: null },
};

export interface DemoData {
  establishmentId: string;
  doctor: User;
  nurse: User;
  /** Administrator of the demo EHPAD (audit log): admin.demo. */
  admin: User;
  consultations: Consultation[];
}

/** A professional's account (the same code the «Comptes» page and `npm run admin` use). */
export const createUser = createAccount;

export async function createConsultation(
  store: Store,
  fields: Omit<Consultation, 'id' | 'createdAt'>,
): Promise<Consultation> {
  const consultation: Consultation = { id: newId(), createdAt: new Date().toISOString(), ...fields };
  await store.consultations.put(consultation);
  await store.docs.create(
    dossierDocName(consultation.id),
    newDossierUpdate({ consultationId: consultation.id, createdAt: consultation.createdAt }),
  );
  await store.docs.create(roomDocName(consultation.id), Y.encodeStateAsUpdate(new Y.Doc()));
  return consultation;
}

/**
 * What `npm start` does with the data dir it opens: demo data goes into an empty store outside
 * production only (SPEC §9: production never holds demo accounts, whose password is public and
 * shorter than the rule); a production store starts empty and gets its first administrator from
 * `npm run admin`.
 */
export async function seedDemoIfEmpty(store: Store, production: boolean): Promise<'seeded' | 'empty' | 'existing'> {
  if ((await store.users.count()) > 0) return 'existing';
  if (production) return 'empty';
  await seedDemo(store);
  return 'seeded';
}

export async function seedDemo(store: Store, now = Date.now()): Promise<DemoData> {
  const establishmentId = newId();
  await store.establishments.put({ id: establishmentId, name: DEMO_ESTABLISHMENT_NAME, kind: 'ehpad', retentionDays: 90 });
  const [doctor, nurse] = await Promise.all([
    createUser(
      store,
      { identifier: 'dr.demo', ...DEMO_PROFESSIONALS.doctor, profession: 'Médecin', rpps: '10003456789', color: '#1d4ed8', establishmentIds: [establishmentId], specialty: 'Médecine générale' },
      DEMO_PASSWORD,
    ),
    createUser(
      store,
      { identifier: 'ide.demo', ...DEMO_PROFESSIONALS.nurse, profession: 'Infirmière', color: '#b45309', establishmentIds: [establishmentId] },
      DEMO_PASSWORD,
    ),
  ]);
  const admin = await createUser(
    store,
    { identifier: 'admin.demo', displayName: DEMO_PROFESSIONALS.admin.displayName, email: DEMO_PROFESSIONALS.admin.email, profession: 'Cadre de santé', color: '#047857', establishmentIds: [establishmentId], role: 'admin' },
    DEMO_PASSWORD,
  );
  const patients: PatientWrite[] = DEMO_PATIENTS.map((p) => ({ id: newId(), establishmentId, ...p }));
  for (const p of patients) await store.patients.put(p);

  const quarter = 15 * 60_000;
  const roundedNow = Math.floor(now / quarter) * quarter;
  const participants = [doctor.id, nurse.id];
  const consultations = [
    await createConsultation(store, {
      establishmentId,
      patientId: patients[0]!.id,
      createdBy: doctor.id,
      participants,
      start: new Date(roundedNow).toISOString(),
      durationMinutes: 30,
      reason: 'Plaie au talon droit, suivi de cicatrisation',
    }),
    await createConsultation(store, {
      establishmentId,
      patientId: patients[1]!.id,
      createdBy: doctor.id,
      participants,
      start: new Date(roundedNow + 24 * 60 * 60_000 + 2 * 60 * 60_000).toISOString(),
      durationMinutes: 30,
      reason: 'Bilan après chute',
    }),
  ];
  // «Mes rendez-vous» shows the demo appointments from the first start.
  const activity = new ActivityFeed(offlineDocWriter(store.docs));
  for (const c of consultations) {
    const patient = patients.find((p) => p.id === c.patientId)!;
    await activity.upsert(establishmentId, {
      consultationId: c.id,
      patientName: displayName({ usedFirstName: null, ...patient }),
      start: c.start,
      durationMinutes: c.durationMinutes,
      kind: 'scheduled',
      createdByName: doctor.displayName,
      participants: c.participants,
      inRoom: [],
    }, now);
  }
  await importDirectoryFile(store, DEMO_DIRECTORY);
  return { establishmentId, doctor, nurse, admin, consultations };
}
