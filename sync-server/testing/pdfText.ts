/**
 * Reads back the text a pdf-lib PDF draws: each `<hex> Tj` string of the pages' content streams,
 * decoded through the current font's ToUnicode map (embedded fonts: two-byte glyph ids) or from
 * WinAnsi (standard fonts). Enough to prove in a test that a word, accents included, is on the page.
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

/** glyph id (hex) → text, from a ToUnicode CMap's bfchar entries (what pdf-lib writes). */
function toUnicodeMap(cmap: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, glyph, unicode] of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      map.set(glyph!.toLowerCase(), Buffer.from(unicode!, 'hex').swap16().toString('utf16le'));
    }
  }
  return map;
}

/** Font resource name → ToUnicode map, for the page's fonts that have one. */
function pageFonts(pdf: PDFDocument, page: ReturnType<PDFDocument['getPages']>[number]): Map<string, Map<string, string>> {
  const fonts = new Map<string, Map<string, string>>();
  const dict = page.node.Resources()?.lookup(PDFName.of('Font'));
  if (!(dict instanceof PDFDict)) return fonts;
  for (const [name, ref] of dict.entries()) {
    const font = pdf.context.lookup(ref);
    if (!(font instanceof PDFDict)) continue;
    const toUnicode = font.get(PDFName.of('ToUnicode'));
    const stream = toUnicode ? pdf.context.lookup(toUnicode) : undefined;
    if (stream instanceof PDFStream) fonts.set(name.asString(), toUnicodeMap(streamBytes(stream).toString('latin1')));
  }
  return fonts;
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
    const fonts = pageFonts(pdf, page);
    let current: Map<string, string> | undefined;
    const strings: string[] = [];
    for (const m of ops.matchAll(/(\/[^\s/]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj/g)) {
      if (m[1]) {
        current = fonts.get(m[1]);
        continue;
      }
      const hex = m[2]!;
      if (!current) {
        strings.push(winAnsi(Buffer.from(hex, 'hex')));
        continue;
      }
      let text = '';
      for (let i = 0; i < hex.length; i += 4) text += current.get(hex.slice(i, i + 4).toLowerCase()) ?? '\ufffd';
      strings.push(text);
    }
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
