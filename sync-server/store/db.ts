/**
 * The LMDB environment and its sub-databases. One module per sub-database builds on the handles
 * opened here; nothing else opens LMDB.
 *
 * At rest (SPEC §9, #11): the environment is encrypted with lmdb-js's own `encryptionKey` (ChaCha8
 * over every page), keyed from the master key (auth/secrets.ts) under its own HKDF label; the data
 * dir and `lmdb/` are 0700, the files 0600. A store from before that is refused, not opened:
 * `npm run admin -- store encrypt` (store/encryptStore.ts) migrates it.
 */
import { sharedLogger } from '../log.ts';
import { createHmac } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { deriveKey, keepPrivate, loadMasterKey } from '../auth/secrets.ts';
import type { SignatureImageRecord } from '../documents/signatureImages.ts';
import type { VaultLink } from '../documents/vaultLinks.ts';
import type { DocumentEntry } from '../../schema/dossier.ts';

export type Key = string | number | (string | number)[];

export interface Databases {
  root: RootDatabase;
  /** [docName, seq] → one Yjs update. */
  updates: Database<Uint8Array, Key>;
  /** docName → { upTo, update }: the merged state of every update with seq ≤ upTo. */
  snapshots: Database<{ upTo: number; update: Uint8Array }, string>;
  users: Database<unknown, string>;
  usersByIdentifier: Database<string, string>;
  sessions: Database<unknown, string>;
  establishments: Database<unknown, string>;
  patients: Database<unknown, string>;
  consultations: Database<unknown, string>;
  /** message id → MessageRecord plus what is needed to retry it (messaging/). */
  messages: Database<unknown, string>;
  /** RPPS number → DirectoryEntry: the professionals' directory (store/directory.ts). */
  directory: Database<unknown, string>;
  /** invitation id → Invitation of a consultation (store/invitations.ts). */
  invitations: Database<unknown, string>;
  /** userId → login failures, lock, authenticator (TOTP) enrolment (auth/). */
  authState: Database<unknown, string>;
  /** challenge id → a pending one-time login code, hashed (auth/loginCodes.ts). */
  loginChallenges: Database<unknown, string>;
  /** [epoch ms, seq] → one audit event; append-only (audit/). */
  audit: Database<unknown, Key>;
  /** [sha256, owner] → true: who still holds a blob (documents/blobRefs.ts). */
  blobRefs: Database<true, Key>;
  /** [consultationId, documentId] → the server's record of a dossier's document (documents/documentRecords.ts). */
  documentRecords: Database<DocumentEntry, Key>;
  /** userId → signature image record (documents/signatureImages.ts). */
  signatureImages: Database<SignatureImageRecord, string>;
  /** sha-256 of a link token → vault link (documents/vaultLinks.ts). */
  vaultLinks: Database<VaultLink, string>;
  /** '<scope>:<id>' → epoch ms of recent costly sends (store/messageCaps.ts). */
  messageCaps: Database<number[], string>;
}

/** Every sub-database, by name: what `store encrypt` copies. */
export const SUB_DATABASES = [
  'updates',
  'snapshots',
  'users',
  'usersByIdentifier',
  'sessions',
  'establishments',
  'patients',
  'consultations',
  'messages',
  'directory',
  'invitations',
  'authState',
  'loginChallenges',
  'audit',
  'blobRefs',
  'documentRecords',
  'signatureImages',
  'vaultLinks',
  'messageCaps',
] as const satisfies readonly Exclude<keyof Databases, 'root'>[];
// A sub-database added to Databases but not to the list above would be left behind by a migration.
const listsEverySubDatabase: [Exclude<keyof Databases, 'root' | (typeof SUB_DATABASES)[number]>] extends [never] ? true : never = true;
void listsEverySubDatabase;

/** Refusal to open the store, for the operator: French, then English; no stack trace to read. */
export class StoreRefusedError extends Error {
  override readonly name = 'StoreRefusedError';
  constructor(french: string, english: string) {
    super(`${french}\n${english}`);
    this.stack = `${this.name}: ${this.message}`;
  }
}

export const lmdbDir = (dataDir: string): string => join(dataDir, 'lmdb');
/** Where `store encrypt` keeps the clear environment until the encrypted copy is verified. */
export const clearLmdbDir = (dataDir: string): string => join(dataDir, 'lmdb.clear');

const encryptCommand = (dataDir: string): string => `npm run admin -- store encrypt --data-dir ${dataDir}`;

// LMDB's first meta page, which lmdb-js never encrypts: the page header (24 bytes), then the meta
// (magic at +0, the persistent environment flags at +28). lmdb-js cannot tell the two formats
// apart itself: opening a clear file with a key, or an encrypted one without, kills the process
// (SIGSEGV, lmdb 3.5.6).
const META = 24;
const MDB_MAGIC = 0xbeefc0de;
const MDB_ENCRYPT = 0x2000;

export type StoreFormat = 'absent' | 'clear' | 'encrypted';

