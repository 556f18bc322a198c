/**
 * Demo consultations in bulk, each with its télédossier document, so that a load tool can be
 * pointed at a data dir (`npm run seed:load`), and bench users with open sessions for `npm run bench`.
 */
import type { Store } from '../../sync-server/store/index.ts';
import type { User } from '../../sync-server/store/users.ts';
import type { Consultation } from '../../sync-server/store/consultations.ts';
import { SessionManager } from '../../sync-server/auth/sessions.ts';
import { hashPassword } from '../../sync-server/auth/passwords.ts';
import { createConsultation, newId } from '../demo.ts';
import { Teledossier, dossierDocName } from '../../schema/dossier.ts';
import { storedDoc } from '../../sync-server/testing/storedDoc.ts';
import type { TextHolder } from './yupdate.ts';

export async function addConsultations(store: Store, count: number, participants: User[], establishmentId: string): Promise<Consultation[]> {
  const out: Consultation[] = [];
  const start = Math.floor(Date.now() / (15 * 60_000)) * 15 * 60_000;
  for (let i = 0; i < count; i++) {
    const patientId = newId();
    await store.patients.put({
      id: patientId,
      establishmentId,
      birthName: `CHARGE${String(i).padStart(4, '0')}`,
      firstNames: 'TEST',
      usedName: null,
      birthDate: '1940-01-01',
      sex: 'F',
      email: null,
      mobile: null,
    });
    out.push(
      await createConsultation(store, {
        establishmentId,
        patientId,
        createdBy: participants[0]!.id,
        participants: participants.map((p) => p.id),
        start: new Date(start + i * 15 * 60_000).toISOString(),
        durationMinutes: 15,
        reason: `Consultation de charge n° ${i + 1}`,
      }),
    );
  }
  return out;
}

export interface BenchData {
  docNames: string[];
  tokens: string[];
  /** docName → the item holding the dossier's «motif» Y.Text, where Relais's bench clients type. */
  texts: Record<string, TextHolder>;
}

/**
 * `users` bench accounts (a server caps sockets per user), `docs` consultations they all take part
 * in, and one session per user: the same sessions a login creates.
 */
export async function seedBench(store: Store, users: number, docs: number): Promise<BenchData> {
  const establishmentId = newId();
  await store.establishments.put({ id: establishmentId, name: 'EHPAD de charge', kind: 'ehpad', retentionDays: 90 });
  const passwordHash = await hashPassword(newId());
  const accounts: User[] = [];
  for (let i = 0; i < users; i++) {
    const user: User = {
      id: newId(),
      identifier: `charge.${i}`,
      passwordHash,
      displayName: `Charge ${i}`,
      rpps: null,
      profession: 'Médecin',
      color: '#1d4ed8',
      adminOf: [],
      establishmentIds: [establishmentId],
      role: 'professional',
      createdAt: new Date().toISOString(),
    };
    await store.users.put(user);
    accounts.push(user);
  }
  const consultations = await addConsultations(store, docs, accounts, establishmentId);
  const sessions = new SessionManager(store.sessions);
  const tokens = await Promise.all(accounts.map((u) => sessions.create(u.id)));
  const docNames = consultations.map((c) => dossierDocName(c.id));
  const texts: Record<string, TextHolder> = {};
  for (const docName of docNames) {
    const id = new Teledossier(await storedDoc(store, docName)).field('motif')!._item!.id;
    texts[docName] = [id.client, id.clock];
  }
  return { docNames, tokens, texts };
}
