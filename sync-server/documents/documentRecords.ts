/**
 * The server's own record of every document it added to a télédossier (SPEC §9): what the HTTP
 * edge trusts when it serves, sends, stamps or exports one. The dossier's Y.Doc shows the same
 * entries to the participants, but a shared document is only ever a copy for display: the type a
 * download is served with, the name in its header and the blob it reads come from here.
 * Keys `[consultationId, documentId]`.
 *
 * Dossiers from before these records: their entries are read from the Y.Doc, and served only when
 * the blob reference ties the bytes to that dossier and the type is one the upload accepts
 * (`legacyEntry` in http/documents.ts).
 */
import type { Database } from 'lmdb';
import type { DocumentEntry } from '../../schema/dossier.ts';
import type { Key } from '../store/db.ts';
import type { DocumentRecordStore } from '../store/contract.ts';

export class DocumentRecords implements DocumentRecordStore {
  constructor(private readonly db: Database<DocumentEntry, Key>) {}

  async get(consultationId: string, documentId: string): Promise<DocumentEntry | undefined> {
    return this.db.get([consultationId, documentId]);
  }

  async put(consultationId: string, entry: DocumentEntry): Promise<void> {
    await this.db.put([consultationId, entry.id], entry);
  }

  /** Every record of a dossier, in id order. */
  async list(consultationId: string): Promise<DocumentEntry[]> {
    return [...this.db.getRange({ start: [consultationId, ''], end: [consultationId, '\uffff'] })].map(({ value }) => value);
  }

  async removeAll(consultationId: string): Promise<void> {
    for (const key of this.db.getKeys({ start: [consultationId, ''], end: [consultationId, '\uffff'] })) await this.db.remove(key);
  }
}
