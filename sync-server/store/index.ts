/** The whole store, opened once by main.ts and passed down. */
import { openDatabases, type Databases } from './db.ts';
import { LmdbDocStore } from './docLog.ts';
import type { DocStore } from './contract.ts';
import { UserStore } from './users.ts';
import { SessionStore } from './sessions.ts';
import { ConsultationStore, EstablishmentStore } from './consultations.ts';
import { PatientStore } from './patients.ts';
import { DirectoryStore } from './directory.ts';
import { InvitationStore } from './invitations.ts';
import { MessageStore } from './messages.ts';
import { AuthStateStore } from './authState.ts';
import { LoginChallengeStore } from './loginChallenges.ts';
import { AuditStore } from './audit.ts';
import { MessageCapStore } from './messageCaps.ts';

export interface Store {
  dbs: Databases;
  docs: DocStore;
  users: UserStore;
  sessions: SessionStore;
  establishments: EstablishmentStore;
  patients: PatientStore;
  consultations: ConsultationStore;
  directory: DirectoryStore;
  invitations: InvitationStore;
  messages: MessageStore;
  authState: AuthStateStore;
  loginChallenges: LoginChallengeStore;
  audit: AuditStore;
  /** Recent costly sends, counted against the caps (messaging/caps.ts). */
  messageCaps: MessageCapStore;
  close(): Promise<void>;
}

/** The store of `dataDir`, encrypted at rest (db.ts openDatabases: what it refuses, and why). */
export function openStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): Store {
  return storeOver(openDatabases(dataDir, env));
}

/** The stores over opened databases; openStore's, and `store encrypt`'s test's over a clear one. */
export function storeOver(dbs: Databases): Store {
  return {
    dbs,
    docs: new LmdbDocStore(dbs),
    users: new UserStore(dbs),
    sessions: new SessionStore(dbs),
    establishments: new EstablishmentStore(dbs),
    patients: new PatientStore(dbs),
    consultations: new ConsultationStore(dbs),
    directory: new DirectoryStore(dbs),
    invitations: new InvitationStore(dbs),
    messages: new MessageStore(dbs),
    authState: new AuthStateStore(dbs),
    loginChallenges: new LoginChallengeStore(dbs),
    audit: new AuditStore(dbs),
    messageCaps: new MessageCapStore(dbs),
    close: async () => {
      await dbs.root.close();
    },
  };
}
