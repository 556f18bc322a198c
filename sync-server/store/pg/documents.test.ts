/** Blobs and document records in PostgreSQL, two nodes on one real PostgreSQL (issue 16). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startPostgres, type Engine } from '../../../scripts/cluster/engines.ts';
import { BlobTamperedError } from '../../documents/blobStore.ts';
import { VAULT_MAX_CODES, hashSecret, newToken, type VaultLink } from '../../documents/vaultLinks.ts';
import type { DocumentEntry } from '../../../schema/dossier.ts';
import { PgDatabase } from './db.ts';
import { BLOB_CHUNK_BYTES, PgBlobs } from './blobs.ts';
import { PgBlobRefs, PgDocumentRecords, PgSignatureImages, PgVaultLinks } from './documentRepos.ts';

let engine: Engine;
let nodeA: PgDatabase;
let nodeB: PgDatabase;
const key = randomBytes(32);

beforeAll(async () => {
  engine = await startPostgres();
  nodeA = new PgDatabase(engine.url, key);
  nodeB = new PgDatabase(engine.url, key);
  await Promise.all([nodeA.migrate(), nodeB.migrate()]);
}, 60_000);

afterAll(async () => {
  await nodeA?.close();
  await nodeB?.close();
  await engine?.stop();
});

const MB = 1024 * 1024;
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Drains a stream, keeping only its hash and length. */
async function drain(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

// A full collection on demand, to tell memory held from garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * This process's memory while `work` runs, over a baseline: the peaks of RSS and of heap +
 * buffers sampled every 5 ms as they are (garbage included), and the most still held after a full
 * collection at the checkpoints `work` calls (a store holding the blob whole would show it there).
 * The time spent in checkpoints is left out of `seconds`.
 */
async function measured<T>(work: (checkpoint: () => Promise<void>) => Promise<T>): Promise<{ result: T; seconds: number; rssMB: number; heapMB: number; heldMB: number }> {
  const collect = async (): Promise<number> => {
    // Array buffers are freed by a concurrent sweeper, a while after the collection that found
    // them dead: what stays over three collections 20 ms apart is what the store holds.
    let least = Infinity;
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
      const m = process.memoryUsage();
      least = Math.min(least, m.heapUsed + m.arrayBuffers);
    }
    return least;
  };
  const baseHeld = await collect();
  const base = process.memoryUsage();
  let rss = 0;
  let heap = 0;
  let held = 0;
  let paused = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss - base.rss);
    heap = Math.max(heap, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
  };
  const timer = setInterval(sample, 5);
  const start = performance.now();
  try {
    const result = await work(async () => {
      const t = performance.now();
      sample();
      held = Math.max(held, (await collect()) - baseHeld);
      paused += performance.now() - t;
    });
    sample();
    const seconds = (performance.now() - start - paused) / 1000;
    return { result, seconds, rssMB: rss / MB, heapMB: heap / MB, heldMB: held / MB };
  } finally {
    clearInterval(timer);
  }
}

async function uploadRows(db: PgDatabase): Promise<{ complete: number; incomplete: number; chunks: number }> {
  const { rows } = await db.query<{ complete: string; incomplete: string; chunks: string }>(
    `SELECT (SELECT count(*) FROM blobs WHERE complete) AS complete, (SELECT count(*) FROM blobs WHERE NOT complete) AS incomplete,
            (SELECT count(*) FROM blob_chunks) AS chunks`,
  );
  return { complete: Number(rows[0]!.complete), incomplete: Number(rows[0]!.incomplete), chunks: Number(rows[0]!.chunks) };
}

