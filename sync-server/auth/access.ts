/**
 * Who may read or write what. Every HTTP route and every /sync/ socket asks here, and nowhere else.
 */
import type { Store } from '../store/index.ts';
import type { User } from '../store/users.ts';
import type { Consultation } from '../store/consultations.ts';
import type { AuditEvent } from '../store/audit.ts';
import type { Access } from '../sync/Room.ts';
import { isRoomOpen, type RoomWindow } from '../../schema/consultation.ts';
import type { ClientWrites } from '../../schema/clientWrites.ts';
import { DOSSIER_CLIENT_WRITES } from '../../schema/dossier.ts';
import { ROOM_CLIENT_WRITES } from '../../schema/room.ts';
import { ACTIVITY_CLIENT_WRITES } from '../../schema/activity.ts';

export type DocKind = 'dossier' | 'room' | 'activity';

export interface DocRef {
  kind: DocKind;
  id: string;
}

const DOC_NAME = /^(dossier|room|activity)\/([A-Za-z0-9_-]{1,64})$/;

export function parseDocName(docName: string): DocRef | null {
  const match = DOC_NAME.exec(docName);
  if (!match) return null;
  return { kind: match[1] as DocKind, id: match[2] as string };
}

const CLIENT_WRITES: Record<DocKind, ClientWrites> = {
  dossier: DOSSIER_CLIENT_WRITES,
  room: ROOM_CLIENT_WRITES,
  activity: ACTIVITY_CLIENT_WRITES,
};

/**
 * What a writer's socket may touch in a document (the rest is the server's). A name that is none
 * of ours may be written by nobody: such a socket is refused at upgrade anyway.
 */
export function clientWritesOf(docName: string): ClientWrites {
  const ref = parseDocName(docName);
  return ref ? CLIENT_WRITES[ref.kind] : {};
}

/**
 * What a valid invitation token says (its MAC and the invitation's existence checked by the
 * invitations module, issue 4): the consultation, the invitation, the room window, the guest's name.
 */
export interface VerifiedInvitation {
  consultationId: string;
  invitationId: string;
  window: RoomWindow;
  /** How the guest is shown in the call («Jeanne Dupont», «Marie (fille)»). */
  name: string;
}

/** Checks an invitation token; null when it is forged, unknown or revoked. */
export type InvitationVerifier = (token: string) => Promise<VerifiedInvitation | null>;

export type GuestRoomAccess =
  | ({ ok: true } & VerifiedInvitation)
  | { ok: false; status: 401 | 403 | 404; code: 'invalid_invitation' | 'room_not_open' | 'room_closed'; message: string };

/** Until invitations exist, no token is valid. */
const noInvitations: InvitationVerifier = () => Promise.resolve(null);

export class AccessPolicy {
  constructor(
    private readonly store: Store,
    private readonly verifyInvitation: InvitationVerifier = noInvitations,
  ) {}

  /**
   * What an invitation token stands for, whatever the time: null when it is forged, damaged,
   * unknown or revoked. The join page asks it to tell its guest with whom and when.
   */
  guestInvitation(token: string): Promise<VerifiedInvitation | null> {
    return this.verifyInvitation(token);
  }

  /**
   * A guest (patient, relative, companion without account) reaches the call room of the
   * consultation their invitation is for, inside the room window, and nothing else (SPEC §9).
   */
  async guestRoomAccess(token: string, consultationId: string, now = Date.now()): Promise<GuestRoomAccess> {
    const invitation = await this.verifyInvitation(token);
    if (!invitation || invitation.consultationId !== consultationId) {
      return { ok: false, status: 401, code: 'invalid_invitation', message: 'Ce lien d’invitation n’est pas valide.' };
    }
    if (!isRoomOpen(invitation.window, now)) {
      return now < invitation.window.opensAt
        ? { ok: false, status: 403, code: 'room_not_open', message: 'La salle n’est pas encore ouverte.' }
        : { ok: false, status: 403, code: 'room_closed', message: 'La téléconsultation est terminée.' };
    }
    return { ok: true, ...invitation };
  }

