/**
 * Consultation (SPEC §2–§6): consent, accompaniment, slot and its room window, invitations and
 * their join-link token format, and the creation request's validator. Pure code: no I/O.
 */
import { isEmail, normaliseMobile } from './identity.ts';

/** The room opens this long before the slot's start. */
export const ROOM_OPENS_BEFORE_MS = 15 * 60_000;
/** The room stays open this long after the slot's end. */
export const ROOM_CLOSES_AFTER_MS = 45 * 60_000;

export interface Slot {
  /** ISO 8601 instant. */
  start: string;
  durationMinutes: number;
}

export interface RoomWindow {
  opensAt: number;
  closesAt: number;
}

export function roomWindow(slot: Slot): RoomWindow {
  const start = Date.parse(slot.start);
  const end = start + slot.durationMinutes * 60_000;
  return { opensAt: start - ROOM_OPENS_BEFORE_MS, closesAt: end + ROOM_CLOSES_AFTER_MS };
}

export type ConsultationStatus = 'scheduled' | 'ongoing' | 'ended';

/**
 * The status follows who is in the call room (SPEC §2, §7.3): ongoing as soon as anyone is in the
 * open room, even before the slot, or while the slot runs; ended once the slot's end has passed and
 * nobody is in the room (or the room has closed); scheduled before that. `inRoom` is the names in
 * the room now, or its count; left out when unknown, the slot alone decides.
 */
export function consultationStatus(slot: Slot, now: number, inRoom: readonly unknown[] | number = 0): ConsultationStatus {
  const start = Date.parse(slot.start);
  const end = start + slot.durationMinutes * 60_000;
  const present = typeof inRoom === 'number' ? inRoom : inRoom.length;
  if (present > 0 && isRoomOpen(roomWindow(slot), now)) return 'ongoing';
  if (now < start) return 'scheduled';
  if (now <= end) return 'ongoing';
  return 'ended';
}

/** The room is open: from 15 min before the start to 45 min after the end, both edges included. */
export function isRoomOpen(window: RoomWindow, now: number): boolean {
  return now >= window.opensAt && now <= window.closesAt;
}

/** Where a room window stands at `now`: not yet open, open, or over. */
export type RoomState = 'notYet' | 'open' | 'over';

export function roomState(window: RoomWindow, now: number): RoomState {
  return now < window.opensAt ? 'notYet' : now > window.closesAt ? 'over' : 'open';
}

/** Durations the slot form offers (SPEC §6); any whole number of minutes in range is allowed. */
export const SLOT_DURATIONS = [15, 30, 45, 60] as const;
export const MIN_DURATION = 5;
export const MAX_DURATION = 240;

/**
 * The instant of a Europe/Paris wall-clock time (`2025-03-30`, `10:00`), whatever the machine's
 * zone; null when the date or time is unreadable. In the hour skipped in spring, the time is read
 * with the winter offset (02:30 → 03:30 CEST), as a clock would.
 */
export function parisWallClockToInstant(date: string, time: string): number | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const [y, mo, da, h, mi] = [d[1], d[2], d[3], t[1], t[2]].map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59) return null;
  const asUtc = Date.UTC(y, mo - 1, da, h, mi);
  if (new Date(asUtc).getUTCDate() !== da) return null;
  const first = asUtc - parisOffset(asUtc);
  const second = asUtc - parisOffset(first);
  return parisOffset(second) === parisOffset(first) ? second : first;
}

const parisParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Paris wall clock of an instant: `{ date: 'yyyy-mm-dd', time: 'HH:mm' }`. */
export function parisWallClock(instant: number): { date: string; time: string } {
  const p: Record<string, string> = {};
  for (const part of parisParts.formatToParts(instant)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** Milliseconds Paris is ahead of UTC at `instant`. */
function parisOffset(instant: number): number {
  const { date, time } = parisWallClock(instant);
  const [y, mo, da] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  return Date.UTC(y, mo - 1, da, h, mi) - Math.floor(instant / 60_000) * 60_000;
}

/* ---------------------------------------------------------------- consent (SPEC §4) */

export interface Consent {
  /** Who consented: the patient, or their legal representative (named). */
  givenBy: 'patient' | 'representative';
  representativeName: string | null;
  method: 'oral' | 'written';
  /** ISO instant. */
  givenAt: string;
  /** Filled by the server: the professional who recorded it. */
  recordedBy: string;
  recordedByName: string;
}

/* ------------------------------------------------------------ accompaniment (SPEC §5) */

export interface Contacts {
  email: string | null;
  /** E.164. */
  mobile: string | null;
}

export type Companion =
  | { kind: 'none' }
  | ({ kind: 'relative'; name: string; relationship: string } & Contacts)
  | ({
      kind: 'professional';
      name: string;
      profession: string;
      rpps: string | null;
      /** MSSanté address, from the directory. */
      secureEmail: string | null;
      /** Picked in the directory or typed by hand («Je ne trouve pas le professionnel»). */
      source: 'directory' | 'manual';
    } & Contacts);

/* ------------------------------------------------------------------ invitations */

export type InvitationRecipient = 'patient' | 'companion';
export type InvitationChannel = 'email' | 'sms';

/** What the consultation page shows of one invitation (SPEC §6, §7.1.1). */
export interface InvitationView {
  id: string;
  recipient: InvitationRecipient;
  channel: InvitationChannel;
  /** Address or number it went to. */
  to: string;
  status: 'pending' | 'sent' | 'failed';
  sentAt: string | null;
  /** How many times it was sent («Renvoyer l'invitation» adds one). */
  sends: number;
}

/**
 * The join link's token, `InvitationToken`, is
 *
 *     v1.<consultationId>.<invitationId>.<opensAt>.<closesAt>.<mac>
 *
 * where opensAt/closesAt are the room window in epoch milliseconds written in base 36, and mac is
 * HMAC-SHA256 under the server's invitation key (data dir, `keys/invitation.key`) of everything
 * before the last dot, in base64url. Ids are base64url, so never contain a dot. The token is
 * unguessable (random invitation id, 256-bit mac), and valid only inside the window it carries;
 * the room also checks that the invitation still exists (a resend keeps the same token; the
 * window moves only if the slot does, which issues new tokens). Link: `<origin>/rejoindre/<token>`.
 * Signing and checking live in `sync-server/auth/invitationTokens.ts`.
 */
export const INVITATION_TOKEN_VERSION = 'v1';
export const JOIN_PATH = '/rejoindre/';

export interface InvitationTokenClaims {
  consultationId: string;
  invitationId: string;
  window: RoomWindow;
}

/**
 * What a guest's join page learns of its invitation (GET /api/join, for an authentic token of an
 * invitation that still stands): with whom and when, in the patient's words. Nothing of the
 * patient's health: no patient name, no reason.
 */
export interface GuestInvitation {
  /** The professional the patient meets, as they read it («Dr Claire Martin»). */
  host: string;
  /** The appointment's start (ISO 8601). */
  start: string;
  window: RoomWindow;
  state: RoomState;
  /** The server's clock when it answered (epoch ms): the page counts from it, not the phone's. */
  now: number;
}

/** Reads a token's claims without checking its mac (the server checks it). */
export function readInvitationToken(token: string): InvitationTokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 6 || parts[0] !== INVITATION_TOKEN_VERSION) return null;
  const [, consultationId, invitationId, opens, closes] = parts as [string, string, string, string, string, string];
  const id = /^[A-Za-z0-9_-]{1,64}$/;
  if (!id.test(consultationId) || !id.test(invitationId)) return null;
  const opensAt = parseInt(opens, 36);
  const closesAt = parseInt(closes, 36);
  if (!Number.isFinite(opensAt) || !Number.isFinite(closesAt) || closesAt <= opensAt) return null;
  return { consultationId, invitationId, window: { opensAt, closesAt } };
}

/* ------------------------------------------------------------ creation request */

export type SlotChoice = { mode: 'now'; durationMinutes: number } | { mode: 'later'; date: string; time: string; durationMinutes: number };

export interface CreateConsultationRequest {
  patientId: string;
  consent: Omit<Consent, 'recordedBy' | 'recordedByName'>;
  /** The patient's contacts for this invitation, as shown and possibly corrected in §5. */
  patientContacts: Contacts;
  companion: Companion;
  slot: SlotChoice;
  reason: string;
  /**
   * Colleagues of the establishment (account ids, with or without RPPS) who take part: they open
   * the télédossier like its creator (docs/ACCESS.md). Absent: none.
   */
  colleagues?: string[];
}

export type CreationErrors = Partial<Record<string, string>>;
export type CreationValidation = { ok: true; value: CreateConsultationRequest & { start: string } } | { ok: false; errors: CreationErrors };

/** A later slot may not start more than this long ago (a slot typed a minute late is fine). */
const PAST_TOLERANCE_MS = 5 * 60_000;
const MAX_TEXT = 200;
const MAX_COLLEAGUES = 20;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

export function validateDuration(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_DURATION || value > MAX_DURATION) {
    return `Durée invalide : entre ${MIN_DURATION} et ${MAX_DURATION} minutes.`;
  }
  return null;
}

/** Contacts under the identity rules (a real mobile number, a plausible email), at least one. */
export function validateContacts(raw: unknown, prefix: string, errors: CreationErrors): Contacts {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const email = text(r.email) || null;
  const rawMobile = text(r.mobile) || null;
  const mobile = rawMobile === null ? null : normaliseMobile(rawMobile);
  if (email !== null && !isEmail(email)) errors[`${prefix}.email`] = 'Adresse e-mail invalide.';
  if (rawMobile !== null && mobile === null) errors[`${prefix}.mobile`] = 'Ce numéro n’est pas un numéro de téléphone mobile valide.';
  if (email === null && rawMobile === null) {
    errors[`${prefix}.contact`] = 'Indiquez au moins une adresse e-mail ou un numéro de mobile : l’invitation y sera envoyée.';
  }
  return { email, mobile };
}

