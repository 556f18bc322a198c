/**
 * Receiving an uploaded file (SPEC §9): streamed into the encrypted blob store, its type read
 * from its first bytes, its size capped while it arrives. Bad input leaves nothing stored.
 */
import type { Blobs, StoredBlob } from '../store/contract.ts';
import { REFUSAL_MESSAGES, SNIFF_BYTES, detectType, type AcceptedType } from '../documents/fileType.ts';
import { HttpError, type Request } from './reply.ts';

export interface ReceivedFile extends StoredBlob {
  mimeType: AcceptedType;
}

export const megabytes = (bytes: number): string => `${Math.round((bytes / 1024 / 1024) * 10) / 10} Mo`;

export function tooLarge(max: number): HttpError {
  return new HttpError(413, 'too_large', `Le fichier dépasse la taille maximale autorisée (${megabytes(max)}).`);
}

/** Refuses at once a request that announces more than `max` bytes. */
export function checkDeclaredLength(req: Request, max: number): void {
  const declared = Number(req.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
}

export async function receiveUpload(
  body: AsyncIterable<Buffer>,
  blobs: Blobs,
  max: number,
  accept: readonly AcceptedType[],
  wrongTypeMessage: string = REFUSAL_MESSAGES.unknown,
): Promise<ReceivedFile> {
  const writer = blobs.begin();
  let head = Buffer.alloc(0);
  let mimeType: AcceptedType | null = null;
  try {
    for await (const chunk of body) {
      if (writer.size + chunk.byteLength > max) throw tooLarge(max);
      if (!mimeType) {
        head = Buffer.concat([head, chunk]);
        if (head.byteLength < SNIFF_BYTES) continue;
        mimeType = accepted(head, accept, wrongTypeMessage);
        await writer.write(head);
        continue;
      }
      await writer.write(chunk);
    }
    if (!mimeType) {
      if (head.byteLength === 0) throw new HttpError(400, 'empty', 'Le fichier est vide.');
      mimeType = accepted(head, accept, wrongTypeMessage);
      await writer.write(head);
    }
    const stored = await writer.finish();
    return { ...stored, mimeType };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

function accepted(head: Uint8Array, accept: readonly AcceptedType[], wrongTypeMessage: string): AcceptedType {
  const detected = detectType(head);
  if (!detected.ok && detected.reason === 'heic') throw new HttpError(415, 'refused_heic', REFUSAL_MESSAGES.heic);
  if (!detected.ok || !accept.includes(detected.mimeType)) {
    throw new HttpError(415, 'refused_type', wrongTypeMessage);
  }
  return detected.mimeType;
}
