/**
 * Uploaded bytes at rest (SPEC §9): encrypted with AES-256-GCM, addressed by the sha-256 of their
 * plaintext, streamed in and out so a 25 MB upload is never held whole in memory.
 *
 * On disk: `<dataDir>/blobs/<2 hex>/<64 hex>`, where the name is an HMAC of the content hash under
 * the key, so that the directory listing does not confirm that a known file is stored. A file is
 * `MAGIC (4) | IV (12) | ciphertext | GCM tag (16)`. Writes go to `blobs/tmp/` first and are renamed
 * into place only when complete: a killed upload leaves a temp file, which the next start removes.
 *
 * The key: the master key itself (auth/secrets.ts loadMasterKey; the store's key is derived from
 * it). Blob files are 0600 in 0700 directories.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, type WriteStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { BlobWriter, Blobs, StoredBlob } from '../store/contract.ts';

export { loadMasterKey } from '../auth/secrets.ts';

const MAGIC = Buffer.from('RLB1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + IV_BYTES;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export class BlobTamperedError extends Error {
  constructor() {
    super('blob failed authentication');
  }
}

export type { BlobWriter, StoredBlob };

/** Where the blob of `sha256` lives under `<dataDir>/blobs/` (store/backup.ts copies by it). */
export function blobFilePath(key: Buffer, sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new Error('not a sha-256');
  const name = createHmac('sha256', key).update(sha256).digest('hex');
  return join(name.slice(0, 2), name);
}

/** Bytes held in memory stored through a writer (both backends' `put`): finished, or aborted on failure. */
export async function writeWhole(writer: BlobWriter, bytes: Uint8Array): Promise<StoredBlob> {
  try {
    await writer.write(bytes);
    return await writer.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

export class BlobStore implements Blobs {
  private readonly root: string;
  private readonly tmp: string;

  constructor(
    dataDir: string,
    private readonly key: Buffer,
  ) {
    this.root = join(dataDir, 'blobs');
    this.tmp = join(this.root, 'tmp');
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 });
  }

  /** Removes what interrupted uploads left behind. Call at start, before any upload. */
  async sweepTemp(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 });
  }

  private pathOf(sha256: string): string {
    return join(this.root, blobFilePath(this.key, sha256));
  }

  begin(): BlobWriter {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const hash: Hash = createHash('sha256');
    const tmpPath = join(this.tmp, randomBytes(16).toString('hex'));
    const out: WriteStream = createWriteStream(tmpPath, { mode: 0o600 });
    let size = 0;
    let closed = false;
    const failure: { error: Error | null } = { error: null };
    out.on('error', (error) => {
      failure.error = error;
    });
    const put = (bytes: Buffer): Promise<void> =>
      new Promise((resolve, reject) => {
        if (failure.error) return reject(failure.error);
        if (out.write(bytes)) resolve();
        else out.once('drain', resolve);
      });
    const end = (): Promise<void> =>
      new Promise((resolve, reject) => {
        out.end((error?: Error | null) => (error ? reject(error) : resolve()));
      });
    const header = put(Buffer.concat([MAGIC, iv]));
    return {
      get size() {
        return size;
      },
      write: async (chunk) => {
        await header;
        size += chunk.byteLength;
        hash.update(chunk);
        await put(cipher.update(chunk));
      },
      finish: async () => {
        await header;
        await put(Buffer.concat([cipher.final(), cipher.getAuthTag()]));
        await end();
        closed = true;
        const sha256 = hash.digest('hex');
        const final = this.pathOf(sha256);
        mkdirSync(join(final, '..'), { recursive: true, mode: 0o700 });
        // Same content already stored: keep the existing file (its bytes decrypt to the same).
        if (existsSync(final)) await unlink(tmpPath);
        else await rename(tmpPath, final);
        return { sha256, size };
      },
      abort: async () => {
        if (!closed) {
          closed = true;
          // Wait for 'close': a stream destroyed while its file is still opening creates the file
          // afterwards, and an rm before that would leave it behind.
          const gone = new Promise<void>((resolve) => out.once('close', () => resolve()));
          out.destroy();
          await gone;
        }
        await rm(tmpPath, { force: true });
      },
    };
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    return writeWhole(this.begin(), bytes);
  }

  async has(sha256: string): Promise<boolean> {
    return existsSync(this.pathOf(sha256));
  }

  /** Plaintext size, or null when the blob is absent. */
  async size(sha256: string): Promise<number | null> {
    try {
      const s = await stat(this.pathOf(sha256));
      return s.size - HEADER_BYTES - TAG_BYTES;
    } catch {
      return null;
    }
  }

  /**
   * The plaintext as a stream. GCM authenticates at the end: a tampered file makes the stream
   * fail with BlobTamperedError after its last chunk, so a caller that streams to a client must
   * abort the response on error (the client then sees a broken download, never a silent one).
   */
  async openStream(sha256: string): Promise<Readable> {
    const path = this.pathOf(sha256);
    const { size } = await stat(path);
    if (size < HEADER_BYTES + TAG_BYTES) throw new BlobTamperedError();
    const handle = await open(path, 'r');
    const head = Buffer.alloc(HEADER_BYTES);
    const tag = Buffer.alloc(TAG_BYTES);
    try {
      await handle.read(head, 0, HEADER_BYTES, 0);
      await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
    } finally {
      await handle.close();
    }
    if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new BlobTamperedError();
    const decipher = createDecipheriv('aes-256-gcm', this.key, head.subarray(MAGIC.length));
    decipher.setAuthTag(tag);
    const decrypt = new Transform({
      transform(chunk: Buffer, _enc, done) {
        done(null, decipher.update(chunk));
      },
      flush(done) {
        try {
          done(null, decipher.final());
        } catch {
          done(new BlobTamperedError());
        }
      },
    });
    const source = createReadStream(path, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 });
    source.on('error', (error) => decrypt.destroy(error));
    return source.pipe(decrypt);
  }

  /** The whole plaintext, authenticated before it is returned. For small blobs (PDF rendering). */
  async read(sha256: string): Promise<Buffer> {
    const stream = await this.openStream(sha256);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }
}
