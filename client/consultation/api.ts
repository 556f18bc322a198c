/**
 * REST calls of the consultation wizard (SPEC §3–§6, §7.1.1, §7.4), through the contract
 * (client/apiCall.ts). Unlike client/api.ts, an error keeps its whole body: the wizard shows
 * `fields` next to each field and `duplicates` before creating a second identity.
 */
import type { CreateConsultationRequest } from '../../schema/consultation.ts';
import type { PatientIdentity } from '../../schema/identity.ts';
import type { BodyInputOf } from '../../schema/routes.ts';
import { apiCall, type ApiResult } from '../apiCall.ts';

export interface WizardError {
  status: number;
  /** The message to show; null when the server could not be reached. */
  message: string | null;
  fields: Record<string, string>;
  duplicates: PatientIdentity[];
}

export type WizardResult<T> = { ok: true; value: T } | { ok: false; error: WizardError };

async function wizard<T>(call: Promise<ApiResult<T>>): Promise<WizardResult<T>> {
  const result = await call;
  if (result.ok) return result;
  // A refusal of the contract names one field: the form shows it there, like its own checks.
  const fields = result.field && result.message ? { ...result.fields, [result.field]: result.message } : result.fields;
  const duplicates = (result.body?.duplicates as PatientIdentity[] | undefined) ?? [];
  return { ok: false, error: { status: result.status, message: result.message, fields, duplicates } };
}

/** What the identity form sends, as the contract declares it. */
export type PatientFields = BodyInputOf<'patientCreate'>;

export const wizardApi = {
  searchPatients: (q: string, birthDate: string) => wizard(apiCall('patients', { query: { q, birthDate } })),
  createPatient: (fields: PatientFields) => wizard(apiCall('patientCreate', { body: fields })),
  updatePatient: (id: string, fields: PatientFields) => wizard(apiCall('patientUpdate', { params: { patientId: id }, body: fields })),
  searchDirectory: (q: string) => wizard(apiCall('directory', { query: { q } })),
  colleagues: () => wizard(apiCall('colleagues', {})),
  createConsultation: (request: CreateConsultationRequest) => wizard(apiCall('consultationCreate', { body: request })),
  instantConsultation: (contact: string, consent: boolean) => wizard(apiCall('consultationInstant', { body: { contact, consent } })),
  invitations: (consultationId: string) => wizard(apiCall('invitations', { params: { consultationId } })),
  resend: (consultationId: string, invitationId: string) => wizard(apiCall('invitationResend', { params: { consultationId, invitationId } })),
};
