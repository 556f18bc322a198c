/**
 * Who holds a blob: blobs are shared by content hash (the same PDF in two dossiers is stored
 * once), so a purge deletes the bytes only when no dossier or signature still refers to them.
 * Keys `[sha256, owner]`, owner `dossier:<consultationId>` or `signature:<userId>`.
 */
import type { Database } from 'lmdb';
import type { Key } from '../store/db.ts';
import type { BlobRefStore } from '../store/contract.ts';

export class BlobRefs implements BlobRefStore {
  constructor(private readonly db: Database<true, Key>) {}

  async add(sha256: string, owner: string): Promise<void> {
    await this.db.put([sha256, owner], true);
  }

  async remove(sha256: string, owner: string): Promise<void> {
    await this.db.remove([sha256, owner]);
  }

  /** True when `owner` holds the blob: the server tied these bytes to that dossier or user. */
  async holds(sha256: string, owner: string): Promise<boolean> {
    return this.db.get([sha256, owner]) === true;
  }

  async isReferenced(sha256: string): Promise<boolean> {
    for (const _ of this.db.getKeys({ start: [sha256, ''], end: [sha256, '\uffff'], limit: 1 })) return true;
    return false;
  }
}
