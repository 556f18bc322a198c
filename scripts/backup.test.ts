/**
 * #14 `npm run admin -- backup` / `restore`, as an operator runs them (the CLI in a process of its
 * own) against the real server on LMDB: a backup taken while a professional types is a consistent
 * copy; restored into a new data dir, a server started on it gives back the dossier up to the
 * backup point, the signed fiche, the uploads and the audit log. Missing or wrong keys: a clear
 * refusal and nothing written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Teledossier, dossierDocName, type DocumentEntry } from '../schema/dossier.ts';
import { login, startRelais, synced, tempDataDir, testConfig, testLogger, waitFor, yClient, type Running, type YClient } from '../sync-server/testing/harness.ts';
import { samplePdf, signaturePng } from '../sync-server/testing/images.ts';
import { pdfPageTexts } from '../sync-server/testing/pdfText.ts';
import { storedDoc } from '../sync-server/testing/storedDoc.ts';
import { openStore, type Store } from '../sync-server/store/index.ts';
import { startServer, type RelaisServer } from '../sync-server/server.ts';
import { backupDataDir, restoreDataDir } from '../sync-server/store/backup.ts';
import { BlobStore, loadMasterKey } from '../sync-server/documents/blobStore.ts';
import { BlobRefs } from '../sync-server/documents/blobRefs.ts';

const root = join(import.meta.dirname, '..');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function scratch(): string {
  const dir = tempDataDir();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `npm run admin -- <args>` (package.json: `tsx scripts/admin.ts`), with no RELAIS_MASTER_KEY from the test's environment. */
function admin(args: string[]): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env };
  delete env.RELAIS_MASTER_KEY;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

const cookie = (token: string) => ({ cookie: `relais_session=${token}` });

async function startOn(dataDir: string): Promise<{ store: Store; server: RelaisServer; http: string; ws: string }> {
  const store = openStore(dataDir);
  const server = await startServer(testConfig(dataDir), store, { logger: testLogger });
  cleanups.push(async () => {
    await server.close();
    await store.close();
  });
  return { store, server, http: `http://127.0.0.1:${server.port}`, ws: `ws://127.0.0.1:${server.port}` };
}

/** The words t1 t2 … typed so far, in order. */
const typedWords = (text: string): number[] => [...text.matchAll(/t(\d+)/g)].map((m) => Number(m[1]));