export function validateCreateConsultation(body: unknown, now: number): CreationValidation {
  const errors: CreationErrors = {};
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const patientId = text(b.patientId);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(patientId)) errors.patientId = 'Choisissez ou créez l’identité du patient.';

  const c = (typeof b.consent === 'object' && b.consent !== null ? b.consent : null) as Record<string, unknown> | null;
  let consent: CreateConsultationRequest['consent'] | null = null;
  if (!c) errors.consent = 'Le consentement du patient doit être recueilli avant de continuer.';
  else {
    const givenBy = c.givenBy;
    const method = c.method;
    const representativeName = text(c.representativeName) || null;
    const givenAt = text(c.givenAt);
    if (givenBy !== 'patient' && givenBy !== 'representative') errors['consent.givenBy'] = 'Indiquez qui a donné son consentement.';
    if (givenBy === 'representative' && representativeName === null) errors['consent.representativeName'] = 'Indiquez le nom du représentant légal.';
    if (method !== 'oral' && method !== 'written') errors['consent.method'] = 'Indiquez comment le consentement a été donné.';
    const at = Date.parse(givenAt);
    if (Number.isNaN(at) || at > now + PAST_TOLERANCE_MS) errors['consent.givenAt'] = 'Date du consentement invalide.';
    consent = {
      givenBy: givenBy as Consent['givenBy'],
      representativeName: givenBy === 'representative' ? representativeName : null,
      method: method as Consent['method'],
      givenAt: Number.isNaN(at) ? '' : new Date(at).toISOString(),
    };
  }

  const patientContacts = validateContacts(b.patientContacts, 'patientContacts', errors);

  const comp = (typeof b.companion === 'object' && b.companion !== null ? b.companion : {}) as Record<string, unknown>;
  let companion: Companion = { kind: 'none' };
  if (comp.kind === 'relative' || comp.kind === 'professional') {
    const name = text(comp.name);
    if (name === '') errors['companion.name'] = 'Indiquez le nom de l’accompagnant.';
    if (name.length > MAX_TEXT) errors['companion.name'] = 'Ce champ est trop long.';
    const contacts = validateContacts(comp, 'companion', errors);
    if (comp.kind === 'relative') {
      const relationship = text(comp.relationship);
      if (relationship === '') errors['companion.relationship'] = 'Indiquez le lien avec le patient.';
      companion = { kind: 'relative', name, relationship: relationship.slice(0, MAX_TEXT), ...contacts };
    } else {
      const profession = text(comp.profession);
      if (profession === '') errors['companion.profession'] = 'Indiquez la profession.';
      const rpps = text(comp.rpps) || null;
      if (rpps !== null && !/^\d{11}$/.test(rpps)) errors['companion.rpps'] = 'Le numéro RPPS compte 11 chiffres.';
      const secureEmail = text(comp.secureEmail) || null;
      if (secureEmail !== null && !isEmail(secureEmail)) errors['companion.secureEmail'] = 'Adresse MSSanté invalide.';
      companion = {
        kind: 'professional',
        name,
        profession: profession.slice(0, MAX_TEXT),
        rpps,
        secureEmail,
        source: comp.source === 'directory' ? 'directory' : 'manual',
        ...contacts,
      };
    }
  } else if (comp.kind !== 'none') {
    errors.companion = 'Choisissez le type d’accompagnement.';
  }

  const s = (typeof b.slot === 'object' && b.slot !== null ? b.slot : {}) as Record<string, unknown>;
  const durationError = validateDuration(s.durationMinutes);
  if (durationError) errors['slot.durationMinutes'] = durationError;
  let start = now;
  let slot: SlotChoice = { mode: 'now', durationMinutes: Number(s.durationMinutes) };
  if (s.mode === 'later') {
    const date = text(s.date);
    const time = text(s.time);
    const instant = parisWallClockToInstant(date, time);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || instant === null) errors['slot.date'] = 'Date ou heure invalide.';
    else if (instant < now - PAST_TOLERANCE_MS) errors['slot.date'] = 'Ce créneau est déjà passé.';
    else start = instant;
    slot = { mode: 'later', date, time, durationMinutes: Number(s.durationMinutes) };
  } else if (s.mode !== 'now') {
    errors['slot.mode'] = 'Choisissez « maintenant » ou un créneau.';
  }
  const reason = text(b.reason);
  if (reason.length > 500) errors.reason = 'Le motif est trop long (500 caractères au plus).';
  const colleagues = b.colleagues === undefined ? [] : b.colleagues;
  if (!Array.isArray(colleagues) || colleagues.length > MAX_COLLEAGUES || !colleagues.every((id) => typeof id === 'string' && ID.test(id))) {
    errors.colleagues = 'Choisissez les professionnels de l’établissement dans la liste.';
  }

  if (Object.keys(errors).length > 0 || consent === null) return { ok: false, errors };
  // A slot «maintenant» starts at the current minute: the room is open at once.
  const startIso = new Date(Math.floor(start / 60_000) * 60_000).toISOString();
  return { ok: true, value: { patientId, consent, patientContacts, companion, slot, reason, colleagues: [...new Set(colleagues as string[])], start: startIso } };
}
