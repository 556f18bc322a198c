/**
 * Reads back the text a pdf-lib PDF draws with its standard fonts: each `<hex> Tj` string of the
 * pages' content streams, decoded from WinAnsi (Latin-1 for every French letter). Enough to prove
 * in a test that a word, accents included, is on the page.
 */
import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDocument, PDFName, PDFRawStream, PDFStream, PDFDict } from 'pdf-lib';

/** Windows-1252 (WinAnsi) 0x80–0x9F; the rest is Latin-1. */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function winAnsi(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
  return out;
}

function streamBytes(stream: PDFStream): Buffer {
  if (!(stream instanceof PDFRawStream)) return Buffer.alloc(0);
  const filter = stream.dict.get(PDFName.of('Filter'));
  const raw = Buffer.from(stream.contents);
  return filter === PDFName.of('FlateDecode') ? inflateSync(raw) : raw;
}

export async function pdfPageTexts(bytes: Uint8Array): Promise<string[]> {
  const pdf = await PDFDocument.load(bytes);
  return pdf.getPages().map((page) => {
    const contents = page.node.get(PDFName.of('Contents'));
    const resolved = contents ? pdf.context.lookup(contents) : undefined;
    const streams: PDFStream[] = [];
    if (resolved instanceof PDFArray) {
      for (let i = 0; i < resolved.size(); i++) {
        const s = pdf.context.lookup(resolved.get(i));
        if (s instanceof PDFStream) streams.push(s);
      }
    } else if (resolved instanceof PDFStream) streams.push(resolved);
    const ops = streams.map((s) => streamBytes(s).toString('latin1')).join('\n');
    const strings = [...ops.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)].map((m) => winAnsi(Buffer.from(m[1]!, 'hex')));
    return strings.join('\n');
  });
}

/** Number of images drawn on each page (XObjects of subtype Image in its resources). */
export async function pdfImageCounts(bytes: Uint8Array): Promise<number[]> {
  const pdf = await PDFDocument.load(bytes);
  return pdf.getPages().map((page) => {
    const resources = page.node.Resources();
    const xobjects = resources?.lookup(PDFName.of('XObject'));
    if (!(xobjects instanceof PDFDict)) return 0;
    let count = 0;
    for (const [, ref] of xobjects.entries()) {
      const obj = pdf.context.lookup(ref);
      if (obj instanceof PDFStream && obj.dict.get(PDFName.of('Subtype')) === PDFName.of('Image')) count++;
    }
    return count;
  });
}
