/**
 * Creating a teleconsultation through the real server (SPEC §3–§6, §7.1.1, §7.4): identities,
 * directory, creation with its documents, invitations delivered to a loopback SMTP server and SMS
 * sink, the join link's window, and the live «Mes rendez-vous» document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { startRelais, login, waitFor, yClient, type Running } from '../testing/harness.ts';
import { startSmsSink, startSmtpSink, type SmsSink, type SmtpSink } from '../testing/messageSinks.ts';
import { createUser, newId } from '../../scripts/demo.ts';
import { insMatriculeKey } from '../../schema/identity.ts';
import { appointmentsOf, activityDocName } from '../../schema/activity.ts';
import { parisWallClock, roomWindow } from '../../schema/consultation.ts';
import { AccessPolicy } from '../auth/access.ts';
import { InvitationTokens, invitationVerifier } from '../auth/invitationTokens.ts';
import { loadOrCreateSecret } from '../auth/secrets.ts';

let relais: Running;
let smtp: SmtpSink;
let sms: SmsSink;
let doctor: string;
let outsider: string;

const MIN = 60_000;

/** The establishment's «Mes rendez-vous» document as the server holds it now. */
async function activityOf(): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const update of await relais.server.registry.readState(activityDocName(relais.demo.establishmentId))) Y.applyUpdate(doc, update);
  return doc;
}

async function api(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${relais.http}${path}`, {
    method,
    headers: { Cookie: `relais_session=${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

const identity = {
  birthName: 'Lefèvre',
  firstNames: 'Hélène Marie',
  birthDate: '1940-02-29',
  sex: 'F',
  birthPlace: '69123',
  email: 'famille.lefevre@example.org',
  mobile: '06 11 22 33 44',
};

function tomorrowAt(time: string): { date: string; time: string; instant: number } {
  const { date } = parisWallClock(Date.now() + 24 * 60 * MIN);
  const [h, m] = time.split(':').map(Number) as [number, number];
  // Good enough for the assertions: the server computes the exact instant, the test reads it back.
  return { date, time, instant: h * 60 + m };
}

async function createPatient(token: string, fields: Record<string, unknown> = identity): Promise<string> {
  const res = await api(token, 'POST', '/api/patients', fields);
  expect(res.status).toBe(201);
  return (res.json.patient as { id: string }).id;
}

const consent = () => ({ givenBy: 'patient', method: 'oral', givenAt: new Date().toISOString() });

beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startSmsSink();
  relais = await startRelais({ config: { smtpUrl: smtp.url, smsGatewayUrl: sms.url } });
  doctor = await login(relais.http, 'dr.demo');
  const elsewhere = newId();
  await relais.store.establishments.put({ id: elsewhere, name: 'Cabinet ailleurs', kind: 'cabinet', retentionDays: 90 });
  await createUser(relais.store, { identifier: 'dr.ailleurs', displayName: 'Dr Ailleurs', profession: 'Médecin', color: '#000000', establishmentIds: [elsewhere] }, 'relais-demo');
  outsider = await login(relais.http, 'dr.ailleurs');
}, 60_000);

afterAll(async () => {
  await relais?.stop();
  await smtp?.close();
  await sms?.close();
});

