/**
 * Uploaded bytes in PostgreSQL (cluster nodes): the semantics of documents/blobStore.ts, in
 * chunks. Content-addressed by the sha-256 of the clear bytes; streamed in and out a chunk at a
 * time, so a 25 MB upload or export never sits whole in memory.
 *
 * Tables (migrations/003_documents.sql): `blobs`, one row per upload (a random upload id, then at
 * `finish` the HMAC of the content hash, the size, the chunk count, `complete`), and `blob_chunks`,
 * 256 KiB of clear bytes each, sealed (db.ts, AES-256-GCM) for (upload id, index). The hash is
 * known only once the last byte is in, so chunks are bound to the upload, and the reader checks
 * the whole: each chunk opens only in its own place, and the bytes read must hash to the sha-256
 * asked for, in the size recorded (a row pointed at other chunks, or cut short, fails at the end).
 *
 * An upload is invisible until `finish` flips its row complete in one statement; the same bytes
 * uploaded again find the unique key taken and leave the first copy. An interrupted upload (abort
 * failed, node killed) leaves an incomplete row: `sweepTemp` removes those untouched for
 * `staleAfterMs` (other nodes' uploads in progress touch theirs at every chunk).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Blobs, BlobWriter, StoredBlob } from '../contract.ts';
import { BlobTamperedError, writeWhole } from '../../documents/blobStore.ts';
import type { PgDatabase } from './db.ts';

/** Clear bytes per chunk: one row, one query, one GCM tag. */
export const BLOB_CHUNK_BYTES = 256 * 1024;
/** The kind given to PgDatabase.lookup for a content hash (blobs.sha_key, blob_refs.sha_key). */
export const BLOB_LOOKUP = 'blob';
const CHUNKS = 'blob_chunks';
const SHA256_HEX = /^[0-9a-f]{64}$/;

const chunkKey = (uploadId: string, index: number): string => `${uploadId}/${index}`;

interface BlobRow {
  upload_id: string;
  size: string;
  chunks: number;
}

export class PgBlobs implements Blobs {
  private readonly staleAfterMs: number;

  constructor(
    private readonly db: PgDatabase,
    options: { staleAfterMs?: number } = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 60 * 60_000;
  }

