/**
 * The PostgreSQL store of a cluster node (RELAIS_DATABASE_URL): here, the record repositories of
 * contract.ts. The documents' log, blobs and document records come from their own modules; the
 * whole `Store` is composed from these pieces (pgRecords over one PgDatabase).
 */
import type { Audit, AuthStates, Consultations, Directory, Establishments, Invitations, LoginChallenges, MessageCaps, Messages, Patients, Sessions, Users } from '../contract.ts';
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

export interface PgRecordStore extends RecordRepos {
  readonly backend: 'postgres';
  /** The pool and sealing the other PostgreSQL modules build on. */
  db: PgDatabase;
  close(): Promise<void>;
}

/** Connects to `url`, applies the migrations not yet applied, and returns the record repositories. */
export async function openPgStore(url: string, masterKey: Buffer, options: { max?: number } = {}): Promise<PgRecordStore> {
  const db = new PgDatabase(url, masterKey, options);
  try {
    await db.migrate();
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return {
    backend: 'postgres',
    db,
    ...pgRecords(db),
    close: () => db.close(),
  };
}
