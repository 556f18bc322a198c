/**
 * «Appliquer la signature» (SPEC §7.1.3): the user's signature image, with their name and the
 * date, stamped on the last page of a PDF, bottom right, where prescriptions are signed. The
 * result is a new document: the original stays as it was.
 */
import { PDFDocument, rgb } from 'pdf-lib';
import { drawable, formatParis, embeddedFonts } from './pdfText.ts';
import type { SignatureImage } from './fichePdf.ts';

export interface StampInput {
  pdf: Uint8Array;
  image: SignatureImage;
  signerName: string;
  signedAt: string;
}

export async function stampSignature(input: StampInput): Promise<Uint8Array> {
  // Encrypted PDFs cannot be re-signed faithfully; pdf-lib refuses them by default and so do we.
  const pdf = await PDFDocument.load(input.pdf, { updateMetadata: false });
  const fonts = await embeddedFonts(pdf);
  const page = pdf.getPage(pdf.getPageCount() - 1);
  const { width } = page.getSize();
  const image = input.image.mimeType === 'image/png' ? await pdf.embedPng(input.image.bytes) : await pdf.embedJpg(input.image.bytes);
  const box = { width: 190, height: 90 };
  const margin = 36;
  const x = width - margin - box.width;
  const y = margin;
  const size = 8;
  const scaled = image.scaleToFit(box.width, box.height - 2 * size * 1.4);
  page.drawImage(image, { x, y: y + 2 * size * 1.4, width: scaled.width, height: scaled.height });
  const color = rgb(0.1, 0.1, 0.12);
  page.drawText(drawable(fonts.regular, input.signerName), { x, y: y + size * 1.4, size, font: fonts.regular, color });
  page.drawText(drawable(fonts.regular, `Signé le ${formatParis(input.signedAt)}`), { x, y, size, font: fonts.regular, color });
  pdf.setModificationDate(new Date(input.signedAt));
  return pdf.save();
}

/** A photo or scan as a one-page A4 PDF, the image fitted inside the margins. */
export async function imageToPdf(image: SignatureImage, title: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(title);
  pdf.setCreator('Relais');
  const embedded = image.mimeType === 'image/png' ? await pdf.embedPng(image.bytes) : await pdf.embedJpg(image.bytes);
  const landscape = embedded.width > embedded.height;
  const [pw, ph] = landscape ? [841.89, 595.28] : [595.28, 841.89];
  const page = pdf.addPage([pw, ph]);
  const margin = 28;
  const scaled = embedded.scaleToFit(pw - 2 * margin, ph - 2 * margin);
  page.drawImage(embedded, { x: (pw - scaled.width) / 2, y: (ph - scaled.height) / 2, width: scaled.width, height: scaled.height });
  return pdf.save();
}
