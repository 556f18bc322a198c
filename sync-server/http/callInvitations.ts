/**
 * «Inviter un participant» during the call (SPEC §7.2 control 1): POST
 * /api/consultations/<id>/invitations {name, email, mobile} invites one more person (a relative,
 * a colleague without account) by email and/or SMS, through the consultation's invitations, so
 * their link, delivery status and «Renvoyer l'invitation» work like the others'.
 */
import { validateContacts, type CreationErrors } from '../../schema/consultation.ts';
import { newId, patientLabel, publicOrigin, sendInvitation, invitationView } from '../consultations/createConsultation.ts';
import type { Invitation } from '../store/invitations.ts';
import { invitationSends, reserveSends } from '../messaging/caps.ts';
import { HttpError } from './reply.ts';
import { requireUser, type Handlers } from './context.ts';
import { sendFieldErrors } from './patients.ts';

const MAX_NAME = 200;

export const callInvitationHandlers: Handlers<'invitationCreate'> = {
  async invitationCreate(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const consultation = await ctx.store.consultations.get(req.params.consultationId);
    if (!consultation || !ctx.access.canInvite(user, consultation)) {
      throw new HttpError(404, 'not_found', 'Cette téléconsultation est introuvable.');
    }
    const body = await req.readBody();
    const errors: CreationErrors = {};
    const name = body.name?.trim() ?? '';
    if (name === '') errors.name = 'Indiquez le nom de la personne invitée.';
    else if (name.length > MAX_NAME) errors.name = 'Ce nom est trop long.';
    const contacts = validateContacts(body, 'contact', errors);
    if (Object.keys(errors).length > 0) return sendFieldErrors(reply, errors as Record<string, string>);

    const sends = invitationSends(contacts);
    await reserveSends(req, ctx, { accountId: user.id, establishmentIds: [consultation.establishmentId], sends, purpose: 'invitation', consultationId: consultation.id });

    const patient = await ctx.store.patients.get(consultation.patientId);
    const createdAt = new Date().toISOString();
    const origin = publicOrigin(ctx);
    const sent: Invitation[] = [];
    for (const [channel, to] of [['email', contacts.email], ['sms', contacts.mobile]] as const) {
      if (!to) continue;
      const invitation: Invitation = { id: newId(), consultationId: consultation.id, recipient: 'companion', recipientName: name, channel, to, messageIds: [], createdAt };
      await ctx.store.invitations.put(invitation);
      sent.push(await sendInvitation(ctx, consultation, invitation, user, patient ? patientLabel(patient) : '', origin));
    }
    reply.sendJson(201, { invitations: await Promise.all(sent.map((i) => invitationView(ctx, i))) });
  },
};
