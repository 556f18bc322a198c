/**
 * What a file is, from its first bytes and never from its name (SPEC §9). Accepted: PDF, PNG,
 * JPEG. HEIC (iPhone photos) is recognised so that the refusal can say what to do.
 */
export type AcceptedType = 'application/pdf' | 'image/png' | 'image/jpeg';

export type Detected = { ok: true; mimeType: AcceptedType } | { ok: false; reason: 'heic' | 'unknown' };

/** Bytes needed to decide. */
export const SNIFF_BYTES = 16;

const startsWith = (bytes: Uint8Array, signature: number[], at = 0): boolean =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

export function detectType(head: Uint8Array): Detected {
  if (startsWith(head, ascii('%PDF-'))) return { ok: true, mimeType: 'application/pdf' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { ok: true, mimeType: 'image/png' };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { ok: true, mimeType: 'image/jpeg' };
  // ISO-BMFF: size (4) 'ftyp' brand; HEIC/HEIF brands.
  if (startsWith(head, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...head.subarray(8, 12));
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'avif'].includes(brand)) {
      return { ok: false, reason: 'heic' };
    }
  }
  return { ok: false, reason: 'unknown' };
}

export const REFUSAL_MESSAGES: Record<'heic' | 'unknown', string> = {
  heic:
    'Les photos HEIC (iPhone) ne sont pas acceptées. Sur l’iPhone, choisissez Réglages › Appareil photo › Formats › « Le plus compatible », ou envoyez la photo en JPEG.',
  unknown: 'Ce type de fichier n’est pas accepté. Formats acceptés : PDF, PNG et JPEG.',
};

export const EXTENSIONS: Record<AcceptedType, string> = {
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
};
