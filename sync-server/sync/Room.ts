/**
 * One live Yjs document and the sockets on it: the y-protocols sync and awareness messages,
 * persistence before fan-out, compaction. Knows nothing of the transport (see socket.ts).
 *
 * Why the server keeps a Y.Doc: it answers sync step 1 with exactly what a client misses, and it
 * persists and fans out only the part of an update that is new (a client re-sending what the
 * server has is neither stored twice nor echoed).
 *
 * The usual update, one that starts exactly where the server's state ends, is stored and fanned out
 * as the bytes the client sent (the frame itself when it came as a sync update), so Yjs does not
 * encode it a second time. Anything else (overlap, edits made by the server) goes as Yjs encodes
 * what the transaction added (see `apply`).
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { LoadedLog } from '../store/docLog.ts';
import type { DocStore } from '../store/contract.ts';
import type { FanOut, SyncSocket } from './socket.ts';
import { CloseCode, SyncProtocolError } from './closeCodes.ts';
import { checkClientUpdate, checkIntegratedPending, pendingOf, type Pending } from './writePolicy.ts';
import type { ClientWrites } from '../../schema/clientWrites.ts';
import { MessageType, SyncStep, encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from './protocol.ts';

export type Access = 'read' | 'write';

/** A tail this small is not worth folding early, whatever the snapshot's size. */
const COMPACT_MIN_TAIL_BYTES = 16 * 1024;

/**
 * A document whose sync step 2 for a fresh client is at least this large keeps that message
 * until its next transaction. Below it, encoding takes well under a millisecond and keeping a copy
 * per open room would cost more memory than it saves time.
 */
const KEEP_FULL_STEP2_BYTES = 32 * 1024;

/** Origin of updates the server makes itself. */
const SERVER_ORIGIN = Symbol('server');
/** Origin of updates another node stored (`applyRemote`): neither stored again nor recorded. */
const REMOTE_ORIGIN = Symbol('remote');
/** Origin of awareness updates from another node's sockets: sent to this node's, not back out. */
const REMOTE_AWARENESS = Symbol('remote awareness');

/**
 * What a room tells the other nodes holding its document (cluster/roomLink.ts); null on a single
 * node. The room does not know where it goes.
 */
export interface RoomLinkHooks {
  /** An update of this room's was stored under `seq`. */
  stored(seq: number, update: Uint8Array): void;
  /** This node's sockets changed the awareness (y-protocols encoding). */
  awarenessChanged(update: Uint8Array): void;
  /** This room replaced the document by a new generation (stored). */
  replacedHere(): void;
}

/**
 * After a server edit, a room nobody has open stays loaded this long, so that the next edit (the
 * activity feed's, a run of presence changes, a batch of documents) finds the document decoded.
 */
export const SERVER_EDIT_LINGER_MS = 30_000;

/**
 * The Yjs client id a room writes the server's edits with unless its registry gives another (see
 * `Room.transact`, RoomRegistry.serverClientId: one per server start): drawn at random like any
 * Yjs client id, so that a document's state vector gains one entry per server start rather than
 * one per server edit.
 */
export const PROCESS_CLIENT_ID = new Y.Doc().clientID;

export interface RoomOptions {
  /** Fold the tail of the log into a snapshot once it holds this many updates. Default 500. */
  compactAfter: number;
  /** Called with no health data: the document name and the error's message only. */
  onError: (docName: string, error: unknown) => void;
  /**
   * A socket with more than this queued is closed with SlowConsumer (it reconnects and resyncs).
   * Half of uWS's backpressure limit, so that our named close comes before uWS's abrupt one.
   * Default: no check.
   */
  slowConsumerBytes?: number;
  /**
   * What a client may write in a document of this name (schema/clientWrites.ts); null: anything
   * (tests of the sync core and the bench's bare documents). The server passes its document kinds'.
   */
  clientWritesOf: (docName: string) => ClientWrites | null;
  /** Called after the room's awareness changed (who is in a call room: consultations/RoomPresence.ts). */
  onAwareness?: (room: Room) => void;
  /** How long a room stays loaded after a server edit once nobody has it open. Default SERVER_EDIT_LINGER_MS. */
  serverEditLingerMs?: number;
  /**
   * For a document only the server writes whose history is worth nothing (the activity feed): how
   * to copy what it holds now into a fresh Y.Doc. Once its folded state passes `replaceAboveBytes`
   * (and the last fresh copy by REPLACE_MARGIN_BYTES), the room replaces it with such a copy, a new
   * generation (see `replace`). Null: never replaced.
   */
  freshCopyOf?: (docName: string) => ((current: Y.Doc, fresh: Y.Doc) => void) | null;
  /** Default REPLACE_ABOVE_BYTES. */
  replaceAboveBytes?: number;
}

/**
 * A server-only document whose folded state passes this, and the last fresh copy by
 * REPLACE_MARGIN_BYTES, is replaced by a fresh generation. With the log folded once its tail
 * reaches the snapshot's size, what is stored stays under about twice the larger of the two.
 */
