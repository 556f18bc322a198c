/** The caller's consultations (SPEC §2). */
import type { Colleague, ConsultationSummary } from '../../schema/api.ts';
import { consultationStatus, validateCreateConsultation, type Consent } from '../../schema/consultation.ts';
import { isEmail, normaliseMobile } from '../../schema/identity.ts';
import type { Consultation } from '../store/consultations.ts';
import type { Patient } from '../store/patients.ts';
import { createTeleconsultation, newId, patientLabel, publicOrigin, type ConsultationRecord } from '../consultations/createConsultation.ts';
import { HttpError } from './reply.ts';
import { requireUser, type Context, type Handlers } from './context.ts';
import { patientFor, sendFieldErrors } from './patients.ts';
import { purgeDate } from '../documents/retention.ts';
import { invitationSends, reserveSends } from '../messaging/caps.ts';

/** «Invitation téléphonique» (SPEC §7.4): the slot is now, for this long. */
const INSTANT_DURATION_MINUTES = 30;

/** Who is in each consultation's call room, read once per establishment for a whole list. */
function inRoomLookup(ctx: Context): (c: Consultation) => Promise<string[]> {
  const byEstablishment = new Map<string, Promise<Map<string, { inRoom: string[] }>>>();
  return async (c) => {
    let appointments = byEstablishment.get(c.establishmentId);
    if (!appointments) {
      appointments = ctx.activity.appointments(c.establishmentId);
      byEstablishment.set(c.establishmentId, appointments);
    }
    return (await appointments).get(c.id)?.inRoom ?? [];
  };
}

export async function summarise(c: Consultation, ctx: Context, now = Date.now(), inRoom: (c: Consultation) => Promise<string[]> = inRoomLookup(ctx)): Promise<ConsultationSummary> {
  const patient = await ctx.store.patients.get(c.patientId);
  const establishment = await ctx.store.establishments.get(c.establishmentId);
  return {
    id: c.id,
    establishmentId: c.establishmentId,
    patientName: patient ? patientLabel(patient) : '',
    start: c.start,
    durationMinutes: c.durationMinutes,
    reason: c.reason,
    status: consultationStatus({ start: c.start, durationMinutes: c.durationMinutes }, now, await inRoom(c)),
    purgeAt: purgeDate(c, establishment).toISOString(),
    ...consentAndCompanion(c),
  };
}

function consentAndCompanion(c: ConsultationRecord): Pick<ConsultationSummary, 'consent' | 'accompaniment'> {
  const out: Pick<ConsultationSummary, 'consent' | 'accompaniment'> = {};
  if (c.consent) {
    const { givenBy, representativeName, method, givenAt } = c.consent;
    out.consent = { givenBy, representativeName, method, givenAt };
  }
  const companion = c.companion;
  if (companion) {
    out.accompaniment =
      companion.kind === 'none'
        ? { kind: 'none', name: '', detail: '' }
        : companion.kind === 'relative'
          ? { kind: 'relative', name: companion.name, detail: companion.relationship }
          : { kind: 'professional', name: companion.name, detail: companion.profession };
  }
  return out;
}