describe('§3 patient identity', () => {
  it('§3 bad input gets a French message on each field and stores nothing', async () => {
    const before = [...relais.store.dbs.patients.getKeys()].length;
    const res = await api(doctor, 'POST', '/api/patients', {
      birthName: '',
      firstNames: 'Jean',
      birthDate: '2999-01-01',
      sex: 'M',
      email: 'pas-un-email',
      mobile: '01 42 00 00 00',
      insMatricule: '1850578006084' + '00',
    });
    expect(res.status).toBe(400);
    const fields = res.json.fields as Record<string, string>;
    expect(fields.birthName).toBe('Ce champ est obligatoire.');
    expect(fields.birthDate).toBe('La date de naissance ne peut pas être dans le futur.');
    expect(fields.email).toBe('Adresse e-mail invalide.');
    expect(fields.mobile).toBe('Ce numéro n’est pas un numéro de téléphone mobile valide.');
    expect(fields.insMatricule).toBe('La clé du matricule INS est incorrecte : vérifiez la saisie.');
    expect([...relais.store.dbs.patients.getKeys()].length).toBe(before);
  });

  it('§3 strict traits are stored in capitals without accents; the INS number shows only when QUAL', async () => {
    const body = '2400269123045';
    const matricule = body + insMatriculeKey(body);
    const created = await api(doctor, 'POST', '/api/patients', { ...identity, birthName: 'Ménard', insMatricule: matricule, status: 'VALI', identityDocument: 'passeport' });
    expect(created.status).toBe(201);
    const patient = created.json.patient as Record<string, unknown>;
    expect(patient).toMatchObject({ birthName: 'MENARD', firstNames: 'HELENE MARIE', firstName: 'HELENE', status: 'VALI', mobile: '+33611223344', insMatricule: null });
    const qual = await api(doctor, 'PUT', `/api/patients/${patient.id as string}`, { ...patient, status: 'QUAL', identityDocument: 'passeport' });
    expect(qual.json.patient).toMatchObject({ status: 'QUAL', insMatricule: matricule });
    // §3 editing a strict trait drops the status back to PROV.
    const edited = await api(doctor, 'PUT', `/api/patients/${patient.id as string}`, { ...(qual.json.patient as object), birthDate: '1940-03-01' });
    expect(edited.json.patient).toMatchObject({ status: 'PROV', insMatricule: null, identityDocument: null });
  });

  it('§3 a corrected name reaches «Mes rendez-vous» for the consultations already booked', async () => {
    const consultation = relais.demo.consultations[0]!;
    const patient = (await relais.store.patients.get(consultation.patientId))!;
    const before = appointmentsOf(await activityOf()).get(consultation.id)!.patientName;
    const edited = await api(doctor, 'PUT', `/api/patients/${patient.id}`, { ...patient, usedName: 'Corrigé' });
    expect(edited.status).toBe(200);
    const after = appointmentsOf(await activityOf()).get(consultation.id)!.patientName;
    expect(after).not.toBe(before);
    expect(after).toContain('CORRIGE');
  });

  it('§3 a likely duplicate is shown before a second identity is created', async () => {
    await createPatient(doctor, { ...identity, birthName: 'Doublon' });
    const again = await api(doctor, 'POST', '/api/patients', { ...identity, birthName: 'DOUBLON', firstNames: 'Hélène' });
    expect(again.status).toBe(409);
    expect((again.json.duplicates as unknown[]).length).toBe(1);
    const confirmed = await api(doctor, 'POST', '/api/patients', { ...identity, birthName: 'DOUBLON', firstNames: 'Hélène', confirmDuplicate: true });
    expect(confirmed.status).toBe(201);
  });

  it('§3 search finds by name and birth date, only in the professional\'s establishments', async () => {
    const found = await api(doctor, 'GET', '/api/patients?q=dupont');
    expect((found.json.patients as { birthName: string }[]).map((p) => p.birthName)).toEqual(['DUPONT']);
    const byDate = await api(doctor, 'GET', '/api/patients?birthDate=1941-11-02');
    expect((byDate.json.patients as { birthName: string }[]).map((p) => p.birthName)).toEqual(['LEROY']);
    const other = await api(outsider, 'GET', '/api/patients?q=dupont');
    expect(other.json.patients).toEqual([]);
    const id = (found.json.patients as { id: string }[])[0]!.id;
    expect((await api(outsider, 'GET', `/api/patients/${id}`)).status).toBe(404);
    expect((await fetch(`${relais.http}/api/patients?q=dupont`)).status).toBe(401);
  });
});

describe('§5 directory', () => {
  it('§5 searches by RPPS, name, profession, specialty, postcode or city, with the MSSanté address', async () => {
    const byCity = await api(doctor, 'GET', '/api/directory?q=' + encodeURIComponent('gériatrie lyon'));
    expect(byCity.json.professionals).toEqual([
      expect.objectContaining({ rpps: '10100000025', lastName: 'GIRARD', secureEmail: 'nathalie.girard@hcl.mssante.fr' }),
    ]);
    expect(((await api(doctor, 'GET', '/api/directory?q=10100000017')).json.professionals as { lastName: string }[])[0]?.lastName).toBe('LAMBERT');
    expect(((await api(doctor, 'GET', '/api/directory?q=infirmier 69003')).json.professionals as unknown[]).length).toBe(1);
  });
});

