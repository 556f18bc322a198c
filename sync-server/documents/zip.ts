/**
 * «Exporter» (SPEC §7.3) as a ZIP written while it is sent (yazl): entries are read one after
 * the other, as streams, so the archive is never held whole in memory and the main thread only
 * ever handles one chunk (64 KiB) at a time. Deflating runs in zlib's streams, on libuv's thread
 * pool, not on the loop.
 *
 * Entries already compressed by their type (PDF, JPEG, PNG, ZIP: `worthDeflating`) are stored:
 * deflating them costs time and saves nothing. Names are UTF-8. ZIP64 records are written when an
 * entry or the archive passes 4 GiB (or always, with `forceZip64`). Times are written twice: the
 * DOS field (local time of the server, what old readers show) and the Info-ZIP «UT» extra field,
 * the UTC Unix time that unzip, 7-Zip and macOS use.
 */
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { safeFileName } from '../../schema/fileName.ts';

export type ZipEntry = {
  name: string;
  modified?: Date;
  /** Deflate this entry (see worthDeflating). */
  compress: boolean;
} & ({ data: Uint8Array } | { size: number; open: () => Promise<Readable> });

/** Types that are compressed already: stored as they are. */
const COMPRESSED_TYPES = new Set(['application/pdf', 'image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/zip', 'video/mp4']);

export function worthDeflating(mimeType: string): boolean {
  return !COMPRESSED_TYPES.has(mimeType);
}

/**
 * An entry's name as written: «file» or «folder/file», each cleaned (schema/fileName.ts), so that
 * no entry unpacks outside the folder it is extracted into, whatever the caller passed. What
 * follows the first «/» is the file name: any further separator in it is a path part, dropped.
 */
export function entryName(name: string): string {
  const slash = name.indexOf('/');
  if (slash < 0) return safeFileName(name);
  return `${safeFileName(name.slice(0, slash))}/${safeFileName(name.slice(slash + 1))}`;
}

export interface ZipStream {
  /** The archive's bytes. Fails (and ends) when an entry's source fails, e.g. a blob whose GCM tag does not verify. */
  output: Readable;
  /** Stops everything: the entry being read is closed and no other is opened. */
  abort(): void;
}

export function zipStream(entries: ZipEntry[], options: { forceZip64?: boolean } = {}): ZipStream {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as unknown as Readable;
  const open = new Set<Readable>();
  let stopped = false;
  const fail = (error: Error): void => {
    if (stopped) return;
    stopped = true;
    for (const source of open) source.destroy();
    output.destroy(error);
  };
  zip.on('error', fail);
  const now = new Date();
  for (const entry of entries) {
    const common = { mtime: entry.modified ?? now, mode: 0o100644, compress: entry.compress, forceZip64Format: options.forceZip64 ?? false };
    const name = entryName(entry.name);
    if ('data' in entry) {
      zip.addBuffer(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength), name, common);
      continue;
    }
    zip.addReadStreamLazy(name, { ...common, size: entry.size }, (done) => {
      if (stopped) return;
      entry.open().then(
        (source) => {
          if (stopped) {
            source.destroy();
            return;
          }
          open.add(source);
          source.once('close', () => open.delete(source));
          source.once('error', fail);
          done(null, source);
        },
        (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }
  zip.end({ forceZip64Format: options.forceZip64 ?? false, comment: '' });
  return { output, abort: () => fail(new Error('export aborted')) };
}

/** The whole archive in memory: for tests and small archives only. */
export async function zipToBuffer(entries: ZipEntry[], options: { forceZip64?: boolean } = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of zipStream(entries, options).output) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Unique names inside one archive: «a.pdf», «a (2).pdf», ... */
export function uniqueName(taken: Set<string>, name: string): string {
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = name.replace(/(\.[^.]*)?$/, ` (${i})$1`);
  taken.add(candidate);
  return candidate;
}