/** A store with a signed fiche, two uploads and audit entries, and a professional typing into the dossier. */
async function filledStore(): Promise<{ relais: Running; consultationId: string; uploads: { id: string; bytes: Buffer }[]; fiche: DocumentEntry; typist: YClient; typed: () => number; stopTyping: () => void }> {
  const relais = await startRelais();
  // Stopped by the test once the backup is made (closing LMDB twice crashes the process).
  let stopped = false;
  const stop = relais.stop.bind(relais);
  relais.stop = async () => {
    if (!stopped) await stop();
    stopped = true;
  };
  cleanups.push(() => relais.stop());
  const id = relais.demo.consultations[0]!.id;
  const doctor = await login(relais.http, 'dr.demo');
  expect((await fetch(`${relais.http}/api/me/signature`, { method: 'PUT', headers: cookie(doctor), body: new Uint8Array(signaturePng()) })).status).toBe(200);
  const uploads: { id: string; bytes: Buffer }[] = [];
  for (const [name, bytes] of [
    ['Ordonnance.pdf', await samplePdf(2, 'Ordonnance')],
    ['Bilan sanguin.pdf', await samplePdf(1, 'Bilan')],
  ] as const) {
    const res = await fetch(`${relais.http}/api/consultations/${id}/documents?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { ...cookie(doctor), 'Content-Type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    });
    expect(res.status).toBe(201);
    uploads.push({ id: ((await res.json()) as { document: DocumentEntry }).document.id, bytes });
  }
  const typist = yClient(relais.ws, dossierDocName(id), await login(relais.http, 'ide.demo'));
  cleanups.push(() => typist.destroy());
  await waitFor(() => synced(typist) && new Teledossier(typist.doc).isInitialised);
  const dossier = new Teledossier(typist.doc);
  dossier.field('antecedents')!.insert(0, 'Diabète de type 2');
  await waitFor(async () => new Teledossier(await storedDoc(relais.store, dossierDocName(id))).field('antecedents')!.toString().includes('Diabète'), 5000, 'edit stored');
  const signed = await fetch(`${relais.http}/api/consultations/${id}/fiche/signatures`, { method: 'POST', headers: cookie(doctor) });
  expect(signed.status).toBe(201);
  const fiche = ((await signed.json()) as { document: DocumentEntry }).document;

  // Typing goes on, a word every 5 ms, while the backup runs.
  let n = 0;
  const timer = setInterval(() => {
    const text = dossier.field('conclusion')!;
    text.insert(text.length, ` t${++n}`);
  }, 5);
  cleanups.push(() => clearInterval(timer));
  return { relais, consultationId: id, uploads, fiche, typist, typed: () => n, stopTyping: () => clearInterval(timer) };
}

describe('#14 backup and restore', () => {
  it('a backup taken while a professional types restores into a server that has it all, up to the backup point', async () => {
    const { relais, consultationId, uploads, fiche, typed, stopTyping } = await filledStore();
    const docName = dossierDocName(consultationId);
    const storedWords = async () => typedWords(new Teledossier(await storedDoc(relais.store, docName)).field('conclusion')!.toString());
    await waitFor(async () => (await storedWords()).length >= 20, 10_000, 'typing stored');
    const storedBefore = (await storedWords()).length;
    const adminToken = await login(relais.http, 'admin.demo');
    const auditBefore = ((await (await fetch(`${relais.http}/api/audit`, { headers: cookie(adminToken) })).json()) as { events: { at: string; type: string }[] }).events;
    expect(auditBefore.map((e) => e.type)).toEqual(expect.arrayContaining(['document.upload', 'document.sign']));

    const backup = join(scratch(), 'sauvegarde');
    const keys = join(scratch(), 'cles');
    const made = await admin(['backup', backup, '--data-dir', relais.dataDir, '--keys-to', keys]);
    const typedDuring = typed();
    stopTyping();
    expect(made.output).toContain('Sauvegarde terminée');
    expect(made.code).toBe(0);
    // Said loudly: the keys are not in the backup.
    expect(made.output).toContain('LES CLÉS NE SONT PAS DANS CETTE SAUVEGARDE / THE KEYS ARE NOT IN THIS BACKUP');
    expect(readdirSync(backup).sort()).toEqual(['blobs', 'lmdb', 'manifest.json']);
    expect(readdirSync(keys)).toContain('blob.key');
    // Typing went on during the backup: the server kept storing words.
    expect((await storedWords()).length).toBeGreaterThan(storedBefore);
    await relais.stop();

    const restored = join(scratch(), 'donnees');
    const done = await admin(['restore', backup, '--data-dir', restored, '--keys', keys]);
    expect(done.output).toContain('Restauration terminée');
    expect(done.code).toBe(0);

    const server = await startOn(restored);
    const doctor = await login(server.http, 'dr.demo');
    const reader = yClient(server.ws, docName, doctor);
    cleanups.push(() => reader.destroy());
    await waitFor(() => synced(reader) && new Teledossier(reader.doc).isInitialised, 10_000, 'restored dossier');
    const dossier = new Teledossier(reader.doc);
    expect(dossier.field('antecedents')!.toString()).toContain('Diabète de type 2');
    // The text up to the backup point: every word stored before it, then words in order, none skipped.
    const words = typedWords(dossier.field('conclusion')!.toString());
    expect(words.length).toBeGreaterThanOrEqual(storedBefore);
    expect(words.length).toBeLessThanOrEqual(typedDuring);
    expect(words).toEqual(Array.from({ length: words.length }, (_, i) => i + 1));
    expect(dossier.lastSignature()).toMatchObject({ signerName: 'Dr Claire Martin', documentId: fiche.id });

    const pdf = new Uint8Array(await (await fetch(`${server.http}/api/consultations/${consultationId}/documents/${fiche.id}`, { headers: cookie(doctor) })).arrayBuffer());
    const text = (await pdfPageTexts(pdf)).join('\n');
    expect(text).toContain('Signé par Dr Claire Martin');
    expect(text).toContain('Diabète de type 2');
    for (const upload of uploads) {
      const res = await fetch(`${server.http}/api/consultations/${consultationId}/documents/${upload.id}`, { headers: cookie(doctor) });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(upload.bytes)).toBe(true);
    }
    const auditAfter = ((await (await fetch(`${server.http}/api/audit`, { headers: cookie(await login(server.http, 'admin.demo')) })).json()) as { events: { at: string; type: string }[] }).events;
    expect(auditAfter.map((e) => `${e.at} ${e.type}`)).toEqual(expect.arrayContaining(auditBefore.map((e) => `${e.at} ${e.type}`)));
  }, 60_000);

  it('a document the server deletes during the backup is still in it; one lost from the data dir fails the backup, which leaves nothing', async () => {
    const dataDir = scratch();
    const store = openStore(dataDir);
    const masterKey = loadMasterKey(dataDir);
    const blobs = new BlobStore(dataDir, masterKey);
    const bytes = await samplePdf(1, 'Compte rendu');
    const { sha256 } = await blobs.put(bytes);
    await new BlobRefs(store.dbs.blobRefs).add(sha256, 'dossier:c1');
    await store.close();
    const keys = join(scratch(), 'cles');
    const lines: string[] = [];

    // A retention purge right after the store's copy: the copy still refers to the document.
    const backup = join(scratch(), 'sauvegarde');
    await backupDataDir(dataDir, backup, { keysTo: keys, afterStoreCopy: () => blobs.delete(sha256) }, (l) => lines.push(l), {});
    expect(await blobs.has(sha256)).toBe(false);
    const restored = join(scratch(), 'donnees');
    await restoreDataDir(backup, restored, { keysDir: keys, force: false }, (l) => lines.push(l), {});
    expect((await new BlobStore(restored, masterKey).read(sha256)).equals(bytes)).toBe(true);

    // A file gone from the data dir altogether (held copy included): no backup rather than one
    // that refers to a document it lacks.
    const again = await blobs.put(bytes);
    const failed = join(scratch(), 'echec');
    await expect(
      backupDataDir(dataDir, failed, { keysTo: null, afterStoreCopy: async (hold) => (await blobs.delete(again.sha256), rmSync(hold, { recursive: true })) }, (l) => lines.push(l), {}),
    ).rejects.toThrow('Sauvegarde abandonnée : 1 fichier(s) de documents');
    expect(existsSync(failed)).toBe(false);
  });

  it('the backup is as encrypted as the store; lmdb-js’s own backup() would have written it in clear', async () => {
    const relais = await startRelais();
    cleanups.push(() => relais.stop());
    const backup = join(scratch(), 'sauvegarde');
    expect((await admin(['backup', backup, '--data-dir', relais.dataDir])).code).toBe(0);
    const name = Buffer.from('DUPONT');
    expect(readFileSync(join(relais.dataDir, 'lmdb', 'data.mdb')).includes(name)).toBe(false);
    expect(readFileSync(join(backup, 'lmdb', 'data.mdb')).includes(name)).toBe(false);
    // Why store/backup.ts copies record by record (lmdb 3.5.6): the compacting copy of an
    // encrypted environment holds the patients' names in clear. In a process of its own: lmdb-js's
    // copy may also crash the process that runs it.
    const lmdbCopy = join(scratch(), 'copie-lmdb');
    mkdirSync(lmdbCopy);
    const script =
      "const { openStore } = await import('./sync-server/store/index.ts');" +
      'const store = openStore(process.env.DATA_DIR);' +
      'await store.dbs.root.backup(process.env.COPY_DIR, true);' +
      'await store.close();';
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, DATA_DIR: relais.dataDir, COPY_DIR: lmdbCopy },
      stdio: 'inherit',
    });
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(readFileSync(join(lmdbCopy, 'data.mdb')).includes(name)).toBe(true);
  }, 60_000);

  it('restore without the keys, or with the wrong ones, says so and writes nothing; a non-empty data dir needs --force', async () => {
    const relais = await startRelais();
    cleanups.push(() => relais.stop());
    const backup = join(scratch(), 'sauvegarde');
    const keys = join(scratch(), 'cles');
    expect((await admin(['backup', backup, '--data-dir', relais.dataDir, '--keys-to', keys])).code).toBe(0);

    const target = join(scratch(), 'donnees');
    const noKeys = await admin(['restore', backup, '--data-dir', target]);
    expect(noKeys.code).toBe(1);
    expect(noKeys.output).toContain('Clés manquantes : la sauvegarde est chiffrée');
    expect(noKeys.output).toContain('Keys missing');
    expect(existsSync(target)).toBe(false);

    const wrongKeys = join(scratch(), 'autres-cles');
    mkdirSync(wrongKeys);
    writeFileSync(join(wrongKeys, 'blob.key'), randomBytes(32).toString('hex'));
    mkdirSync(target);
    const wrong = await admin(['restore', backup, '--data-dir', target, '--keys', wrongKeys]);
    expect(wrong.code).toBe(1);
    expect(wrong.output).toContain('Mauvaise clé');
    expect(wrong.output).toContain('Wrong key');
    expect(readdirSync(target)).toEqual([]);

    writeFileSync(join(target, 'autre.txt'), 'déjà là');
    const occupied = await admin(['restore', backup, '--data-dir', target, '--keys', keys]);
    expect(occupied.code).toBe(1);
    expect(occupied.output).toContain('n’est pas vide');
    expect(readdirSync(target)).toEqual(['autre.txt']);
    const forced = await admin(['restore', backup, '--data-dir', target, '--keys', keys, '--force']);
    expect(forced.code).toBe(0);
    expect(readdirSync(target).sort()).toEqual(['keys', 'lmdb']);

    const incomplete = join(scratch(), 'incomplete');
    mkdirSync(join(incomplete, 'lmdb'), { recursive: true });
    const refused = await admin(['restore', incomplete, '--data-dir', join(scratch(), 'x'), '--keys', keys]);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('n’est pas une sauvegarde Relais complète');
    expect((await admin(['restore'])).code).toBe(2);
  }, 60_000);
});
