/**
 * The fiche de téléconsultation as an A4 PDF (SPEC §7.1.2): the establishment, the patient's
 * identity, the consultation date, each field, and either the signature block (signer's name,
 * RPPS, time, signature image) or a «BROUILLON» mark when the fiche is not signed.
 */
import { PDFDocument, rgb, degrees } from 'pdf-lib';
import { A4, MARGIN, PageWriter, formatParis, formatParisDay, embeddedFonts } from './pdfText.ts';

export interface SignatureImage {
  bytes: Uint8Array;
  mimeType: 'image/png' | 'image/jpeg';
}

export interface FichePdfInput {
  establishmentName: string;
  /** `birthDate`: '' while the identity is not filled in. */
  patient: { name: string; birthDate: string };
  consultation: { start: string; reason: string };
  fields: { label: string; text: string }[];
  /** Null for a draft («Générer le PDF» without signing). */
  signature: {
    signerName: string;
    rpps: string | null;
    signedAt: string;
    versionHash: string;
    image: SignatureImage | null;
  } | null;
  generatedAt: string;
}

export const FICHE_PDF_TITLE = 'Fiche de téléconsultation';

export async function renderFichePdf(input: FichePdfInput): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const draft = input.signature === null;
  pdf.setTitle(draft ? `${FICHE_PDF_TITLE} (brouillon)` : FICHE_PDF_TITLE);
  pdf.setSubject(`${input.patient.name} — ${formatParis(input.consultation.start)}`);
  pdf.setAuthor(input.signature?.signerName ?? input.establishmentName);
  pdf.setCreator('Relais');
  pdf.setProducer('Relais (pdf-lib)');
  pdf.setLanguage('fr-FR');
  pdf.setCreationDate(new Date(input.generatedAt));
  pdf.setModificationDate(new Date(input.generatedAt));
  pdf.setKeywords(draft ? ['brouillon'] : ['signé', input.signature!.versionHash]);

  const fonts = await embeddedFonts(pdf);
  const w = new PageWriter(pdf, fonts);
  const muted = rgb(0.35, 0.37, 0.42);

  w.text(input.establishmentName, { size: 10, color: muted, gapAfter: 4 });
  w.text(FICHE_PDF_TITLE, { size: 18, bold: true, gapAfter: 2 });
  if (draft) w.text('BROUILLON — non signé', { size: 11, bold: true, color: rgb(0.7, 0.1, 0.1), gapAfter: 2 });
  w.rule();
  w.text(`Patient : ${input.patient.name}`, { bold: true });
  // A patient invited by phone (SPEC §7.4) has no birth date until the identity is completed.
  w.text(input.patient.birthDate ? `Né(e) le ${formatParisDay(input.patient.birthDate)}` : 'Date de naissance : non renseignée');
  w.text(`Téléconsultation du ${formatParis(input.consultation.start)}`);
  if (input.consultation.reason) w.text(`Motif de la demande : ${input.consultation.reason}`);
  w.rule();

  for (const field of input.fields) {
    w.ensure(40);
    w.y -= 6;
    w.text(field.label, { size: 12, bold: true, gapAfter: 2 });
    w.text(field.text.trim() === '' ? '—' : field.text, { gapAfter: 4 });
  }

  if (input.signature) {
    const s = input.signature;
    const imageHeight = 60;
    w.ensure(110 + imageHeight);
    w.rule();
    w.text(`Signé par ${s.signerName}`, { bold: true });
    w.text(`RPPS : ${s.rpps ?? 'non renseigné'}`);
    w.text(`Le ${formatParis(s.signedAt)}`);
    w.text(`Empreinte de la version signée : ${s.versionHash.slice(0, 16)}`, { size: 8, color: muted, gapAfter: 6 });
    if (s.image) {
      const image = s.image.mimeType === 'image/png' ? await pdf.embedPng(s.image.bytes) : await pdf.embedJpg(s.image.bytes);
      const scaled = image.scaleToFit(200, imageHeight);
      w.y -= scaled.height;
      w.page.drawImage(image, { x: MARGIN, y: w.y, width: scaled.width, height: scaled.height });
    }
  }

  const pages = pdf.getPages();
  pages.forEach((page, i) => {
    page.drawText(`${i + 1} / ${pages.length}`, { x: A4[0] - MARGIN - 30, y: MARGIN / 2, size: 8, font: fonts.regular, color: muted });
    if (draft) {
      page.drawText('BROUILLON', {
        x: 150,
        y: 300,
        size: 90,
        font: fonts.bold,
        color: rgb(0.85, 0.2, 0.2),
        opacity: 0.12,
        rotate: degrees(45),
      });
    }
  });
  return pdf.save();
}
