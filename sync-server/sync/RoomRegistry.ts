/**
 * The rooms in memory: a document is loaded when its first socket arrives and dropped once it has
 * no socket and nothing left to write.
 */
import type { DocStore } from '../store/docLog.ts';
import type { FanOut, SyncSocket } from './socket.ts';
import { Room, type Access, type RoomOptions } from './Room.ts';
import { CloseCode } from './closeCodes.ts';

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private idleWaiters: (() => void)[] = [];

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
      const created = room;
      room.onIdle = () => this.drop(created);
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
    for (const room of [...this.rooms.values()]) room.closeAll(CloseCode.ServerShuttingDown, 'server shutting down');
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
