/**
 * Writing French text on PDF pages with pdf-lib: line wrapping, page breaks, and the characters a
 * standard font can draw.
 *
 * Why Helvetica (a standard font, WinAnsi encoding) and not an embedded TTF: pdf-lib embeds custom
 * fonts only through @pdf-lib/fontkit, which is not a dependency. WinAnsi holds every French
 * letter (é è ê ë à â ç î ï ô œ ù û ü ÿ, « », ’, €), so accents are correct; a character outside
 * it (emoji, other scripts) is drawn as '?' rather than failing the whole PDF.
 */
import { PDFDocument, PDFFont, PDFPage, StandardFonts, rgb, type RGB } from 'pdf-lib';

export const A4: [number, number] = [595.28, 841.89];
export const MARGIN = 56;

export interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

export async function standardFonts(pdf: PDFDocument): Promise<Fonts> {
  return {
    regular: await pdf.embedFont(StandardFonts.Helvetica),
    bold: await pdf.embedFont(StandardFonts.HelveticaBold),
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
