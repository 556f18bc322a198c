/**
 * A minimal ZIP writer for «Exporter» (SPEC §7.3): no zip package is a dependency, and the format
 * needed here is small. Entries are deflated (node:zlib) unless that does not make them smaller
 * (PDFs and JPEGs are already compressed), names are UTF-8 (flag bit 11), no ZIP64: an export
 * stays far below 4 GB (documents are capped at 25 MB each).
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { safeFileName } from '../../schema/fileName.ts';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
  modified?: Date;
}

function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
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

export function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entryName(entry.name), 'utf8');
    const raw = Buffer.from(entry.data);
    const deflated = deflateRawSync(raw);
    const stored = deflated.byteLength >= raw.byteLength;
    const body = stored ? raw : deflated;
    const crc = crc32(raw) >>> 0;
    const { time, date } = dosDateTime(entry.modified ?? new Date());
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.byteLength, 18);
    local.writeUInt32LE(raw.byteLength, 22);
    local.writeUInt16LE(name.byteLength, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    // Made by Unix (3): unzip then reads names by the UTF-8 flag, not as DOS code page 437.
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.byteLength, 20);
    central.writeUInt32LE(raw.byteLength, 24);
    central.writeUInt16LE(name.byteLength, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.byteLength + name.byteLength + body.byteLength;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.byteLength, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Unique names inside one archive: «a.pdf», «a (2).pdf», ... */
export function uniqueName(taken: Set<string>, name: string): string {
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = name.replace(/(\.[^.]*)?$/, ` (${i})$1`);
  taken.add(candidate);
  return candidate;
}
