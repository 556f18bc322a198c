import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { BlobStore, BlobTamperedError, loadMasterKey } from './blobStore.ts';
import { tempDataDir } from '../testing/harness.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(env: NodeJS.ProcessEnv = {}): { blobs: BlobStore; dir: string } {
  const dir = tempDataDir();
  dirs.push(dir);
  return { blobs: new BlobStore(dir, loadMasterKey(dir, env)), dir };
}

function blobFiles(dir: string): string[] {
  const root = join(dir, 'blobs');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('§9 documents are encrypted at rest', () => {
  it('stores by the sha-256 of the content and reads back the same bytes, streamed in chunks', async () => {
    const { blobs } = store();
    const content = randomBytes(3 * 1024 * 1024 + 17);
    const writer = blobs.begin();
    for (let at = 0; at < content.length; at += 64 * 1024) await writer.write(content.subarray(at, at + 64 * 1024));
    const stored = await writer.finish();
    expect(stored.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(stored.size).toBe(content.length);
    expect(await blobs.size(stored.sha256)).toBe(content.length);
    expect((await blobs.read(stored.sha256)).equals(content)).toBe(true);
  });

  it('the bytes on disk are not the plaintext, and the key file is private', async () => {
    const { blobs, dir } = store();
    const content = Buffer.from('Ordonnance : amoxicilline 1 g, trois fois par jour. '.repeat(200));
    await blobs.put(content);
    const [file] = blobFiles(dir);
    const onDisk = readFileSync(file!);
    expect(onDisk.includes(Buffer.from('amoxicilline'))).toBe(false);
    expect(onDisk.byteLength).toBe(content.byteLength + 4 + 12 + 16);
    expect(statSync(join(dir, 'keys', 'blob.key')).mode & 0o777).toBe(0o600);
    // The file name does not reveal the content hash either.
    expect(file).not.toContain(createHash('sha256').update(content).digest('hex'));
  });

  it('the same content is stored once', async () => {
    const { blobs, dir } = store();
    const a = await blobs.put(Buffer.from('même contenu'));
    const b = await blobs.put(Buffer.from('même contenu'));
    expect(a.sha256).toBe(b.sha256);
    expect(blobFiles(dir)).toHaveLength(1);
  });

  it('a tampered file fails authentication instead of returning altered bytes', async () => {
    const { blobs, dir } = store();
    const stored = await blobs.put(Buffer.from('Conclusion : cicatrisation en bonne voie.'));
    const [file] = blobFiles(dir);
    const bytes = readFileSync(file!);
    bytes[20] = bytes[20]! ^ 0x01;
    writeFileSync(file!, bytes);
    await expect(blobs.read(stored.sha256)).rejects.toBeInstanceOf(BlobTamperedError);
  });

  it('another key cannot read the blob', async () => {
    const { blobs, dir } = store();
    const stored = await blobs.put(Buffer.from('secret médical'));
    const other = new BlobStore(dir, randomBytes(32));
    // The file name is keyed too: another key does not even find it.
    expect(await other.has(stored.sha256)).toBe(false);
  });

  it('RELAIS_MASTER_KEY is used when set', () => {
    const key = randomBytes(32);
    const dir = tempDataDir();
    dirs.push(dir);
    expect(loadMasterKey(dir, { RELAIS_MASTER_KEY: key.toString('hex') }).equals(key)).toBe(true);
    expect(() => loadMasterKey(dir, { RELAIS_MASTER_KEY: 'trop-court' })).toThrow();
  });

  it('an aborted upload leaves nothing, and the start-up sweep removes what a crash left', async () => {
    const { blobs, dir } = store();
    const writer = blobs.begin();
    await writer.write(randomBytes(1000));
    await writer.abort();
    expect(blobFiles(dir)).toEqual([]);
    // A crash mid-upload: the temp file stays until the next start.
    const crashed = blobs.begin();
    await crashed.write(randomBytes(1000));
    await new Promise((r) => setTimeout(r, 50));
    expect(blobFiles(dir).length).toBe(1);
    await blobs.sweepTemp();
    expect(blobFiles(dir)).toEqual([]);
  });
});