export function storeFormat(path: string): StoreFormat {
  const head = Buffer.alloc(META + 32);
  let read: number;
  try {
    const fd = openSync(join(path, 'data.mdb'), 'r');
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  // An empty file: the environment was being created; LMDB initialises it again.
  if (read < head.length) return 'absent';
  if (head.readUInt32LE(META) !== MDB_MAGIC) throw new Error(`${path}/data.mdb is not an LMDB file`);
  return head.readUInt16LE(META + 28) & MDB_ENCRYPT ? 'encrypted' : 'clear';
}

/**
 * The store's key: 24 bytes from the master key, as 32 base64 characters, because lmdb-js takes
 * the key as a 32-byte UTF-8 string (a Buffer aborts the process) — 192 bits.
 */
export function lmdbEncryptionKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return deriveKey(loadMasterKey(dataDir, env), 'lmdb encryption', 24).toString('base64');
}

// The key is checked twice before anything is written: against `lmdb/key-id`, a fingerprint kept
// beside the files, before LMDB reads a page (a wrong key makes it read garbage, which may throw
// anywhere); and against a record in the main database, for a copy of data.mdb made without it.
export const KEY_ID_FILE = 'key-id';
const KEY_CHECK = 'relais:keyCheck';
const KEY_CHECK_VALUE = 'relais-lmdb-1';

/** The fingerprint of an LMDB key kept in `lmdb/key-id`: tells a wrong key apart before LMDB reads a page. */
export const keyId = (encryptionKey: string): string => createHmac('sha256', encryptionKey).update('relais lmdb key id').digest('hex').slice(0, 32);

function wrongKey(path: string): StoreRefusedError {
  return new StoreRefusedError(
    `La clé maîtresse ne déchiffre pas le stockage ${path} : RELAIS_MASTER_KEY, ou <dossier de données>/keys/blob.key, n’est pas la clé avec laquelle il a été chiffré. Relais ne l’ouvre pas, pour ne rien écrire par-dessus.`,
    `The master key does not decrypt the store ${path}: RELAIS_MASTER_KEY, or <data dir>/keys/blob.key, is not the key it was encrypted with. Relais does not open it, so as to write nothing over it.`,
  );
}

function checkKeyRecord(root: RootDatabase, path: string): void {
  try {
    if ((root.getStats() as { entryCount: number }).entryCount === 0) {
      root.putSync(KEY_CHECK, KEY_CHECK_VALUE);
      return;
    }
    if (root.get(KEY_CHECK) === KEY_CHECK_VALUE) return;
  } catch {
    // Garbage read through a wrong key.
  }
  void root.close();
  throw wrongKey(path);
}

/** A directory only this account may enter. */
function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  try {
    keepPrivate(path);
  } catch (error) {
    // Not ours to change (a volume mounted by another account): the files in it stay 0600.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    sharedLogger().warn({ path }, `Relais ne peut pas restreindre les droits de ${path} (chmod 700) : d’autres comptes de la machine peuvent en lister le contenu.`);
  }
}

/**
 * The environment at `path`, encrypted with `encryptionKey`, or clear when it is null (the format
 * before #11: only `store encrypt` and its test open one).
 */
export function openEnvironment(path: string, encryptionKey: string | null): RootDatabase {
  privateDir(path);
  const keyIdFile = join(path, KEY_ID_FILE);
  if (encryptionKey !== null && existsSync(keyIdFile) && readFileSync(keyIdFile, 'utf8').trim() !== keyId(encryptionKey)) throw wrongKey(path);
  // lmdb-js's default overlapping sync: a commit is visible and in the OS cache when it returns
  // (so "appended before fanned out" holds across a crash of this process) and is flushed to disk
  // right after, off the writer lock, with meta pages ordered so that a power cut never corrupts
  // the file. noSync was faster still (0.01 ms against 0.22 ms per commit, measured here) but an OS
  // crash could then corrupt the database: not a trade for medical records.
  // permissionsMode: the mode LMDB creates its files with (lmdb-js reads it, its types omit it).
  // noSubdir false: lmdb-js takes a path with a dot (`lmdb.clear`) for a file.
  const options = {
    path,
    noSubdir: false,
    maxDbs: 32,
    mapSize: 2 * 1024 ** 3,
    permissionsMode: 0o600,
    ...(encryptionKey === null ? {} : { encryptionKey }),
  };
  const root: RootDatabase = open(options);
  // Files an older Relais created may be 0644.
  for (const file of ['data.mdb', 'lock.mdb']) if (existsSync(join(path, file))) keepPrivate(join(path, file));
  if (encryptionKey !== null) {
    checkKeyRecord(root, path);
    if (!existsSync(keyIdFile)) writeFileSync(keyIdFile, keyId(encryptionKey), { mode: 0o600 });
  }
  return root;
}

