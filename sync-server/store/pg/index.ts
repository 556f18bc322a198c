/**
 * The PostgreSQL store of a cluster node (RELAIS_DATABASE_URL): every repository of contract.ts
 * over one connection pool, composed from their modules (records, the documents' log, blobs and
 * document repos). `openPgStore` migrates the schema first.
 */
import type { Store, Audit, AuthStates, Consultations, Directory, Establishments, Invitations, LoginChallenges, MessageCaps, Messages, Patients, Sessions, Users } from '../contract.ts';
import { PgAudit } from './audit.ts';
import { PgAuthStates } from './authStates.ts';
import { PgConsultations, PgEstablishments } from './consultations.ts';
import { PgDatabase } from './db.ts';
import { PgDirectory } from './directory.ts';
import { PgInvitations } from './invitations.ts';
import { PgLoginChallenges } from './loginChallenges.ts';
import { PgMessageCaps } from './messageCaps.ts';
import { PgMessages } from './messages.ts';
import { PgPatients } from './patients.ts';
import { PgSessions } from './sessions.ts';
import { PgUsers } from './users.ts';
import { PgDocStore } from './docLog.ts';
import { PgBlobs } from './blobs.ts';
import { PgBlobRefs, PgDocumentRecords, PgSignatureImages, PgVaultLinks } from './documentRepos.ts';

export { PgDatabase } from './db.ts';
export { PgAudit } from './audit.ts';
export { PgAuthStates } from './authStates.ts';
export { PgConsultations, PgEstablishments } from './consultations.ts';
export { PgDirectory } from './directory.ts';
export { PgInvitations } from './invitations.ts';
export { PgLoginChallenges } from './loginChallenges.ts';
export { PgMessageCaps } from './messageCaps.ts';
export { PgMessages } from './messages.ts';
export { PgPatients } from './patients.ts';
export { PgSessions } from './sessions.ts';
export { IdentifierTakenError, PgUsers } from './users.ts';

/** The record repositories: the part of `Store` (contract.ts) that is neither documents nor blobs. */
export interface RecordRepos {
  users: Users;
  sessions: Sessions;
  establishments: Establishments;
  patients: Patients;
  consultations: Consultations;
  directory: Directory;
  invitations: Invitations;
  messages: Messages;
  authState: AuthStates;
  loginChallenges: LoginChallenges;
  audit: Audit;
  messageCaps: MessageCaps;
}

/** The record repositories over one connection pool (already migrated). */
export function pgRecords(db: PgDatabase): RecordRepos {
  return {
    users: new PgUsers(db),
    sessions: new PgSessions(db),
    establishments: new PgEstablishments(db),
    patients: new PgPatients(db),
    consultations: new PgConsultations(db),
    directory: new PgDirectory(db),
    invitations: new PgInvitations(db),
    messages: new PgMessages(db),
    authState: new PgAuthStates(db),
    loginChallenges: new PgLoginChallenges(db),
    audit: new PgAudit(db),
    messageCaps: new PgMessageCaps(db),
  };
}

export interface PgStore extends Store {
  readonly backend: 'postgres';
  /** The pool and sealing the PostgreSQL modules build on. */
  db: PgDatabase;
  docs: PgDocStore;
}

/** Every repository over one connection pool (already migrated). */
export function pgStoreOver(db: PgDatabase): PgStore {
  return {
    backend: 'postgres',
    db,
    ...pgRecords(db),
    docs: new PgDocStore(db),
    blobs: new PgBlobs(db),
    blobRefs: new PgBlobRefs(db),
    documentRecords: new PgDocumentRecords(db),
    signatureImages: new PgSignatureImages(db),
    vaultLinks: new PgVaultLinks(db),
    // A write read back, as LMDB's probe: the pool reaches a primary that accepts writes.
    probe: async () => {
      const { rows } = await db.query<{ ok: number }>('WITH w AS (INSERT INTO relais_probe (id, at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET at = now() RETURNING 1 AS ok) SELECT ok FROM w');
      if (rows[0]?.ok !== 1) throw new Error('PostgreSQL did not write the probe');
    },
    close: () => db.close(),
  };
}

/** Connects to `url`, applies the migrations not yet applied, and returns the store. */
export async function openPgStore(url: string, masterKey: Buffer, options: { max?: number } = {}): Promise<PgStore> {
  const db = new PgDatabase(url, masterKey, options);
  try {
    await db.migrate();
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return pgStoreOver(db);
}
