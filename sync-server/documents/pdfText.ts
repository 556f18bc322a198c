/**
 * Writing French text on PDF pages with pdf-lib: line wrapping, page breaks, and the characters a
 * font can draw.
 *
 * Why an embedded DejaVu Sans (subset) rather than a standard font: the PDF is an archive of a
 * medical record, read years later on any reader; an embedded font draws every French letter and
 * most scripts the same everywhere. A character the font lacks (emoji) is drawn as '?' rather than
 * failing the whole PDF.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, PDFFont, PDFPage, rgb, type RGB } from 'pdf-lib';

export const A4: [number, number] = [595.28, 841.89];
export const MARGIN = 56;

export interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

const require = createRequire(import.meta.url);
let fontFiles: Promise<[Uint8Array, Uint8Array]> | null = null;

/** The TTF bytes, read once per process. */
function loadFontFiles(): Promise<[Uint8Array, Uint8Array]> {
  fontFiles ??= Promise.all([
    readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  ]);
  return fontFiles;
}

/** DejaVu Sans regular and bold, embedded as subsets (only the glyphs used go into the file). */
export async function embeddedFonts(pdf: PDFDocument): Promise<Fonts> {
  const [regular, bold] = await loadFontFiles();
  pdf.registerFontkit(fontkit);
  return {
    regular: await pdf.embedFont(regular, { subset: true }),
    bold: await pdf.embedFont(bold, { subset: true }),
  };
}

/** `text` with what `font` cannot encode replaced, after Unicode composition (e + ◌̀ → è). */
export function drawable(font: PDFFont, text: string): string {
  const supported = new Set(font.getCharacterSet());
  let out = '';
  for (const ch of text.normalize('NFC').replace(/\t/g, '    ')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || supported.has(cp)) out += ch;
    else if (cp === 0x202f || cp === 0x00a0) out += ' ';
    else out += '?';
  }
  return out;
}

/** Splits `text` into lines no wider than `width` (words longer than a line are cut). */
export function wrap(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of drawable(font, text).split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      const candidate = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > width && rest.length > 1) {
        let cut = rest.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

/** A cursor that writes top to bottom and adds A4 pages as needed. */
export class PageWriter {
  page: PDFPage;
  y: number;

  constructor(
    readonly pdf: PDFDocument,
    readonly fonts: Fonts,
  ) {
    this.page = pdf.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  get width(): number {
    return A4[0] - 2 * MARGIN;
  }

  ensure(height: number): void {
    if (this.y - height >= MARGIN) return;
    this.page = this.pdf.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  text(text: string, options: { size?: number; bold?: boolean; color?: RGB; gapAfter?: number } = {}): void {
    const size = options.size ?? 10.5;
    const font = options.bold ? this.fonts.bold : this.fonts.regular;
    const lineHeight = size * 1.35;
    for (const line of wrap(font, size, text, this.width)) {
      this.ensure(lineHeight);
      this.y -= lineHeight;
      this.page.drawText(line, { x: MARGIN, y: this.y + size * 0.25, size, font, color: options.color ?? rgb(0.1, 0.1, 0.12) });
    }
    this.y -= options.gapAfter ?? 0;
  }

  rule(): void {
    this.ensure(10);
    this.y -= 5;
    this.page.drawLine({
      start: { x: MARGIN, y: this.y },
      end: { x: A4[0] - MARGIN, y: this.y },
      thickness: 0.6,
      color: rgb(0.75, 0.77, 0.8),
    });
    this.y -= 5;
  }
}

const PARIS = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  dateStyle: 'long',
  timeStyle: 'short',
});
const PARIS_DAY = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long' });

export const formatParis = (iso: string): string => PARIS.format(new Date(iso));
export const formatParisDay = (iso: string): string => PARIS_DAY.format(new Date(`${iso.slice(0, 10)}T12:00:00Z`));
