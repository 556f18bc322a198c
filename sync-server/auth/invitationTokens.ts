/**
 * Join-link tokens (`InvitationToken`, format in schema/consultation.ts): HMAC-SHA256 under the
 * `invitation` secret of the data dir. Deterministic, so a resend carries the same link and no
 * token is stored; the room window it carries is the only time it works.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  INVITATION_TOKEN_VERSION,
  JOIN_PATH,
  readInvitationToken,
  roomWindow,
  type InvitationTokenClaims,
} from '../../schema/consultation.ts';
import type { Store } from '../store/index.ts';
import type { InvitationVerifier } from './access.ts';

export class InvitationTokens {
  constructor(private readonly secret: Buffer) {}

  sign(claims: InvitationTokenClaims): string {
    const body = [
      INVITATION_TOKEN_VERSION,
      claims.consultationId,
      claims.invitationId,
      claims.window.opensAt.toString(36),
      claims.window.closesAt.toString(36),
    ].join('.');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of an authentic token (whatever the time), or null. */
  verify(token: string): InvitationTokenClaims | null {
    if (token.length > 300) return null;
    const claims = readInvitationToken(token);
    if (!claims) return null;
    const at = token.lastIndexOf('.');
    const given = Buffer.from(token.slice(at + 1), 'base64url');
    const expected = Buffer.from(this.mac(token.slice(0, at)), 'base64url');
    return given.byteLength === expected.byteLength && timingSafeEqual(given, expected) ? claims : null;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

/** The join link of an invitation for a consultation's current slot. */
export function joinLink(
  tokens: InvitationTokens,
  origin: string,
  consultation: { id: string; start: string; durationMinutes: number },
  invitationId: string,
): string {
  const token = tokens.sign({
    consultationId: consultation.id,
    invitationId,
    window: roomWindow({ start: consultation.start, durationMinutes: consultation.durationMinutes }),
  });
  return `${origin}${JOIN_PATH}${token}`;
}

/**
 * What the access policy asks of a guest's token: authentic, for an invitation that still exists,
 * and for the consultation's current window (a moved slot voids the old links).
 */
export function invitationVerifier(store: Store, tokens: InvitationTokens): InvitationVerifier {
  return async (token) => {
    const claims = tokens.verify(token);
    if (!claims) return null;
    const invitation = await store.invitations.get(claims.invitationId);
    const consultation = await store.consultations.get(claims.consultationId);
    if (!invitation || !consultation || invitation.consultationId !== consultation.id) return null;
    const current = roomWindow({ start: consultation.start, durationMinutes: consultation.durationMinutes });
    if (current.opensAt !== claims.window.opensAt || current.closesAt !== claims.window.closesAt) return null;
    return { ...claims, name: invitation.recipientName };
  };
}
