/**
 * One room's link to the other nodes holding the same document (issue 16): what the room stored
 * goes out on the bus; what other nodes stored comes in, in order where the bus keeps it, and what
 * the bus lost is read from the store (the sequence numbers tell). The room itself (sync/Room.ts)
 * knows nothing of nodes: the registry wires the two.
 */
import type { DocStore } from '../store/contract.ts';
import { SeqTracker, type DocBus, type DocBusListener } from './docBus.ts';

/** What the link needs of a room. */
export interface LinkedRoom {
  /** Applies an update another node stored (not stored again, fanned out to this node's sockets). */
  applyRemote(seq: number, update: Uint8Array): void;
  /** Applies an awareness update from another node's sockets. */
  applyRemoteAwareness(update: Uint8Array): void;
  /** Another node replaced the document by a new generation: this copy must not go on. */
  replacedElsewhere(): void;
}

type Held = { kind: 'update'; seq: number; update: Uint8Array } | { kind: 'awareness'; update: Uint8Array } | { kind: 'replaced' };

export class RoomLink implements DocBusListener {
  private room: LinkedRoom | null = null;
  private tracker: SeqTracker | null = null;
  /** What arrived between joining the bus and the room's load. */
  private held: Held[] = [];
  private resyncing = false;
  private resyncAgain = false;
  private closed = false;

  /** Joins the bus at once: before the room reads the store, so nothing stored in between is missed. */
  constructor(
    readonly docName: string,
    private readonly bus: DocBus,
    private readonly store: Pick<DocStore, 'since'>,
  ) {
    bus.join(docName, this);
  }

  /** The room is loaded with everything up to `lastSeq`. */
  attach(room: LinkedRoom, lastSeq: number): void {
    this.room = room;
    this.tracker = new SeqTracker(lastSeq, () => this.resync());
    const held = this.held;
    this.held = [];
    for (const message of held) {
      if (message.kind === 'update') this.update(message.seq, message.update);
      else if (message.kind === 'awareness') room.applyRemoteAwareness(message.update);
      else room.replacedElsewhere();
    }
  }

  /** The room stored one of its own updates under `seq`. */
  stored(seq: number, update: Uint8Array): void {
    this.tracker?.saw(seq);
    this.bus.publishUpdate(this.docName, seq, update);
  }

  /** This node's sockets changed the awareness. */
  awarenessChanged(update: Uint8Array): void {
    this.bus.publishAwareness(this.docName, update);
  }

  /** This node replaced the document by a new generation (stored). */
  replacedHere(): void {
    this.bus.publishReplaced(this.docName);
  }

  update(seq: number, update: Uint8Array): void {
    if (this.closed) return;
    if (!this.room || !this.tracker) {
      this.held.push({ kind: 'update', seq, update });
      return;
    }
    if (seq <= this.tracker.contiguous) return;
    this.room.applyRemote(seq, update);
    this.tracker.saw(seq);
  }

  awareness(update: Uint8Array): void {
    if (this.closed) return;
    if (this.room) this.room.applyRemoteAwareness(update);
    else this.held.push({ kind: 'awareness', update });
  }

  replaced(): void {
    if (this.closed) return;
    if (this.room) this.room.replacedElsewhere();
    else this.held.push({ kind: 'replaced' });
  }

  /** Reads from the store what came after what this room holds without a gap. */
  resync(): void {
    if (this.closed || !this.room || !this.tracker) return;
    if (this.resyncing) {
      this.resyncAgain = true;
      return;
    }
    this.resyncing = true;
    const from = this.tracker.contiguous;
    this.store.since(this.docName, from).then(
      (log) => {
        this.resyncing = false;
        if (this.closed || !this.room || !this.tracker) return;
        // Seq 0: a snapshot or a run of updates already numbered; the tracker jumps to lastSeq.
        for (const update of log.updates) this.room.applyRemote(0, update);
        this.tracker.caughtUp(log.lastSeq);
        if (this.resyncAgain) {
          this.resyncAgain = false;
          this.resync();
        }
      },
      () => {
        // The store is unreachable too: the next gap, reconnection or down-timer tries again.
        this.resyncing = false;
      },
    );
  }

  get contiguousSeq(): number {
    return this.tracker?.contiguous ?? 0;
  }

  close(): void {
    this.closed = true;
    this.tracker?.stop();
    this.bus.leave(this.docName, this);
  }
}