describe('PgBlobs', () => {
  it('streams 25 MB in on one node and out on another, identical, in bounded memory', async () => {
    const writerBlobs = new PgBlobs(nodeA);
    const readerBlobs = new PgBlobs(nodeB);
    // Not a multiple of the chunk size: the last chunk is partial. Written 64 KiB at a time, as an
    // HTTP upload arrives; the test never holds the whole either.
    const total = 25 * MB + 12_345;
    const piece = 64 * 1024;
    const expected = createHash('sha256');
    const written = await measured(async (checkpoint) => {
      const writer = writerBlobs.begin();
      for (let offset = 0; offset < total; offset += piece) {
        const bytes = randomBytes(Math.min(piece, total - offset));
        expected.update(bytes);
        await writer.write(bytes);
        if (offset % (4 * MB) === 2 * MB) await checkpoint();
      }
      return writer.finish();
    });
    const sha256 = expected.digest('hex');
    expect(written.result).toEqual({ sha256, size: total });
    expect(await readerBlobs.has(sha256)).toBe(true);
    expect(await readerBlobs.size(sha256)).toBe(total);

    const read = await measured(async (checkpoint) => {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of await readerBlobs.openStream(sha256)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size % (4 * MB) === 2 * MB) await checkpoint();
      }
      return { sha256: hash.digest('hex'), size };
    });
    expect(read.result).toEqual({ sha256, size: total });

    const figures = (m: typeof read) => ({
      MBps: +(total / MB / m.seconds).toFixed(1),
      peakRssMB: +m.rssMB.toFixed(1),
      peakHeapAndBuffersMB: +m.heapMB.toFixed(1),
      heldAfterGcMB: +m.heldMB.toFixed(1),
    });
    console.log(`pg blobs, 25 MB: ${JSON.stringify({ write: figures(written), read: figures(read) })}`);
    // Holding the blob whole would keep 25 MB and more (its copies) past every collection; a
    // streaming store holds a few chunks. Garbage included, the peaks follow the collector's pace.
    expect(written.heldMB).toBeLessThan(8);
    expect(read.heldMB).toBeLessThan(8);
    expect(written.rssMB).toBeLessThan(100);
    expect(read.rssMB).toBeLessThan(100);
    const { rows } = await nodeA.query<{ chunks: number }>('SELECT chunks FROM blobs WHERE sha_key = $1', [writerBlobs.keyOf(sha256)]);
    expect(rows[0]!.chunks).toBe(Math.ceil(total / BLOB_CHUNK_BYTES));
    await writerBlobs.delete(sha256);
    expect(await readerBlobs.has(sha256)).toBe(false);
  }, 120_000);

  it('reads no further ahead than the consumer takes (backpressure)', async () => {
    const blobs = new PgBlobs(nodeA);
    const bytes = randomBytes(8 * MB);
    const { sha256 } = await blobs.put(bytes);
    const queries: string[] = [];
    const spy = new PgDatabase(engine.url, key);
    const query = spy.query.bind(spy);
    spy.query = ((text: string, values?: unknown[]) => {
      queries.push(text);
      return query(text, values);
    });
    try {
      const stream = await new PgBlobs(spy).openStream(sha256);
      const first = await new Promise<Buffer>((resolve) => stream.once('data', (chunk: Buffer) => resolve(chunk)));
      stream.pause();
      await new Promise((r) => setTimeout(r, 300));
      const chunkQueries = queries.filter((q) => q.includes('FROM blob_chunks')).length;
      // The consumer took one chunk: at most the next one or two were fetched, not the 32 of the blob.
      expect(chunkQueries).toBeLessThanOrEqual(3);
      expect(stream.readableLength).toBeLessThanOrEqual(2 * BLOB_CHUNK_BYTES);
      const rest = await drain(stream);
      expect(first.length + rest.size).toBe(bytes.length);
      expect(first.equals(bytes.subarray(0, first.length))).toBe(true);
    } finally {
      await spy.close();
      await blobs.delete(sha256);
    }
  });

  it('fails the stream with BlobTamperedError when a chunk is altered, moved or cut', async () => {
    const blobs = new PgBlobs(nodeA);
    const bytes = randomBytes(BLOB_CHUNK_BYTES * 3 + 100);
    const { sha256 } = await blobs.put(bytes);
    const shaKey = blobs.keyOf(sha256);
    const upload = (await nodeA.query<{ upload_id: string }>('SELECT upload_id FROM blobs WHERE sha_key = $1', [shaKey])).rows[0]!.upload_id;
    expect((await blobs.read(sha256)).equals(bytes)).toBe(true);

    // One byte of chunk 2 flipped in place.
    await nodeA.query('UPDATE blob_chunks SET payload = set_byte(payload, 1000, get_byte(payload, 1000) # 1) WHERE upload_id = $1 AND idx = 2', [upload]);
    await expect(drain(await blobs.openStream(sha256))).rejects.toBeInstanceOf(BlobTamperedError);
    await expect(blobs.read(sha256)).rejects.toBeInstanceOf(BlobTamperedError);
    await nodeA.query('UPDATE blob_chunks SET payload = set_byte(payload, 1000, get_byte(payload, 1000) # 1) WHERE upload_id = $1 AND idx = 2', [upload]);
    expect((await blobs.read(sha256)).equals(bytes)).toBe(true);

    // Chunks 0 and 1 swapped: each is sealed for its place.
    await nodeA.query('UPDATE blob_chunks SET idx = CASE idx WHEN 0 THEN -1 ELSE idx END WHERE upload_id = $1', [upload]);
    await nodeA.query('UPDATE blob_chunks SET idx = 0 WHERE upload_id = $1 AND idx = 1', [upload]);
    await nodeA.query('UPDATE blob_chunks SET idx = 1 WHERE upload_id = $1 AND idx = -1', [upload]);
    await expect(blobs.read(sha256)).rejects.toBeInstanceOf(BlobTamperedError);
    await nodeA.query('UPDATE blob_chunks SET idx = -1 WHERE upload_id = $1 AND idx = 0', [upload]);
    await nodeA.query('UPDATE blob_chunks SET idx = 0 WHERE upload_id = $1 AND idx = 1', [upload]);
    await nodeA.query('UPDATE blob_chunks SET idx = 1 WHERE upload_id = $1 AND idx = -1', [upload]);
    expect((await blobs.read(sha256)).equals(bytes)).toBe(true);

    // The row cut short to its first chunks: every chunk read opens, the whole does not hash right.
    await nodeA.query('UPDATE blobs SET chunks = 3, size = $2 WHERE upload_id = $1', [upload, BLOB_CHUNK_BYTES * 3]);
    await expect(blobs.read(sha256)).rejects.toBeInstanceOf(BlobTamperedError);
    await nodeA.query('UPDATE blobs SET chunks = 4, size = $2 WHERE upload_id = $1', [upload, bytes.length]);
    expect((await blobs.read(sha256)).equals(bytes)).toBe(true);

    // Two blobs' rows swapped: each row now names chunks that open, but hold other bytes.
    const other = await blobs.put(randomBytes(bytes.length));
    const otherKey = blobs.keyOf(other.sha256);
    await nodeA.query(`UPDATE blobs SET sha_key = 'swap' WHERE sha_key = $1`, [shaKey]);
    await nodeA.query('UPDATE blobs SET sha_key = $1 WHERE sha_key = $2', [shaKey, otherKey]);
    await nodeA.query(`UPDATE blobs SET sha_key = $1 WHERE sha_key = 'swap'`, [otherKey]);
    await expect(blobs.read(sha256)).rejects.toBeInstanceOf(BlobTamperedError);
    await expect(blobs.read(other.sha256)).rejects.toBeInstanceOf(BlobTamperedError);
    await blobs.delete(sha256);
    await blobs.delete(other.sha256);
  });

  it('keeps an interrupted upload invisible, and sweeps it once stale', async () => {
    const nodeABlobs = new PgBlobs(nodeA);
    const before = await uploadRows(nodeA);
    const bytes = randomBytes(BLOB_CHUNK_BYTES * 2 + 5);
    const writer = nodeABlobs.begin();
    await writer.write(bytes.subarray(0, BLOB_CHUNK_BYTES * 2 + 1));
    // Node A dies here. Its chunks are in the database, but no node sees a blob.
    expect(await new PgBlobs(nodeB).has(sha(bytes))).toBe(false);
    expect(await new PgBlobs(nodeB).has(sha(bytes.subarray(0, BLOB_CHUNK_BYTES * 2 + 1)))).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    const left = await uploadRows(nodeA);
    expect(left.incomplete).toBe(before.incomplete + 1);
    expect(left.chunks).toBeGreaterThanOrEqual(before.chunks + 1);

    // Node B starting sweeps with the default age: an upload written to a moment ago may be
    // another node's, in progress, and stays.
    await new PgBlobs(nodeB).sweepTemp();
    expect((await uploadRows(nodeA)).incomplete).toBe(before.incomplete + 1);
    // Once untouched for longer than the age, it goes, chunks and all.
    await new PgBlobs(nodeB, { staleAfterMs: 50 }).sweepTemp();
    expect(await uploadRows(nodeA)).toEqual(before);
    // Had the node lived on, its upload would fail rather than store half a file.
    await expect(writer.finish()).rejects.toThrow();
    await writer.abort();

    // An upload aborted leaves nothing.
    const aborted = nodeABlobs.begin();
    await aborted.write(randomBytes(BLOB_CHUNK_BYTES + 7));
    await aborted.abort();
    expect(await uploadRows(nodeA)).toEqual(before);
  });

  it('stores the same bytes once, uploaded twice or by two nodes at once', async () => {
    const a = new PgBlobs(nodeA);
    const b = new PgBlobs(nodeB);
    const before = await uploadRows(nodeA);
    const bytes = randomBytes(BLOB_CHUNK_BYTES * 2 + 99);
    const first = await a.put(bytes);
    expect(first).toEqual({ sha256: sha(bytes), size: bytes.length });
    expect(await b.put(bytes)).toEqual(first);
    const both = await Promise.all([a.put(bytes), b.put(bytes), a.put(bytes), b.put(bytes)]);
    for (const stored of both) expect(stored).toEqual(first);
    expect(await uploadRows(nodeA)).toEqual({ complete: before.complete + 1, incomplete: before.incomplete, chunks: before.chunks + 3 });
    expect((await b.read(first.sha256)).equals(bytes)).toBe(true);

    // Two different uploads racing for the same new content from the start.
    const fresh = randomBytes(BLOB_CHUNK_BYTES + 1);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).put(fresh)));
    expect(new Set(results.map((r) => r.sha256))).toEqual(new Set([sha(fresh)]));
    expect(await uploadRows(nodeA)).toEqual({ complete: before.complete + 2, incomplete: before.incomplete, chunks: before.chunks + 5 });

    await a.delete(first.sha256);
    await a.delete(sha(fresh));
    expect(await uploadRows(nodeA)).toEqual(before);
  });

  it('stores an empty blob, and its tables name no content hash', async () => {
    const blobs = new PgBlobs(nodeA);
    const empty = await blobs.put(new Uint8Array(0));
    expect(empty).toEqual({ sha256: sha(new Uint8Array(0)), size: 0 });
    expect((await blobs.read(empty.sha256)).length).toBe(0);
    expect(await blobs.size(empty.sha256)).toBe(0);
    const bytes = Buffer.from('%PDF-1.7 compte rendu de téléconsultation, patient Dupont');
    const stored = await blobs.put(bytes);
    await new PgBlobRefs(nodeA).add(stored.sha256, 'dossier:c1');
    const dump = await nodeA.query<{ t: string }>(
      `SELECT string_agg(x, ' ') AS t FROM (SELECT b::text FROM blobs b UNION ALL SELECT c::text FROM blob_chunks c UNION ALL SELECT r::text FROM blob_refs r) AS rows(x)`,
    );
    expect(dump.rows[0]!.t).not.toContain(stored.sha256);
    expect(dump.rows[0]!.t).not.toContain(Buffer.from('Dupont').toString('hex'));
    expect(await blobs.has('0'.repeat(64))).toBe(false);
    expect(await blobs.size('0'.repeat(64))).toBeNull();
    await expect(blobs.openStream('0'.repeat(64))).rejects.toThrow('blob not found');
    await expect(blobs.has('not a hash')).rejects.toThrow('not a sha-256');
    await new PgBlobRefs(nodeA).remove(stored.sha256, 'dossier:c1');
    await blobs.delete(stored.sha256);
    await blobs.delete(empty.sha256);
  });
});

