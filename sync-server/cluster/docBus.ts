/**
 * How a document's rooms on several nodes hear each other (issue 16): every update a node has
 * stored, every awareness change its sockets made, and a generation's replacement, published on
 * the document's channel; each node's room applies what other nodes published.
 *
 * The bus is never the record: an update is in the store (PostgreSQL) before it is published, with
 * its per-document sequence number. A node that sees a gap in the numbers, or whose connection to
 * Redis dropped (messages published meanwhile are lost to it), reads what it missed from the store
 * (`resync`, SeqTracker). While Redis is unreachable every room resyncs from the store every
 * RESYNC_WHILE_DOWN_MS, so clients on different nodes still converge, slower.
 *
 * A single node uses LocalDocBus: nothing to publish, nobody to hear.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface DocBusListener {
  /** An update another node stored under `seq`. */
  update(seq: number, update: Uint8Array): void;
  /** An awareness update (y-protocols encoding) from another node's sockets. */
  awareness(update: Uint8Array): void;
  /** Another node replaced the document by a new generation (sync/Room.ts `replace`). */
  replaced(): void;
  /** Messages may have been missed (a reconnection, Redis down): catch up from the store. */
  resync(): void;
}

export interface DocBus {
  /** False for a single node: rooms need no link. */
  readonly crossesNodes: boolean;
  /** Whether other nodes can be reached now (always true for a single node). */
  readonly connected: boolean;
  join(docName: string, listener: DocBusListener): void;
  leave(docName: string, listener: DocBusListener): void;
  publishUpdate(docName: string, seq: number, update: Uint8Array): void;
  publishAwareness(docName: string, update: Uint8Array): void;
  publishReplaced(docName: string): void;
  close(): Promise<void>;
}