describe('§6 creation and invitations', () => {
  it('§4 without consent nothing is created', async () => {
    const patientId = await createPatient(doctor, { ...identity, birthName: 'Sansconsent' });
    const before = [...relais.store.dbs.consultations.getKeys()].length;
    const res = await api(doctor, 'POST', '/api/consultations', {
      patientId,
      patientContacts: { email: identity.email },
      companion: { kind: 'none' },
      slot: { mode: 'now', durationMinutes: 30 },
      reason: '',
    });
    expect(res.status).toBe(400);
    expect((res.json.fields as Record<string, string>).consent).toBe('Le consentement du patient doit être recueilli avant de continuer.');
    expect([...relais.store.dbs.consultations.getKeys()].length).toBe(before);
  });

  it('§6 creates the consultation, its dossier and room, invites patient and relative, and shows it live', async () => {
    const nurse = await login(relais.http, 'ide.demo');
    const activity = yClient(relais.ws, activityDocName(relais.demo.establishmentId), nurse);
    await waitFor(() => activity.provider.synced, 10_000, 'activity synced');
    const mailsBefore = smtp.mails.length;
    const smsBefore = sms.messages.length;
    const patientId = await createPatient(doctor, { ...identity, birthName: 'Invitee' });
    const slot = tomorrowAt('14:30');
    const res = await api(doctor, 'POST', '/api/consultations', {
      patientId,
      consent: consent(),
      patientContacts: { email: 'patient.invitee@example.org', mobile: '+33611223344' },
      companion: { kind: 'relative', name: 'Paul Invitee', relationship: 'Fils', email: 'paul@example.org', mobile: '' },
      slot: { mode: 'later', date: slot.date, time: slot.time, durationMinutes: 45 },
      reason: 'Suivi',
    });
    expect(res.status).toBe(201);
    const consultation = res.json.consultation as { id: string; start: string; patientName: string };
    expect(consultation.patientName).toBe('Helene INVITEE');
    expect(parisWallClock(Date.parse(consultation.start))).toEqual({ date: slot.date, time: '14:30' });
    expect(await relais.store.docs.exists(`dossier/${consultation.id}`)).toBe(true);
    expect(await relais.store.docs.exists(`room/${consultation.id}`)).toBe(true);

    // The colleague's «Mes rendez-vous» shows it without asking.
    await waitFor(() => appointmentsOf(activity.doc).has(consultation.id), 10_000, 'activity entry');
    expect(appointmentsOf(activity.doc).get(consultation.id)).toMatchObject({ patientName: 'Helene INVITEE', durationMinutes: 45, createdByName: 'Dr Claire Martin' });
    activity.destroy();

    // Email to the patient and to the relative, SMS to the patient.
    await waitFor(() => smtp.mails.length >= mailsBefore + 2 && sms.messages.length >= smsBefore + 1, 10_000, 'delivery');
    const mail = smtp.mails.slice(mailsBefore).find((m) => m.to && JSON.stringify(m.to).includes('patient.invitee@example.org'));
    expect(mail?.subject).toBe(`Invitation à une téléconsultation le ${slot.date.split('-').reverse().join('/')} à 14:30`);
    expect(mail?.text).toContain('caméra');
    expect(mail?.text).toContain('pièce calme');
    expect(mail?.html).toContain('Rejoindre la téléconsultation');
    const link = /http:\/\/\S+\/rejoindre\/(\S+)/.exec(mail?.text ?? '');
    expect(link).not.toBeNull();
    const ics = mail?.attachments.find((a) => a.contentType.startsWith('text/calendar'));
    expect(ics?.filename).toBe('teleconsultation.ics');
    const calendar = ics?.content.toString('utf8') ?? '';
    const dtstart = /DTSTART:(\d{8}T\d{6}Z)/.exec(calendar)?.[1];
    expect(dtstart).toBe(new Date(consultation.start).toISOString().replace(/[-:]/g, '').replace('.000', ''));
    expect(/DTEND:(\d{8}T\d{6}Z)/.exec(calendar)?.[1]).toBe(new Date(Date.parse(consultation.start) + 45 * MIN).toISOString().replace(/[-:]/g, '').replace('.000', ''));
    const relativeMail = smtp.mails.slice(mailsBefore).find((m) => JSON.stringify(m.to).includes('paul@example.org'));
    expect(relativeMail?.text).toContain('Bonjour Paul Invitee');
    expect(relativeMail?.text).toContain('accompagner Helene INVITEE');
    const text = sms.messages.slice(smsBefore).find((m) => m.to === '+33611223344');
    expect(text?.text).toMatch(/^Relais : téléconsultation avec Dr Claire Martin le .* Rejoindre : http:\/\/\S+\/rejoindre\/v1\./);
    expect(text!.text.length).toBeLessThan(320);
    // Nothing medical in them.
    expect(mail?.text).not.toContain('Suivi');

    // Delivery status per invitation, then «Renvoyer l'invitation».
    const list = await api(doctor, 'GET', `/api/consultations/${consultation.id}/invitations`);
    const invitations = list.json.invitations as { id: string; recipient: string; channel: string; status: string; sends: number }[];
    expect(invitations.map((i) => `${i.recipient}/${i.channel}/${i.status}`).sort()).toEqual(['companion/email/sent', 'patient/email/sent', 'patient/sms/sent']);
    const patientEmail = invitations.find((i) => i.recipient === 'patient' && i.channel === 'email')!;
    const mailsNow = smtp.mails.length;
    const resent = await api(doctor, 'POST', `/api/consultations/${consultation.id}/invitations/${patientEmail.id}/resend`);
    expect(resent.json.invitation).toMatchObject({ status: 'sent', sends: 2 });
    await waitFor(() => smtp.mails.length === mailsNow + 1, 10_000, 'resent mail');
    // A resend carries the same link.
    expect(smtp.mails[mailsNow]?.text).toContain(link![1]);
    expect((await api(outsider, 'GET', `/api/consultations/${consultation.id}/invitations`)).status).toBe(404);
    expect((await api(outsider, 'POST', `/api/consultations/${consultation.id}/invitations/${patientEmail.id}/resend`)).status).toBe(404);

    // §6 the join link works inside the room window only (clock given to the access policy).
    const policy = new AccessPolicy(relais.store, invitationVerifier(relais.store, new InvitationTokens(loadOrCreateSecret(relais.dataDir, 'invitation'))));
    const token = link![1]!;
    const window = roomWindow({ start: consultation.start, durationMinutes: 45 });
    expect((await policy.guestRoomAccess(token, consultation.id, window.opensAt - 1))).toMatchObject({ ok: false, code: 'room_not_open' });
    expect((await policy.guestRoomAccess(token, consultation.id, window.opensAt))).toMatchObject({ ok: true, name: 'Helene INVITEE' });
    expect((await policy.guestRoomAccess(token, consultation.id, Date.parse(consultation.start) + 45 * MIN + 45 * MIN))).toMatchObject({ ok: true });
    expect((await policy.guestRoomAccess(token, consultation.id, window.closesAt + 1))).toMatchObject({ ok: false, code: 'room_closed' });
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await policy.guestRoomAccess(forged, consultation.id, window.opensAt))).toMatchObject({ ok: false, code: 'invalid_invitation' });
    expect((await policy.guestRoomAccess(token, 'another', window.opensAt))).toMatchObject({ ok: false, code: 'invalid_invitation' });
  }, 30_000);

  it('§5 a professional from the directory and one typed by hand are invited the same way', async () => {
    const patientId = await createPatient(doctor, { ...identity, birthName: 'Accompagnee' });
    for (const companion of [
      { kind: 'professional', name: 'Nathalie GIRARD', profession: 'Médecin', rpps: '10100000025', secureEmail: 'nathalie.girard@hcl.mssante.fr', email: 'n.girard@example.org', mobile: '', source: 'directory' },
      { kind: 'professional', name: 'Marc Infirmier', profession: 'Infirmier', rpps: '', email: '', mobile: '07 81 23 45 67', source: 'manual' },
    ]) {
      const res = await api(doctor, 'POST', '/api/consultations', {
        patientId,
        consent: { givenBy: 'representative', representativeName: 'Jean Tuteur', method: 'written', givenAt: new Date().toISOString() },
        patientContacts: { email: identity.email },
        companion,
        slot: { mode: 'now', durationMinutes: 15 },
        reason: '',
      });
      expect(res.status).toBe(201);
      const id = (res.json.consultation as { id: string }).id;
      const list = (await api(doctor, 'GET', `/api/consultations/${id}/invitations`)).json.invitations as { recipient: string; channel: string }[];
      expect(list.filter((i) => i.recipient === 'companion').map((i) => i.channel)).toEqual([companion.email ? 'email' : 'sms']);
    }
  });

  it('§6 a professional creates consultations only for patients of their establishments', async () => {
    const patientId = await createPatient(doctor, { ...identity, birthName: 'Protegee' });
    const res = await api(outsider, 'POST', '/api/consultations', {
      patientId,
      consent: consent(),
      patientContacts: { email: identity.email },
      companion: { kind: 'none' },
      slot: { mode: 'now', durationMinutes: 15 },
      reason: '',
    });
    expect(res.status).toBe(404);
  });

  it('§7.4 «Invitation téléphonique» starts an immediate consultation from a mobile number', async () => {
    const bad = await api(doctor, 'POST', '/api/consultations/instant', { contact: '01 42 00 00 00', consent: true });
    expect(bad.status).toBe(400);
    expect((bad.json.fields as Record<string, string>).contact).toBe('Ce numéro n’est pas un numéro de téléphone mobile valide.');
    const smsBefore = sms.messages.length;
    const res = await api(doctor, 'POST', '/api/consultations/instant', { contact: '06 98 76 54 32', consent: true });
    expect(res.status).toBe(201);
    const c = res.json.consultation as { id: string; status: string; patientName: string };
    expect(c.status).toBe('ongoing');
    expect(c.patientName).toBe('+33698765432');
    await waitFor(() => sms.messages.length > smsBefore, 10_000, 'instant sms');
    expect(sms.messages[smsBefore]?.text).toContain('maintenant');
    expect(await relais.store.docs.exists(`dossier/${c.id}`)).toBe(true);
  });
});

