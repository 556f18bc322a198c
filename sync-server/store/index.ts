/**
 * The whole store, opened once by main.ts and passed down. The server sees it as the contract's
 * Store (contract.ts), the same whichever backend runs it; only the LMDB tools (backup, `store
 * encrypt`, scripts copying raw records) reach the handles under it, through LmdbStore.
 */
import { openDatabases, type Databases } from './db.ts';
import type { Store } from './contract.ts';
import { LmdbDocStore } from './docLog.ts';
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
import { BlobStore, loadMasterKey } from '../documents/blobStore.ts';
import { BlobRefs } from '../documents/blobRefs.ts';
import { DocumentRecords } from '../documents/documentRecords.ts';
import { SignatureImageStore } from '../documents/signatureImages.ts';
import { VaultLinkStore } from '../documents/vaultLinks.ts';

export type { Store } from './contract.ts';

/** The embedded store, with its LMDB handles: for the LMDB-only tools, never for the server. */
export type LmdbStore = Store & { readonly backend: 'lmdb'; dbs: Databases; docs: LmdbDocStore };

const PROBE_KEY = 'relais:readyProbe';

/** The store of `dataDir`, encrypted at rest (db.ts openDatabases: what it refuses, and why). */
export function openStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): LmdbStore {
  const dbs = openDatabases(dataDir, env);
  return storeOver(dbs, new BlobStore(dataDir, loadMasterKey(dataDir, env)));
}

/** The stores over opened databases; openStore's, and `store encrypt`'s test's over a clear one. */
export function storeOver(dbs: Databases, blobs: BlobStore): LmdbStore {
  return {
    backend: 'lmdb',
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
    blobRefs: new BlobRefs(dbs.blobRefs),
    documentRecords: new DocumentRecords(dbs.documentRecords),
    signatureImages: new SignatureImageStore(dbs.signatureImages),
    vaultLinks: new VaultLinkStore(dbs.vaultLinks),
    blobs,
    // A synchronous write, read back: throws when LMDB refuses writes (a full disk, a read-only file).
    probe: async () => {
      const now = Date.now();
      dbs.root.putSync(PROBE_KEY, now);
      if (dbs.root.get(PROBE_KEY) !== now) throw new Error('read back differs');
    },
    close: async () => {
      await dbs.root.close();
    },
  };
}