export class LocalDocBus implements DocBus {
  readonly crossesNodes = false;
  readonly connected = true;
  join(): void {}
  leave(): void {}
  publishUpdate(): void {}
  publishAwareness(): void {}
  publishReplaced(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const enum Kind {
  Update = 1,
  Awareness = 2,
  Replaced = 3,
}

/** kind (1) | node tag (8) | seq (float64, 8) | payload */
const HEADER = 17;
export const RESYNC_WHILE_DOWN_MS = 2000;
const channelOf = (docName: string): string => `relais:doc:${docName}`;

export class RedisDocBus implements DocBus {
  readonly crossesNodes = true;
  /** Tells this node's own messages apart when they come back on the channel. */
  private readonly tag = randomBytes(8);
  private readonly listeners = new Map<string, Set<DocBusListener>>();
  private wasReady = false;
  private down = false;
  private downTimer: NodeJS.Timeout | null = null;
  /** Messages this node could not publish (Redis unreachable): the others resync when it returns. */
  droppedPublishes = 0;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
  ) {
    subscriber.on('messageBuffer', this.onMessage);
    subscriber.on('ready', this.onReady);
    subscriber.on('close', this.onClose);
    if (subscriber.status === 'ready') this.wasReady = true;
  }

  get connected(): boolean {
    return this.subscriber.status === 'ready' && this.publisher.status === 'ready';
  }

  join(docName: string, listener: DocBusListener): void {
    let set = this.listeners.get(docName);
    if (!set) {
      set = new Set();
      this.listeners.set(docName, set);
      // Subscribed before the room reads the store, or an update stored in between could be missed
      // by both: the caller joins first, then loads (RoomRegistry).
      this.subscriber.subscribe(channelOf(docName)).catch(() => {
        // Redis unreachable: the resyncs while it is down, then the one at reconnection, cover it.
      });
    }
    set.add(listener);
  }

  leave(docName: string, listener: DocBusListener): void {
    const set = this.listeners.get(docName);
    if (!set) return;
    set.delete(listener);
    if (set.size > 0) return;
    this.listeners.delete(docName);
    this.subscriber.unsubscribe(channelOf(docName)).catch(() => undefined);
  }

  publishUpdate(docName: string, seq: number, update: Uint8Array): void {
    this.publish(docName, Kind.Update, seq, update);
  }

  publishAwareness(docName: string, update: Uint8Array): void {
    this.publish(docName, Kind.Awareness, 0, update);
  }

  publishReplaced(docName: string): void {
    this.publish(docName, Kind.Replaced, 0, new Uint8Array());
  }

  private publish(docName: string, kind: Kind, seq: number, payload: Uint8Array): void {
    const message = Buffer.allocUnsafe(HEADER + payload.byteLength);
    message[0] = kind;
    this.tag.copy(message, 1);
    message.writeDoubleBE(seq, 9);
    message.set(payload, HEADER);
    this.publisher.publish(channelOf(docName), message).catch(() => {
      this.droppedPublishes++;
    });
  }

  private readonly onMessage = (channel: Buffer, message: Buffer): void => {
    if (message.length < HEADER || message.subarray(1, 9).equals(this.tag)) return;
    const set = this.listeners.get(channel.toString().slice('relais:doc:'.length));
    if (!set) return;
    const payload = new Uint8Array(message.buffer, message.byteOffset + HEADER, message.length - HEADER);
    for (const listener of set) {
      try {
        switch (message[0]) {
          case Kind.Update:
            listener.update(message.readDoubleBE(9), payload);
            break;
          case Kind.Awareness:
            listener.awareness(payload);
            break;
          case Kind.Replaced:
            listener.replaced();
            break;
        }
      } catch {
        // A room that cannot take a message resyncs from the store rather than stop the bus.
        listener.resync();
      }
    }
  };

  private readonly onReady = (): void => {
    const again = this.wasReady;
    this.wasReady = true;
    this.down = false;
    if (this.downTimer) clearInterval(this.downTimer);
    this.downTimer = null;
    if (again) this.resyncAll();
  };

  private readonly onClose = (): void => {
    if (this.down) return;
    this.down = true;
    this.downTimer ??= setInterval(() => this.resyncAll(), RESYNC_WHILE_DOWN_MS);
    this.downTimer.unref();
  };

  private resyncAll(): void {
    for (const set of this.listeners.values()) for (const listener of set) listener.resync();
  }

  get documentCount(): number {
    return this.listeners.size;
  }

  close(): Promise<void> {
    if (this.downTimer) clearInterval(this.downTimer);
    this.subscriber.off('messageBuffer', this.onMessage);
    this.subscriber.off('ready', this.onReady);
    this.subscriber.off('close', this.onClose);
    return Promise.resolve();
  }
}

/**
 * Which sequence numbers of a document a room holds: all up to `contiguous`, and some above. A gap
 * (a number above contiguous + 1 arrived first) is given GAP_WAIT_MS to fill from the bus, then
 * read from the store.
 */
export const GAP_WAIT_MS = 150;

export class SeqTracker {
  private above = new Set<number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    public contiguous: number,
    private readonly onGap: () => void,
  ) {}

  /** Records `seq` as held; schedules a catch-up when it leaves a gap. */
  saw(seq: number): void {
    if (seq <= this.contiguous) return;
    this.above.add(seq);
    while (this.above.delete(this.contiguous + 1)) this.contiguous++;
    if (this.above.size === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        if (this.above.size > 0) this.onGap();
      }, GAP_WAIT_MS);
    }
  }

  /** After reading the store up to `lastSeq`: everything up to it is held. */
  caughtUp(lastSeq: number): void {
    if (lastSeq > this.contiguous) this.contiguous = lastSeq;
    for (const seq of this.above) if (seq <= this.contiguous) this.above.delete(seq);
    this.saw(this.contiguous);
    if (this.above.size > 0) this.saw(Math.max(...this.above));
  }

  get highest(): number {
    return Math.max(this.contiguous, ...this.above);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