export const consultationHandlers: Handlers<'consultations' | 'colleagues' | 'consultation' | 'consultationCreate' | 'consultationInstant'> = {
  async consultations(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const inRoom = inRoomLookup(ctx);
    const consultations: ConsultationSummary[] = [];
    for (const c of await ctx.store.consultations.forParticipant(user.id)) consultations.push(await summarise(c, ctx, Date.now(), inRoom));
    reply.sendJson(200, { consultations });
  },
  // The wizard's «Professionnels de l’établissement»: the accounts sharing an establishment with the caller.
  async colleagues(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const colleagues: Colleague[] = [];
    for (const other of await ctx.store.users.list()) {
      const shared = other.establishmentIds.filter((id) => user.establishmentIds.includes(id));
      if (other.id === user.id || shared.length === 0) continue;
      colleagues.push({ id: other.id, displayName: other.displayName, profession: other.profession, establishmentIds: shared });
    }
    colleagues.sort((a, b) => a.displayName.localeCompare(b.displayName, 'fr'));
    reply.sendJson(200, { colleagues });
  },
  async consultation(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const consultation = await ctx.store.consultations.get(req.params.consultationId);
    // Same answer for "absent" and "not yours": existence is not disclosed.
    if (!consultation || !ctx.access.canSeeConsultation(user, consultation)) {
      throw new HttpError(404, 'not_found', 'Cette téléconsultation est introuvable.');
    }
    reply.sendJson(200, { consultation: await summarise(consultation, ctx) });
  },
  async consultationCreate(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const body = await req.readBody();
    const result = validateCreateConsultation(body, Date.now());
    if (!result.ok) return sendFieldErrors(reply, result.errors as Record<string, string>);
    const input = result.value;
    const patient = await patientFor(ctx, user, input.patientId);
    if (!(await ctx.access.canCreateConsultationIn(user, patient.establishmentId))) {
      throw new HttpError(403, 'forbidden', 'Vous ne pouvez pas créer de téléconsultation dans cet établissement.');
    }
    // Only accounts of the patient's establishment take part (docs/ACCESS.md).
    const colleagues = await Promise.all((input.colleagues ?? []).map((id) => ctx.store.users.get(id)));
    if (!colleagues.every((c) => c?.establishmentIds.includes(patient.establishmentId))) {
      return sendFieldErrors(reply, { colleagues: 'Ce professionnel ne fait pas partie de l’établissement du patient.' });
    }
    // The invitations are counted before anything is written: a refusal leaves nothing behind.
    await reserveSends(req, ctx, {
      accountId: user.id,
      establishmentIds: [patient.establishmentId],
      sends: invitationSends(input.patientContacts, input.companion.kind === 'none' ? null : input.companion),
      purpose: 'invitation',
    });
    // The contacts corrected in «Patient seul» are the patient's from now on.
    if (patient.email !== input.patientContacts.email || patient.mobile !== input.patientContacts.mobile) {
      await ctx.store.patients.put({ ...patient, ...input.patientContacts });
    }
    const consent: Consent = { ...input.consent, recordedBy: user.id, recordedByName: user.displayName };
    const record = await createTeleconsultation(
      ctx,
      user,
      {
        establishmentId: patient.establishmentId,
        patient: { ...patient, ...input.patientContacts },
        consent,
        patientContacts: input.patientContacts,
        companion: input.companion,
        start: input.start,
        durationMinutes: input.slot.durationMinutes,
        reason: input.reason,
        kind: 'scheduled',
        colleagueIds: input.colleagues ?? [],
      },
      publicOrigin(ctx),
    );
    reply.sendJson(201, { consultation: await summarise(record, ctx) });
  },
  async consultationInstant(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const body = await req.readBody();
    let establishmentId: string | undefined;
    for (const id of user.establishmentIds) {
      if (await ctx.access.canCreateConsultationIn(user, id)) {
        establishmentId = id;
        break;
      }
    }
    if (!establishmentId) throw new HttpError(403, 'forbidden', 'Vous n’êtes rattaché à aucun établissement.');
    const contact = body.contact?.trim() ?? '';
    const email = contact.includes('@') ? contact : null;
    const mobile = email ? null : normaliseMobile(contact);
    const fields: Record<string, string> = {};
    if (contact === '') fields.contact = 'Saisissez le numéro de mobile ou l’adresse e-mail du patient.';
    else if (email && !isEmail(email)) fields.contact = 'Adresse e-mail invalide.';
    else if (!email && !mobile) fields.contact = 'Ce numéro n’est pas un numéro de téléphone mobile valide.';
    if (body.consent !== true) fields.consent = 'Le consentement du patient doit être recueilli avant de continuer.';
    if (Object.keys(fields).length > 0) return sendFieldErrors(reply, fields);
    // Counted before the patient and the consultation exist: a refusal leaves nothing behind.
    await reserveSends(req, ctx, {
      accountId: user.id,
      establishmentIds: [establishmentId],
      sends: invitationSends({ email, mobile }),
      purpose: 'invitation-telephonique',
    });
    const now = Date.now();
    const patient: Patient = {
      id: newId(),
      establishmentId,
      birthName: '',
      firstNames: '',
      firstName: '',
      birthDate: '',
      sex: 'I',
      birthPlace: null,
      usedName: null,
      usedFirstName: null,
      insMatricule: null,
      status: 'PROV',
      identityDocument: null,
      email,
      mobile,
      createdAt: new Date(now).toISOString(),
      createdBy: user.id,
      instant: true,
    };
    await ctx.store.patients.put(patient);
    const record = await createTeleconsultation(
      ctx,
      user,
      {
        establishmentId,
        patient,
        consent: {
          givenBy: 'patient',
          representativeName: null,
          method: 'oral',
          givenAt: new Date(now).toISOString(),
          recordedBy: user.id,
          recordedByName: user.displayName,
        },
        patientContacts: { email, mobile },
        companion: { kind: 'none' },
        start: new Date(Math.floor(now / 60_000) * 60_000).toISOString(),
        durationMinutes: INSTANT_DURATION_MINUTES,
        reason: '',
        kind: 'instant',
      },
      publicOrigin(ctx),
    );
    reply.sendJson(201, { consultation: await summarise(record, ctx) });
  },
};
