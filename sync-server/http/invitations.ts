/**
 * A consultation's invitations (SPEC §6, §7.1.1): their delivery status, and «Renvoyer
 * l'invitation» per recipient and channel. The join link itself is checked by the room (the access
 * policy's guest access, through auth/invitationTokens.ts).
 */
import { invitationView, patientLabel, publicOrigin, sendInvitation, type ConsultationRecord } from '../consultations/createConsultation.ts';
import type { User } from '../store/users.ts';
import { reserveSends } from '../messaging/caps.ts';
import { HttpError } from './reply.ts';
import { requireUser, type Context, type Handlers } from './context.ts';


async function consultationFor(ctx: Context, user: User, id: string): Promise<ConsultationRecord> {
  const consultation = await ctx.store.consultations.get(id);
  if (!consultation || !ctx.access.canInvite(user, consultation)) {
    throw new HttpError(404, 'not_found', 'Cette téléconsultation est introuvable.');
  }
  return consultation;
}

export const invitationHandlers: Handlers<'invitations' | 'invitationResend'> = {
  async invitations(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const consultation = await consultationFor(ctx, user, req.params.consultationId);
    const invitations = await Promise.all((await ctx.store.invitations.forConsultation(consultation.id)).map((i) => invitationView(ctx, i)));
    reply.sendJson(200, { invitations });
  },
  async invitationResend(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const consultation = await consultationFor(ctx, user, req.params.consultationId);
    const invitation = await ctx.store.invitations.get(req.params.invitationId);
    if (!invitation || invitation.consultationId !== consultation.id) {
      throw new HttpError(404, 'not_found', 'Cette invitation est introuvable.');
    }
    await reserveSends(req, ctx, {
      accountId: user.id,
      establishmentIds: [consultation.establishmentId],
      sends: [{ channel: invitation.channel, to: invitation.to }],
      purpose: 'invitation',
      consultationId: consultation.id,
    });
    const patient = await ctx.store.patients.get(consultation.patientId);
    const creator = (await ctx.store.users.get(consultation.createdBy)) ?? user;
    const updated = await sendInvitation(ctx, consultation, invitation, creator, patient ? patientLabel(patient) : '', publicOrigin(ctx));
    reply.sendJson(200, { invitation: await invitationView(ctx, updated) });
  },
};