  /**
   * A guest's access to a document: its own consultation's room while open, read-only (their
   * presence goes through awareness, which readers may publish; what was sent to them is written
   * by professionals), and nothing else.
   */
  async guestDocAccess(token: string, ref: DocRef, now = Date.now()): Promise<Access | null> {
    if (ref.kind !== 'room') return null;
    return (await this.guestRoomAccess(token, ref.id, now)).ok ? 'read' : null;
  }

  /** A professional creates consultations only in their own establishments. */
  async canCreateConsultationIn(user: User, establishmentId: string): Promise<boolean> {
    return user.establishmentIds.includes(establishmentId) && (await this.store.establishments.get(establishmentId)) !== undefined;
  }

  /** A professional sees and edits the patient identities of their establishments. */
  canSeePatient(user: User, patient: { establishmentId: string }): boolean {
    return user.establishmentIds.includes(patient.establishmentId);
  }

  /** Establishments whose patients a professional may search. */
  patientScope(user: User): string[] {
    return user.establishmentIds;
  }

  /** The creator (or any participant) manages a consultation's invitations. */
  canInvite(user: User, consultation: Consultation): boolean {
    return this.canSeeConsultation(user, consultation);
  }

  /** Establishment administrators manage the accounts of the establishments they administer (SPEC actors, §9). */
  canManageAccounts(user: User): boolean {
    return user.adminOf.length > 0;
  }

  /** An administrator sees an account that belongs to one of the establishments they administer. */
  canManageAccount(admin: User, account: User): boolean {
    return account.establishmentIds.some((id) => admin.adminOf.includes(id));
  }

  /**
   * The establishments of an account that `admin` does not administer: while there is one, a
   * change that hands the account over (new password, unlock) is not theirs alone to make, since
   * the account opens that establishment's patients too (#11).
   */
  establishmentsBeyond(admin: User, account: User): string[] {
    return account.establishmentIds.filter((id) => !admin.adminOf.includes(id));
  }

  /** The audit log is read by establishment administrators only (SPEC §9). */
  canReadAudit(user: User): boolean {
    return user.adminOf.length > 0;
  }

  /**
   * An administrator reads the events about the establishments they administer: an event naming
   * them, one by a person of theirs, or one about a patient of theirs.
   */
  async canReadAuditEvent(admin: User, event: AuditEvent): Promise<boolean> {
    const mine = (establishmentId: string | undefined): boolean => !!establishmentId && admin.adminOf.includes(establishmentId);
    if (event.establishmentIds?.some(mine)) return true;
    const actor = event.actorId ? await this.store.users.get(event.actorId) : undefined;
    if (actor?.establishmentIds.some(mine)) return true;
    if (event.patientId && mine((await this.store.patients.get(event.patientId))?.establishmentId)) return true;
    return false;
  }

  canSeeConsultation(user: User, consultation: Consultation): boolean {
    return consultation.participants.includes(user.id);
  }

  /** The access a user has to a document, or null for none. */
  async docAccess(user: User, ref: DocRef): Promise<Access | null> {
    switch (ref.kind) {
      case 'dossier': {
        // A dossier exists once the server created it; a purged one must not be rebuilt from a
        // station's offline copy (SPEC §7.3).
        if (!(await this.store.docs.exists(`dossier/${ref.id}`))) return null;
        const consultation = await this.store.consultations.get(ref.id);
        return consultation && this.canSeeConsultation(user, consultation) ? 'write' : null;
      }
      case 'room': {
        const consultation = await this.store.consultations.get(ref.id);
        return consultation && this.canSeeConsultation(user, consultation) ? 'write' : null;
      }
      case 'activity':
        // The activity summary is written by the server only.
        return user.establishmentIds.includes(ref.id) ? 'read' : null;
    }
  }
}