export const REPLACE_ABOVE_BYTES = 24 * 1024;
export const REPLACE_MARGIN_BYTES = 8 * 1024;

/** A client's update while Yjs applies it, so that the transaction handler can pass its bytes on. */
interface Incoming {
  origin: SyncSocket;
  update: Uint8Array;
  /** Per client, the clock range of the structs it carries; null when it has gaps (Skip). */
  ranges: Map<number, { from: number; to: number }> | null;
  /** The message as received when it is exactly the sync-update frame of `update`, else null. */
  frame: Uint8Array | null;
}

interface Peer {
  access: Access;
  /** Who is behind the socket (a user id, a guest's invitation): one person's sockets share their presence. */
  principal: string;
  /** Awareness client ids this socket set, removed when it closes. */
  clientIds: Set<number>;
}

export class Room {
  readonly topic: string;
  private doc = new Y.Doc();
  private awareness: awarenessProtocol.Awareness;
  /** The client id the server's own edits of this document are written with (see `transact`). */
  serverClientId = PROCESS_CLIENT_ID;
  /** How long the room stays loaded after a server edit once nobody has it open (0 while the server stops). */
  lingerMs: number;
  /** Until when the room stays loaded without sockets (a server edit just ran). */
  private lingerUntil = 0;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly peers = new Map<SyncSocket, Peer>();
  /** Highest seq the store gave for this document so far (its appends, and `applyRemote`'s). */
  private seq: number;
  /** Updates stored after the snapshot (counted once stored), and their bytes. */
  private tailCount: number;
  private tailBytes: number;
  private snapshotBytes: number;
  /**
   * Each room folds its log a little before the thresholds, by its own factor (0.75–1): rooms
   * edited at the same pace would otherwise all compact in the same second. Measured at 12,000
   * edits/s over 100 documents: p99 107–136 ms with every room at the same threshold, as the
   * compactions came in bursts that stalled the event loop for about 100 ms.
   */
  private readonly compactFactor = 0.75 + Math.random() * 0.25;
  private pendingWrites = 0;
  /** Appends not yet settled: their seqs are not known yet. */
  private appending = 0;
  /** Called once no append is left unsettled (`appendsSettled`). */
  private appendWaiters: (() => void)[] = [];
  /** Holds that keep the room loaded without sockets (`pin`: an upgrade on its way to `open`). */
  private readonly pins = new Set<object>();
  private compacting = false;
  /** The socket whose update left structs pending (waiting for what they build on), if any. */
  private pendingFrom: SyncSocket | null = null;
  private destroyed = false;
  private incoming: Incoming | null = null;
  /** What clients may write here; null: anything. */
  private readonly writes: ClientWrites | null;
  /** Clients write nothing here: a client's state vector naming what the server lacks is an old generation's. */
  private readonly serverOnly: boolean;
  private readonly freshCopy: ((current: Y.Doc, fresh: Y.Doc) => void) | null;
  private replacing = false;
  /** Bytes of the state the last replacement wrote (0: never replaced in this room). */
  private freshBytes = 0;
  /**
   * A write failed: the Y.Doc now holds an edit the store lacks, so the room serves nobody until
   * the registry drops it and the next socket reloads the document from what is stored.
   */
  private failed = false;
  /**
   * Sync step 2 for a client that holds nothing (a page opening the document), kept for a large
   * document until the next transaction: Yjs takes about 9 ms to encode 10,000 items, on every
   * join (issue 13). Dropped by a transaction that changed the document (every change is one);
   * not by the empty update each joining client answers sync step 1 with.
   */
  private fullStep2: Uint8Array | null = null;
  /** Settles once the latest update is stored (or failed to be). */
  private lastWrite: Promise<void> = Promise.resolve();
  /** Set by the registry: the room has no socket and nothing left to write. */
  onIdle: (() => void) | null = null;

  constructor(
    readonly name: string,
    log: LoadedLog,
    private readonly store: DocStore,
    private readonly fanOut: FanOut,
    private readonly options: RoomOptions,
  ) {
    this.topic = name;
    this.writes = options.clientWritesOf(name);
    this.serverOnly = this.writes !== null && Object.keys(this.writes).length === 0;
    this.freshCopy = options.freshCopyOf?.(name) ?? null;
    this.lingerMs = options.serverEditLingerMs ?? SERVER_EDIT_LINGER_MS;
    this.seq = log.lastSeq;
    this.tailCount = log.tailCount;
    this.tailBytes = log.tailBytes;
    this.snapshotBytes = log.snapshotBytes;
    this.doc.transact(() => {
      for (const update of log.updates) Y.applyUpdate(this.doc, update);
    });
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.doc.on('afterTransactionCleanup', this.onTransaction);
    this.doc.on('afterTransaction', this.dropFullStep2);
  }

  private readonly dropFullStep2 = (transaction: Y.Transaction): void => {
    if (this.fullStep2 && changedDocument(transaction)) this.fullStep2 = null;
  };

