/**
 * REST request and response shapes shared by client and server, with the validators the server
 * runs at the edge. Pure code: no I/O.
 */

export interface SessionRequest {
  identifier: string;
  password: string;
}

export interface SessionUser {
  id: string;
  identifier: string;
  displayName: string;
  /** Colour used for presence (cursor, field highlight). */
  color: string;
  establishmentIds: string[];
  /** 'admin': an establishment administrator (reads the audit log). */
  role?: 'professional' | 'admin';
}

export interface SessionResponse {
  user: SessionUser;
}

export interface ConsultationSummary {
  id: string;
  establishmentId: string;
  patientName: string;
  /** ISO 8601 start of the slot. */
  start: string;
  durationMinutes: number;
  reason: string;
  status: 'scheduled' | 'ongoing' | 'ended';
  /** ISO 8601 instant when its télédossier is purged (SPEC §7.3). */
  purgeAt?: string;
  /** How consent was recorded (SPEC §4); absent for consultations made before it was recorded. */
  consent?: { givenBy: 'patient' | 'representative'; representativeName: string | null; method: 'oral' | 'written'; givenAt: string };
  /** Who is beside the patient (SPEC §5): a name and what they are to the patient. */
  accompaniment?: { kind: 'none' | 'relative' | 'professional'; name: string; detail: string };
}

export interface ConsultationListResponse {
  consultations: ConsultationSummary[];
}

export interface ConsultationResponse {
  consultation: ConsultationSummary;
}

/** One line of the audit log as the «Journal d’audit» page reads it. */
export interface AuditRow {
  at: string;
  type: string;
  actorId: string | null;
  actorName: string | null;
  identifier?: string;
  method?: string;
  consultationId?: string;
  patientId?: string;
  detail?: string;
}

export interface AuditResponse {
  events: AuditRow[];
  people: { id: string; displayName: string }[];
}

/** A vault link as the sender sees it (SPEC §7.1.4). */
export interface VaultLinkSummary {
  id: string;
  documentId: string;
  documentName: string;
  recipientEmail: string;
  createdAt: string;
  expiresAt: string;
  state: 'open' | 'expired' | 'revoked' | 'locked';
  downloads: number;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

const MAX_IDENTIFIER = 128;
const MAX_PASSWORD = 1024;

export function validateSessionRequest(body: unknown): Validation<SessionRequest> {
  if (typeof body !== 'object' || body === null) return { ok: false, message: 'Requête invalide.' };
  const { identifier, password } = body as Record<string, unknown>;
  if (typeof identifier !== 'string' || identifier.trim() === '' || identifier.length > MAX_IDENTIFIER) {
    return { ok: false, message: 'Identifiant manquant ou invalide.' };
  }
  if (typeof password !== 'string' || password === '' || password.length > MAX_PASSWORD) {
    return { ok: false, message: 'Mot de passe manquant ou invalide.' };
  }
  return { ok: true, value: { identifier: identifier.trim(), password } };
}

/** A colleague the wizard may add as participant (GET /api/colleagues): an account, RPPS or not. */
export interface Colleague {
  id: string;
  displayName: string;
  profession: string;
  /** Those of the caller's establishments the colleague belongs to. */
  establishmentIds: string[];
}