function vaultLink(overrides: Partial<VaultLink> = {}): { token: string; link: VaultLink } {
  const token = newToken();
  const now = Date.now();
  return {
    token,
    link: {
      id: randomUUID(),
      tokenHash: hashSecret(token),
      consultationId: 'consultation-vault',
      documentId: 'doc-1',
      documentName: 'compte-rendu.pdf',
      sha256: 'a'.repeat(64),
      size: 1234,
      createdBy: 'user-1',
      senderName: 'Dr Martin',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 7 * 86_400_000).toISOString(),
      recipientEmail: 'jeanne.dupont@example.org',
      proof: 'sms',
      mobile: '+33612345678',
      email: 'jeanne.dupont@example.org',
      birthDate: null,
      codeHash: null,
      codeExpiresAt: null,
      codesSent: 0,
      triesLeft: 5,
      downloadKeyHash: null,
      downloadKeyExpiresAt: null,
      revokedAt: null,
      downloads: 0,
      ...overrides,
    },
  };
}

describe('PgVaultLinks', () => {
  it('gives exactly the tries left to 20 concurrent guesses from two nodes', async () => {
    const a = new PgVaultLinks(nodeA);
    const b = new PgVaultLinks(nodeB);
    const { token, link } = vaultLink({ triesLeft: 5 });
    await a.put(link);
    const tries = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).takeTry(link.tokenHash)));
    const ok = tries.filter((t) => t.ok);
    expect(ok).toHaveLength(5);
    // Each success saw a different count: no two guesses read the same one.
    expect(ok.map((t) => (t.ok ? t.link.triesLeft : -1)).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4]);
    expect(tries.filter((t) => !t.ok && t.state === 'locked')).toHaveLength(15);
    expect((await b.byToken(token))?.triesLeft).toBe(0);
    expect(await a.takeTry(link.tokenHash)).toEqual({ ok: false, state: 'locked' });
    expect(await a.takeTry(hashSecret('no such token'))).toEqual({ ok: false, state: 'missing' });
  });

  it('sends at most VAULT_MAX_CODES codes to 20 concurrent requests from two nodes', async () => {
    const a = new PgVaultLinks(nodeA);
    const b = new PgVaultLinks(nodeB);
    const { link } = vaultLink();
    await b.put(link);
    const now = Date.now();
    const issued = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).issueCode(link.tokenHash, hashSecret(`code-${i}`), now)));
    expect(issued.filter((r) => r.ok)).toHaveLength(VAULT_MAX_CODES);
    expect(issued.filter((r) => !r.ok && r.state === 'too_many_codes')).toHaveLength(20 - VAULT_MAX_CODES);
    const stored = (await a.byId(link.id))!;
    expect(stored.codesSent).toBe(VAULT_MAX_CODES);
    expect(stored.codeExpiresAt).toBe(new Date(now + 15 * 60_000).toISOString());
    expect(stored.triesLeft).toBe(5);
  });

  it('counts every concurrent update, and answers by token, id and consultation', async () => {
    const a = new PgVaultLinks(nodeA);
    const b = new PgVaultLinks(nodeB);
    const t0 = Date.parse('2026-03-01T10:00:00.000Z');
    const second = vaultLink({ consultationId: 'c-order', createdAt: new Date(t0 + 60_000).toISOString() });
    const first = vaultLink({ consultationId: 'c-order', createdAt: new Date(t0).toISOString() });
    const elsewhere = vaultLink({ consultationId: 'c-other' });
    for (const { link } of [second, first, elsewhere]) await a.put(link);

    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).update(first.link.tokenHash, (l) => ({ ...l, downloads: l.downloads + 1 }))));
    expect((await b.byToken(first.token))?.downloads).toBe(20);
    expect(await a.update(hashSecret('nothing'), (l) => l)).toBeUndefined();

    expect((await b.byToken(second.token))?.id).toBe(second.link.id);
    expect(await b.byToken('not a token')).toBeUndefined();
    expect((await b.byId(elsewhere.link.id))?.tokenHash).toBe(elsewhere.link.tokenHash);
    expect(await b.byId('nope')).toBeUndefined();
    expect((await b.forConsultation('c-order')).map((l) => l.id)).toEqual([first.link.id, second.link.id]);

    const revoked = await a.update(second.link.tokenHash, (l) => ({ ...l, revokedAt: new Date().toISOString() }));
    expect(revoked?.revokedAt).not.toBeNull();
    expect(await b.takeTry(second.link.tokenHash)).toEqual({ ok: false, state: 'revoked' });
    expect(await b.issueCode(second.link.tokenHash, 'x')).toEqual({ ok: false, state: 'revoked' });
    expect(await b.takeTry(first.link.tokenHash, Date.parse(first.link.expiresAt) + 1)).toEqual({ ok: false, state: 'expired' });

    await b.removeForConsultation('c-order');
    expect(await a.forConsultation('c-order')).toEqual([]);
    expect(await a.byToken(first.token)).toBeUndefined();
    expect((await a.forConsultation('c-other')).map((l) => l.id)).toEqual([elsewhere.link.id]);

    // Only ids, hashes and times in clear: not the patient's address or phone.
    const dump = (await nodeA.query<{ t: string }>('SELECT string_agg(v::text, \' \') AS t FROM vault_links v')).rows[0]!.t;
    expect(dump).not.toContain('dupont');
    expect(dump).not.toContain(Buffer.from('jeanne').toString('hex'));
    expect(dump).not.toContain('612345678');
  });
});