  /** Sync step 2 answering `stateVector`: the kept message when it is empty (see fullStep2). */
  private step2For(stateVector: Uint8Array): Uint8Array {
    // An empty state vector is one varuint 0: the client holds no client's structs.
    if (stateVector.byteLength !== 1 || stateVector[0] !== 0) return encodeSyncStep2(this.encodeWithoutPending(stateVector));
    if (this.fullStep2) return this.fullStep2;
    const message = encodeSyncStep2(this.encodeWithoutPending());
    if (message.byteLength >= KEEP_FULL_STEP2_BYTES) this.fullStep2 = message;
    return message;
  }

  get size(): number {
    return this.peers.size;
  }

  get isIdle(): boolean {
    return (
      this.peers.size === 0 &&
      this.pins.size === 0 &&
      this.pendingWrites === 0 &&
      !this.compacting &&
      !this.replacing &&
      Date.now() >= this.lingerUntil
    );
  }

  /** Highest sequence number the store gave for this document that this room has seen. */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Keeps the room loaded without sockets until the returned release is called, or `ms` passed:
   * the socket upgrade loads the room, then its `open` joins it (RoomRegistry.open). Released
   * twice, or after `endLinger`, it does nothing more.
   */
  pin(ms: number): () => void {
    const hold = {};
    this.pins.add(hold);
    const release = (): void => {
      clearTimeout(timer);
      if (this.pins.delete(hold)) this.checkIdle();
    };
    const timer = setTimeout(release, ms);
    timer.unref();
    return release;
  }

  /** Stops lingering, pins too: the room may be dropped as soon as nothing holds it (server shutdown, purge). */
  endLinger(): void {
    this.lingerUntil = 0;
    this.pins.clear();
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.checkIdle();
  }

  /** Bytes the store holds for this document (snapshot + tail), as the room counts them. */
  get storedBytes(): number {
    return this.snapshotBytes + this.tailBytes;
  }

  /** The snapshot's bytes, as last folded (or loaded). */
  get snapshotSize(): number {
    return this.snapshotBytes;
  }

  /** Current state, for tests and tools. */
  encodeState(): Uint8Array {
    return this.encodeWithoutPending();
  }

  /** The document's state (or what `stateVector` lacks of it) without structs still pending. */
  private encodeWithoutPending(stateVector?: Uint8Array): Uint8Array {
    const store = this.doc.store;
    const { pendingStructs, pendingDs } = store;
    store.pendingStructs = null;
    store.pendingDs = null;
    try {
      return Y.encodeStateAsUpdate(this.doc, stateVector);
    } finally {
      store.pendingStructs = pendingStructs;
      store.pendingDs = pendingDs;
    }
  }

  /** True once a write failed: the registry replaces this room instead of joining it. */
  get isFailed(): boolean {
    return this.failed;
  }

