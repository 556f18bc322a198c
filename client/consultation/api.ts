/**
 * REST calls of the consultation wizard (SPEC §3–§6, §7.1.1, §7.4). Unlike client/api.ts, an error
 * keeps its whole body: the wizard shows `fields` next to each field and `duplicates` before
 * creating a second identity.
 */
import type { Colleague, ConsultationResponse } from '../../schema/api.ts';
import type { CreateConsultationRequest, InvitationView } from '../../schema/consultation.ts';
import type { DirectoryEntry } from '../../schema/directory.ts';
import type { PatientIdentity } from '../../schema/identity.ts';

export interface WizardError {
  status: number;
  /** The server's French message; null when the server could not be reached. */
  message: string | null;
  fields: Record<string, string>;
  duplicates: PatientIdentity[];
}

export type WizardResult<T> = { ok: true; value: T } | { ok: false; error: WizardError };

async function call<T>(method: string, path: string, body?: unknown): Promise<WizardResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    return { ok: false, error: { status: 0, message: null, fields: {}, duplicates: [] } };
  }
  const json = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.ok) return { ok: true, value: json as T };
  return {
    ok: false,
    error: {
      status: response.status,
      message: typeof json?.message === 'string' ? json.message : null,
      fields: (json?.fields as Record<string, string> | undefined) ?? {},
      duplicates: (json?.duplicates as PatientIdentity[] | undefined) ?? [],
    },
  };
}

export type PatientFields = Record<string, string | null | boolean>;

export const wizardApi = {
  searchPatients: (q: string, birthDate: string) =>
    call<{ patients: PatientIdentity[] }>('GET', `/api/patients?${new URLSearchParams({ q, birthDate }).toString()}`),
  createPatient: (fields: PatientFields) => call<{ patient: PatientIdentity }>('POST', '/api/patients', fields),
  updatePatient: (id: string, fields: PatientFields) => call<{ patient: PatientIdentity }>('PUT', `/api/patients/${encodeURIComponent(id)}`, fields),
  searchDirectory: (q: string) => call<{ professionals: DirectoryEntry[] }>('GET', `/api/directory?${new URLSearchParams({ q }).toString()}`),
  colleagues: () => call<{ colleagues: Colleague[] }>('GET', '/api/colleagues'),
  createConsultation: (request: CreateConsultationRequest) => call<ConsultationResponse>('POST', '/api/consultations', request),
  instantConsultation: (contact: string, consent: boolean) => call<ConsultationResponse>('POST', '/api/consultations/instant', { contact, consent }),
  invitations: (consultationId: string) => call<{ invitations: InvitationView[] }>('GET', `/api/consultations/${encodeURIComponent(consultationId)}/invitations`),
  resend: (consultationId: string, invitationId: string) =>
    call<{ invitation: InvitationView }>(
      'POST',
      `/api/consultations/${encodeURIComponent(consultationId)}/invitations/${encodeURIComponent(invitationId)}/resend`,
    ),
};
