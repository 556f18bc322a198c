/**
 * «Messagerie sécurisée» (SPEC §7.1.4 case 2): a PDF of the dossier sent to a professional found
 * in the directory who has an MSSanté address, over SMTP through the messaging core, attached.
 * Only directory addresses are accepted: a typed address could leak health data to anyone.
 */
import { HttpError } from './reply.ts';
import type { Handlers } from './context.ts';
import { findDocument, requireParticipant } from './documents.ts';
import { requirePdf } from './vault.ts';


export const secureMessagingHandlers: Handlers<'secureMessaging'> = {
  async secureMessaging(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const entry = await findDocument(ctx, consultation.id, req.params.documentId);
    requirePdf(entry);
    const body = await req.readBody();
    const rpps = body.rpps ?? '';
    const professional = rpps ? await ctx.store.directory.get(rpps) : undefined;
    if (!professional) throw new HttpError(400, 'unknown_professional', 'Choisissez un professionnel dans l’annuaire.');
    if (!professional.secureEmail) {
      throw new HttpError(409, 'no_mssante', 'Ce professionnel n’a pas d’adresse de messagerie sécurisée (MSSanté).');
    }
    const bytes = await ctx.documents.blobs.read(entry.sha256);
    await ctx.messaging.sendEmail({
      to: professional.secureEmail,
      subject: `Téléconsultation — ${entry.name}`,
      text: `Bonjour,\n\n${user.displayName} vous transmet le document ci-joint (« ${entry.name} »), issu d’une téléconsultation.\n\nMessage envoyé par Relais.`,
      attachments: [{ filename: entry.name, contentType: 'application/pdf', content: bytes }],
      purpose: 'secure-messaging',
    });
    await ctx.documents.dossiers.edit(consultation.id, (d) => d.markSent(entry.id, 'messagerie-securisee'));
    await ctx.documents.audit({ action: 'document.send', actor: user.id, consultationId: consultation.id, documentId: entry.id, detail: `rpps ${rpps}` });
    reply.sendJson(200, { sent: true, to: professional.secureEmail });
  },
};