  /**
   * `principal` names who is behind the socket: an awareness state belongs to the person who set
   * it, so that no participant can rewrite or erase another's presence (who is in the call, the
   * five-person cap), while a person's reconnecting page takes its own state over (ownAwareness).
   */
  addPeer(socket: SyncSocket, access: Access, principal = ''): void {
    if (this.failed) {
      socket.close(CloseCode.StorageFailed, 'storage error');
      return;
    }
    this.peers.set(socket, { access, principal, clientIds: new Set() });
    socket.subscribe(this.topic);
    socket.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    const states = this.awareness.getStates();
    if (states.size > 0) {
      socket.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()])));
    }
  }

  removePeer(socket: SyncSocket): void {
    const peer = this.peers.get(socket);
    if (!peer) return;
    this.peers.delete(socket);
    if (this.pendingFrom === socket) {
      // Nobody else can complete what it started.
      this.doc.store.pendingStructs = null;
      this.doc.store.pendingDs = null;
      this.pendingFrom = null;
    }
    if (peer.clientIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...peer.clientIds], null);
    }
    this.checkIdle();
  }

  /** Handles one message; a malformed one closes its socket and changes nothing stored. */
  receive(socket: SyncSocket, message: Uint8Array): void {
    const peer = this.peers.get(socket);
    if (!peer || this.destroyed || this.failed) return;
    try {
      this.dispatch(socket, peer, message);
    } catch (error) {
      const reason = error instanceof SyncProtocolError ? error : new SyncProtocolError(CloseCode.MalformedMessage, 'malformed message');
      if (socket.isOpen) socket.close(reason.code, reason.reason);
    }
  }

  private dispatch(socket: SyncSocket, peer: Peer, message: Uint8Array): void {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MessageType.Sync: {
        const step = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        expectEnd(decoder);
        if (step === SyncStep.Step1) {
          // Only the server writes here: a client that holds what the server lacks holds a
          // generation the server replaced (see `replace`). Sending it the fresh one would merge
          // both (old entries back, some twice): it must drop its copy and sync again from nothing.
          if (this.serverOnly && !this.holdsAllOf(payload)) {
            throw new SyncProtocolError(CloseCode.DocumentReplaced, 'document replaced');
          }
          socket.send(this.step2For(payload));
        } else if (step === SyncStep.Step2 || step === SyncStep.Update) {
          if (peer.access !== 'write') return;
          // Parse fully before touching the document: garbage must fail here, not half-way in.
          const decoded = Y.decodeUpdate(payload);
          // An update is a request body: what it touches is checked before anything is applied.
          if (this.writes) checkClientUpdate(this.doc, decoded, this.writes);
          this.apply(payload, socket, {
            origin: socket,
            update: payload,
            ranges: clientRanges(decoded.structs),
            frame: step === SyncStep.Update && isUpdateFrame(message, payload) ? message : null,
          });
          // Structs built on ones the server has not seen stay pending in Yjs. A real client does
          // send them: typing right after a reconnect, before its sync step 2 carried the offline
          // edits they build on. They are integrated (stored, relayed) when those arrive; until
          // then they are kept out of snapshots and of what others receive (encodeWithoutPending),
          // and dropped if their sender leaves first, so a fuzzer's dangling structs go nowhere.
          if (!this.doc.store.pendingStructs && !this.doc.store.pendingDs) this.pendingFrom = null;
          else this.pendingFrom ??= socket;
        } else {
          throw new SyncProtocolError(CloseCode.MalformedMessage, 'unknown sync step');
        }
        return;
      }
      case MessageType.Awareness: {
        const update = decoding.readVarUint8Array(decoder);
        expectEnd(decoder);
        const own = this.ownAwareness(socket, peer, update);
        if (own) awarenessProtocol.applyAwarenessUpdate(this.awareness, own, socket);
        return;
      }
      case MessageType.QueryAwareness: {
        expectEnd(decoder);
        const states = this.awareness.getStates();
        socket.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()])));
        return;
      }
      case MessageType.Auth:
        // The provider's permission-denied message; authentication happens at upgrade instead.
        return;
      default:
        throw new SyncProtocolError(CloseCode.MalformedMessage, 'unknown message type');
    }
  }

  /**
   * Applies an update and records (stores, then fans out) what the document took. An update that
   * starts exactly where the server's state ends goes as it came (onTransaction); any other, and
   * every edit of the server's own, goes as Yjs encodes the transaction (its `update` event, only
   * listened to for those, so that Yjs does not encode the usual update a second time).
   */
  private apply(update: Uint8Array, origin: unknown, incoming: Incoming | null): void {
    if (incoming !== null && this.followsState(incoming)) {
      this.incoming = incoming;
      try {
        Y.applyUpdate(this.doc, update, origin);
      } finally {
        this.incoming = null;
      }
      return;
    }
    const pendingBefore = this.writes ? pendingOf(this.doc) : null;
    const taken: Uint8Array[] = [];
    const take = (u: Uint8Array): void => void taken.push(u);
    this.doc.on('update', take);
    try {
      Y.applyUpdate(this.doc, update, origin);
    } finally {
      this.doc.off('update', take);
    }
    if (pendingBefore && this.writes) {
      try {
        checkIntegratedPending(this.doc, pendingBefore, this.writes);
      } catch (error) {
        this.reload(origin);
        throw error;
      }
    }
    const sender = this.peers.has(origin as SyncSocket) ? (origin as SyncSocket) : null;
    for (const u of taken) this.record(u, encodeSyncUpdate(u), sender);
  }

  /** True when the document holds, for every client, at least what state vector `encoded` names. */
  private holdsAllOf(encoded: Uint8Array): boolean {
    for (const [client, clock] of Y.decodeStateVector(encoded)) {
      if (clock > Y.getState(this.doc.store, client)) return false;
    }
    return true;
  }

  /** True when each client's structs in `incoming` start where the server's state for it ends. */
  private followsState(incoming: Incoming): boolean {
    const { store } = this.doc;
    if (!incoming.ranges || store.pendingStructs || store.pendingDs) return false;
    for (const [client, { from }] of incoming.ranges) if (Y.getState(store, client) !== from) return false;
    return true;
  }

  private readonly onTransaction = (transaction: Y.Transaction): void => {
    const incoming = this.incoming;
    if (this.destroyed || !incoming || transaction.origin !== incoming.origin) return;
    const { beforeState, afterState } = transaction;
    const origin: unknown = transaction.origin;
    // Yjs's typings leave the delete set's type out.
    const deleteSet = transaction.deleteSet as { clients: Map<number, unknown> };
    const grown: number[] = [];
    afterState.forEach((clock, client) => {
      if ((beforeState.get(client) ?? 0) !== clock) grown.push(client);
    });
    // Nothing new (only deletions the server had): nothing stored, nothing sent.
    if (grown.length === 0 && deleteSet.clients.size === 0) return;
    const sender = this.peers.has(origin as SyncSocket) ? (origin as SyncSocket) : null;
    if (this.integratedAsSent(transaction, incoming, grown)) {
      this.record(incoming.update, incoming.frame ?? encodeSyncUpdate(incoming.update), sender);
    } else {
      // Rare: some structs turned out to build on others the server lacks and stay pending. What
      // was integrated is encoded from the document (with its whole delete set).
      const taken = this.encodeWithoutPending(Y.encodeStateVector(beforeState));
      this.record(taken, encodeSyncUpdate(taken), sender);
    }
  };

  /** True when the transaction added exactly the structs `incoming` carries, all of them. */
  private integratedAsSent(transaction: Y.Transaction, incoming: Incoming, grown: number[]): boolean {
    const { ranges } = incoming;
    if (!ranges || ranges.size !== grown.length) return false;
    if (this.doc.store.pendingStructs || this.doc.store.pendingDs) return false;
    for (const [client, { from, to }] of ranges) {
      if ((transaction.beforeState.get(client) ?? 0) !== from || transaction.afterState.get(client) !== to) return false;
    }
    return true;
  }

  /** Stores an update the document took, then fans it out (never back to its author). */
  private record(update: Uint8Array, message: Uint8Array, sender: SyncSocket | null): void {
    this.pendingWrites++;
    this.appending++;
    const generation = this.doc;
    this.lastWrite = this.store.append(this.name, update).then(
      (seq) => {
        this.pendingWrites--;
        this.appendSettled();
        if (seq > this.seq) this.seq = seq;
        this.tailCount++;
        this.tailBytes += update.byteLength;
        // Replaced since (Room.replace): the sockets now on the topic hold the new generation,
        // which this update of the old one must not reach.
        if (!this.destroyed && generation === this.doc) {
          // The author already has its edit: publish through its socket, which skips it.
          if (sender?.isOpen) sender.publish(this.topic, message);
          else this.fanOut.publish(this.topic, message);
          this.closeSlowConsumers();
          this.link?.stored(seq, update);
        }
        this.maybeCompact();
        this.checkIdle();
      },
      (error: unknown) => {
        this.pendingWrites--;
        this.appendSettled();
        this.failed = true;
        this.options.onError(this.name, error);
        // Clients keep the edit and send it again when they reconnect to a healthy room.
        this.closeAll(CloseCode.StorageFailed, 'storage error');
        this.checkIdle();
      },
    );
  }

  /**
   * Held-back structs of a client, integrated just now, wrote where only the server writes: the
   * document in memory holds what must never be stored. Nothing of it was stored or sent; the room
   * closes its sockets (the author with ForbiddenWrite) and the registry reloads it from the store.
   */
  private reload(origin: unknown): void {
    this.failed = true;
    this.options.onError(this.name, new Error('held-back client structs wrote server-owned data; reloading'));
    const author = this.pendingFrom;
    if (author?.isOpen) author.close(CloseCode.ForbiddenWrite, 'server-owned data');
    if (origin !== author && this.peers.has(origin as SyncSocket) && (origin as SyncSocket).isOpen) {
      (origin as SyncSocket).close(CloseCode.ForbiddenWrite, 'server-owned data');
    }
    this.closeAll(CloseCode.RoomReloaded, 'reloading');
    this.checkIdle();
  }

  /**
   * The part of an awareness update that `peer` may apply: entries for states another person's
   * socket set are left out (stock y-websocket clients echo every change they receive, so such an
   * entry is usually an echo, not an attack; either way it changes nothing). Null: nothing left.
   */
  private ownAwareness(socket: SyncSocket, peer: Peer, update: Uint8Array): Uint8Array | null {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    const kept: [number, number, string][] = [];
    for (let i = 0; i < count; i++) {
      const entry: [number, number, string] = [decoding.readVarUint(decoder), decoding.readVarUint(decoder), decoding.readVarString(decoder)];
      let foreign = false;
      for (const [other, otherPeer] of this.peers) {
        if (other === socket || !otherPeer.clientIds.has(entry[0])) continue;
        if (otherPeer.principal !== peer.principal) foreign = true;
        // The same person's page, reconnected: the state is the new socket's now.
        else otherPeer.clientIds.delete(entry[0]);
      }
      if (!foreign) kept.push(entry);
    }
    if (kept.length === count) return update;
    if (kept.length === 0) return null;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, kept.length);
    for (const [clientId, clock, state] of kept) {
      encoding.writeVarUint(encoder, clientId);
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarString(encoder, state);
    }
    return encoding.toUint8Array(encoder);
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const peer = this.peers.get(origin as SyncSocket);
    if (peer) {
      for (const id of added) peer.clientIds.add(id);
      for (const id of updated) peer.clientIds.add(id);
      for (const id of removed) peer.clientIds.delete(id);
    }
    const changed = added.concat(updated, removed);
    const encoded = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
    // Sent to the author too: the provider's watchdog counts its own awareness renewals as life.
    this.fanOut.publish(this.topic, encodeAwareness(encoded));
    if (origin !== REMOTE_AWARENESS) this.link?.awarenessChanged(encoded);
    this.options.onAwareness?.(this);
  };

  /** The awareness states of the clients on this document now. */
  awarenessStates(): Map<number, Record<string, unknown>> {
    return this.awareness.getStates();
  }

  private closeSlowConsumers(): void {
    const limit = this.options.slowConsumerBytes;
    if (limit === undefined) return;
    for (const socket of this.peers.keys()) {
      if (socket.bufferedAmount > limit) socket.close(CloseCode.SlowConsumer, 'too slow');
    }
  }

  private maybeCompact(): void {
    // A failed room's state holds what the store lacks: folding it into a snapshot would store it.
    if (this.compacting || this.replacing || this.destroyed || this.failed) return;
    // By bytes too, so that a log stays within about twice its document's encoded state.
    const bytesDue = this.tailBytes >= Math.max(this.snapshotBytes, COMPACT_MIN_TAIL_BYTES) * this.compactFactor;
    if (this.tailCount < this.options.compactAfter * this.compactFactor && !bytesDue) return;
    this.compacting = true;
    // Every seq given so far: the state holds them all, and those still being stored besides
    // (they stay in the tail above upTo; applying them again on load changes nothing).
    const upTo = this.seq;
    const folded = this.tailCount;
    const foldedBytes = this.tailBytes;
    const state = this.encodeWithoutPending();
    this.store.compact(this.name, upTo, state).then(
      () => {
        this.tailCount -= folded;
        this.tailBytes -= foldedBytes;
        this.snapshotBytes = state.byteLength;
        this.compacting = false;
        if (this.dueForReplacement) {
          this.replace().catch((error: unknown) => this.options.onError(this.name, error));
        } else {
          // Updates stored while it ran (numbered above upTo) may be due in turn.
          this.maybeCompact();
        }
        this.checkIdle();
      },
      (error: unknown) => {
        this.compacting = false;
        this.options.onError(this.name, error);
        this.checkIdle();
      },
    );
  }

  private checkIdle(): void {
    if (this.isIdle && this.onIdle) this.onIdle();
  }

  closeAll(code: number, reason: string): void {
    for (const socket of [...this.peers.keys()]) {
      if (socket.isOpen) socket.close(code, reason);
      this.removePeer(socket);
    }
  }

  /**
   * Applies an edit made by the server itself (a signature, a new document): stored and fanned out
   * exactly like a client's. Resolves once it is stored.
   */
  async applyServerUpdate(update: Uint8Array): Promise<void> {
    if (this.destroyed || this.failed) throw new RoomUnavailable();
    Y.decodeUpdate(update);
    this.apply(update, SERVER_ORIGIN, null);
    this.linger();
    await this.lastWrite;
    // An update that added nothing wrote nothing: the registry may still drop an empty room.
    this.checkIdle();
  }

  /** An awareness update from another node's sockets (already checked there): applied and sent to this node's. */
  applyRemoteAwareness(update: Uint8Array): void {
    if (this.destroyed || this.failed) return;
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, REMOTE_AWARENESS);
  }

  /**
   * Another node replaced the document by a new generation: this copy is an old one. Its sockets
   * are closed as the replacing node's are (DocumentReplaced: the client syncs the fresh one), and
   * the room serves nobody more, so that the registry loads the new generation for the next.
   */
  replacedElsewhere(): void {
    if (this.destroyed) return;
    this.failed = true;
    this.closeAll(CloseCode.DocumentReplaced, 'document replaced');
    this.endLinger();
    this.checkIdle();
  }

  /**
   * An update another node already stored as `seq` (the cluster's fan-out): applied to the
   * document, sent to this node's sockets, not stored again. The kept sync step 2 goes with any
   * change (dropFullStep2). Counted in the tail, as the store holds it there; compaction is left
   * to the next local write. A local client's held-back structs that it completes are this node's
   * to store, as when a local update completes them (`apply`).
   */
  applyRemote(seq: number, update: Uint8Array): void {
    if (this.destroyed || this.failed) return;
    if (seq > this.seq) this.seq = seq;
    // Seq 0: read from the store to catch up (cluster/roomLink.ts resync), a snapshot maybe, mostly
    // held already: not counted in the tail, and only what this room lacked goes to its sockets.
    const catchUp = seq === 0;
    if (!catchUp) {
      this.tailCount++;
      this.tailBytes += update.byteLength;
    }
    const pendingBefore = pendingOf(this.doc);
    const stateBefore = pendingBefore || catchUp ? Y.encodeStateVector(this.doc) : null;
    const deletesBefore = catchUp ? Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.doc)) : null;
    Y.applyUpdate(this.doc, update, REMOTE_ORIGIN);
    if (catchUp) {
      const added = Y.encodeStateAsUpdate(this.doc, stateBefore!);
      // Nothing new (no struct, the same deletions): nothing to send.
      if (Buffer.compare(added, deletesBefore!) === 0) return;
      this.fanOut.publish(this.topic, encodeSyncUpdate(added));
    } else {
      this.fanOut.publish(this.topic, encodeSyncUpdate(update));
    }
    this.closeSlowConsumers();
    if (pendingBefore && stateBefore) this.recordCompleted(pendingBefore, stateBefore, update);
  }

  /** Stores and sends what a remote update integrated of a local client's held-back structs. */
  private recordCompleted(pendingBefore: Pending, stateBefore: Uint8Array, remote: Uint8Array): void {
    if (this.writes) {
      try {
        checkIntegratedPending(this.doc, pendingBefore, this.writes);
      } catch {
        this.reload(REMOTE_ORIGIN);
        return;
      }
    }
    // What the document holds beyond its state before and the remote update: the completed structs.
    const known = Y.decodeStateVector(stateBefore);
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVectorFromUpdate(remote))) {
      if (clock > (known.get(client) ?? 0)) known.set(client, clock);
    }
    const completed = this.encodeWithoutPending(Y.encodeStateVector(known));
    // Held-back deletions carry no structs: the delete set goes along whenever there were some.
    if (Y.decodeUpdate(completed).structs.length > 0 || pendingBefore.deletes) {
      const author = this.pendingFrom;
      this.record(completed, encodeSyncUpdate(completed), author && this.peers.has(author) ? author : null);
    }
    if (!this.doc.store.pendingStructs && !this.doc.store.pendingDs) this.pendingFrom = null;
  }

  /**
   * Runs `edit` on the live document, as the server: one transaction written with
   * `serverClientId` (so that the document's state vector does not grow by one client per edit),
   * then stored and fanned out like any update. Resolves with what `edit` returned once stored.
   *
   * Yjs creates a transaction's structs under `doc.clientID`, which is otherwise this room's own
   * random id that nothing writes with; it is the server's id only for the transaction. Set after
   * the document was loaded, so Yjs continues that id's clock from what is stored, never reusing
   * one (and applying stored structs of the id does not make Yjs draw the document a new one).
   * If `edit` throws half-way, what it did is stored all the same (memory and store must agree),
   * then the error is passed on: server edits check before they write.
   */
  async transact<T>(edit: (doc: Y.Doc) => T): Promise<T> {
    if (this.destroyed || this.failed) throw new RoomUnavailable();
    const doc = this.doc;
    const ownId = doc.clientID;
    const taken: Uint8Array[] = [];
    const take = (u: Uint8Array): void => void taken.push(u);
    let result!: T;
    doc.on('update', take);
    doc.clientID = this.serverClientId;
    try {
      doc.transact(() => {
        result = edit(doc);
      }, SERVER_ORIGIN);
    } finally {
      doc.clientID = ownId;
      doc.off('update', take);
      for (const u of taken) this.record(u, encodeSyncUpdate(u), null);
      this.linger();
    }
    await this.lastWrite;
    if (this.dueForReplacement) await this.replace();
    this.checkIdle();
    return result;
  }

  /** Runs `read` on the live document (which it must not change): no copy, no decoding. */
  read<T>(read: (doc: Y.Doc) => T): T {
    if (this.destroyed) throw new RoomUnavailable();
    return read(this.doc);
  }

  private get dueForReplacement(): boolean {
    if (!this.freshCopy || this.replacing || this.compacting || this.failed || this.destroyed) return false;
    // Past the floor, and past the last fresh copy by a margin: a document whose current content is
    // itself large is not replaced at every fold, and the traces of past edits stay small.
    return this.snapshotBytes > Math.max(this.options.replaceAboveBytes ?? REPLACE_ABOVE_BYTES, this.freshBytes + REPLACE_MARGIN_BYTES);
  }

  /**
   * Replaces the document by a fresh one holding only what it holds now (`freshCopyOf`), written
   * with a new client id: a new generation that shares no client id with any earlier one. The
   * stored log is replaced in one store transaction, queued behind the appends it replaces; every
   * socket is closed with DocumentReplaced (the client drops its copy and syncs the fresh one),
   * and a client that comes back later with an old copy is told the same at sync step 1.
   * Server edits go on with the generation's id (`serverClientId`): the process's own id may sit in
   * the old generation, and a clock of it reused here could be mistaken by an old copy for its own.
   */
  async replace(): Promise<void> {
    if (!this.freshCopy || this.destroyed || this.failed || this.replacing) return;
    this.replacing = true;
    // Counted before the sockets go, so that the room is not dropped as idle half-way.
    this.pendingWrites++;
    // The store numbers the appends: the new log must fold every one of this generation, so their
    // seqs are awaited first. No await past this one: nothing is appended before the swap.
    while (this.appending > 0) await this.appendsSettled();
    if (this.destroyed || this.failed) {
      this.pendingWrites--;
      this.replacing = false;
      this.checkIdle();
      return;
    }
    const fresh = new Y.Doc();
    const old = this.doc;
    fresh.transact(() => this.freshCopy!(old, fresh));
    const state = Y.encodeStateAsUpdate(fresh);
    this.closeAll(CloseCode.DocumentReplaced, 'document replaced');
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
    old.off('afterTransactionCleanup', this.onTransaction);
    old.off('afterTransaction', this.dropFullStep2);
    old.destroy();
    this.doc = fresh;
    // The kept step 2 (step2For) was the old generation's.
    this.fullStep2 = null;
    this.serverClientId = fresh.clientID;
    this.doc.on('afterTransactionCleanup', this.onTransaction);
    this.doc.on('afterTransaction', this.dropFullStep2);
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.pendingFrom = null;
    const upTo = this.seq;
    this.tailCount = 0;
    this.tailBytes = 0;
    this.snapshotBytes = state.byteLength;
    this.freshBytes = state.byteLength;
    this.lastWrite = this.store.replace(this.name, upTo, state).then(
      () => {
        this.pendingWrites--;
        this.replacing = false;
        this.onReplaced?.(this);
        this.link?.replacedHere();
        this.checkIdle();
      },
      (error: unknown) => {
        this.pendingWrites--;
        this.replacing = false;
        this.failed = true;
        this.options.onError(this.name, error);
        this.closeAll(CloseCode.StorageFailed, 'storage error');
        this.checkIdle();
      },
    );
    await this.lastWrite;
  }

  private appendSettled(): void {
    if (--this.appending > 0) return;
    const waiters = this.appendWaiters;
    this.appendWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once no append is left unsettled (whatever order the store settles them in). */
  private appendsSettled(): Promise<void> {
    if (this.appending === 0) return Promise.resolve();
    return new Promise((resolve) => this.appendWaiters.push(resolve));
  }

  /** Set by the registry: a new generation of this document was stored. */
  onReplaced: ((room: Room) => void) | null = null;
  /** The other nodes holding this document (RoomRegistry sets it in a cluster). */
  link: RoomLinkHooks | null = null;

  private linger(): void {
    const ms = this.lingerMs;
    if (ms <= 0 || this.destroyed) return;
    this.lingerUntil = Date.now() + ms;
    if (!this.lingerTimer) this.armLinger(ms);
  }

  private armLinger(ms: number): void {
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      const left = this.lingerUntil - Date.now();
      if (left > 0 && !this.destroyed) this.armLinger(left);
      else this.checkIdle();
    }, ms);
    this.lingerTimer.unref();
  }

  /** Settles once every update taken so far is stored (or failed to be). */
  whenWritten(): Promise<void> {
    return this.lastWrite;
  }

  /** Closes every socket whose access no longer holds. */
  revoke(predicate: (socket: SyncSocket) => boolean, code: number, reason: string): void {
    for (const socket of [...this.peers.keys()]) {
      if (predicate(socket)) {
        if (socket.isOpen) socket.close(code, reason);
        this.removePeer(socket);
      }
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
    this.doc.off('afterTransactionCleanup', this.onTransaction);
    this.doc.off('afterTransaction', this.dropFullStep2);
    this.fullStep2 = null;
    this.doc.destroy();
  }
}

