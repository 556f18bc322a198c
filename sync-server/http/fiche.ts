/**
 * «Signer» and «Générer le PDF» (SPEC §7.1.2). Signing freezes the fiche as it is on the server:
 * its PDF (content, signer, RPPS, time, signature image) becomes a document of the dossier and the
 * signature (version hash, who, when) is recorded in the dossier, so that every copy can tell
 * when the fiche was modified after it.
 */
import { FICHE_FIELDS, ficheVersionHash, type FicheField, type FicheSignature } from '../../schema/dossier.ts';
import { type FichePdfInput, type SignatureImage } from '../documents/fichePdf.ts';
import type { Consultation } from '../store/consultations.ts';
import type { User } from '../store/users.ts';
import type { Context, Handlers } from './context.ts';
import { addGeneratedDocument, contentDisposition, requireParticipant } from './documents.ts';
import { parisWallClock } from '../../schema/consultation.ts';
import { patientLabel } from '../consultations/createConsultation.ts';


/** The fiche's labels as printed (the PDF is in French whatever the reader's language). */
export const FICHE_LABELS_FR: Record<FicheField, string> = {
  motif: 'Motif',
  antecedents: 'Antécédents',
  traitements: 'Traitements en cours',
  examenClinique: 'Examen clinique',
  conclusion: 'Conclusion',
  conduiteATenir: 'Conduite à tenir',
  prescriptions: 'Prescriptions',
};

function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[-' ])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toUpperCase());
}

export async function fichePdfInput(ctx: Context, consultation: Consultation, fiche: Record<FicheField, string>): Promise<Omit<FichePdfInput, 'signature'>> {
  const patient = await ctx.store.patients.get(consultation.patientId);
  const establishment = await ctx.store.establishments.get(consultation.establishmentId);
  const name = !patient
    ? 'Patient inconnu'
    : patient.birthName === ''
      ? patientLabel(patient)
      : `${titleCase(patient.firstNames)} ${patient.usedName ?? patient.birthName}${patient.usedName ? ` (née ${patient.birthName})` : ''}`;
  return {
    establishmentName: establishment?.name ?? '',
    patient: { name, birthDate: patient?.birthDate ?? '' },
    consultation: { start: consultation.start, reason: consultation.reason },
    fields: FICHE_FIELDS.map((f) => ({ label: FICHE_LABELS_FR[f], text: fiche[f] })),
    generatedAt: new Date().toISOString(),
  };
}

async function signatureImage(ctx: Context, user: User): Promise<SignatureImage | null> {
  const record = await ctx.documents.signatures.get(user.id);
  if (!record) return null;
  return { bytes: await ctx.documents.blobs.read(record.sha256), mimeType: record.mimeType };
}

async function readFiche(ctx: Context, consultationId: string): Promise<Record<FicheField, string>> {
  const dossier = await ctx.documents.dossiers.read(consultationId);
  try {
    return dossier.ficheText();
  } finally {
    dossier.doc.destroy();
  }
}

/** `yyyy-mm-dd HHhmm` in Paris time, for a file name. */
const fileStamp = (iso: string): string => {
  const { date, time } = parisWallClock(Date.parse(iso));
  return `${date} ${time.replace(':', 'h')}`;
};

export const ficheHandlers: Handlers<'ficheSign' | 'fichePdf'> = {
  async ficheSign(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const fiche = await readFiche(ctx, consultation.id);
    const versionHash = ficheVersionHash(fiche);
    const signedAt = new Date().toISOString();
    const pdf = await ctx.documents.pdf.fiche({
      ...(await fichePdfInput(ctx, consultation, fiche)),
      generatedAt: signedAt,
      signature: { signerName: user.displayName, rpps: user.rpps, signedAt, versionHash, image: await signatureImage(ctx, user) },
    });
    const document = await addGeneratedDocument(ctx, consultation.id, user, pdf, {
      name: `Fiche de téléconsultation signée ${fileStamp(signedAt)}.pdf`,
      kind: 'fiche',
      signed: true,
    });
    const signature: FicheSignature = {
      versionHash,
      signedBy: user.id,
      signerName: user.displayName,
      rpps: user.rpps,
      signedAt,
      documentId: document.id,
    };
    await ctx.documents.dossiers.edit(consultation.id, (d) => d.addSignature(signature));
    await ctx.documents.audit({ action: 'fiche.sign', actor: user.id, consultationId: consultation.id, documentId: document.id });
    reply.sendJson(201, { signature, document });
  },
  async fichePdf(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const pdf = await ctx.documents.pdf.fiche({ ...(await fichePdfInput(ctx, consultation, await readFiche(ctx, consultation.id))), signature: null });
    await ctx.documents.audit({ action: 'dossier.pdf', actor: user.id, consultationId: consultation.id });
    reply.send(200, pdf, [
      ['Content-Type', 'application/pdf'],
      ['Content-Disposition', contentDisposition(`Fiche de téléconsultation (brouillon).pdf`, req.readQuery().inline === '1')],
      ['Cache-Control', 'no-store'],
    ]);
  },
};
