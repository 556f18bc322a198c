/**
 * «Coffre-fort sécurisé» (SPEC §7.1.4 case 2, §9). The sender picks the patient's ordinary email
 * under «Destinataires sélectionnés» and «Envoyer»: the email carries a link, never the file. The
 * patient's page asks for a one-time code sent by SMS or by email, to the patient's own recorded
 * mobile or address, never one typed on the page (or their birth date when they have no mobile), allows VAULT_MAX_TRIES tries, expires after RELAIS_VAULT_DAYS days, and can be revoked.
 * Every opening, code, unlock and download is audited.
 */
import { randomBytes } from 'node:crypto';
import type { DocumentEntry } from '../../schema/dossier.ts';
import { safeFileName } from '../../schema/fileName.ts';
import {
  VAULT_CODE_MINUTES,
  VAULT_DOWNLOAD_MINUTES,
  VAULT_MAX_TRIES,
  birthDateAllowed,
  codeChannels,
  hashSecret,
  newCode,
  newToken,
  sameSecret,
  vaultState,
  type VaultCodeChannel,
  type VaultLink,
  type VaultState,
} from '../documents/vaultLinks.ts';
import { HttpError } from './reply.ts';
import type { Context, Handlers } from './context.ts';
import { linkOrigin } from '../config.ts';
import { contentDisposition, findDocument, requireParticipant } from './documents.ts';
import type { VaultLinkSummary } from '../../schema/api.ts';

const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}\.[A-Za-z]{2,}$/;
const MAX_RECIPIENTS = 5;


const summary = (link: VaultLink): VaultLinkSummary => ({
  id: link.id,
  documentId: link.documentId,
  documentName: link.documentName,
  recipientEmail: link.recipientEmail,
  createdAt: link.createdAt,
  expiresAt: link.expiresAt,
  state: vaultState(link),
  downloads: link.downloads,
});



export function requirePdf(entry: DocumentEntry): void {
  if (entry.mimeType !== 'application/pdf') {
    throw new HttpError(409, 'not_pdf', 'Seuls les documents PDF peuvent être envoyés. Convertissez d’abord l’image en PDF.');
  }
}

const dateFr = (iso: string): string =>
  new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long' }).format(new Date(iso));

const maskMobile = (mobile: string): string => `${mobile.slice(0, 3)} •• •• •• ${mobile.slice(-2)}`;

