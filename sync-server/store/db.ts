/**
 * The LMDB environment and its sub-databases. One module per sub-database builds on the handles
 * opened here; nothing else opens LMDB.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
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

export function openDatabases(dataDir: string): Databases {
  ignoreLmdbBatchRejections();
  const path = join(dataDir, 'lmdb');
  mkdirSync(path, { recursive: true });
  // lmdb-js's default overlapping sync: a commit is visible and in the OS cache when it returns
  // (so "appended before fanned out" holds across a crash of this process) and is flushed to disk
  // right after, off the writer lock, with meta pages ordered so that a power cut never corrupts
  // the file. noSync was faster still (0.01 ms against 0.22 ms per commit, measured here) but an OS
  // crash could then corrupt the database: not a trade for medical records.
  const root = open({ path, maxDbs: 32, mapSize: 2 * 1024 ** 3 }) as RootDatabase;
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
