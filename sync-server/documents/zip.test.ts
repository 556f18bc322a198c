import { describe, expect, it } from 'vitest';
import { entryName, zipToBuffer } from './zip.ts';

describe('§9 #11 ZIP entry names', () => {
  it('keep their folders but never a path part, a control character or a leading dot', () => {
    expect(entryName('documents/Ordonnance été.pdf')).toBe('documents/Ordonnance été.pdf');
    expect(entryName('documents/\n../../../tmp/x.pdf')).toBe('documents/x.pdf');
    expect(entryName('../x.pdf')).toBe('document/x.pdf');
    expect(entryName('documents/\u202Efdp.exe')).toBe('documents/fdp.exe');
  });

  it('are written cleaned, whatever the caller passed', async () => {
    const archive = await zipToBuffer([{ name: 'documents/\n../../etc/passwd', compress: true, data: Buffer.from('x') }]);
    expect(archive.includes(Buffer.from('documents/passwd'))).toBe(true);
    expect(archive.includes(Buffer.from('..'))).toBe(false);
  });
});
