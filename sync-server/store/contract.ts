/**
 * What the rest of the server sees of storage: one interface per kind of record, every method
 * asynchronous, so that the embedded LMDB store (store/*.ts, one process) and the PostgreSQL store
 * (store/pg/, several nodes: issue 16) are interchangeable. Nothing outside store/ and the
 * backends' own tools (backup, migration) may reach a backend's handles.
 *
 * The rules each implementation keeps (tested against both in store/contract.test.ts):
 * - a write has landed (and would survive this process dying) when its promise resolves;
 * - the read-modify-writes documented "atomic" stay so between concurrent callers, whichever
 *   node they run on (a guess, a code, a cap: nobody gets more than the rule gives);
 * - values are encrypted at rest (LMDB: the pages; PostgreSQL: each record's payload), and no
 *   clear column holds health data: ids, times, hashes only.
 */
import type { User } from './users.ts';
import type { Session } from './sessions.ts';
import type { Consultation, Establishment } from './consultations.ts';
import type { Patient, PatientQuery, PatientWrite } from './patients.ts';
import type { Invitation } from './invitations.ts';
import type { StoredMessage } from './messages.ts';
import type { AuthState } from './authState.ts';
import type { LoginChallenge } from './loginChallenges.ts';
import type { AuditEvent, AuditFilter } from './audit.ts';
import type { CapCount, CapVerdict } from './messageCaps.ts';
import type { LoadedLog } from './docLog.ts';
import type { MessageRecord } from '../messaging/types.ts';
import type { DirectoryEntry } from '../../schema/directory.ts';
import type { PatientIdentity } from '../../schema/identity.ts';
import type { DocumentEntry } from '../../schema/dossier.ts';
import type { SignatureImageRecord } from '../documents/signatureImages.ts';
import type { VaultLink, VaultState } from '../documents/vaultLinks.ts';

/**
 * The persisted log of a Yjs document: a snapshot (merged update) plus a tail of updates numbered
 * per document. What a room sees of storage (sync/Room.ts), so that it never knows the backend.
 */
export interface DocStore {
  /** Snapshot first, then the tail, in order. */
  load(docName: string): Promise<LoadedLog>;
  /**
   * Appends one update and resolves with its sequence number once it is committed (visible to
   * every node, and kept if this process dies). Numbers are given by the store: per document 1, 2,
   * 3… in commit order, whichever node appends.
   */
  append(docName: string, update: Uint8Array): Promise<number>;
  /**
   * What is stored after `afterSeq`, for a node that missed a fan-out: the updates numbered above
   * it, preceded by the snapshot when compaction folded some of them (`updates` may then hold
   * what the caller has: applying a Yjs update twice changes nothing).
   */
  since(docName: string, afterSeq: number): Promise<LoadedLog>;
  /**
   * Folds every update with seq ≤ upTo into the snapshot. `state` holds at least them (the room's
   * state); a backend may fold its stored rows instead (PostgreSQL does: another node may have
   * appended below upTo what this room has not received yet).
   */
  compact(docName: string, upTo: number, state: Uint8Array): Promise<void>;
  /**
   * Replaces the whole log (snapshot and every update with seq ≤ upTo) by `state`, which need not
   * contain them: a new generation of a document only the server writes (sync/Room.ts `replace`).
   */
  replace(docName: string, upTo: number, state: Uint8Array): Promise<void>;
  /** Stores the first state of a new document. Refuses a document that already exists. */
  create(docName: string, initial: Uint8Array): Promise<void>;
  /** Bytes stored for one document (snapshot + tail). */
  sizeOf(docName: string): Promise<number>;
  exists(docName: string): Promise<boolean>;
  /** Deletes every update and the snapshot of a document (retention purge). */
  remove(docName: string): Promise<void>;
}

