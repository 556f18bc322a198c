/**
 * #11 §9 health data at rest: what a copy of the data dir shows to someone without the master key.
 * The fiche text goes through a real sync client, the identity through the store; then the raw
 * bytes of every LMDB file are searched for them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { dossierDocName } from '../../schema/dossier.ts';
import { login, startRelais, synced, waitFor, yClient, type Running, type YClient } from '../testing/harness.ts';
import { freePort, startServerProcess } from '../testing/serverProcess.ts';
import { BlobStore, loadMasterKey } from '../documents/blobStore.ts';
import { newId } from '../../scripts/demo.ts';

let running: Running | null = null;
let child: ChildProcess | null = null;
const clients: YClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await running?.stop();
  running = null;
  child?.kill('SIGKILL');
  child = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The strings among `secrets` whose UTF-8 bytes appear in some LMDB file of the data dir. */
function clearInLmdb(dataDir: string, secrets: string[]): string[] {
  const files = filesUnder(join(dataDir, 'lmdb')).map((f) => readFileSync(f));
  return secrets.filter((s) => files.some((bytes) => bytes.includes(Buffer.from(s, 'utf8'))));
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe('#11 §9 health data is encrypted at rest', () => {
  it('#11 fiche text, patient identity and contacts, accounts: none in clear in the LMDB files', { timeout: 30_000 }, async () => {
    running = await startRelais();
    const { store, demo } = running;
    const patient = {
      id: newId(),
      establishmentId: demo.establishmentId,
      birthName: 'QUINTAVALLE',
      firstNames: 'EUPHRASIE ODETTE',
      usedName: null,
      birthDate: '1931-02-17',
      sex: 'F' as const,
      email: 'euphrasie.quintavalle@example.org',
      mobile: '+33687650412',
    };
    await store.patients.put(patient);

    const fiche = 'Escarre sacrée stade 2 découverte ce matin, pansement hydrocolloïde posé';
    const token = await login(running.http, 'dr.demo');
    const client = yClient(running.ws, dossierDocName(demo.consultations[0]!.id), token);
    clients.push(client);
    await waitFor(() => synced(client), 10_000, 'sync');
    client.doc.getMap<Y.Text>('fiche').get('examenClinique')!.insert(0, fiche);
    await waitFor(async () => (await store.docs.load(dossierDocName(demo.consultations[0]!.id))).updates.length > 1, 10_000, 'update stored');

    // Stopped as at the end of a day: everything committed, the files as a copy would take them.
    await running.server.close();
    await running.store.close();
    dirs.push(running.dataDir);
    running = null;
    const found = clearInLmdb(dirs[0]!, [
      fiche,
      'hydrocolloïde',
      patient.birthName,
      patient.firstNames,
      patient.email,
      patient.mobile,
      // The demo's own patient, doctor and nurse.
      'DUPONT',
      'famille.dupont@example.org',
      '+33612345678',
      'Claire Martin',
      'claire.martin@example.org',
      '+33611223344',
    ]);
    expect(found).toEqual([]);
  });

  it('#11 a data dir the server creates is 0700, its LMDB files 0600, keys and blobs private', { timeout: 30_000 }, async () => {
    const parent = mkdtempSync(join(tmpdir(), 'relais-perms-'));
    dirs.push(parent);
    const dataDir = join(parent, 'data');
    child = await startServerProcess(await freePort(), dataDir);
    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = null;
    await new BlobStore(dataDir, loadMasterKey(dataDir)).put(Buffer.from('%PDF-1.4 ordonnance'));

    expect(mode(dataDir)).toBe('700');
    expect(mode(join(dataDir, 'lmdb'))).toBe('700');
    for (const file of readdirSync(join(dataDir, 'lmdb'))) expect([file, mode(join(dataDir, 'lmdb', file))]).toEqual([file, '600']);
    expect(mode(join(dataDir, 'keys'))).toBe('700');
    for (const file of readdirSync(join(dataDir, 'keys'))) expect([file, mode(join(dataDir, 'keys', file))]).toEqual([file, '600']);
    const blobFiles = filesUnder(join(dataDir, 'blobs'));
    expect(blobFiles.length).toBeGreaterThan(0);
    for (const file of blobFiles) expect([file, mode(file)]).toEqual([file, '600']);
    for (const dir of readdirSync(join(dataDir, 'blobs'))) expect([dir, mode(join(dataDir, 'blobs', dir))]).toEqual([dir, '700']);
  });
});
