/**
 * The persisted log of a Yjs document on LMDB: a snapshot (merged update) plus a tail of updates
 * keyed `[docName, seq]`. Appends are ordered and numbered here; compaction folds the tail into a
 * new snapshot atomically. What a room sees of it is the contract's DocStore (store/contract.ts).
 */
import type { Databases } from './db.ts';
import type { DocStore } from './contract.ts';
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

const END = Number.MAX_SAFE_INTEGER;

interface QueuedWrite {
  /** A compaction (counted apart from the appends). */
  compaction: boolean;
  /** The document an append numbered: its counter is forgotten if the batch fails. */
  appendTo: string | null;
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
   * Per document, the last seq given (queued or committed): this process is LMDB's only writer, so
   * numbering here, in queue order, is numbering in commit order. Learnt from the log the first
   * time (a load, or the last key); forgotten when a batch holding one of its appends fails.
   */
  private readonly lastSeqs = new Map<string, number>();
  /**
   * Documents found to exist, until they are removed (only `remove` deletes one). Checking the
   * store reaches the snapshot's page, and in the encrypted environment lmdb-js then decrypts the
   * whole value: 1.5 ms for a 155 kB dossier at every socket upgrade after any write (issue 13).
   */
  private readonly existing = new Set<string>();
  /** Documents being removed: not taken as existing from memory, nor remembered, meanwhile. */
  private readonly removing = new Set<string>();

  constructor(private readonly db: Pick<Databases, 'root' | 'updates' | 'snapshots'>) {}

  private enqueue(compaction: boolean, appendTo: string | null, run: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ compaction, appendTo, run, resolve, reject });
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
      // The transaction aborted as a whole: nothing of this batch is stored, nor are its seqs.
      syncCounts.commitFailures++;
      this.lastCommitFailureAt = Date.now();
      for (const write of batch) {
        if (write.appendTo !== null) this.lastSeqs.delete(write.appendTo);
        write.reject(error);
      }
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

  async load(docName: string): Promise<LoadedLog> {
    const log = this.read(docName, -1);
    if (log.lastSeq > (this.lastSeqs.get(docName) ?? 0)) this.lastSeqs.set(docName, log.lastSeq);
    return log;
  }

  async since(docName: string, afterSeq: number): Promise<LoadedLog> {
    return this.read(docName, afterSeq);
  }

  /**
   * What is stored after `afterSeq`: the snapshot and the whole tail when the snapshot folded some
   * update above it (-1: always), else the updates numbered above it.
   */
  private read(docName: string, afterSeq: number): LoadedLog {
    const updates: Uint8Array[] = [];
    const snapshot = this.db.snapshots.get(docName);
    const withSnapshot = snapshot !== undefined && afterSeq < snapshot.upTo;
    if (withSnapshot) updates.push(snapshot.update);
    const from = Math.max(afterSeq, snapshot?.upTo ?? 0) + 1;
    let lastSeq = 0;
    let tailCount = 0;
    let tailBytes = 0;
    for (const { key, value } of this.db.updates.getRange({ start: [docName, from], end: [docName, END] })) {
      updates.push(value);
      lastSeq = (key as [string, number])[1];
      tailCount++;
      tailBytes += value.byteLength;
    }
    if (tailCount === 0) lastSeq = withSnapshot ? snapshot.upTo : this.storedLastSeq(docName, snapshot?.upTo ?? 0);
    return { updates, lastSeq, tailCount, tailBytes, snapshotBytes: withSnapshot ? snapshot.update.byteLength : 0 };
  }

  /** The highest seq stored: the last key of the tail, else the snapshot's. */
  private storedLastSeq(docName: string, snapshotUpTo: number | null): number {
    for (const key of this.db.updates.getKeys({ start: [docName, END], end: [docName, 0], reverse: true, limit: 1 })) {
      return (key as [string, number])[1];
    }
    return snapshotUpTo ?? this.db.snapshots.get(docName)?.upTo ?? 0;
  }

  /** Numbered now (the last seq given + 1), stored with the next batch; resolves with its seq once committed. */
  append(docName: string, update: Uint8Array): Promise<number> {
    const seq = (this.lastSeqs.get(docName) ?? this.storedLastSeq(docName, null)) + 1;
    this.lastSeqs.set(docName, seq);
    return this.enqueue(false, docName, () => this.db.updates.putSync([docName, seq], update)).then(() => seq);
  }

  /** Queued behind the appends it folds, so it never runs ahead of them. */
  compact(docName: string, upTo: number, state: Uint8Array): Promise<void> {
    return this.enqueue(true, null, () => {
      const previous = this.db.snapshots.get(docName);
      if (previous && previous.upTo >= upTo) return;
      this.db.snapshots.putSync(docName, { upTo, update: state });
      for (const key of this.db.updates.getKeys({ start: [docName, 0], end: [docName, upTo + 1] })) {
        this.db.updates.removeSync(key);
      }
    });
  }

  /** Atomic, and queued behind the appends it replaces. */
  replace(docName: string, upTo: number, state: Uint8Array): Promise<void> {
    return this.enqueue(false, null, () => {
      this.db.snapshots.putSync(docName, { upTo, update: state });
      for (const key of this.db.updates.getKeys({ start: [docName, 0], end: [docName, upTo + 1] })) {
        this.db.updates.removeSync(key);
      }
    });
  }

  async create(docName: string, initial: Uint8Array): Promise<void> {
    const created = await this.db.root.transaction(() => {
      if (this.existsNow(docName)) return false;
      void this.db.snapshots.put(docName, { upTo: 0, update: initial });
      return true;
    });
    if (!created) throw new Error(`document already exists: ${docName}`);
  }

  async sizeOf(docName: string): Promise<number> {
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
      // A document made again after a purge numbers from what is stored then.
      this.lastSeqs.delete(docName);
    }
  }

  async exists(docName: string): Promise<boolean> {
    return this.existsNow(docName);
  }

  private existsNow(docName: string): boolean {
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
