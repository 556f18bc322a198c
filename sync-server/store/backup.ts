/**
 * `npm run admin -- backup <dir>` and `npm run admin -- restore <dir>` (#14, docs/ops/BACKUP.md).
 *
 * Backup, while Relais runs:
 * 1. every blob file present is hard-linked under `blobs/tmp/backup-<random>/`: a blob the server
 *    deletes during the backup (a retention purge, a replaced signature image) keeps its bytes
 *    until the backup has copied them. The next start of Relais sweeps `blobs/tmp/` anyway;
 * 2. the LMDB store is copied record by record inside ONE read transaction, so the copy is the
 *    store as it stood at one instant, whatever the server writes meanwhile, into a new
 *    environment encrypted with the same key. lmdb-js's own `backup()` is not used: with
 *    encryption (lmdb 3.5.6) the plain copy fails (EFAULT) and the compacting copy writes the
 *    pages IN CLEAR under an «encrypted» header;
 * 3. the blobs are copied AFTER, and only those the copy refers to (`blobRefs`): a blob is written
 *    before its reference is (documents.ts, signature.ts), so each blob the copy refers to existed
 *    at step 2, on disk or held at step 1. The backup checks every reference has its file and
 *    fails, leaving nothing, if one does not: a backup never refers to a blob it lacks;
 * 4. `manifest.json` is written last: a backup without it is incomplete, and restore refuses it.
 * The keys are NOT in the backup: `--keys-to <dir>` copies them elsewhere, and the command says so
 * loudly. A backup is as encrypted as the data dir: useless without the master key.
 *
 * Restore, Relais stopped: the key given (`--keys <dir>` holding blob.key, or RELAIS_MASTER_KEY) is
 * checked against the backup's key fingerprint before anything is written; the copy is assembled
 * in `<data dir>/.restauration-<pid>/` (one left by an interrupted restore is removed), opened
 * with the key, counted against the manifest, and only then moved into place. A refusal or a
 * failure leaves the data dir as it was.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { RootDatabase } from 'lmdb';
import { deriveKey } from '../auth/secrets.ts';
import { blobFilePath } from '../documents/blobStore.ts';
import { copyRecords, KEY_ID_FILE, keyId, lmdbDir, rawDatabase, openEnvironment, storeFormat, SUB_DATABASES, type Key } from './db.ts';

export const BACKUP_FORMAT = 'relais-backup-1';
const MANIFEST = 'manifest.json';
const MASTER_KEY_FILE = 'blob.key';

/** A refusal for the operator: French, then English; exit code 1; nothing was changed. */
export class BackupRefusedError extends Error {
  override readonly name = 'BackupRefusedError';
  constructor(french: string, english: string) {
    super(`${french}\n${english}`);
    this.stack = `${this.name}: ${this.message}`;
  }
}

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  /** Fingerprint of the LMDB key (db.ts keyId): restore tells a wrong key before writing. */
  keyId: string;
  /** Records per sub-database, as copied. */
  records: Record<string, number>;
  blobs: number;
}

const raw = rawDatabase;

const lmdbKeyOf = (masterKey: Buffer): string => deriveKey(masterKey, 'lmdb encryption', 24).toString('base64');

function parseMasterKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new BackupRefusedError(`${where} ne contient pas une clé de 32 octets.`, `${where} does not hold a 32-byte key.`);
  }
  return key;
}

const STAGING_PREFIX = '.restauration-';

/** Empty, or holding only what a freshly made file system puts at a mount point (or what an interrupted restore left). */
function isEmptyDir(path: string): boolean {
  return readdirSync(path).every((name) => name === 'lost+found' || name.startsWith(STAGING_PREFIX));
}

const inside = (child: string, parent: string): boolean => child === parent || child.startsWith(parent + sep);

