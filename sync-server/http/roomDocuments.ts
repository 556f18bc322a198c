/**
 * Documents sent to the patient during the call (SPEC §7.1.4 case 1, §9).
 * - POST /api/room/<consultationId>/sent {documentId}: a professional of the consultation sends a
 *   PDF of the dossier; the send is audited, then the server adds the `SentDocument` entry to the
 *   room document's `sent` list (written by the server alone: schema/room.ts), so it appears on the
 *   patient's page at once.
 * - GET /api/room/<consultationId>/sent/<documentId>: the download, for a professional of the
 *   consultation, or a guest (`?invitation=<token>`, inside the room window) and only for a
 *   document that is in the room's `sent` list: a guest never reaches the rest of the dossier.
 */
import type { SentDocument } from '../../schema/room.ts';
import { safeFileName } from '../../schema/fileName.ts';
import { HttpError } from './reply.ts';
import type { Handlers } from './context.ts';
import { contentDisposition, findDocument, requireParticipant } from './documents.ts';


export const roomDocumentHandlers: Handlers<'roomSend' | 'roomSentDocument'> = {
  async roomSend(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const body = await req.readBody();
    const documentId = body.documentId ?? '';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(documentId)) throw new HttpError(400, 'invalid_request', 'Choisissez le document à envoyer.');
    const entry = await findDocument(ctx, consultation.id, documentId);
    if (entry.mimeType !== 'application/pdf') {
      throw new HttpError(415, 'not_pdf', 'Seuls les documents PDF peuvent être envoyés au patient.');
    }
    const sent: SentDocument = {
      documentId: entry.id,
      name: safeFileName(entry.name),
      size: entry.size,
      sentAt: new Date().toISOString(),
      sentByName: user.displayName,
    };
    await ctx.documents.audit({ action: 'document.send', actor: user.id, consultationId: consultation.id, documentId: entry.id, detail: 'call' });
    await ctx.documents.dossiers.editRoom(consultation.id, (room) => room.sent.push([sent]));
    reply.sendJson(201, { sent });
  },
  async roomSentDocument(req, reply, ctx) {
    const consultationId = req.params.consultationId;
    const documentId = req.params.documentId;
    const invitation = req.readQuery().invitation;
    let actor: string;
    if (invitation) {
      const guest = await ctx.access.guestRoomAccess(invitation, consultationId);
      if (!guest.ok) throw new HttpError(guest.status, guest.code, guest.message);
      actor = `guest:${guest.invitationId}`;
    } else {
      actor = (await requireParticipant(req, ctx, consultationId)).user.id;
    }
    if (!(await ctx.documents.dossiers.sentInRoom(consultationId)).some((s) => s.documentId === documentId)) {
      throw new HttpError(404, 'not_found', 'Ce document est introuvable.');
    }
    const entry = await findDocument(ctx, consultationId, documentId);
    const stream = await ctx.documents.blobs.openStream(entry.sha256);
    await ctx.documents.audit({ action: 'document.download', actor, consultationId, documentId: entry.id, detail: 'call' });
    await reply.sendStream(
      200,
      [
        ['Content-Type', entry.mimeType],
        ['Content-Disposition', contentDisposition(entry.name, false)],
        ['Cache-Control', 'no-store'],
      ],
      stream,
      entry.size,
    );
  },
};
