/**
 * The persisted log of a Yjs document: a snapshot (merged update) plus a tail of updates keyed
 * `[docName, seq]`. Appends are ordered; compaction folds the tail into a new snapshot atomically.
 *
 * This interface is what a room sees of storage, so that a shared store (several sync servers)
 * can replace LMDB without touching the rooms.
 */
import type { Databases } from './db.ts';

export interface LoadedLog {
  /** Snapshot first, then the tail, in order. */
  updates: Uint8Array[];
  /** Highest seq stored (0 for a document with nothing stored). */
  lastSeq: number;
  /** Number of updates after the snapshot. */
  tailCount: number;
}

export interface DocStore {
  load(docName: string): LoadedLog;
  /** Resolves once the update is durable. Callers append with strictly increasing seq. */
  append(docName: string, seq: number, update: Uint8Array): Promise<void>;
  /** Replaces every update with seq ≤ upTo by `state` (which must contain them all). */
  compact(docName: string, upTo: number, state: Uint8Array): Promise<void>;
  /** Stores the first state of a new document. Refuses a document that already exists. */
  create(docName: string, initial: Uint8Array): Promise<void>;
  /** Bytes stored for one document (snapshot + tail). */
  sizeOf(docName: string): number;
  exists(docName: string): boolean;
  /** Deletes every update and the snapshot of a document (retention purge). */
  remove(docName: string): Promise<void>;
}

const END = Number.MAX_SAFE_INTEGER;

export class LmdbDocStore implements DocStore {
  constructor(private readonly db: Pick<Databases, 'root' | 'updates' | 'snapshots'>) {}

  load(docName: string): LoadedLog {
    const updates: Uint8Array[] = [];
    const snapshot = this.db.snapshots.get(docName);
    let lastSeq = 0;
    if (snapshot) {
      updates.push(snapshot.update);
      lastSeq = snapshot.upTo;
    }
    let tailCount = 0;
    for (const { key, value } of this.db.updates.getRange({ start: [docName, lastSeq + 1], end: [docName, END] })) {
      updates.push(value);
      lastSeq = (key as [string, number])[1];
      tailCount++;
    }
    return { updates, lastSeq, tailCount };
  }

  async append(docName: string, seq: number, update: Uint8Array): Promise<void> {
    await this.db.updates.put([docName, seq], update);
  }

  async compact(docName: string, upTo: number, state: Uint8Array): Promise<void> {
    await this.db.root.transaction(() => {
      const previous = this.db.snapshots.get(docName);
      if (previous && previous.upTo >= upTo) return;
      void this.db.snapshots.put(docName, { upTo, update: state });
      for (const key of this.db.updates.getKeys({ start: [docName, 0], end: [docName, upTo + 1] })) {
        void this.db.updates.remove(key);
      }
    });
  }

  async create(docName: string, initial: Uint8Array): Promise<void> {
    const created = await this.db.root.transaction(() => {
      if (this.exists(docName)) return false;
      void this.db.snapshots.put(docName, { upTo: 0, update: initial });
      return true;
    });
    if (!created) throw new Error(`document already exists: ${docName}`);
  }

  sizeOf(docName: string): number {
    let size = this.db.snapshots.get(docName)?.update.byteLength ?? 0;
    for (const { value } of this.db.updates.getRange({ start: [docName, 0], end: [docName, END] })) {
      size += value.byteLength;
    }
    return size;
  }

  async remove(docName: string): Promise<void> {
    await this.db.root.transaction(() => {
      void this.db.snapshots.remove(docName);
      for (const key of this.db.updates.getKeys({ start: [docName, 0], end: [docName, END] })) void this.db.updates.remove(key);
    });
  }

  exists(docName: string): boolean {
    if (this.db.snapshots.doesExist(docName)) return true;
    for (const _ of this.db.updates.getKeys({ start: [docName, 0], end: [docName, END], limit: 1 })) return true;
    return false;
  }
}