/** The room was destroyed, or holds what the store lacks: its registry opens a fresh one. */
export class RoomUnavailable extends Error {
  constructor() {
    super('room unavailable');
    this.name = 'RoomUnavailable';
  }
}

/**
 * Per client, the clock range an update's structs cover, or null if a client's structs have a gap
 * (a Skip) or come in more than one run: such an update goes the slow way.
 */
function clientRanges(structs: (Y.Item | Y.GC | Y.Skip)[]): Map<number, { from: number; to: number }> | null {
  const ranges = new Map<number, { from: number; to: number }>();
  for (const struct of structs) {
    if (struct instanceof Y.Skip) return null;
    const { client, clock } = struct.id;
    const range = ranges.get(client);
    if (!range) ranges.set(client, { from: clock, to: clock + struct.length });
    else if (range.to === clock) range.to = clock + struct.length;
    else return null;
  }
  return ranges;
}

/** True when a transaction added structs or deleted any (else the document's encoding is unchanged). */
function changedDocument(transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size > 0) return true;
  const { beforeState, afterState } = transaction;
  if (beforeState.size !== afterState.size) return true;
  for (const [client, clock] of afterState) if (beforeState.get(client) !== clock) return true;
  return false;
}

/** True when `message` is exactly [Sync, Update, length, update], as encodeSyncUpdate writes it. */
function isUpdateFrame(message: Uint8Array, update: Uint8Array): boolean {
  let lengthBytes = 1;
  for (let n = update.byteLength; n > 0x7f; n >>>= 7) lengthBytes++;
  return message.byteLength === 2 + lengthBytes + update.byteLength && message[0] === MessageType.Sync && message[1] === SyncStep.Update;
}

function expectEnd(decoder: decoding.Decoder): void {
  if (decoding.hasContent(decoder)) throw new SyncProtocolError(CloseCode.MalformedMessage, 'trailing bytes');
}
