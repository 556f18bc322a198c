/**
 * GET /api/join (SPEC §7.2, §9): what the join page tells its guest before the call, from the
 * token of their link (`Authorization: Invitation <token>`): the professional who waits for them,
 * the appointment's time, the room window and whether it is open. Only for an authentic token of
 * an invitation that still stands; anything else (made up, damaged, revoked, a moved slot) is the
 * same 404, which says nothing about any consultation. Nothing of the patient's health: no name,
 * no reason.
 */
import { roomState, type GuestInvitation } from '../../schema/consultation.ts';
import type { Consultation } from '../store/consultations.ts';
import type { Store } from '../store/index.ts';
import { HttpError } from './reply.ts';
import type { Handlers } from './context.ts';
import { INVITATION_AUTH } from './peerTickets.ts';

const INVALID_LINK = 'Ce lien n’est pas valide. Vérifiez que vous avez ouvert le lien complet reçu par SMS ou par e-mail.';

/**
 * Whom the patient meets: the consultation's doctor (its creator when a doctor, else the first
 * doctor among its participants), else its creator, as named on their account («Dr Claire Martin»).
 */
async function hostName(store: Store, consultation: Consultation): Promise<string | null> {
  const people = (await Promise.all([consultation.createdBy, ...consultation.participants].map((id) => store.users.get(id)))).filter((u) => u !== undefined);
  const doctor = people.find((u) => u.profession === 'Médecin');
  return (doctor ?? people[0])?.displayName ?? null;
}

export const joinHandlers: Handlers<'guestInvitation'> = {
  async guestInvitation(req, reply, ctx) {
    const token = INVITATION_AUTH.exec(req.headers.get('authorization') ?? '')?.[1];
    const invitation = token ? await ctx.access.guestInvitation(token) : null;
    const consultation = invitation ? await ctx.store.consultations.get(invitation.consultationId) : undefined;
    const host = consultation ? await hostName(ctx.store, consultation) : null;
    if (!invitation || !consultation || host === null) throw new HttpError(404, 'invalid_invitation', INVALID_LINK);
    const now = Date.now();
    const body: GuestInvitation = { host, start: consultation.start, window: invitation.window, state: roomState(invitation.window, now), now };
    reply.sendJson(200, body);
  },
};