function syncDir(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Every file under `dir` (recursively), as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Copies the `*.key` files of `from` into `to` (0700, files 0600); their names. */
function copyKeys(from: string, to: string): string[] {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  const names = readdirSync(from).filter((n) => n.endsWith('.key'));
  for (const name of names) {
    copyFileSync(join(from, name), join(to, name));
    syncFile(join(to, name));
  }
  syncDir(to);
  return names;
}

/** The sha-256 of every blob a store refers to (documents/blobRefs.ts: keys [sha256, owner]). */
function referencedBlobs(root: RootDatabase): Set<string> {
  const refs = root.openDB<true, Key>({ name: 'blobRefs' });
  const shas = new Set<string>();
  for (const key of refs.getKeys()) if (Array.isArray(key)) shas.add(String(key[0]));
  return shas;
}

function loudKeysWarning(out: (line: string) => void, dataDir: string, keysTo: string | null, masterFromEnv: boolean): void {
  const keysDir = join(dataDir, 'keys');
  const rule = '!'.repeat(100);
  out(rule);
  out('!! LES CLÉS NE SONT PAS DANS CETTE SAUVEGARDE / THE KEYS ARE NOT IN THIS BACKUP');
  out('!! Sans la clé maîtresse, la sauvegarde (et le dossier de données) est illisible : tous les dossiers sont perdus.');
  out('!! Without the master key, the backup (and the data dir) cannot be read: every record is lost.');
  if (masterFromEnv) {
    out('!! La clé maîtresse vient de RELAIS_MASTER_KEY : gardez-en une copie hors de cette machine (coffre, papier sous scellé).');
    out('!! The master key comes from RELAIS_MASTER_KEY: keep a copy of it off this machine (a vault, sealed paper).');
  }
  if (keysTo) {
    out(`!! Clés copiées dans ${keysTo} : rangez ce dossier À PART des sauvegardes (autre support, autre lieu), puis effacez-le d’ici.`);
    out(`!! Keys copied to ${keysTo}: store that folder APART from the backups (another medium, another place), then delete it here.`);
  } else {
    out(`!! Copiez ${keysDir} une fois, à part des sauvegardes (--keys-to <dossier> le fait) : docs/ops/BACKUP.md.`);
    out(`!! Copy ${keysDir} once, apart from the backups (--keys-to <folder> does it): docs/ops/BACKUP.md.`);
  }
  out(rule);
}

export interface BackupOptions {
  /** Where to copy `<dataDir>/keys/` (apart from the backup); null: not copied. */
  keysTo: string | null;
  /**
   * Called between the store's copy and the blobs' (for tests: the server deleting or losing a
   * blob exactly then).
   */
  afterStoreCopy?: (hold: string) => Promise<void> | void;
}

/** A consistent copy of `dataDir` (store + blobs) into `target`, the server running or not. */
export async function backupDataDir(dataDir: string, target: string, options: BackupOptions, out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<Manifest> {
  dataDir = resolve(dataDir);
  target = resolve(target);
  const keysTo = options.keysTo === null ? null : resolve(options.keysTo);
  const live = lmdbDir(dataDir);
  if (storeFormat(live) !== 'encrypted') {
    throw new BackupRefusedError(
      `Aucun stockage chiffré dans ${live} : rien à sauvegarder (vérifiez --data-dir ou RELAIS_DATA_DIR).`,
      `No encrypted store in ${live}: nothing to back up (check --data-dir or RELAIS_DATA_DIR).`,
    );
  }
  if (inside(target, dataDir) || inside(dataDir, target)) {
    throw new BackupRefusedError(`La sauvegarde ${target} ne peut pas être dans le dossier de données ${dataDir} (ni l’inverse).`, `The backup ${target} cannot be inside the data dir ${dataDir} (nor the reverse).`);
  }
  if (existsSync(target) && !isEmptyDir(target)) {
    throw new BackupRefusedError(`${target} n’est pas vide : choisissez un dossier nouveau pour chaque sauvegarde.`, `${target} is not empty: choose a new folder for each backup.`);
  }
  if (keysTo !== null) {
    if (inside(keysTo, target) || inside(keysTo, dataDir)) {
      throw new BackupRefusedError(
        `Les clés doivent être gardées à part : --keys-to ne peut pas être dans la sauvegarde ni dans le dossier de données.`,
        `The keys must be kept apart: --keys-to cannot be inside the backup or the data dir.`,
      );
    }
    if (existsSync(keysTo) && !isEmptyDir(keysTo)) throw new BackupRefusedError(`${keysTo} n’est pas vide.`, `${keysTo} is not empty.`);
  }
  const masterFromEnv = Boolean(env.RELAIS_MASTER_KEY);
  const keyFile = join(dataDir, 'keys', MASTER_KEY_FILE);
  if (!masterFromEnv && !existsSync(keyFile)) {
    throw new BackupRefusedError(
      `Ni RELAIS_MASTER_KEY ni ${keyFile} : la clé qui chiffre ce stockage est introuvable, il ne peut pas être lu.`,
      `Neither RELAIS_MASTER_KEY nor ${keyFile}: the key that encrypts this store is missing, it cannot be read.`,
    );
  }
  const masterKey = masterFromEnv ? parseMasterKey(env.RELAIS_MASTER_KEY!, 'RELAIS_MASTER_KEY') : parseMasterKey(readFileSync(keyFile, 'utf8'), keyFile);
  const lmdbKey = lmdbKeyOf(masterKey);

  const createdTarget = !existsSync(target);
  const blobsDir = join(dataDir, 'blobs');
  const hold = join(blobsDir, 'tmp', `backup-${randomBytes(8).toString('hex')}`);
  try {
    mkdirSync(target, { recursive: true, mode: 0o700 });
    // 1. Hold every blob file present (a hard link costs no copy; the data dir is one file system).
    mkdirSync(hold, { recursive: true, mode: 0o700 });
    for (const file of filesUnder(blobsDir)) {
      if (file.split(sep)[0] === 'tmp') continue;
      try {
        linkSync(join(blobsDir, file), join(hold, file.split(sep).pop()!));
      } catch (error) {
        // Deleted since listed: the store no longer refers to it, or will not in the copy.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }

    // 2. The store at one instant: one read transaction over every sub-database.
    const records: Record<string, number> = {};
    const source = openEnvironment(live, lmdbKey);
    const copy = openEnvironment(join(target, 'lmdb'), lmdbKey);
    try {
      const from = SUB_DATABASES.map((name) => [name, raw(source, name), raw(copy, name)] as const);
      const txn = source.useReadTransaction();
      try {
        for (const [name, src, dst] of from) records[name] = copyRecords(src, dst, txn);
      } finally {
        txn.done();
      }
      await copy.flushed;
    } finally {
      await Promise.all([source.close(), copy.close()]);
    }

    await options.afterStoreCopy?.(hold);

    // 3. The blobs the copy refers to, from the live dir or from the hold.
    const check = openEnvironment(join(target, 'lmdb'), lmdbKey);
    let shas: Set<string>;
    try {
      shas = referencedBlobs(check);
    } finally {
      await check.close();
    }
    const missing: string[] = [];
    for (const sha of shas) {
      const file = blobFilePath(masterKey, sha);
      const from = [join(blobsDir, file), join(hold, file.split(sep).pop()!)].find((p) => existsSync(p));
      if (!from) {
        missing.push(sha);
        continue;
      }
      mkdirSync(join(target, 'blobs', dirname(file)), { recursive: true, mode: 0o700 });
      copyFileSync(from, join(target, 'blobs', file));
      syncFile(join(target, 'blobs', file));
    }
    if (missing.length > 0) {
      throw new BackupRefusedError(
        `Sauvegarde abandonnée : ${missing.length} fichier(s) de documents référencé(s) par le stockage sont absents du dossier de données. Relancez la sauvegarde ; si cela se répète, le dossier de données a perdu des fichiers.`,
        `Backup abandoned: ${missing.length} document file(s) the store refers to are missing from the data dir. Run the backup again; if it happens again, the data dir has lost files.`,
      );
    }
    for (const dir of [join(target, 'lmdb'), target]) syncDir(dir);

    // 4. The manifest last: its presence says the backup is whole.
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      keyId: readFileSync(join(target, 'lmdb', KEY_ID_FILE), 'utf8').trim(),
      records,
      blobs: shas.size,
    };
    // lock.mdb is LMDB's reader table, rebuilt on open: not part of a backup.
    rmSync(join(target, 'lmdb', 'lock.mdb'), { force: true });
    writeFileSync(join(target, MANIFEST), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    syncFile(join(target, MANIFEST));
    syncDir(target);

    if (keysTo !== null) copyKeys(join(dataDir, 'keys'), keysTo);
    const total = Object.values(records).reduce((a, b) => a + b, 0);
    out(`Sauvegarde terminée : ${target} (${total} enregistrements, ${shas.size} fichiers de documents, chiffrés comme le dossier de données).`);
    out(`Backup done: ${target} (${total} records, ${shas.size} document files, encrypted as the data dir is).`);
    loudKeysWarning(out, dataDir, keysTo, masterFromEnv);
    return manifest;
  } catch (error) {
    if (createdTarget) rmSync(target, { recursive: true, force: true });
    else for (const name of readdirSync(target)) if (name !== 'lost+found') rmSync(join(target, name), { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(hold, { recursive: true, force: true });
  }
}

export interface RestoreOptions {
  /** A folder holding blob.key (and the other *.key files), as `backup --keys-to` wrote it; null: RELAIS_MASTER_KEY. */
  keysDir: string | null;
  /** Replace a data dir that is not empty. */
  force: boolean;
}

function readManifest(backup: string): Manifest {
  const path = join(backup, MANIFEST);
  let manifest: Manifest | null;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    manifest = null;
  }
  if (!manifest || manifest.format !== BACKUP_FORMAT || !existsSync(join(backup, 'lmdb', 'data.mdb'))) {
    throw new BackupRefusedError(
      `${backup} n’est pas une sauvegarde Relais complète (${MANIFEST} absent ou illisible : sauvegarde interrompue ?). Rien n’a été écrit.`,
      `${backup} is not a complete Relais backup (${MANIFEST} missing or unreadable: an interrupted backup?). Nothing was written.`,
    );
  }
  return manifest;
}

/** Restores `backup` into `dataDir`, Relais stopped. */
export async function restoreDataDir(backup: string, dataDir: string, options: RestoreOptions, out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  backup = resolve(backup);
  dataDir = resolve(dataDir);
  const keysDir = options.keysDir === null ? null : resolve(options.keysDir);
  const manifest = readManifest(backup);

  // The key, checked before anything is written.
  let masterKey: Buffer;
  if (env.RELAIS_MASTER_KEY) {
    masterKey = parseMasterKey(env.RELAIS_MASTER_KEY, 'RELAIS_MASTER_KEY');
  } else if (keysDir !== null && existsSync(join(keysDir, MASTER_KEY_FILE))) {
    masterKey = parseMasterKey(readFileSync(join(keysDir, MASTER_KEY_FILE), 'utf8'), join(keysDir, MASTER_KEY_FILE));
  } else {
    throw new BackupRefusedError(
      keysDir === null
        ? `Clés manquantes : la sauvegarde est chiffrée. Indiquez le dossier des clés (--keys <dossier contenant ${MASTER_KEY_FILE}>) ou RELAIS_MASTER_KEY. Rien n’a été écrit.`
        : `Clés manquantes : ${keysDir} ne contient pas ${MASTER_KEY_FILE}, et RELAIS_MASTER_KEY n’est pas défini. Rien n’a été écrit.`,
      keysDir === null
        ? `Keys missing: the backup is encrypted. Give the keys folder (--keys <folder holding ${MASTER_KEY_FILE}>) or RELAIS_MASTER_KEY. Nothing was written.`
        : `Keys missing: ${keysDir} holds no ${MASTER_KEY_FILE}, and RELAIS_MASTER_KEY is not set. Nothing was written.`,
    );
  }
  const lmdbKey = lmdbKeyOf(masterKey);
  const storedKeyId = readFileSync(join(backup, 'lmdb', KEY_ID_FILE), 'utf8').trim();
  if (keyId(lmdbKey) !== manifest.keyId || storedKeyId !== manifest.keyId) {
    throw new BackupRefusedError(
      `Mauvaise clé : la clé maîtresse donnée n’est pas celle qui chiffre cette sauvegarde (empreinte ${manifest.keyId}). Rien n’a été écrit.`,
      `Wrong key: the master key given is not the one this backup is encrypted with (fingerprint ${manifest.keyId}). Nothing was written.`,
    );
  }

  const createdDataDir = !existsSync(dataDir);
  if (!createdDataDir && !isEmptyDir(dataDir) && !options.force) {
    throw new BackupRefusedError(
      `Le dossier de données ${dataDir} n’est pas vide : Relais ne restaure pas par-dessus. Arrêtez Relais et ajoutez --force pour le remplacer (son contenu actuel sera supprimé). Rien n’a été écrit.`,
      `The data dir ${dataDir} is not empty: Relais does not restore over it. Stop Relais and add --force to replace it (its current content will be deleted). Nothing was written.`,
    );
  }

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const staging = join(dataDir, `${STAGING_PREFIX}${process.pid}`);
  try {
    // What an interrupted restore left.
    for (const name of readdirSync(dataDir)) if (name.startsWith(STAGING_PREFIX)) rmSync(join(dataDir, name), { recursive: true, force: true });
    mkdirSync(join(staging, 'lmdb'), { recursive: true, mode: 0o700 });
    for (const file of ['data.mdb', KEY_ID_FILE]) copyFileSync(join(backup, 'lmdb', file), join(staging, 'lmdb', file));
    for (const file of filesUnder(join(backup, 'blobs'))) {
      mkdirSync(join(staging, 'blobs', dirname(file)), { recursive: true, mode: 0o700 });
      copyFileSync(join(backup, 'blobs', file), join(staging, 'blobs', file));
    }
    const keys = keysDir !== null && existsSync(keysDir) ? copyKeys(keysDir, join(staging, 'keys')) : [];

    // Read back with the key: every record counted, every blob referred to present.
    const check = openEnvironment(join(staging, 'lmdb'), lmdbKey);
    try {
      for (const [name, expected] of Object.entries(manifest.records)) {
        const found = raw(check, name).getKeysCount();
        if (found !== expected) {
          throw new BackupRefusedError(
            `Sauvegarde altérée : la base ${name} a ${found} enregistrements, ${expected} attendus. Rien n’a été remplacé.`,
            `Damaged backup: database ${name} has ${found} records, ${expected} expected. Nothing was replaced.`,
          );
        }
      }
      const lacking = [...referencedBlobs(check)].filter((sha) => !existsSync(join(staging, 'blobs', blobFilePath(masterKey, sha))));
      if (lacking.length > 0) {
        throw new BackupRefusedError(
          `Sauvegarde incomplète : ${lacking.length} fichier(s) de documents manquent. Rien n’a été remplacé.`,
          `Incomplete backup: ${lacking.length} document file(s) are missing. Nothing was replaced.`,
        );
      }
    } finally {
      await check.close();
    }
    for (const file of filesUnder(staging)) syncFile(join(staging, file));

    // Into place: what was there goes (only with --force), then the checked copy moves in.
    for (const name of readdirSync(dataDir)) {
      if (name !== 'lost+found' && join(dataDir, name) !== staging) rmSync(join(dataDir, name), { recursive: true, force: true });
    }
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(dataDir, name));
    rmSync(staging, { recursive: true, force: true });
    syncDir(dataDir);

    out(`Restauration terminée dans ${dataDir} : sauvegarde du ${manifest.createdAt}, ${manifest.blobs} fichiers de documents, clés : ${keys.length > 0 ? keys.join(', ') : 'RELAIS_MASTER_KEY'}.`);
    out(`Restore done into ${dataDir}: backup of ${manifest.createdAt}, ${manifest.blobs} document files, keys: ${keys.length > 0 ? keys.join(', ') : 'RELAIS_MASTER_KEY'}.`);
    out(`Démarrez Relais avec RELAIS_DATA_DIR=${dataDir} puis vérifiez (docs/ops/BACKUP.md, « Exercice de restauration »).`);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (createdDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
