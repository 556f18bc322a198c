/**
 * The persisted log of a Yjs document: a snapshot (merged update) plus a tail of updates keyed
 * `[docName, seq]`. Appends are ordered; compaction folds the tail into a new snapshot atomically.
 *
 * This interface is what a room sees of storage, so that a shared store (several sync servers)
 * can replace LMDB without touching the rooms.
 */
import type { Databases } from './db.ts';
import { lmdbCommitSeconds, syncCounts } from '../metrics.ts';

export interface LoadedLog {
  /** Snapshot first, then the tail, in order. */
  updates: Uint8Array[];
  /** Highest seq stored (0 for a document with nothing stored). */
  lastSeq: number;
  /** Number of updates after the snapshot. */
  tailCount: number;
  /** Bytes of the updates after the snapshot, and of the snapshot. */
  tailBytes: number;
  snapshotBytes: number;
}

export interface DocStore {
  load(docName: string): LoadedLog;
  /**
   * Resolves once the update is committed (visible, and kept if this process dies). Callers
   * append with strictly increasing seq.
   */
  append(docName: string, seq: number, update: Uint8Array): Promise<void>;
  /** Replaces every update with seq ≤ upTo by `state` (which must contain them all). */
  compact(docName: string, upTo: number, state: Uint8Array): Promise<void>;
  /**
   * Replaces the whole log (snapshot and every update with seq ≤ upTo) by `state`, which need not
   * contain them: a new generation of a document only the server writes (sync/Room.ts `replace`).
   * Atomic, and queued behind the appends it replaces.
   */
  replace(docName: string, upTo: number, state: Uint8Array): Promise<void>;
  /** Stores the first state of a new document. Refuses a document that already exists. */
  create(docName: string, initial: Uint8Array): Promise<void>;
  /** Bytes stored for one document (snapshot + tail). */
  sizeOf(docName: string): number;
  exists(docName: string): boolean;
  /** Deletes every update and the snapshot of a document (retention purge). */
  remove(docName: string): Promise<void>;
}

const END = Number.MAX_SAFE_INTEGER;

interface QueuedWrite {
  /** A compaction (counted apart from the appends). */
  compaction: boolean;
  run(): void;
  resolve(): void;
  reject(error: unknown): void;
}

export class LmdbDocStore implements DocStore {
  /**
   * Appends and compactions of this event-loop turn, committed together in one synchronous
   * transaction just after the turn: one commit for every edit that arrived in the same I/O poll,
   * and no promise round-trip through lmdb-js's write thread per edit.
   */
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;
  /** Epoch ms of the last commit of the log that succeeded, and of the last that failed (0: none). */
  lastCommitAt = 0;
  lastCommitFailureAt = 0;
  /**
   * Documents found to exist, until they are removed (only `remove` deletes one). Checking the
   * store reaches the snapshot's page, and in the encrypted environment lmdb-js then decrypts the
   * whole value: 1.5 ms for a 155 kB dossier at every socket upgrade after any write (issue 13).
   */
  private readonly existing = new Set<string>();
  /** Documents being removed: not taken as existing from memory, nor remembered, meanwhile. */
  private readonly removing = new Set<string>();

  constructor(private readonly db: Pick<Databases, 'root' | 'updates' | 'snapshots'>) {}

  private enqueue(compaction: boolean, run: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ compaction, run, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    const started = performance.now();
    try {
      this.db.root.transactionSync(() => {
        for (const write of batch) write.run();
      });
    } catch (error) {
      // The transaction aborted as a whole: nothing of this batch is stored.
      syncCounts.commitFailures++;
      this.lastCommitFailureAt = Date.now();
      for (const write of batch) write.reject(error);
      return;
    }
    lmdbCommitSeconds.observe((performance.now() - started) / 1000);
    this.lastCommitAt = Date.now();
    for (const write of batch) {
      if (write.compaction) syncCounts.compactions++;
      else syncCounts.updatesStored++;
      write.resolve();
    }
  };

  load(docName: string): LoadedLog {
    const updates: Uint8Array[] = [];
    const snapshot = this.db.snapshots.get(docName);
    let lastSeq = 0;
    if (snapshot) {
      updates.push(snapshot.update);
      lastSeq = snapshot.upTo;
    }
    let tailCount = 0;
    let tailBytes = 0;
    for (const { key, value } of this.db.updates.getRange({ start: [docName, lastSeq + 1], end: [docName, END] })) {
      updates.push(value);
      lastSeq = (key as [string, number])[1];
      tailCount++;
      tailBytes += value.byteLength;
    }
    return { updates, lastSeq, tailCount, tailBytes, snapshotBytes: snapshot?.update.byteLength ?? 0 };
  }

  append(docName: string, seq: number, update: Uint8Array): Promise<void> {
    return this.enqueue(false, () => this.db.updates.putSync([docName, seq], update));
  }

  /** Queued behind the appends it folds, so it never runs ahead of them. */
  compact(docName: string, upTo: number, state: Uint8Array): Promise<void> {
    return this.enqueue(true, () => {
      const previous = this.db.snapshots.get(docName);
      if (previous && previous.upTo >= upTo) return;
      this.db.snapshots.putSync(docName, { upTo, update: state });
      for (const key of this.db.updates.getKeys({ start: [docName, 0], end: [docName, upTo + 1] })) {
        this.db.updates.removeSync(key);
      }
    });
  }

  replace(docName: string, upTo: number, state: Uint8Array): Promise<void> {
    return this.enqueue(false, () => {
      this.db.snapshots.putSync(docName, { upTo, update: state });
      for (const key of this.db.updates.getKeys({ start: [docName, 0], end: [docName, upTo + 1] })) {
        this.db.updates.removeSync(key);
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
    this.removing.add(docName);
    this.existing.delete(docName);
    try {
      await this.db.root.transaction(() => {
        void this.db.snapshots.remove(docName);
        for (const key of this.db.updates.getKeys({ start: [docName, 0], end: [docName, END] })) void this.db.updates.remove(key);
      });
    } finally {
      this.removing.delete(docName);
    }
  }

  exists(docName: string): boolean {
    if (this.existing.has(docName)) return true;
    const found = this.storedExists(docName);
    if (found && !this.removing.has(docName)) this.existing.add(docName);
    return found;
  }

  private storedExists(docName: string): boolean {
    if (this.db.snapshots.doesExist(docName)) return true;
    for (const _ of this.db.updates.getKeys({ start: [docName, 0], end: [docName, END], limit: 1 })) return true;
    return false;
  }
}
