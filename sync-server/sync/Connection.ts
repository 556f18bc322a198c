/**
 * One socket on one document: enforces the per-socket limits, then hands messages to the room.
 * Transport-independent, so the limits are tested with in-memory sockets.
 */
import type { Room } from './Room.ts';
import type { SyncSocket } from './socket.ts';
import { CloseCode } from './closeCodes.ts';

export interface ConnectionLimits {
  /** Largest message accepted, in bytes. Default 2 MiB: a pasted page of text is far below. */
  maxMessageBytes: number;
  /** Sustained messages per second per socket. Default 200: typing and cursor moves stay far below. */
  messagesPerSecond: number;
  /** Burst allowance above the sustained rate. Default 1,000 (a reconnect flushes queued edits). */
  messageBurst: number;
  /** Bytes queued for a socket that does not read before it is dropped. Default 64 MiB. */
  maxBackpressureBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxMessageBytes: 2 * 1024 * 1024,
  messagesPerSecond: 200,
  messageBurst: 1000,
  maxBackpressureBytes: 64 * 1024 * 1024,
};

export class Connection {
  private tokens: number;
  private lastRefill = performance.now();

  constructor(
    readonly socket: SyncSocket,
    readonly room: Room,
    private readonly limits: ConnectionLimits,
  ) {
    this.tokens = limits.messageBurst;
  }

  receive(message: Uint8Array): void {
    if (message.byteLength > this.limits.maxMessageBytes) {
      this.socket.close(CloseCode.MessageTooBig, 'message too big');
      return;
    }
    const now = performance.now();
    this.tokens = Math.min(this.limits.messageBurst, this.tokens + ((now - this.lastRefill) / 1000) * this.limits.messagesPerSecond);
    this.lastRefill = now;
    if (this.tokens < 1) {
      this.socket.close(CloseCode.TooManyMessages, 'too many messages');
      return;
    }
    this.tokens -= 1;
    this.room.receive(this.socket, message);
  }
}
