import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryName, worthDeflating, zipStream, zipToBuffer, type ZipEntry } from './zip.ts';

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

describe('§7.3 the export ZIP as written (yazl), read back by unzip', () => {
  const read = (archive: Buffer) => {
    const file = join(mkdtempSync(join(tmpdir(), 'relais-zip-')), 'x.zip');
    writeFileSync(file, archive);
    return {
      test: execFileSync('unzip', ['-t', file], { encoding: 'utf8' }),
      verbose: execFileSync('zipinfo', ['-v', file], { encoding: 'utf8' }),
    };
  };
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(50_000, 'a')]);
  const entries = () =>
    [
      { name: 'documents/scan.pdf', compress: worthDeflating('application/pdf'), modified: new Date('2026-03-01T23:30:00Z'), data: pdf },
      { name: 'documents/photo.jpg', compress: worthDeflating('image/jpeg'), size: pdf.byteLength, open: () => Promise.resolve(Readable.from([pdf.subarray(0, 1000), pdf.subarray(1000)])) },
      { name: 'index.json', compress: worthDeflating('application/json'), data: Buffer.from(JSON.stringify({ a: 'b'.repeat(5000) })) },
    ] satisfies ZipEntry[];

  it('stores PDFs and JPEGs as they are, deflates the rest, and keeps the UTC time of each file', async () => {
    const { test, verbose } = read(await zipToBuffer(entries()));
    expect(test).toContain('No errors detected');
    const methods = [...verbose.matchAll(/compression method:\s+(\w+)/g)].map((m) => m[1]);
    expect(methods).toEqual(['none', 'none', 'deflated']);
    // The Info-ZIP «UT» field: the UTC time, whatever the server's time zone.
    expect(verbose).toContain('2026 Mar 1 23:30:00 UTC');
    expect(verbose).not.toMatch(/zip64/i);
  });

  it('writes ZIP64 records when asked (as it does past 4 GiB), and unzip still reads it', async () => {
    const archive = await zipToBuffer(entries(), { forceZip64: true });
    const eocd64 = Buffer.from([0x50, 0x4b, 0x06, 0x06]);
    const locator64 = Buffer.from([0x50, 0x4b, 0x06, 0x07]);
    expect(archive.includes(eocd64) && archive.includes(locator64)).toBe(true);
    expect(read(archive).test).toContain('No errors detected');
  });

  it('fails, rather than ending cleanly, when a source fails half-way (a blob whose tag does not verify)', async () => {
    const failing = zipStream([
      { name: 'a.pdf', compress: false, size: 2000, open: () => Promise.resolve(Readable.from((function* () { yield pdf.subarray(0, 1000); throw new Error('blob failed authentication'); })())) },
    ]);
    await expect(async () => {
      for await (const chunk of failing.output) void chunk;
    }).rejects.toThrow('blob failed authentication');
  });
});
