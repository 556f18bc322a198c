/**
 * The readable index of «Exporter» (SPEC §7.3): who exported the télédossier, its signatures and
 * its documents, as a PDF. Rendered in the PDF worker pool (pdfPool.ts), like every PDF.
 */
import { PDFDocument } from 'pdf-lib';
import { PageWriter, formatParis, embeddedFonts } from './pdfText.ts';

export interface ExportIndexInput {
  index: { establishment: string | null; consultationStart: string; exportedAt: string; exportedBy: string; ficheState: string; signatures: { signerName: string; signedAt: string }[] };
  files: { name: string; document: { size: number; addedByName?: string; addedAt: string; signed?: boolean } }[];
}

export async function renderExportIndexPdf({ index, files }: ExportIndexInput): Promise<Uint8Array> {
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
