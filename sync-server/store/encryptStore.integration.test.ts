/**
 * #11 a store written before encryption at rest (clear LMDB, seeded with the demo) is refused by
 * the server, then migrated by `npm run admin -- store encrypt` without losing a record.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as Y from 'yjs';
import { dossierDocName } from '../../schema/dossier.ts';
import { seedDemo, type DemoData } from '../../scripts/demo.ts';
import { tempDataDir } from '../testing/harness.ts';
import { freePort, startServerProcess } from '../testing/serverProcess.ts';
import { storedDoc } from '../testing/storedDoc.ts';
import { clearLmdbDir, databasesOf, lmdbDir, lmdbEncryptionKey, openEnvironment, storeFormat, StoreRefusedError, SUB_DATABASES, type Key } from './db.ts';
import { openStore, storeOver } from './index.ts';
import { BlobStore, loadMasterKey } from '../documents/blobStore.ts';

const root = resolve(import.meta.dirname, '../..');
const FICHE = 'Chute dans la chambre 12, hématome frontal, surveillance neurologique';
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data dir as Relais wrote it before #11: demo data, a fiche edit, a record in every sub-database. */
async function clearStore(): Promise<{ dataDir: string; demo: DemoData }> {
  const dataDir = tempDataDir();
  dirs.push(dataDir);
  const store = storeOver(databasesOf(openEnvironment(lmdbDir(dataDir), null)), new BlobStore(dataDir, loadMasterKey(dataDir)));
  const demo = await seedDemo(store);
  const docName = dossierDocName(demo.consultations[0]!.id);
  const doc = await storedDoc(store, docName);
  const before = Y.encodeStateVector(doc);
  doc.getMap<Y.Text>('fiche').get('motif')!.insert(0, FICHE);
  await store.docs.append(docName, Y.encodeStateAsUpdate(doc, before));
  for (const name of SUB_DATABASES) {
    const db = store.dbs[name] as unknown as { getCount(): number; put(key: Key, value: unknown): Promise<boolean> };
    if (db.getCount() === 0) await db.put(['migration-test', name], name === 'updates' ? new Uint8Array([1, 2, 3]) : { name });
  }
  await store.close();
  expect(storeFormat(lmdbDir(dataDir))).toBe('clear');
  return { dataDir, demo };
}

/** Every record of every sub-database, as stored bytes. */
async function records(path: string, key: string | null): Promise<Record<string, string[]>> {
  const env = openEnvironment(path, key);
  const all: Record<string, string[]> = {};
  for (const name of SUB_DATABASES) {
    const db = env.openDB<Buffer, Buffer>({ name, encoding: 'binary', keyEncoding: 'binary' });
    all[name] = [...db.getRange()].map(({ key: k, value }) => `${Buffer.from(k).toString('hex')}=${Buffer.from(value).toString('hex')}`);
  }
  await env.close();
  return all;
}

const lmdbBytes = (dataDir: string): Buffer[] => readdirSync(lmdbDir(dataDir)).map((f) => readFileSync(join(lmdbDir(dataDir), f)));

const encrypt = (dataDir: string, env: NodeJS.ProcessEnv = process.env): string =>
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', 'store', 'encrypt', '--data-dir', dataDir], { cwd: root, encoding: 'utf8', env });

describe('#11 a clear store from before encryption at rest', () => {
  it('#11 the server refuses to start on it, in French and English, naming the command; the store is left as it was', { timeout: 30_000 }, async () => {
    const { dataDir } = await clearStore();
    const start = startServerProcess(await freePort(), dataDir);
    // The test helper keeps the last 500 characters of the server's output: the end of the French, the English.
    await expect(start).rejects.toThrow(/chiffrez-le : npm run admin -- store encrypt[\s\S]*is not encrypted/);
    expect(() => openStore(dataDir)).toThrow(StoreRefusedError);
    expect(storeFormat(lmdbDir(dataDir))).toBe('clear');
  });

  it('#11 store encrypt keeps every record of every sub-database; the store then reads, and holds no name in clear', { timeout: 60_000 }, async () => {
    const { dataDir, demo } = await clearStore();
    const before = await records(lmdbDir(dataDir), null);
    for (const name of SUB_DATABASES) expect([name, before[name]!.length > 0]).toEqual([name, true]);
    expect(lmdbBytes(dataDir).some((b) => b.includes(Buffer.from('DUPONT')))).toBe(true);

    const output = encrypt(dataDir);
    expect(output).toContain('Stockage chiffré');
    expect(storeFormat(lmdbDir(dataDir))).toBe('encrypted');
    expect(existsSync(clearLmdbDir(dataDir))).toBe(false);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('lmdb'))).toEqual(['lmdb']);
    expect(await records(lmdbDir(dataDir), lmdbEncryptionKey(dataDir))).toEqual(before);
    for (const secret of ['DUPONT', 'JEANNE MARIE', '+33612345678', 'famille.dupont@example.org', 'Claire Martin', 'hématome frontal']) {
      expect([secret, lmdbBytes(dataDir).some((b) => b.includes(Buffer.from(secret)))]).toEqual([secret, false]);
    }
    for (const f of readdirSync(lmdbDir(dataDir))) expect((statSync(join(lmdbDir(dataDir), f)).mode & 0o777).toString(8)).toBe('600');

    const store = openStore(dataDir);
    try {
      expect((await store.users.byIdentifier('dr.demo'))!.displayName).toBe('Dr Claire Martin');
      expect((await store.patients.get(demo.consultations[0]!.patientId))!.birthName).toBe('DUPONT');
      expect((await storedDoc(store, dossierDocName(demo.consultations[0]!.id))).getMap<Y.Text>('fiche').get('motif')!.toString()).toBe(FICHE);
    } finally {
      await store.close();
    }
    expect(encrypt(dataDir)).toContain('déjà chiffré');
  });

  it('#11 another master key is refused before anything is written; the right one still reads', { timeout: 60_000 }, async () => {
    const { dataDir, demo } = await clearStore();
    encrypt(dataDir);
    const other = { RELAIS_MASTER_KEY: 'ab'.repeat(32) };
    expect(() => openStore(dataDir, other)).toThrow(/ne déchiffre pas[\s\S]*does not decrypt/);
    // A copy of the LMDB files without the key fingerprint: the key is checked inside.
    rmSync(join(lmdbDir(dataDir), 'key-id'));
    expect(() => openStore(dataDir, other)).toThrow(/ne déchiffre pas[\s\S]*does not decrypt/);
    const store = openStore(dataDir);
    expect((await store.patients.get(demo.consultations[0]!.patientId))!.birthName).toBe('DUPONT');
    await store.close();
  });

  it('#11 an interrupted migration (clear copy still there) is refused at start, and finished by running the command again', { timeout: 60_000 }, async () => {
    const { dataDir } = await clearStore();
    const before = await records(lmdbDir(dataDir), null);
    cpSync(lmdbDir(dataDir), join(dataDir, 'clear-copy'), { recursive: true });
    encrypt(dataDir);
    // As if stopped between the swap and the removal of the clear copy.
    cpSync(join(dataDir, 'clear-copy'), clearLmdbDir(dataDir), { recursive: true });
    rmSync(join(dataDir, 'clear-copy'), { recursive: true });
    expect(() => openStore(dataDir)).toThrow(/interrompu[\s\S]*interrupted[\s\S]*store encrypt/);
    expect(encrypt(dataDir)).toContain('Stockage chiffré');
    expect(existsSync(clearLmdbDir(dataDir))).toBe(false);
    expect(await records(lmdbDir(dataDir), lmdbEncryptionKey(dataDir))).toEqual(before);
  });
});
