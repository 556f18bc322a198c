import { describe, expect, it } from 'vitest';
import { MAX_FILE_NAME, safeFileName } from './fileName.ts';

describe('§9 #11 a file name is one clean segment', () => {
  it('keeps an ordinary name, accents and spaces included', () => {
    expect(safeFileName('Ordonnance été.pdf')).toBe('Ordonnance été.pdf');
    expect(safeFileName('Compte rendu (2).pdf')).toBe('Compte rendu (2).pdf');
  });

  it('drops path parts, even behind a leading newline or other control character', () => {
    expect(safeFileName('\n../../../tmp/x.pdf')).toBe('x.pdf');
    expect(safeFileName('\r\n..\\..\\windows\\x.pdf')).toBe('x.pdf');
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('a/\u0000/b.pdf')).toBe('b.pdf');
    expect(safeFileName('dir/')).toBe('document');
  });

  it('removes every control and format character, bidi overrides included', () => {
    expect(safeFileName('\u202Efdp.exe')).toBe('fdp.exe');
    expect(safeFileName('a\u200Bb\u2066c\u2069\u061C.pdf')).toBe('abc.pdf');
    expect(safeFileName('a\u0007b\u007f\u0085c\u2028d.pdf')).toBe('abcd.pdf');
    expect(safeFileName('x\tb.pdf')).toBe('xb.pdf');
  });

  it('removes leading dots (no «..», no hidden file), trailing dots and spaces, and Windows-reserved characters', () => {
    expect(safeFileName('..')).toBe('document');
    expect(safeFileName('...pdf')).toBe('pdf');
    expect(safeFileName('.bashrc')).toBe('bashrc');
    expect(safeFileName(' rapport.pdf . ')).toBe('rapport.pdf');
    expect(safeFileName('a<b>c:d|e*f?g"h.pdf')).toBe('abcdefgh.pdf');
  });

  it('caps the length, keeping the extension', () => {
    const long = safeFileName(`${'é'.repeat(400)}.pdf`);
    expect(Array.from(long)).toHaveLength(MAX_FILE_NAME);
    expect(long.endsWith('é.pdf')).toBe(true);
    // Cut between characters, never inside a surrogate pair.
    const emoji = safeFileName('😀'.repeat(300));
    expect(Array.from(emoji)).toHaveLength(MAX_FILE_NAME);
    expect(emoji).toBe('😀'.repeat(MAX_FILE_NAME));
  });

  it('falls back when nothing is left', () => {
    expect(safeFileName(null)).toBe('document');
    expect(safeFileName('\u202E\n', 'fichier')).toBe('fichier');
  });
});