/** Enough for the patient to recognise their address, not enough to learn it from the link. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  return `${local.slice(0, 1)}•••@${email.slice(at + 1)}`;
}

async function linkOf(ctx: Context, token: string): Promise<VaultLink> {
  const link = await ctx.documents.vault.byToken(token);
  if (!link) throw new HttpError(404, 'vault_not_found', 'Ce lien n’est pas valide. Vérifiez l’adresse reçue par e-mail.');
  return link;
}

function requireOpen(link: VaultLink): void {
  const state = vaultState(link);
  if (state !== 'open') throw closedError(state);
}

function closedError(state: Exclude<VaultState, 'open'>): HttpError {
  switch (state) {
    case 'expired':
      return new HttpError(410, 'vault_expired', 'Ce lien a expiré. Demandez un nouvel envoi au professionnel de santé.');
    case 'revoked':
      return new HttpError(410, 'vault_revoked', 'Ce document n’est plus disponible : l’envoi a été annulé.');
    case 'locked':
      return new HttpError(423, 'vault_locked', 'Trop d’essais incorrects : ce lien est bloqué. Demandez un nouvel envoi.');
  }
}

export const vaultHandlers: Handlers<'vaultCreate' | 'vaultLinks' | 'vaultRevoke' | 'vault' | 'vaultCode' | 'vaultUnlock' | 'vaultDocument'> = {
  async vaultCreate(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const entry = await findDocument(ctx, consultation.id, req.params.documentId);
    requirePdf(entry);
    const body = await req.readBody();
    const recipients = [...new Set(body.recipients.map((r) => r.trim().toLowerCase()))];
    if (recipients.length === 0) throw new HttpError(400, 'no_recipient', 'Ajoutez au moins un destinataire.');
    if (recipients.length > MAX_RECIPIENTS) throw new HttpError(400, 'too_many', `${MAX_RECIPIENTS} destinataires au plus.`);
    const invalid = recipients.find((r) => !EMAIL.test(r));
    if (invalid) throw new HttpError(400, 'invalid_email', `Adresse e-mail invalide : ${invalid}`);
    const patient = await ctx.store.patients.get(consultation.patientId);
    if (!patient) throw new HttpError(409, 'no_patient', 'Le patient de cette téléconsultation est introuvable.');
    // The identity's email: creating a consultation writes the contacts typed there onto it.
    const patientEmail = patient.email;
    const now = new Date();
    const links: VaultLink[] = [];
    for (const recipientEmail of recipients) {
      const token = newToken();
      const link: VaultLink = {
        id: randomBytes(9).toString('base64url'),
        tokenHash: hashSecret(token),
        consultationId: consultation.id,
        documentId: entry.id,
        documentName: safeFileName(entry.name),
        sha256: entry.sha256,
        size: entry.size,
        createdBy: user.id,
        senderName: user.displayName,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + ctx.documents.vaultDays * 86_400_000).toISOString(),
        recipientEmail,
        proof: patient.mobile ? 'sms' : patientEmail ? 'email' : 'birthDate',
        mobile: patient.mobile,
        email: patientEmail,
        birthDate: patient.mobile ? null : patient.birthDate,
        codeHash: null,
        codeExpiresAt: null,
        codesSent: 0,
        triesLeft: VAULT_MAX_TRIES,
        downloadKeyHash: null,
        downloadKeyExpiresAt: null,
        revokedAt: null,
        downloads: 0,
      };
      await ctx.documents.vault.put(link);
      const url = `${linkOrigin(ctx.config)}/coffre/${token}`;
      await ctx.messaging.sendEmail({
        to: recipientEmail,
        subject: `Un document de ${user.displayName} vous attend`,
        text:
          `Bonjour,\n\n${user.displayName} vous a transmis un document (« ${entry.name} ») dans le coffre-fort sécurisé Relais.\n\n` +
          `Pour le télécharger, ouvrez ce lien : ${url}\n\n` +
          (link.proof === 'sms'
            ? 'Un code à usage unique vous sera envoyé par SMS pour confirmer votre identité.\n'
            : link.proof === 'email'
              ? 'Un code à usage unique vous sera envoyé par e-mail, ou la date de naissance du patient vous sera demandée, pour confirmer votre identité.\n'
              : 'La date de naissance du patient vous sera demandée pour confirmer votre identité.\n') +
          `Ce lien est valable jusqu’au ${dateFr(link.expiresAt)}.\n\nCet e-mail ne contient pas le document lui-même.`,
        purpose: 'vault-link',
      });
      await ctx.documents.dossiers.edit(consultation.id, (d) => d.markSent(entry.id, 'coffre-fort'));
      await ctx.documents.audit({ action: 'vault.create', actor: user.id, consultationId: consultation.id, documentId: entry.id });
      links.push(link);
    }
    reply.sendJson(201, { links: links.map(summary) });
  },
  async vaultLinks(req, reply, ctx) {
    const { consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    reply.sendJson(200, { links: (await ctx.documents.vault.forConsultation(consultation.id)).map(summary) });
  },
  async vaultRevoke(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const link = await ctx.documents.vault.byId(req.params.linkId);
    if (!link || link.consultationId !== consultation.id) throw new HttpError(404, 'vault_not_found', 'Cet envoi est introuvable.');
    await ctx.documents.vault.update(link.tokenHash, (l) => ({ ...l, revokedAt: l.revokedAt ?? new Date().toISOString() }));
    await ctx.documents.audit({ action: 'vault.revoke', actor: user.id, consultationId: consultation.id, documentId: link.documentId });
    reply.send(204, null);
  },
  async vault(req, reply, ctx) {
    const link = await linkOf(ctx, req.params.token);
    await ctx.documents.audit({ action: 'vault.open', actor: `vault:${link.id}`, consultationId: link.consultationId, documentId: link.documentId });
    reply.sendJson(200, {
      vault: {
        documentName: link.documentName,
        senderName: link.senderName,
        size: link.size,
        expiresAt: link.expiresAt,
        state: vaultState(link),
        proof: link.proof,
        maskedMobile: link.mobile ? maskMobile(link.mobile) : null,
        maskedEmail: link.email ? maskEmail(link.email) : null,
        channels: codeChannels(link),
        birthDateAllowed: birthDateAllowed(link),
        triesLeft: link.triesLeft,
      },
    });
  },
  async vaultCode(req, reply, ctx) {
    const link = await linkOf(ctx, req.params.token);
    requireOpen(link);
    const channels = codeChannels(link);
    if (channels.length === 0) throw new HttpError(409, 'no_code', 'Ce document se déverrouille avec la date de naissance.');
    const body = await req.readBody();
    const asked = body?.channel ?? channels[0];
    if (asked !== 'sms' && asked !== 'email') throw new HttpError(400, 'invalid_channel', 'Choisissez où recevoir le code : SMS ou e-mail.');
    const channel: VaultCodeChannel = asked;
    if (!channels.includes(channel)) {
      throw new HttpError(409, 'no_channel', channel === 'sms' ? 'Aucun mobile n’est enregistré pour ce patient.' : 'Aucune adresse e-mail n’est enregistrée pour ce patient.');
    }
    const code = newCode();
    // Counted and stored before it is sent, in one step: concurrent requests cannot pass the cap (#11).
    const issued = await ctx.documents.vault.issueCode(link.tokenHash, hashSecret(code));
    if (!issued.ok) {
      if (issued.state === 'too_many_codes') {
        throw new HttpError(429, 'too_many_codes', 'Trop de codes demandés. Demandez un nouvel envoi au professionnel de santé.');
      }
      if (issued.state === 'missing') throw new HttpError(404, 'vault_not_found', 'Ce lien n’est pas valide. Vérifiez l’adresse reçue par e-mail.');
      throw closedError(issued.state);
    }
    if (channel === 'sms' && link.mobile) {
      await ctx.messaging.sendSms({
        to: link.mobile,
        text: `Relais : votre code pour ouvrir le document envoyé par ${link.senderName} est ${code}. Valable ${VAULT_CODE_MINUTES} minutes.`,
        purpose: 'vault-code',
      });
    } else if (link.email) {
      await ctx.messaging.sendEmail({
        to: link.email,
        subject: 'Votre code pour le coffre-fort sécurisé Relais',
        text:
          `Bonjour,\n\nCode à usage unique pour ouvrir le document envoyé par ${link.senderName} : ${code}\n\n` +
          `Il est valable ${VAULT_CODE_MINUTES} minutes. Si vous n’avez rien demandé, ignorez ce message.`,
        purpose: 'vault-code',
      });
    }
    await ctx.documents.audit({
      action: 'vault.code',
      actor: `vault:${link.id}`,
      consultationId: link.consultationId,
      documentId: link.documentId,
      detail: channel,
    });
    const to = channel === 'sms' && link.mobile ? maskMobile(link.mobile) : maskEmail(link.email ?? '');
    reply.sendJson(200, { sent: true, channel, to, maskedMobile: link.mobile ? maskMobile(link.mobile) : null });
  },
  async vaultUnlock(req, reply, ctx) {
    const link = await linkOf(ctx, req.params.token);
    requireOpen(link);
    const body = await req.readBody();
    const answer = body.answer?.trim() ?? '';
    const byBirthDate = body.method === 'birthDate' || (body.method === undefined && codeChannels(link).length === 0);
    if (byBirthDate && !birthDateAllowed(link)) throw new HttpError(409, 'no_birth_date', 'Ce document se déverrouille avec le code reçu.');
    if (!answer) throw new HttpError(400, 'empty', byBirthDate ? 'Saisissez la date de naissance.' : 'Saisissez le code reçu.');
    // The try is spent before the answer is compared, and the answer is compared with the link
    // as it was then: a guess that finds no try left is never checked (#11).
    const taken = await ctx.documents.vault.takeTry(link.tokenHash);
    if (!taken.ok) {
      if (taken.state === 'missing') throw new HttpError(404, 'vault_not_found', 'Ce lien n’est pas valide. Vérifiez l’adresse reçue par e-mail.');
      throw closedError(taken.state);
    }
    const current = taken.link;
    const right =
      !byBirthDate
        ? current.codeExpiresAt !== null && Date.parse(current.codeExpiresAt) > Date.now() && sameSecret(answer.replace(/\s/g, ''), current.codeHash)
        : current.birthDate !== null && answer === current.birthDate;
    if (!right) {
      await ctx.documents.audit({ action: 'vault.unlock', actor: `vault:${link.id}`, consultationId: link.consultationId, documentId: link.documentId, detail: 'échec' });
      const left = current.triesLeft;
      if (left <= 0) throw new HttpError(423, 'vault_locked', 'Trop d’essais incorrects : ce lien est bloqué. Demandez un nouvel envoi.');
      throw new HttpError(
        403,
        'wrong_answer',
        `${byBirthDate ? 'Date de naissance incorrecte.' : 'Code incorrect ou expiré.'} Il vous reste ${left} essai${left > 1 ? 's' : ''}.`,
      );
    }
    const key = newToken();
    await ctx.documents.vault.update(link.tokenHash, (l) => ({
      ...l,
      codeHash: null,
      triesLeft: VAULT_MAX_TRIES,
      downloadKeyHash: hashSecret(key),
      downloadKeyExpiresAt: new Date(Date.now() + VAULT_DOWNLOAD_MINUTES * 60_000).toISOString(),
    }));
    await ctx.documents.audit({ action: 'vault.unlock', actor: `vault:${link.id}`, consultationId: link.consultationId, documentId: link.documentId, detail: 'succès' });
    reply.sendJson(200, { downloadKey: key });
  },
  async vaultDocument(req, reply, ctx) {
    const link = await linkOf(ctx, req.params.token);
    requireOpen(link);
    const key = req.readQuery().key ?? '';
    if (!sameSecret(key, link.downloadKeyHash) || !link.downloadKeyExpiresAt || Date.parse(link.downloadKeyExpiresAt) <= Date.now()) {
      throw new HttpError(403, 'vault_key', 'Confirmez d’abord votre identité (code ou date de naissance).');
    }
    const stream = await ctx.documents.blobs.openStream(link.sha256);
    await ctx.documents.vault.update(link.tokenHash, (l) => ({ ...l, downloads: l.downloads + 1 }));
    await ctx.documents.audit({ action: 'vault.download', actor: `vault:${link.id}`, consultationId: link.consultationId, documentId: link.documentId });
    await reply.sendStream(
      200,
      [
        ['Content-Type', 'application/pdf'],
        ['Content-Disposition', contentDisposition(link.documentName, false)],
        ['Cache-Control', 'no-store'],
      ],
      stream,
      link.size,
    );
  },
};
