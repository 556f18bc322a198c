import { describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { renderFichePdf, type FichePdfInput } from './fichePdf.ts';
import { imageToPdf, stampSignature } from './stamp.ts';
import { pdfImageCounts, pdfPageTexts } from '../testing/pdfText.ts';
import { png, samplePdf, signaturePng } from '../testing/images.ts';

const base: Omit<FichePdfInput, 'signature'> = {
  establishmentName: 'EHPAD Les Tilleuls',
  patient: { name: 'Jeanne Dupont', birthDate: '1938-04-12' },
  consultation: { start: '2026-11-25T09:30:00.000Z', reason: 'Plaie au talon droit' },
  fields: [
    { label: 'Motif', text: 'Plaie du talon, évolution défavorable' },
    { label: 'Antécédents', text: 'Diabète de type 2, hypertension « contrôlée »' },
    { label: 'Conclusion', text: 'Œdème modéré ; réévaluer à J+7. Emoji 🙂 remplacé.' },
    { label: 'Prescriptions', text: 'Pansement hydrocolloïde. '.repeat(300) },
  ],
  generatedAt: '2026-11-25T10:00:00.000Z',
};

describe('§7.1.2 the fiche PDF', () => {
  it('a signed fiche carries the fields, accents intact, the signer, RPPS, time and signature image', async () => {
    const bytes = await renderFichePdf({
      ...base,
      signature: {
        signerName: 'Dr Claire Martin',
        rpps: '10003456789',
        signedAt: '2026-11-25T10:00:00.000Z',
        versionHash: 'ab'.repeat(32),
        image: { bytes: signaturePng(), mimeType: 'image/png' },
      },
    });
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getTitle()).toBe('Fiche de téléconsultation');
    expect(pdf.getPageCount()).toBeGreaterThan(1); // the long prescription flows onto a second page
    const text = (await pdfPageTexts(bytes)).join('\n');
    for (const expected of [
      'EHPAD Les Tilleuls',
      'Patient : Jeanne Dupont',
      'Né(e) le 12 avril 1938',
      'Téléconsultation du 25 novembre 2026 à 10:30',
      'Antécédents',
      'Diabète de type 2, hypertension « contrôlée »',
      'Œdème modéré ; réévaluer à J+7.',
      'Signé par Dr Claire Martin',
      'RPPS : 10003456789',
      'Le 25 novembre 2026 à 11:00',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toContain('Emoji ? remplacé.');
    expect(text).not.toContain('BROUILLON');
    const images = await pdfImageCounts(bytes);
    expect(images[images.length - 1]).toBe(1);
  });

  it('«Générer le PDF» without signing gives a draft marked as such', async () => {
    const bytes = await renderFichePdf({ ...base, signature: null });
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getTitle()).toBe('Fiche de téléconsultation (brouillon)');
    const pages = await pdfPageTexts(bytes);
    for (const page of pages) expect(page).toContain('BROUILLON');
    expect(pages.join('\n')).not.toContain('Signé par');
  });
});

describe('§7.1.3 «Appliquer la signature»', () => {
  it('a stamped PDF keeps its pages and gains the stamp on the last one', async () => {
    const original = await samplePdf(3);
    const stamped = await stampSignature({
      pdf: original,
      image: { bytes: signaturePng(), mimeType: 'image/png' },
      signerName: 'Dr Claire Martin',
      signedAt: '2026-11-25T10:00:00.000Z',
    });
    expect((await PDFDocument.load(stamped)).getPageCount()).toBe(3);
    const texts = await pdfPageTexts(stamped);
    expect(texts[0]).toContain('Ordonnance 1');
    expect(texts[2]).toContain('Ordonnance 3');
    expect(texts[2]).toContain('Dr Claire Martin');
    expect(texts[2]).toContain('Signé le 25 novembre 2026 à 11:00');
    expect(await pdfImageCounts(stamped)).toEqual([0, 0, 1]);
  });

  it('an image becomes a one-page PDF', async () => {
    const bytes = await imageToPdf({ bytes: png(300, 200, () => [200, 100, 50]), mimeType: 'image/png' }, 'Photo du talon');
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getPageCount()).toBe(1);
    expect(pdf.getTitle()).toBe('Photo du talon');
    expect(await pdfImageCounts(bytes)).toEqual([1]);
    // Landscape image, landscape page.
    const { width, height } = pdf.getPage(0).getSize();
    expect(width).toBeGreaterThan(height);
  });
});
