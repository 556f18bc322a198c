/**
 * The rooms in memory: a document is loaded (asynchronously: the store may be on another machine)
 * when its first socket arrives, before the socket's upgrade is answered, and dropped once it has
 * no socket and nothing left to write.
 */
import * as Y from 'yjs';
import type { DocStore } from '../store/contract.ts';
import type { FanOut, SyncSocket } from './socket.ts';
import { Room, RoomUnavailable, type Access, type RoomOptions } from './Room.ts';
import { CloseCode } from './closeCodes.ts';
import { LocalDocBus, type DocBus } from '../cluster/docBus.ts';
import { RoomLink } from '../cluster/roomLink.ts';

/**
 * How long a room loaded for a socket's upgrade stays loaded waiting for the socket's `open`
 * (RoomRegistry.openPinned): uWS opens it right after the upgrade; a client gone meanwhile never does.
 */
export const UPGRADE_PIN_MS = 10_000;

/** A Yjs client id drawn as Yjs draws them. */
function freshClientId(): number {
  const doc = new Y.Doc();
  const id = doc.clientID;
  doc.destroy();
  return id;
}

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  /** Loads under way, shared by every caller that asks for the document meanwhile. */
  private readonly loading = new Map<string, Promise<Room>>();
  /** In a cluster, each loaded room's link to the other nodes holding its document. */
  private readonly links = new Map<Room, RoomLink>();
  private idleWaiters: (() => void)[] = [];
  /**
   * Documents this process replaced by a new generation, and the client id their server edits go
   * on with: the process's own id may sit in the generation replaced (see Room.replace).
   */
  private readonly generationIds = new Map<string, number>();
  /**
   * The client id this server writes its edits with (Room.transact): drawn at each start like any
   * Yjs client id, so that a restarted server never writes over clocks an earlier start used.
   */
  readonly serverClientId = new Y.Doc().clientID;
  private stopping = false;

  constructor(
    private readonly store: DocStore,
    private readonly fanOut: FanOut,
    private readonly options: RoomOptions,
    /** How rooms hear other nodes' (cluster/docBus.ts); a single node's hears nobody. */
    private readonly bus: DocBus = new LocalDocBus(),
  ) {}

  get roomCount(): number {
    return this.rooms.size;
  }

  get(docName: string): Room | undefined {
    return this.rooms.get(docName);
  }

  /**
   * Adds a socket to the loaded room of `docName` (`open` or `openPinned` loaded it): a socket's
   * messages never reach a document still loading. Throws RoomUnavailable if it is not loaded.
   */
  join(docName: string, socket: SyncSocket, access: Access, principal = ''): Room {
    const room = this.rooms.get(docName);
    // Not loaded (held past UPGRADE_PIN_MS?), or the server stopping: the client comes back later.
    if (!room || this.stopping) throw new RoomUnavailable();
    room.addPeer(socket, access, principal);
    return room;
  }

  /**
   * The room of `docName`, loaded from the store if need be (one load however many ask at once).
   * A room nothing holds is dropped at its next idle check: hold it (a socket, a write, `pin`).
   */
  open(docName: string): Promise<Room> {
    const room = this.rooms.get(docName);
    if (room) return Promise.resolve(room);
    let loading = this.loading.get(docName);
    if (!loading) {
      loading = this.load(docName);
      this.loading.set(docName, loading);
    }
    return loading;
  }

  /**
   * For a socket's upgrade: the room loaded and held until `release` (the socket's `open`, once
   * joined) or UPGRADE_PIN_MS, so that it is not dropped in between.
   */
  async openPinned(docName: string, ms = UPGRADE_PIN_MS): Promise<{ room: Room; release: () => void }> {
    const room = await this.open(docName);
    if (this.stopping) throw new RoomUnavailable();
    return { room, release: room.pin(ms) };
  }

  private async load(docName: string): Promise<Room> {
    // On the bus before reading the store: an update another node stores in between is then
    // either in what is read or held by the link until the room is attached.
    const link = this.bus.crossesNodes ? new RoomLink(docName, this.bus, this.store) : null;
    try {
      const log = await this.store.load(docName);
      const room = new Room(docName, log, this.store, this.fanOut, this.options);
      if (link) {
        room.link = link;
        this.links.set(room, link);
        link.attach(
          {
            applyRemote: (seq, update) => room.applyRemote(seq, update),
            applyRemoteAwareness: (update) => room.applyRemoteAwareness(update),
            replacedElsewhere: () => {
              // This node's next edits of the new generation go under an id no generation holds.
              this.generationIds.set(docName, freshClientId());
              room.replacedElsewhere();
            },
          },
          log.lastSeq,
        );
      }
      room.serverClientId = this.generationIds.get(docName) ?? this.serverClientId;
      if (this.stopping) room.lingerMs = 0;
      room.onIdle = () => this.drop(room);
      room.onReplaced = (replaced) => void this.generationIds.set(docName, replaced.serverClientId);
      this.rooms.set(docName, room);
      return room;
    } catch (error) {
      link?.close();
      throw error;
    } finally {
      this.loading.delete(docName);
    }
  }

  /**
   * An edit made by the server (signature, new document), loaded or not: it goes through the room
   * so that it is stored in order with clients' edits and reaches every open socket.
   */
  async applyServerUpdate(docName: string, update: Uint8Array): Promise<void> {
    const room = await this.open(docName);
    try {
      await room.applyServerUpdate(update);
    } catch (error) {
      if (!room.isFailed) throw error;
      // The room reloads (a write failed, or a client's held-back edits were refused): once what it
      // had taken is stored and it is dropped, the edit goes to a room loaded from the store.
      await room.whenWritten();
      if (this.rooms.get(docName) === room) throw error;
      await (await this.open(docName)).applyServerUpdate(update);
    }
  }

  /**
   * Runs a server edit on the live document (loading it if no socket has it open; it then stays
   * loaded a short while for the next edit): one transaction under the server's client id, stored
   * in order with clients' edits and fanned out to every open socket (Room.transact). Resolves with
   * what `edit` returned once stored. `edit` may run twice if the room failed under it (a storage
   * error): it must compute its change from the document it is given.
   */
  async transact<T>(docName: string, edit: (doc: Y.Doc) => T): Promise<T> {
    const room = await this.open(docName);
    try {
      return await room.transact(edit);
    } catch (error) {
      if (!room.isFailed) throw error;
      await room.whenWritten();
      if (this.rooms.get(docName) === room) throw error;
      return (await this.open(docName)).transact(edit);
    }
  }

  /**
   * Runs `read` on the document as it is now: the live room's when it is loaded (no copy), else a
   * copy decoded from the store and thrown away. `read` must not change the document nor keep it.
   */
  async read<T>(docName: string, read: (doc: Y.Doc) => T): Promise<T> {
    const loaded = this.rooms.get(docName);
    if (loaded) return loaded.read(read);
    const { updates } = await this.store.load(docName);
    // Loaded meanwhile: the live room may hold edits made since the store was read.
    const room = this.rooms.get(docName);
    if (room) return room.read(read);
    const doc = new Y.Doc();
    try {
      doc.transact(() => {
        for (const update of updates) Y.applyUpdate(doc, update);
      });
      return read(doc);
    } finally {
      doc.destroy();
    }
  }

  /** A private copy of the document as it is now (destroy it after use): one encoding of the live room's, or one decoding of the store's. */
  async copy(docName: string): Promise<Y.Doc> {
    const state = await this.readState(docName);
    const doc = new Y.Doc();
    doc.transact(() => {
      for (const update of state) Y.applyUpdate(doc, update);
    });
    return doc;
  }

  /** The current state of a document, from its live room or else from the store. */
  async readState(docName: string): Promise<Uint8Array[]> {
    const loaded = this.rooms.get(docName);
    if (loaded) return [loaded.encodeState()];
    const { updates } = await this.store.load(docName);
    // Loaded meanwhile (see `read`).
    const room = this.rooms.get(docName);
    return room ? [room.encodeState()] : updates;
  }

  leave(room: Room, socket: SyncSocket): void {
    room.removePeer(socket);
  }

  /** Closes every socket of every room with `reason`, then waits for pending writes. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const stopAll = (): void => {
      for (const room of [...this.rooms.values()]) {
        room.closeAll(CloseCode.ServerShuttingDown, 'server shutting down');
        room.lingerMs = 0;
        room.endLinger();
      }
    };
    stopAll();
    if (this.loading.size > 0) {
      // Rooms still loading: no socket joins them now (`join`), their writes go on; then they go too.
      await Promise.allSettled([...this.loading.values()]);
      stopAll();
    }
    if (this.rooms.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  forEach(fn: (room: Room) => void): void {
    for (const room of this.rooms.values()) fn(room);
  }

  private drop(room: Room): void {
    if (this.rooms.get(room.name) !== room || !room.isIdle) return;
    this.rooms.delete(room.name);
    this.links.get(room)?.close();
    this.links.delete(room);
    room.destroy();
    if (this.rooms.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
