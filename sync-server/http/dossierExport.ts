/**
 * «Exporter» (SPEC §7.3): the whole télédossier as one ZIP for the establishment's own records,
 * before it is purged: the latest signed fiche PDF (a draft when never signed), every document,
 * and an index in JSON and as a readable PDF.
 */
import { PDFDocument } from 'pdf-lib';
import { safeFileName } from '../../schema/fileName.ts';
import { PageWriter, formatParis, embeddedFonts } from '../documents/pdfText.ts';
import { renderFichePdf } from '../documents/fichePdf.ts';
import { uniqueName, zip, type ZipEntry } from '../documents/zip.ts';
import type { Handlers } from './context.ts';
import { contentDisposition, findDocument, recordedDocuments, requireParticipant } from './documents.ts';
import { fichePdfInput } from './fiche.ts';


export const dossierExportHandlers: Handlers<'dossierExport'> = {
  async dossierExport(req, reply, ctx) {
    const { user, consultation } = requireParticipant(req, ctx, req.params.consultationId);
    const documents = recordedDocuments(ctx, consultation.id);
    const dossier = ctx.documents.dossiers.read(consultation.id);
    const signatures = dossier.signatures.toArray();
    const fiche = dossier.ficheText();
    const state = dossier.signatureState();
    dossier.doc.destroy();

    const taken = new Set<string>();
    const entries: ZipEntry[] = [];
    const last = signatures[signatures.length - 1];
    const signedFiche = last?.documentId ? tryFind(() => findDocument(ctx, consultation.id, last.documentId!)) : undefined;
    if (signedFiche) {
      entries.push({ name: uniqueName(taken, 'fiche-signee.pdf'), data: await ctx.documents.blobs.read(signedFiche.sha256) });
    }
    if (!signedFiche || state !== 'signed') {
      const draft = await renderFichePdf({ ...fichePdfInput(ctx, consultation, fiche), signature: null });
      entries.push({ name: uniqueName(taken, 'fiche-brouillon.pdf'), data: draft });
    }
    const files: { name: string; document: (typeof documents)[number] }[] = [];
    for (const document of documents) {
      const name = uniqueName(taken, `documents/${safeFileName(document.name)}`);
      entries.push({ name, data: await ctx.documents.blobs.read(document.sha256), modified: new Date(document.addedAt) });
      files.push({ name, document });
    }
    const exportedAt = new Date().toISOString();
    const establishment = ctx.store.establishments.get(consultation.establishmentId);
    const index = {
      consultationId: consultation.id,
      establishment: establishment?.name ?? null,
      consultationStart: consultation.start,
      exportedAt,
      exportedBy: user.displayName,
      ficheState: state,
      signatures,
      documents: files.map((f) => ({ file: f.name, ...f.document })),
    };
    entries.push({ name: uniqueName(taken, 'index.json'), data: Buffer.from(JSON.stringify(index, null, 2)) });
    entries.push({ name: uniqueName(taken, 'index.pdf'), data: await indexPdf(index, files) });
    await ctx.documents.audit({ action: 'dossier.export', actor: user.id, consultationId: consultation.id });
    reply.send(200, zip(entries), [
      ['Content-Type', 'application/zip'],
      ['Content-Disposition', contentDisposition(`teledossier-${consultation.start.slice(0, 10)}.zip`, false)],
      ['Cache-Control', 'no-store'],
    ]);
  },
};

function tryFind<T>(find: () => T): T | undefined {
  try {
    return find();
  } catch {
    return undefined;
  }
}

async function indexPdf(
  index: { establishment: string | null; consultationStart: string; exportedAt: string; exportedBy: string; ficheState: string; signatures: { signerName: string; signedAt: string }[] },
  files: { name: string; document: { size: number; addedByName?: string; addedAt: string; signed?: boolean } }[],
): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle('Export du télédossier');
  pdf.setLanguage('fr-FR');
  const w = new PageWriter(pdf, await embeddedFonts(pdf));
  if (index.establishment) w.text(index.establishment, { size: 10 });
  w.text('Export du télédossier', { size: 18, bold: true, gapAfter: 4 });
  w.text(`Téléconsultation du ${formatParis(index.consultationStart)}`);
  w.text(`Exporté le ${formatParis(index.exportedAt)} par ${index.exportedBy}`);
  w.rule();
  w.text('Signatures de la fiche', { bold: true, size: 12 });
  if (index.signatures.length === 0) w.text('Aucune : la fiche jointe est un brouillon.');
  for (const s of index.signatures) w.text(`${s.signerName}, le ${formatParis(s.signedAt)}`);
  if (index.ficheState === 'modifiedAfterSignature') w.text('La fiche a été modifiée après la dernière signature : un brouillon à jour est joint.');
  w.rule();
  w.text('Documents', { bold: true, size: 12 });
  if (files.length === 0) w.text('Aucun document.');
  for (const f of files) {
    const kb = Math.max(1, Math.round(f.document.size / 1024));
    w.text(`${f.name} — ${kb} Ko — ajouté par ${f.document.addedByName ?? '?'} le ${formatParis(f.document.addedAt)}${f.document.signed ? ' — signé' : ''}`);
  }
  return pdf.save();
}