function entry(id: string, overrides: Partial<DocumentEntry> = {}): DocumentEntry {
  return { id, name: `${id}.pdf`, mimeType: 'application/pdf', size: 10, sha256: 'b'.repeat(64), addedBy: 'user-1', addedAt: '2026-03-01T10:00:00.000Z', ...overrides };
}

describe('PgDocumentRecords, PgBlobRefs, PgSignatureImages', () => {
  it('keeps each dossier’s records in id order, replaces by id, removes a dossier’s all', async () => {
    const a = new PgDocumentRecords(nodeA);
    const b = new PgDocumentRecords(nodeB);
    for (const id of ['b', 'a', 'C', 'a-2']) await a.put('c1', entry(id));
    await a.put('c2', entry('a'));
    await b.put('c1', entry('a', { name: 'renamed.pdf', signed: true, sentTo: ['vault'] }));
    expect((await b.list('c1')).map((e) => e.id)).toEqual(['C', 'a', 'a-2', 'b']);
    expect(await a.get('c1', 'a')).toEqual(entry('a', { name: 'renamed.pdf', signed: true, sentTo: ['vault'] }));
    expect(await a.get('c1', 'zzz')).toBeUndefined();
    expect(await a.get('c9', 'a')).toBeUndefined();
    // A record moved under another dossier in SQL does not open there.
    await nodeA.query(`UPDATE document_records SET consultation_id = 'c3' WHERE consultation_id = 'c1' AND document_id = 'b'`);
    await expect(a.get('c3', 'b')).rejects.toThrow();
    await nodeA.query(`DELETE FROM document_records WHERE consultation_id = 'c3'`);
    await b.removeAll('c1');
    expect(await a.list('c1')).toEqual([]);
    expect(await a.list('c2')).toEqual([entry('a')]);
    const dump = (await nodeA.query<{ t: string }>('SELECT string_agg(d::text, \' \') AS t FROM document_records d')).rows[0]!.t;
    expect(dump).not.toContain(Buffer.from('a.pdf').toString('hex'));
  });

  it('ties blobs to owners', async () => {
    const a = new PgBlobRefs(nodeA);
    const b = new PgBlobRefs(nodeB);
    const hash = 'c'.repeat(64);
    expect(await a.isReferenced(hash)).toBe(false);
    await a.add(hash, 'dossier:c1');
    await b.add(hash, 'dossier:c1');
    await b.add(hash, 'signature:u1');
    expect(await b.holds(hash, 'dossier:c1')).toBe(true);
    expect(await b.holds(hash, 'dossier:c2')).toBe(false);
    expect(await a.holds('d'.repeat(64), 'dossier:c1')).toBe(false);
    await a.remove(hash, 'dossier:c1');
    expect(await b.holds(hash, 'dossier:c1')).toBe(false);
    expect(await b.isReferenced(hash)).toBe(true);
    await b.remove(hash, 'signature:u1');
    expect(await a.isReferenced(hash)).toBe(false);
  });

  it('keeps one signature image per professional', async () => {
    const a = new PgSignatureImages(nodeA);
    const b = new PgSignatureImages(nodeB);
    const record = { userId: 'u1', sha256: 'e'.repeat(64), mimeType: 'image/png' as const, size: 321, uploadedAt: '2026-03-01T10:00:00.000Z' };
    expect(await b.get('u1')).toBeUndefined();
    await a.put(record);
    expect(await b.get('u1')).toEqual(record);
    await b.put({ ...record, mimeType: 'image/jpeg', sha256: 'f'.repeat(64) });
    expect((await a.get('u1'))?.mimeType).toBe('image/jpeg');
    await a.remove('u1');
    expect(await b.get('u1')).toBeUndefined();
  });
});