export interface Users {
  get(id: string): Promise<User | undefined>;
  /** Case-insensitive. */
  byIdentifier(identifier: string): Promise<User | undefined>;
  /** The account whose RPPS number this is (Pro Santé Connect's SubjectNameID). */
  byRpps(rpps: string): Promise<User | undefined>;
  /** Adds or replaces the account (and its identifier's index) atomically. */
  put(user: User): Promise<void>;
  list(): Promise<User[]>;
  count(): Promise<number>;
}

export interface Sessions {
  get(tokenHash: string): Promise<Session | undefined>;
  put(tokenHash: string, session: Session): Promise<void>;
  remove(tokenHash: string): Promise<void>;
  /** Ends every session of a user; returns how many there were. */
  removeForUser(userId: string): Promise<number>;
  /** Ends every session of a user but `keep`; returns the keys of those ended. */
  removeOthers(userId: string, keep: string | null): Promise<string[]>;
}

export interface Establishments {
  get(id: string): Promise<Establishment | undefined>;
  put(value: Establishment): Promise<void>;
  list(): Promise<Establishment[]>;
}

export interface Consultations {
  get(id: string): Promise<Consultation | undefined>;
  put(value: Consultation): Promise<void>;
  /** Consultations a user takes part in, soonest first. */
  forParticipant(userId: string): Promise<Consultation[]>;
  /** Every consultation (the retention purge's daily pass). */
  list(): Promise<Consultation[]>;
}

export interface Patients {
  get(id: string): Promise<Patient | undefined>;
  put(value: PatientWrite): Promise<void>;
  /** Identities of these establishments matching the query, by birth name. */
  search(establishmentIds: string[], query: PatientQuery): Promise<Patient[]>;
  /** Likely duplicates in one establishment: same birth name, first name and birth date. */
  duplicatesOf(establishmentId: string, identity: Pick<PatientIdentity, 'birthName' | 'firstNames' | 'birthDate'>, exceptId?: string): Promise<Patient[]>;
}

export interface Directory {
  get(rpps: string): Promise<DirectoryEntry | undefined>;
  /** Adds or replaces entries in one transaction. */
  putMany(entries: DirectoryEntry[]): Promise<void>;
  count(): Promise<number>;
  /** Entries where every word of the query matches (schema/directory.ts matchesDirectoryQuery). */
  search(query: string, limit?: number): Promise<DirectoryEntry[]>;
}

export interface Invitations {
  get(id: string): Promise<Invitation | undefined>;
  put(value: Invitation): Promise<void>;
  /** Oldest first, then by recipient. */
  forConsultation(consultationId: string): Promise<Invitation[]>;
}

export interface Messages {
  get(id: string): Promise<StoredMessage | undefined>;
  put(message: StoredMessage): Promise<void>;
  /** Messages with a try planned: resumed after a restart. */
  pending(): Promise<StoredMessage[]>;
  /** Every record, newest first. */
  records(limit?: number): Promise<MessageRecord[]>;
}

export interface AuthStates {
  /** EMPTY_AUTH_STATE for an account with none stored. */
  get(userId: string): Promise<AuthState>;
  put(userId: string, state: AuthState): Promise<void>;
  /**
   * Read-modify-write, atomic between concurrent callers on every node: two failed logins at
   * once both count. `change` gets the current state (EMPTY_AUTH_STATE when none) and returns the
   * next one, or null to leave it; resolves with what is stored after.
   */
  update(userId: string, change: (state: AuthState) => AuthState | null): Promise<AuthState>;
}

export interface LoginChallenges {
  get(id: string): Promise<LoginChallenge | undefined>;
  put(id: string, challenge: LoginChallenge): Promise<void>;
  remove(id: string): Promise<void>;
}

export interface Audit {
  /** Appends with `at` set from `now`; never edits nor deletes an event. */
  append(event: Omit<AuditEvent, 'at'>, now?: number): Promise<AuditEvent>;
  /** Newest first; `limit` default 500. */
  query(filter?: AuditFilter): Promise<AuditEvent[]>;
}

