/** Shapes of the login and account routes beyond the plain password (SPEC §1). Pure. */
import { validateSessionRequest, type Validation } from './api.ts';

export type CodeChannel = 'sms' | 'email' | 'totp';

export interface ChallengeRequest {
  identifier: string;
  password: string;
  channel: CodeChannel;
}

export interface ChallengeResponse {
  challengeId: string;
  channel: CodeChannel;
  /** Where the code went, masked (+33 6 •• •• •• 78, d•••@example.org); null for TOTP. */
  destination: string | null;
}

export interface CodeRequest {
  challengeId: string;
  code: string;
}

export interface TotpEnrolment {
  /** otpauth:// URI, also drawn as the QR code. */
  uri: string;
  /** The QR code as an SVG document. */
  qrSvg: string;
  /** The secret, for typing by hand. */
  secret: string;
}

export interface AccountSecurity {
  totpEnrolled: boolean;
  hasMobile: boolean;
  hasEmail: boolean;
}

export const MIN_PASSWORD_LENGTH = 12;

export function validateChallengeRequest(body: unknown): Validation<ChallengeRequest> {
  const base = validateSessionRequest(body);
  if (!base.ok) return base;
  const { channel } = body as Record<string, unknown>;
  if (channel !== 'sms' && channel !== 'email' && channel !== 'totp') {
    return { ok: false, message: 'Choisissez où recevoir le code : SMS, e-mail ou application.' };
  }
  return { ok: true, value: { ...base.value, channel } };
}

export function validateCodeRequest(body: unknown): Validation<CodeRequest> {
  if (typeof body !== 'object' || body === null) return { ok: false, message: 'Requête invalide.' };
  const { challengeId, code } = body as Record<string, unknown>;
  if (typeof challengeId !== 'string' || !/^[A-Za-z0-9_-]{10,64}$/.test(challengeId)) {
    return { ok: false, message: 'Demande de code inconnue : recommencez la connexion.' };
  }
  if (typeof code !== 'string' || !/^[0-9]{6}$/.test(code.replace(/\s/g, ''))) {
    return { ok: false, message: 'Le code comporte 6 chiffres.' };
  }
  return { ok: true, value: { challengeId, code: code.replace(/\s/g, '') } };
}

export function validatePasswordChange(body: unknown): Validation<{ current: string; next: string }> {
  if (typeof body !== 'object' || body === null) return { ok: false, message: 'Requête invalide.' };
  const { current, next } = body as Record<string, unknown>;
  if (typeof current !== 'string' || current === '') return { ok: false, message: 'Saisissez votre mot de passe actuel.' };
  if (typeof next !== 'string' || next.length < MIN_PASSWORD_LENGTH || next.length > 256) {
    return { ok: false, message: `Le nouveau mot de passe doit comporter au moins ${MIN_PASSWORD_LENGTH} caractères.` };
  }
  return { ok: true, value: { current, next } };
}

/** +33612345678 → +33 6 •• •• •• 78; jeanne@example.org → j•••@example.org. */
export function maskDestination(value: string): string {
  const at = value.indexOf('@');
  if (at > 0) return `${value[0]}•••${value.slice(at)}`;
  return `${value.slice(0, 4)} •• •• •• ${value.slice(-2)}`;
}
