/**
 * Patient identities (SPEC §3) at /api/patients: search, read, create (with the likely-duplicate
 * warning), edit (a strict trait edited drops the status to PROV). Only the establishments' own
 * professionals see their patients; the INS number leaves the server only for a QUAL identity.
 */
import {
  IDENTITY_MESSAGES,
  firstOf,
  publicIdentity,
  statusAfterEdit,
  validatePatientInput,
  type FieldErrors,
  type PatientIdentity,
} from '../../schema/identity.ts';
import type { Patient } from '../store/patients.ts';
import type { User } from '../store/users.ts';
import { newId, patientLabel } from '../consultations/createConsultation.ts';
import { HttpError, type Reply } from './reply.ts';
import { requireUser, type Context, type Handlers } from './context.ts';


/** A 400 whose body carries a French message per field, for the form to show on each field. */
/** A form's field errors: French messages, and the codes of those whose rule has one (for the client's own words). */
export function sendFieldErrors(reply: Reply, fields: Record<string, string>, fieldCodes?: Record<string, string>): void {
  reply.sendJson(400, { error: 'invalid_fields', message: 'Certains champs sont à corriger.', fields, ...(fieldCodes ? { fieldCodes } : {}) });
}

export function identityFieldCodes(errors: FieldErrors): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, code] of Object.entries(errors)) if (code) out[field] = code;
  return out;
}

export function identityFieldMessages(errors: FieldErrors): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, code] of Object.entries(errors)) if (code) out[field] = IDENTITY_MESSAGES[code];
  return out;
}

export async function patientFor(ctx: Context, user: User, id: string): Promise<Patient> {
  const patient = await ctx.store.patients.get(id);
  // Same answer for "absent" and "not yours": existence is not disclosed.
  if (!patient || !ctx.access.canSeePatient(user, patient)) {
    throw new HttpError(404, 'not_found', 'Cette identité patient est introuvable.');
  }
  return patient;
}

async function establishmentFor(ctx: Context, user: User, requested: unknown): Promise<string> {
  const id = typeof requested === 'string' && requested !== '' ? requested : user.establishmentIds[0];
  if (!id || !(await ctx.access.canCreateConsultationIn(user, id))) {
    throw new HttpError(403, 'forbidden', 'Vous n’exercez pas dans cet établissement.');
  }
  return id;
}

const view = (p: Patient): PatientIdentity => publicIdentity(p);

export const patientHandlers: Handlers<'patients' | 'patient' | 'patientCreate' | 'patientUpdate'> = {
  async patients(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const text = (req.readQuery().q ?? '').slice(0, 100);
    const birthDate = req.readQuery().birthDate ?? '';
    if (birthDate !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) {
      throw new HttpError(400, 'invalid_query', 'Date de naissance invalide : utilisez le format jj/mm/aaaa.');
    }
    if (text.trim() === '' && birthDate === '') {
      throw new HttpError(400, 'invalid_query', 'Saisissez un nom, un prénom ou une date de naissance.');
    }
    const patients = await ctx.store.patients.search(ctx.access.patientScope(user), { text, birthDate: birthDate || undefined });
    reply.sendJson(200, { patients: patients.map(view) });
  },
  async patient(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    reply.sendJson(200, { patient: view(await patientFor(ctx, user, req.params.patientId)) });
  },
  async patientCreate(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const body = await req.readBody();
    const establishmentId = await establishmentFor(ctx, user, body.establishmentId);
    const result = validatePatientInput(body, Date.now());
    if (!result.ok) return sendFieldErrors(reply, identityFieldMessages(result.errors), identityFieldCodes(result.errors));
    const duplicates = await ctx.store.patients.duplicatesOf(establishmentId, result.value);
    if (duplicates.length > 0 && body.confirmDuplicate !== true) {
      reply.sendJson(409, {
        error: 'likely_duplicate',
        message: 'Une identité avec le même nom de naissance, le même prénom et la même date de naissance existe déjà.',
        duplicates: duplicates.map(view),
      });
      return;
    }
    const patient: Patient = {
      ...result.value,
      id: newId(),
      establishmentId,
      firstName: firstOf(result.value.firstNames),
      createdAt: new Date().toISOString(),
      createdBy: user.id,
    };
    await ctx.store.patients.put(patient);
    reply.sendJson(201, { patient: view(patient) });
  },
  async patientUpdate(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const before = await patientFor(ctx, user, req.params.patientId);
    const body = await req.readBody();
    // A matricule hidden from the client (not QUAL) is kept unless a new one is typed.
    const merged = { ...body, insMatricule: body.insMatricule || before.insMatricule };
    const result = validatePatientInput(merged, Date.now());
    if (!result.ok) return sendFieldErrors(reply, identityFieldMessages(result.errors), identityFieldCodes(result.errors));
    const status = statusAfterEdit(before, result.value);
    const patient: Patient = {
      ...before,
      ...result.value,
      status,
      identityDocument: status === 'VALI' || status === 'QUAL' ? result.value.identityDocument : null,
      firstName: firstOf(result.value.firstNames),
    };
    await ctx.store.patients.put(patient);
    // «Mes rendez-vous» names the patient as they were when booked: a corrected name follows.
    const name = patientLabel(patient);
    for (const [consultationId, appointment] of await ctx.activity.appointments(patient.establishmentId)) {
      if (appointment.patientName !== name && (await ctx.store.consultations.get(consultationId))?.patientId === patient.id) {
        await ctx.activity.upsert(patient.establishmentId, { ...appointment, patientName: name });
      }
    }
    reply.sendJson(200, { patient: view(patient) });
  },
};