/** The sub-databases of an environment opened by openEnvironment. */
export function databasesOf(root: RootDatabase): Databases {
  return {
    root,
    updates: root.openDB<Uint8Array, Key>({ name: 'updates', encoding: 'binary' }),
    snapshots: root.openDB<{ upTo: number; update: Uint8Array }, string>({ name: 'snapshots' }),
    users: root.openDB<unknown, string>({ name: 'users' }),
    usersByIdentifier: root.openDB<string, string>({ name: 'usersByIdentifier' }),
    sessions: root.openDB<unknown, string>({ name: 'sessions' }),
    establishments: root.openDB<unknown, string>({ name: 'establishments' }),
    patients: root.openDB<unknown, string>({ name: 'patients' }),
    consultations: root.openDB<unknown, string>({ name: 'consultations' }),
    messages: root.openDB<unknown, string>({ name: 'messages' }),
    directory: root.openDB<unknown, string>({ name: 'directory' }),
    invitations: root.openDB<unknown, string>({ name: 'invitations' }),
    authState: root.openDB<unknown, string>({ name: 'authState' }),
    loginChallenges: root.openDB<unknown, string>({ name: 'loginChallenges' }),
    audit: root.openDB<unknown, Key>({ name: 'audit' }),
    blobRefs: root.openDB<true, Key>({ name: 'blobRefs' }),
    documentRecords: root.openDB<DocumentEntry, Key>({ name: 'documentRecords' }),
    signatureImages: root.openDB<SignatureImageRecord, string>({ name: 'signatureImages' }),
    vaultLinks: root.openDB<VaultLink, string>({ name: 'vaultLinks' }),
    messageCaps: root.openDB<number[], string>({ name: 'messageCaps' }),
  };
}

let commitFailureGuard = false;

/**
 * When an asynchronous LMDB commit fails (a full disk), lmdb-js 3.5 rejects the promises of the
 * writes in it, which their callers handle (a login answers with an error, an audit entry is
 * reported), and also two promises that nobody holds: an internal per-batch one, rejected with the
 * same "Commit failed" error (it carries `commitError`), and `commitError` itself, a promise lmdb-js
 * marks with its own `reject` function. Node would turn either into a crash of the whole server;
 * those two are ignored here, and any other unhandled rejection still ends the process as Node's
 * default does. Tested in store/fullDisk.integration.test.ts.
 */
function ignoreLmdbBatchRejections(): void {
  if (commitFailureGuard) return;
  commitFailureGuard = true;
  process.on('unhandledRejection', (reason, promise) => {
    const commitFailed = reason instanceof Error && 'commitError' in reason;
    const commitError = typeof (promise as Promise<unknown> & { reject?: unknown }).reject === 'function' && reason instanceof Error && 'code' in reason;
    if (commitFailed || commitError) return;
    throw reason;
  });
}

/**
 * The store of `dataDir`, encrypted with the key derived from the master key (RELAIS_MASTER_KEY in
 * `env`, else `<dataDir>/keys/blob.key`). Refuses, with a StoreRefusedError, a clear store, a key
 * that does not decrypt it, and an interrupted `store encrypt`.
 */
export function openDatabases(dataDir: string, env: NodeJS.ProcessEnv = process.env): Databases {
  ignoreLmdbBatchRejections();
  privateDir(dataDir);
  const path = lmdbDir(dataDir);
  if (existsSync(clearLmdbDir(dataDir))) {
    throw new StoreRefusedError(
      `Le chiffrement du stockage a été interrompu (${clearLmdbDir(dataDir)} existe encore). Terminez-le, Relais arrêté : ${encryptCommand(dataDir)}`,
      `Encrypting the store was interrupted (${clearLmdbDir(dataDir)} still exists). Finish it, with Relais stopped: ${encryptCommand(dataDir)}`,
    );
  }
  if (storeFormat(path) === 'clear') {
    throw new StoreRefusedError(
      `Le stockage ${path} n’est pas chiffré (format antérieur au chiffrement au repos) : Relais ne l’ouvre pas. Arrêtez Relais, sauvegardez le dossier de données, puis chiffrez-le : ${encryptCommand(dataDir)}`,
      `The store ${path} is not encrypted (format from before encryption at rest): Relais does not open it. Stop Relais, back up the data dir, then encrypt it: ${encryptCommand(dataDir)}`,
    );
  }
  return databasesOf(openEnvironment(path, lmdbEncryptionKey(dataDir, env)));
}

/** A sub-database read and written as raw bytes (copies, migrations, backups). */
export type RawDatabase = Database<Buffer, Buffer>;

export const rawDatabase = (root: RootDatabase, name: string): RawDatabase => root.openDB<Buffer, Buffer>({ name, encoding: 'binary', keyEncoding: 'binary' });

/**
 * Copies every record of `from` into `to`, 1,000 to a write transaction; `transaction`: read them
 * all in that one read transaction (a copy of one instant). Returns how many were copied.
 */
export function copyRecords(from: RawDatabase, to: RawDatabase, transaction?: ReturnType<RootDatabase['useReadTransaction']>): number {
  let count = 0;
  let batch: [Buffer, Buffer][] = [];
  const flush = (): void => {
    to.transactionSync(() => {
      for (const [key, value] of batch) to.putSync(key, value);
    });
    batch = [];
  };
  for (const { key, value } of from.getRange(transaction ? { transaction } : {})) {
    batch.push([Buffer.from(key), Buffer.from(value)]);
    count++;
    if (batch.length === 1000) flush();
  }
  if (batch.length > 0) flush();
  return count;
}
