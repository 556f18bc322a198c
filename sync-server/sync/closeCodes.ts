/**
 * WebSocket close codes, named, so a client can tell a bad message from a server restart.
 * y-websocket does not reconnect after a code in 4400–4499: those are for faults that a retry
 * would repeat. Codes outside that range let the client reconnect with backoff.
 */
export const CloseCode = {
  /** A message that is not a well-formed y-protocols message. */
  MalformedMessage: 4400,
  /** The session ended (logout, expiry) while the socket was open. */
  Unauthorized: 4401,
  /** The caller lost the right to this document. */
  Forbidden: 4403,
  /**
   * An update that writes what only the server writes (a signature, a document entry, the room's
   * `sent` list, a fiche field itself, a new root type): refused whole (schema/clientWrites.ts).
   */
  ForbiddenWrite: 4405,
  /**
   * The document was replaced by a fresh generation holding only its current state (a document
   * only the server writes, such as the activity feed, past its size bound), or the client's copy
   * holds what the server's does not (an old generation). In the 44xx range so that a stock
   * provider does not come back with the same copy: the client drops its copy (memory and any
   * offline store) and opens the document again from nothing (client/sync/serverDoc.ts).
   */
  DocumentReplaced: 4410,
  /** A message over the size limit. */
  MessageTooBig: 4413,
  /** More messages per second than the limit allows. */
  TooManyMessages: 4429,
  /** The server is stopping; reconnect later. */
  ServerShuttingDown: 4503,
  /** The server could not store an edit (disk full, I/O error); the client keeps it and retries. */
  StorageFailed: 4507,
  /**
   * The room dropped what it held in memory (a client's held-back edits turned out to write what
   * only the server writes) and reloads from the store: reconnect and resync.
   */
  RoomReloaded: 4509,
  /** The client stopped reading (half the backpressure limit queued): reconnect and resync. */
  SlowConsumer: 4508,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export class SyncProtocolError extends Error {
  constructor(
    readonly code: CloseCode,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'SyncProtocolError';
  }
}