export interface MessageCaps {
  /** All or nothing, atomic between concurrent callers on every node (store/messageCaps.ts). */
  reserve(counts: CapCount[], now?: number): Promise<CapVerdict>;
}

export interface BlobRefStore {
  add(sha256: string, owner: string): Promise<void>;
  remove(sha256: string, owner: string): Promise<void>;
  /** True when `owner` holds the blob: the server tied these bytes to that dossier or user. */
  holds(sha256: string, owner: string): Promise<boolean>;
  isReferenced(sha256: string): Promise<boolean>;
}

export interface DocumentRecordStore {
  get(consultationId: string, documentId: string): Promise<DocumentEntry | undefined>;
  put(consultationId: string, entry: DocumentEntry): Promise<void>;
  list(consultationId: string): Promise<DocumentEntry[]>;
  removeAll(consultationId: string): Promise<void>;
}

export interface SignatureImages {
  get(userId: string): Promise<SignatureImageRecord | undefined>;
  put(record: SignatureImageRecord): Promise<void>;
  remove(userId: string): Promise<void>;
}

export type VaultTry = { ok: true; link: VaultLink } | { ok: false; state: Exclude<VaultState, 'open'> | 'missing' };
export type VaultCodeIssue = { ok: true } | { ok: false; state: Exclude<VaultState, 'open'> | 'missing' | 'too_many_codes' };

export interface VaultLinks {
  byToken(token: string): Promise<VaultLink | undefined>;
  byId(id: string): Promise<VaultLink | undefined>;
  /** Oldest first. */
  forConsultation(consultationId: string): Promise<VaultLink[]>;
  put(link: VaultLink): Promise<void>;
  /** Read-modify-write, atomic between concurrent callers on every node. */
  update(tokenHash: string, change: (link: VaultLink) => VaultLink): Promise<VaultLink | undefined>;
  /** Spends one try before the answer is compared, atomically (documents/vaultLinks.ts). */
  takeTry(tokenHash: string, now?: number): Promise<VaultTry>;
  /** Records a new code if the link may still send one, atomically. */
  issueCode(tokenHash: string, codeHash: string, now?: number): Promise<VaultCodeIssue>;
  removeForConsultation(consultationId: string): Promise<void>;
}

/** Bytes of a stored blob, and its content hash (the id the documents refer to). */
export interface StoredBlob {
  sha256: string;
  size: number;
}

/** An upload being written, chunk after chunk; nothing is visible before `finish`. */
export interface BlobWriter {
  readonly size: number;
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<StoredBlob>;
  abort(): Promise<void>;
}

/** Encrypted, content-addressed bytes (documents/blobStore.ts on disk; store/pg/blobs.ts in PostgreSQL). */
export interface Blobs {
  begin(): BlobWriter;
  put(bytes: Uint8Array): Promise<StoredBlob>;
  has(sha256: string): Promise<boolean>;
  /** Clear size in bytes, or null when absent. */
  size(sha256: string): Promise<number | null>;
  /** The clear bytes, streamed; the stream errors with BlobTamperedError if they were altered. */
  openStream(sha256: string): Promise<import('node:stream').Readable>;
  read(sha256: string): Promise<Buffer>;
  delete(sha256: string): Promise<void>;
  /** Removes what interrupted uploads left. */
  sweepTemp(): Promise<void>;
}

export interface Store {
  /** Which backend: 'lmdb' (embedded, one process) or 'postgres' (RELAIS_DATABASE_URL). */
  readonly backend: 'lmdb' | 'postgres';
  docs: DocStore;
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
  /** Recent costly sends, counted against the caps (messaging/caps.ts). */
  messageCaps: MessageCaps;
  blobRefs: BlobRefStore;
  documentRecords: DocumentRecordStore;
  signatureImages: SignatureImages;
  vaultLinks: VaultLinks;
  blobs: Blobs;
  /** A small write read back (GET /api/health/ready): throws when the store refuses writes. */
  probe(): Promise<void>;
  close(): Promise<void>;
}
