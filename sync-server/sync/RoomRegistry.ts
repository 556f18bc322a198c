/**
 * The rooms in memory: a document is loaded when its first socket arrives and dropped once it has
 * no socket and nothing left to write.
 */
import * as Y from 'yjs';
import type { DocStore } from '../store/docLog.ts';
import type { FanOut, SyncSocket } from './socket.ts';
import { Room, type Access, type RoomOptions } from './Room.ts';
import { CloseCode } from './closeCodes.ts';

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
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
  ) {}

  get roomCount(): number {
    return this.rooms.size;
  }

  get(docName: string): Room | undefined {
    return this.rooms.get(docName);
  }

  join(docName: string, socket: SyncSocket, access: Access, principal = ''): Room {
    const room = this.open(docName);
    room.addPeer(socket, access, principal);
    return room;
  }

  private open(docName: string): Room {
    let room = this.rooms.get(docName);
    if (!room) {
      room = new Room(docName, this.store.load(docName), this.store, this.fanOut, this.options);
      room.serverClientId = this.generationIds.get(docName) ?? this.serverClientId;
      if (this.stopping) room.lingerMs = 0;
      const created = room;
      room.onIdle = () => this.drop(created);
      room.onReplaced = (replaced) => void this.generationIds.set(docName, replaced.serverClientId);
      this.rooms.set(docName, room);
    }
    return room;
  }

  /**
   * An edit made by the server (signature, new document), loaded or not: it goes through the room
   * so that it is stored in order with clients' edits and reaches every open socket.
   */
  async applyServerUpdate(docName: string, update: Uint8Array): Promise<void> {
    const room = this.open(docName);
    try {
      await room.applyServerUpdate(update);
    } catch (error) {
      if (!room.isFailed) throw error;
      // The room reloads (a write failed, or a client's held-back edits were refused): once what it
      // had taken is stored and it is dropped, the edit goes to a room loaded from the store.
      await room.whenWritten();
      if (this.rooms.get(docName) === room) throw error;
      await this.open(docName).applyServerUpdate(update);
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
    const room = this.open(docName);
    try {
      return await room.transact(edit);
    } catch (error) {
      if (!room.isFailed) throw error;
      await room.whenWritten();
      if (this.rooms.get(docName) === room) throw error;
      return this.open(docName).transact(edit);
    }
  }

  /**
   * Runs `read` on the document as it is now: the live room's when it is loaded (no copy), else a
   * copy decoded from the store and thrown away. `read` must not change the document nor keep it.
   */
  read<T>(docName: string, read: (doc: Y.Doc) => T): T {
    const room = this.rooms.get(docName);
    if (room) return room.read(read);
    const doc = new Y.Doc();
    try {
      doc.transact(() => {
        for (const update of this.store.load(docName).updates) Y.applyUpdate(doc, update);
      });
      return read(doc);
    } finally {
      doc.destroy();
    }
  }

  /** A private copy of the document as it is now (destroy it after use): one encoding of the live room's, or one decoding of the store's. */
  copy(docName: string): Y.Doc {
    const doc = new Y.Doc();
    doc.transact(() => {
      for (const update of this.readState(docName)) Y.applyUpdate(doc, update);
    });
    return doc;
  }

  /** The current state of a document, from its live room or else from the store. */
  readState(docName: string): Uint8Array[] {
    const room = this.rooms.get(docName);
    return room ? [room.encodeState()] : this.store.load(docName).updates;
  }

  leave(room: Room, socket: SyncSocket): void {
    room.removePeer(socket);
  }

  /** Closes every socket of every room with `reason`, then waits for pending writes. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const room of [...this.rooms.values()]) {
      room.closeAll(CloseCode.ServerShuttingDown, 'server shutting down');
      room.lingerMs = 0;
      room.endLinger();
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
    room.destroy();
    if (this.rooms.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
