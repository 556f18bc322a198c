/** The whole store, opened once by main.ts and passed down. */
import { openDatabases, type Databases } from './db.ts';
import { LmdbDocStore } from './docLog.ts';
import { UserStore } from './users.ts';
import { SessionStore } from './sessions.ts';
import { ConsultationStore, EstablishmentStore, PatientStore } from './consultations.ts';
import { MessageStore } from './messages.ts';

export interface Store {
  dbs: Databases;
  docs: LmdbDocStore;
  users: UserStore;
  sessions: SessionStore;
  establishments: EstablishmentStore;
  patients: PatientStore;
  consultations: ConsultationStore;
  messages: MessageStore;
  close(): Promise<void>;
}

export function openStore(dataDir: string): Store {
  const dbs = openDatabases(dataDir);
  return {
    dbs,
    docs: new LmdbDocStore(dbs),
    users: new UserStore(dbs),
    sessions: new SessionStore(dbs),
    establishments: new EstablishmentStore(dbs),
    patients: new PatientStore(dbs),
    consultations: new ConsultationStore(dbs),
    messages: new MessageStore(dbs),
    close: () => dbs.root.close(),
  };
}
