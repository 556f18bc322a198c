/**
 * What a PDF worker thread runs (pdfPool.ts): one rendering or stamping job, its bytes handed back
 * without a copy. pdf-lib is synchronous for long stretches (parsing a 25 MB PDF, embedding a
 * photo, saving): here it holds this thread, not the loop that serves every socket.
 */
import Piscina from 'piscina';
import { renderFichePdf, type FichePdfInput, type SignatureImage } from './fichePdf.ts';
import { imageToPdf, stampSignature, type StampInput } from './stamp.ts';
import { renderExportIndexPdf, type ExportIndexInput } from './exportIndexPdf.ts';

export type PdfJob =
  | { kind: 'fiche'; input: FichePdfInput }
  | { kind: 'stamp'; input: StampInput }
  | { kind: 'imageToPdf'; image: SignatureImage; title: string }
  | { kind: 'exportIndex'; input: ExportIndexInput }
  /** For the tests: a job that holds its thread busy for `ms`, then fails if asked, or eats memory until its cap. */
  | { kind: 'probe'; ms: number; fail?: boolean; hog?: boolean };

async function render(job: PdfJob): Promise<Uint8Array> {
  switch (job.kind) {
    case 'fiche':
      return renderFichePdf(job.input);
    case 'stamp':
      return stampSignature(job.input);
    case 'imageToPdf':
      return imageToPdf(job.image, job.title);
    case 'exportIndex':
      return renderExportIndexPdf(job.input);
    case 'probe': {
      const until = Date.now() + job.ms;
      while (Date.now() < until); // busy on purpose: a stand-in for pdf-lib's synchronous work
      if (job.fail) throw new Error('probe failed');
      const held: number[][] = [];
      while (job.hog) held.push(new Array<number>(1_000_000).fill(held.length));
      return new Uint8Array([1]);
    }
  }
}

export default async function run(job: PdfJob): Promise<unknown> {
  const bytes = await render(job);
  // pdf-lib's output owns its ArrayBuffer: moved to the main thread, not copied.
  return Piscina.move(bytes);
}