describe('#12 §9 colleagues chosen in the wizard (docs/ACCESS.md)', () => {
  const booking = (patientId: string, extra: Record<string, unknown>) => ({
    patientId,
    consent: consent(),
    patientContacts: { email: identity.email },
    companion: { kind: 'none' },
    slot: { mode: 'now', durationMinutes: 30 },
    reason: 'Escarre sacrée, avis sur le pansement',
    ...extra,
  });

  it('#12 the wizard lists the establishment’s accounts, RPPS or not, and no one from elsewhere', async () => {
    const res = await api(doctor, 'GET', '/api/colleagues');
    expect(res.status).toBe(200);
    const names = (res.json.colleagues as { displayName: string }[]).map((c) => c.displayName);
    expect(names).toContain('Sophie Bernard (IDE)');
    expect(names).not.toContain('Dr Ailleurs');
    expect(names).not.toContain('Dr Claire Martin');
  });

  it('#12 a colleague from another establishment is refused, naming the field, and nothing is stored', async () => {
    const patientId = await createPatient(doctor, { ...identity, birthName: 'Collegue' });
    const before = [...relais.store.dbs.consultations.getKeys()].length;
    const elsewhere = (await relais.store.users.byIdentifier('dr.ailleurs'))!.id;
    const res = await api(doctor, 'POST', '/api/consultations', booking(patientId, { colleagues: [elsewhere] }));
    expect(res.status).toBe(400);
    expect((res.json.fields as Record<string, string>).colleagues).toBe('Ce professionnel ne fait pas partie de l’établissement du patient.');
    const malformed = await api(doctor, 'POST', '/api/consultations', booking(patientId, { colleagues: 'ide.demo' }));
    expect(malformed.status).toBe(400);
    expect([...relais.store.dbs.consultations.getKeys()].length).toBe(before);
  });

  it('#12 the nurse chosen opens the dossier, whose «Motif» is the wizard’s; not chosen, she gets the same 404 as for nothing', async () => {
    const nurse = await login(relais.http, 'ide.demo');
    const nurseId = (await relais.store.users.byIdentifier('ide.demo'))!.id;
    const patientId = await createPatient(doctor, { ...identity, birthName: 'Participe' });
    const without = await api(doctor, 'POST', '/api/consultations', booking(patientId, {}));
    const withHer = await api(doctor, 'POST', '/api/consultations', booking(patientId, { colleagues: [nurseId] }));
    expect(withHer.status).toBe(201);
    const notHers = (without.json.consultation as { id: string }).id;
    const hers = (withHer.json.consultation as { id: string }).id;

    expect((await api(nurse, 'GET', `/api/consultations/${hers}`)).status).toBe(200);
    const refused = await api(nurse, 'GET', `/api/consultations/${notHers}`);
    expect(refused.status).toBe(404);
    expect(refused.json.message).toBe('Cette téléconsultation est introuvable.');
    const appointments = appointmentsOf(await activityOf());
    expect(appointments.get(hers)?.participants).toContain(nurseId);
    expect(appointments.get(notHers)?.participants).not.toContain(nurseId);

    const dossier = new Y.Doc();
    for (const update of await relais.server.registry.readState(`dossier/${hers}`)) Y.applyUpdate(dossier, update);
    expect(dossier.getMap('fiche').get('motif')?.toString()).toBe('Escarre sacrée, avis sur le pansement');
  });
});