  /** blobs.sha_key of a content hash. */
  keyOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error('not a sha-256');
    return this.db.lookup(BLOB_LOOKUP, sha256);
  }

  begin(): BlobWriter {
    const db = this.db;
    const uploadId = randomUUID();
    const hash = createHash('sha256');
    let size = 0;
    let chunks = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let state: 'open' | 'finishing' | 'done' = 'open';
    let started: Promise<unknown> | null = null;
    // One chunk stored at a time, the next one filling meanwhile: the upload's own pace, at most
    // two chunks in memory. A failure surfaces at the next write or at finish.
    let inFlight: Promise<void> = Promise.resolve();
    let failure: Error | null = null;

    const start = (): Promise<unknown> => (started ??= db.query('INSERT INTO blobs (upload_id) VALUES ($1)', [uploadId]));
    const store = async (clear: Buffer): Promise<void> => {
      await inFlight;
      if (failure) throw failure;
      const index = chunks++;
      inFlight = (async () => {
        await start();
        const payload = db.seal(CHUNKS, chunkKey(uploadId, index), clear);
        const { rowCount } = await db.query(
          `WITH chunk AS (INSERT INTO blob_chunks (upload_id, idx, payload) VALUES ($1, $2, $3))
           UPDATE blobs SET chunks = $2 + 1, size = size + $4, touched_at = now() WHERE upload_id = $1 AND NOT complete`,
          [uploadId, index, payload, clear.length],
        );
        if (rowCount !== 1) throw new Error('upload removed while it was written');
      })().catch((error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
      });
    };
    const take = (bytes: number): Buffer => {
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      const out = all.subarray(0, bytes);
      const rest = all.subarray(bytes);
      pending = rest.length ? [rest] : [];
      pendingBytes = rest.length;
      return out;
    };

    return {
      get size() {
        return size;
      },
      write: async (chunk) => {
        if (state !== 'open') throw new Error('upload already finished');
        if (failure) throw failure;
        size += chunk.byteLength;
        hash.update(chunk);
        // A copy: the caller may reuse its buffer once this resolves.
        pending.push(Buffer.from(chunk));
        pendingBytes += chunk.byteLength;
        while (pendingBytes >= BLOB_CHUNK_BYTES) await store(take(BLOB_CHUNK_BYTES));
      },
      finish: async () => {
        if (state !== 'open') throw new Error('upload already finished');
        state = 'finishing';
        if (pendingBytes > 0) await store(take(pendingBytes));
        await inFlight;
        if (failure) throw failure;
        await start();
        const sha256 = hash.digest('hex');
        try {
          const { rowCount } = await db.query(
            `UPDATE blobs SET sha_key = $2, complete = true, touched_at = now()
             WHERE upload_id = $1 AND NOT complete AND chunks = $3 AND size = $4`,
            [uploadId, this.keyOf(sha256), chunks, size],
          );
          if (rowCount !== 1) throw new Error('upload removed before it finished');
        } catch (error) {
          // The same bytes are stored already (or another upload of them finished first): keep those.
          if ((error as { code?: string }).code !== '23505') throw error;
          await db.query('DELETE FROM blobs WHERE upload_id = $1', [uploadId]);
        }
        state = 'done';
        return { sha256, size };
      },
      abort: async () => {
        if (state === 'done') return;
        state = 'done';
        pending = [];
        await inFlight;
        if (started) await db.query('DELETE FROM blobs WHERE upload_id = $1 AND NOT complete', [uploadId]);
      },
    };
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    return writeWhole(this.begin(), bytes);
  }

  private async row(sha256: string): Promise<BlobRow | undefined> {
    const { rows } = await this.db.query<BlobRow>('SELECT upload_id, size, chunks FROM blobs WHERE sha_key = $1 AND complete', [this.keyOf(sha256)]);
    return rows[0];
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.row(sha256)) !== undefined;
  }

  async size(sha256: string): Promise<number | null> {
    const row = await this.row(sha256);
    return row ? Number(row.size) : null;
  }

  /**
   * The clear bytes, one chunk per query, read when the consumer wants more (a slow download holds
   * no connection between chunks). A chunk altered or out of place fails where it is read; a whole
   * that does not hash to `sha256` fails after its last chunk: a caller streaming to a client must
   * abort the response on error, as with the disk store.
   */
  async openStream(sha256: string): Promise<Readable> {
    const row = await this.row(sha256);
    if (!row) throw Object.assign(new Error('blob not found'), { code: 'ENOENT' });
    const db = this.db;
    const size = Number(row.size);
    const hash = createHash('sha256');
    let index = 0;
    let bytes = 0;
    const next = async (): Promise<void> => {
      try {
        if (index === row.chunks) {
          if (bytes !== size || hash.digest('hex') !== sha256) throw new BlobTamperedError();
          stream.push(null);
          return;
        }
        const { rows } = await db.query<{ payload: Buffer }>('SELECT payload FROM blob_chunks WHERE upload_id = $1 AND idx = $2', [row.upload_id, index]);
        if (stream.destroyed) return;
        const sealed = rows[0]?.payload;
        if (!sealed) throw new BlobTamperedError();
        let clear: unknown;
        try {
          clear = db.open(CHUNKS, chunkKey(row.upload_id, index), sealed);
        } catch {
          throw new BlobTamperedError();
        }
        if (!Buffer.isBuffer(clear)) throw new BlobTamperedError();
        index++;
        bytes += clear.length;
        hash.update(clear);
        stream.push(clear);
      } catch (error) {
        stream.destroy(error as Error);
      }
    };
    // Two chunks buffered at most (the next one is fetched while the consumer takes this one):
    // _read is called again only once the consumer took what was pushed.
    const stream = new Readable({ highWaterMark: 2 * BLOB_CHUNK_BYTES, read: () => void next() });
    return stream;
  }

  async read(sha256: string): Promise<Buffer> {
    const stream = await this.openStream(sha256);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async delete(sha256: string): Promise<void> {
    await this.db.query('DELETE FROM blobs WHERE sha_key = $1', [this.keyOf(sha256)]);
  }

  /** Removes uploads that were not finished and not written to for `staleAfterMs` (database time). */
  async sweepTemp(): Promise<void> {
    await this.db.query(`DELETE FROM blobs WHERE NOT complete AND touched_at < now() - $1 * interval '1 millisecond'`, [this.staleAfterMs]);
  }
}
